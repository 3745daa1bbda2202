"""Developers added with `agility provision developer`: a registry per profile (who, which area,
which uid), their generated SSH keys and service passwords, all kept root-only under the state
folder, so `provision all` keeps them and `deprovision` forgets them."""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from agility.config.areas import check_name
from agility.core.errors import ConfigError

if TYPE_CHECKING:  # the type only: profiles itself asks the developers' registry
    from agility.config.profiles import Profile
from agility.config.declaration import DEVELOPER_GROUPS, USER_NAME
from agility.config.identities import Account, Secret, SshUser
from agility.core.paths import STATE_DIR

FIRST_UID = 4001  # developers' uids; declared users keep below


@dataclass(frozen=True)
class Developer:
    name: str
    uid: int
    area: str
    groups: tuple[str, ...]
    public_key: str


class Registry:
    def __init__(self, profile_name: str, root: Path | None = None):
        self.folder = (root or STATE_DIR / "provisioning") / profile_name
        self.file = self.folder / "developers.yaml"
        self.secrets_file = self.folder / "secrets.yaml"

    def all(self) -> dict[str, Developer]:
        if not self.file.exists():
            return {}
        data = yaml.safe_load(self.file.read_text()) or {}
        return {name: Developer(name=name, uid=spec["uid"], area=spec["area"], groups=tuple(spec["groups"]),
                                public_key=spec["public_key"]) for name, spec in data.items()}

    def get(self, name: str) -> Developer:
        check_developer(name)
        known = self.all()
        if name not in known:
            raise ConfigError(f"no developer '{name}' was provisioned; developers: {', '.join(known) or 'none'}")
        return known[name]

    def add(self, name: str, area: str, groups: tuple[str, ...], public_key: str | None, taken_uids: set[int]) -> Developer:
        check_developer(name)
        known = self.all()
        if name in known:
            return known[name]
        uid = max([FIRST_UID - 1, *taken_uids, *(d.uid for d in known.values())]) + 1
        developer = Developer(name, uid, area, groups, public_key or self._generate_key(name))
        self._write({**known, name: developer})
        self._password(name)
        return developer

    def remove(self, name: str) -> None:
        check_developer(name)
        known = self.all()
        known.pop(name, None)
        self._write(known)
        values = self._secrets()
        if values.pop(name, None) is not None:
            self._write_secrets(values)
        for suffix in ("", ".pub"):
            (self.folder / "keys" / f"{name}{suffix}").unlink(missing_ok=True)

    def account(self, name: str) -> Account:
        """The developer's own account in every service (same user name, one generated password)."""
        check_developer(name)
        self._password(name)
        return Account(name, Secret(file=str(self.secrets_file), key=name))

    def ssh_user(self, name: str) -> SshUser | None:
        """A developer's SSH identity, when this registry made its key."""
        key = self.folder / "keys" / name
        if name not in self.all() or not key.exists():
            return None
        return SshUser(name, str(key), tuple(DEVELOPER_GROUPS[group] for group in self.get(name).groups))

    def _generate_key(self, name: str) -> str:
        key = self.folder / "keys" / name
        key.parent.mkdir(parents=True, exist_ok=True)
        key.parent.chmod(0o700)
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@agility", "-f", str(key)],
                           check=True)
        return key.with_suffix(".pub").read_text().strip()

    def _password(self, name: str) -> None:
        values = self._secrets()
        if name not in values:
            values[name] = secrets.token_urlsafe(18)
            self._write_secrets(values)

    def _secrets(self) -> dict:
        return (yaml.safe_load(self.secrets_file.read_text()) or {}) if self.secrets_file.exists() else {}

    def _write_secrets(self, values: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.secrets_file.touch(mode=0o600)
        self.secrets_file.chmod(0o600)
        self.secrets_file.write_text(yaml.safe_dump(values))

    def _write(self, developers: dict[str, Developer]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)
        data = {name: {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(d).items() if k != "name"}
                for name, d in developers.items()}
        self.file.write_text(yaml.safe_dump(data, sort_keys=False))


def check_developer(name: str) -> str:
    """A developer's name becomes a Linux user, a key file's name and a CQL/SQL account: it must be
    a user name as a whole (no `/`, no `..`, no trailing newline)."""
    return check_name(name, USER_NAME, "developer name")


def registry(profile: Profile) -> Registry:
    return Registry(profile.name)
