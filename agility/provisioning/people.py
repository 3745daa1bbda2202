"""Everyone provisioning makes a Linux user for: the declaration's users and the registered
developers, each with the key they log in with and their area's group."""

from __future__ import annotations

from pathlib import Path

from agility.config.declaration import UserSpec
from agility.config.developers import registry
from agility.config.profiles import Profile
from agility.core.errors import ConfigError
from agility.provisioning.linux import LinuxUser
from agility.provisioning.target import Target


def declared_user(profile: Profile, spec: UserSpec, source: str = "the declaration") -> LinuxUser:
    """A declared user as it is made on every node: its groups plus its area's, and its key."""
    return LinuxUser(spec.name, spec.uid, (*spec.groups, profile.area(spec.area).linux_group),
                     spec.public_key or _profile_key(profile, spec.name, source))


def _profile_key(profile: Profile, name: str, source: str) -> str:
    if name not in profile.ssh_users:
        raise ConfigError(f"{source}: user {name} has no public_key, and profile {profile.name} has no "
                          f"ssh_users.{name} key to take it from")
    private = Path(profile.ssh_users[name].key).expanduser()
    try:
        return private.with_suffix(".pub").read_text().strip()
    except FileNotFoundError:
        raise ConfigError(f"user {name}: the public key {private}.pub does not exist") from None


def linux_users(target: Target) -> list[LinuxUser]:
    users = [declared_user(target.profile, spec, target.declaration.source) for spec in target.declaration.linux_users]
    users += [LinuxUser(d.name, d.uid, (*d.groups, target.area(d.area).linux_group), d.public_key)
              for d in registry(target.profile).all().values()]
    return users


def area_groups(target: Target) -> list[tuple[str, int]]:
    names = {spec.area for spec in target.declaration.linux_users} | {a for accounts in
                                                                      target.declaration.service_accounts.values() for a in accounts}
    return [(target.area(name).linux_group, target.area(name).linux_gid) for name in sorted(names)]
