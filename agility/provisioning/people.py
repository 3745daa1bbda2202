"""Everyone provisioning makes a Linux user for: the declaration's users and the registered
developers, each with the key they log in with and their area's group."""

from __future__ import annotations

from pathlib import Path

from agility.config import declaration
from agility.config.declaration import UserSpec
from agility.config.developers import registry
from agility.config.profiles import Profile
from agility.core.errors import ConfigError
from agility.provisioning.linux import LinuxUser
from agility.provisioning.target import Target

HUB_USERS = "notebook-users"  # the group the notebooks' hub lets in: its members log in with a password


def declared_user(profile: Profile, spec: UserSpec, source: str = "the declaration") -> LinuxUser:
    """A declared user as it is made on every node: its groups plus its area's, and its key (and,
    for the notebooks' hub, its generated password)."""
    return LinuxUser(spec.name, spec.uid, (*spec.groups, profile.area(spec.area).linux_group),
                     spec.public_key or _profile_key(profile, spec.name, source),
                     password=hub_password(profile, spec.name, spec.groups))


def hub_password(profile: Profile, name: str, groups: tuple[str, ...]) -> str | None:
    """A hub user's login password: generated once, kept in the root-only secrets file of the
    profile's people (the developers' registry); None for who is not a hub user."""
    return registry(profile).account(name).password.reveal() if HUB_USERS in groups else None


def as_on_node(users: list[LinuxUser], node: str, hub: str | None) -> list[LinuxUser]:
    """The users as `node` gets them: their passwords only on the hub's node (nowhere else logs in with one)."""
    return users if node == hub else [user.without_password() for user in users]


def hub_node(profile: Profile) -> str | None:
    """The node the notebooks' hub runs on (the only one that needs hub users' passwords)."""
    host = profile.jupyterhub.get("url", "").rpartition(":")[0]
    return next((name for name, address in profile.nodes.items() if address == host), None)


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
    users += [LinuxUser(d.name, d.uid, (*d.groups, target.area(d.area).linux_group), d.public_key,
                        password=hub_password(target.profile, d.name, d.groups))
              for d in registry(target.profile).all().values()]
    return users


def area_groups(target: Target) -> list[tuple[str, int]]:
    names = {spec.area for spec in target.declaration.linux_users} | {a for accounts in
                                                                      target.declaration.service_accounts.values() for a in accounts}
    return [(target.area(name).linux_group, target.area(name).linux_gid) for name in sorted(names)]


def hub_users(target: Target) -> list[tuple[str, str]]:
    """(name, area) of everyone the notebooks' hub lets in: declared users and developers."""
    declared = [(spec.name, spec.area, spec.groups) for spec in target.declaration.linux_users]
    developers = [(d.name, d.area, d.groups) for d in registry(target.profile).all().values()]
    return [(name, area) for name, area, groups in declared + developers if HUB_USERS in groups]


def declared_hub_user(profile: Profile, area: str) -> str:
    """The declared person of `area` the notebooks' hub lets in (platform.yaml: the data scientist)."""
    spec = declaration.load(profile)
    found = [user.name for user in spec.linux_users if user.area == area and HUB_USERS in user.groups]
    if not found:
        raise ConfigError(f"{spec.source}: no user of area {area} in group {HUB_USERS} (the notebooks' users)")
    return found[0]
