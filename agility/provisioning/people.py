"""Everyone provisioning makes a Linux user for: the declaration's users and the registered
developers, each with the key they log in with and their area's group."""

from __future__ import annotations

from pathlib import Path

from agility.errors import ConfigError
from agility.provisioning.declaration import UserSpec
from agility.provisioning.developers import registry
from agility.provisioning.linux import LinuxUser
from agility.provisioning.target import Target


def declared_key(target: Target, spec: UserSpec) -> str:
    if spec.public_key:
        return spec.public_key
    if spec.name not in target.profile.ssh_users:
        raise ConfigError(f"{target.declaration.source}: user {spec.name} has no public_key, and profile "
                          f"{target.profile.name} has no ssh_users.{spec.name} key to take it from")
    private = Path(target.profile.ssh_users[spec.name].key).expanduser()
    try:
        return private.with_suffix(".pub").read_text().strip()
    except FileNotFoundError:
        raise ConfigError(f"user {spec.name}: the public key {private}.pub does not exist") from None


def linux_users(target: Target) -> list[LinuxUser]:
    users = [LinuxUser(spec.name, spec.uid, (*spec.groups, target.area(spec.area).linux_group), declared_key(target, spec))
             for spec in target.declaration.linux_users]
    users += [LinuxUser(d.name, d.uid, (*d.groups, target.area(d.area).linux_group), d.public_key)
              for d in registry(target.profile).all().values()]
    return users


def area_groups(target: Target) -> list[tuple[str, int]]:
    names = {spec.area for spec in target.declaration.linux_users} | {a for accounts in
                                                                      target.declaration.service_accounts.values() for a in accounts}
    return [(target.area(name).linux_group, target.area(name).linux_gid) for name in sorted(names)]
