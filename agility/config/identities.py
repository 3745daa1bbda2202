"""Who connects, and with what: credentials by reference, the bastion, a person's SSH identity.
Values of a profile, kept apart so that the developers' registry can hand them out too."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from agility.core.errors import ConfigError


@dataclass(frozen=True)
class Secret:
    """A credential by reference: an environment variable or a key in a (root-only) YAML file."""

    env: str | None = None
    file: str | None = None
    key: str | None = None

    def reveal(self) -> str:
        if self.env:
            if self.env not in os.environ:
                raise ConfigError(f"the environment variable {self.env} (a credential) is not set")
            return os.environ[self.env]
        try:
            values = yaml.safe_load(Path(self.file).expanduser().read_text()) or {}
        except FileNotFoundError:
            raise ConfigError(f"the credentials file {self.file} does not exist") from None
        if self.key not in values:
            raise ConfigError(f"the credentials file {self.file} has no key '{self.key}'")
        return str(values[self.key])

    def __repr__(self) -> str:  # never print a value
        return f"Secret(env={self.env!r})" if self.env else f"Secret(file={self.file!r}, key={self.key!r})"


@dataclass(frozen=True)
class Account:
    user: str
    password: Secret


@dataclass(frozen=True)
class Bastion:
    host: str
    port: int
    user: str
    key: str
    known_hosts: str  # OpenSSH known_hosts: the host keys of the bastion and of every node


@dataclass(frozen=True)
class SshUser:
    """A person's SSH identity for this cluster and the services their tunnel may reach."""

    name: str
    key: str
    services: tuple[str, ...]
