"""Configuration as data: profiles, work areas, the provisioning declaration, the developers' registry."""
