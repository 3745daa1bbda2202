"""Jobs: each a module that runs from an IDE or a shell (`python -m agility.jobs.<name>`)."""
