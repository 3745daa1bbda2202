"""The sandbox's generated passwords: made once per cluster, kept in a root-only file."""

from __future__ import annotations

import secrets
from pathlib import Path

import yaml

NAMES = (
    "kafka-admin", "kafka-controller", "cassandra-admin", "cassandra-default", "mariadb-admin",
    "kafka-dev", "kafka-test", "kafka-prod",
    "cassandra-dev", "cassandra-test", "cassandra-prod",
    "mariadb-dev", "mariadb-test", "mariadb-prod",
    "jupyterhub-api",
)


def load_or_create(path: Path) -> dict[str, str]:
    values = yaml.safe_load(path.read_text()) if path.exists() else {}
    values = values or {}
    missing = [name for name in NAMES if name not in values]
    if missing:
        for name in missing:
            values[name] = secrets.token_urlsafe(18)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(yaml.safe_dump(values))
    return values
