"""agility: an executable demo and verification suite for a data platform."""

__version__ = "0.1.0"
