"""`python -m agility.cli`: the same as the `agility` command."""

import sys

from agility.cli import main

sys.exit(main())
