"""SQL identifiers for MariaDB: names cannot be bound parameters, so they are checked and quoted here."""

from __future__ import annotations

from agility.config.areas import check_dataset


def quoted(identifier: str) -> str:
    """An identifier for SQL: only validated names ([a-z][a-z0-9_]*) reach here; backquoted anyway."""
    return f"`{check_dataset(identifier)}`"
