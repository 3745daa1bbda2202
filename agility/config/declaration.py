"""The provisioning declaration: Linux users, service accounts per service and area, and quotas
per area, loaded from YAML and validated before anything touches a cluster."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from agility.config import areas
from agility.core.errors import ConfigError

if TYPE_CHECKING:  # the type only: profiles itself asks the developers' registry
    from agility.config.profiles import Profile

DEFAULT_FILE = Path(__file__).parent / "platform.yaml"
SERVICES = ("kafka", "cassandra", "mysql", "hdfs", "spark")
# developers' groups → the service each lets its members reach through the bastion
DEVELOPER_GROUPS = {"kafka-developers": "kafka", "cassandra-developers": "cassandra", "mysql-developers": "mysql",
                    "hdfs-developers": "hdfs", "notebook-users": "jupyterhub"}
USER_NAME = areas.ACCOUNT  # matched whole (fullmatch): a name reaches paths, commands, CQL and SQL
QUOTA_KEYS = {
    "kafka": {"producer_byte_rate": int, "consumer_byte_rate": int},
    "hdfs": {"namespace": int, "space": "size"},
    "mysql": {"max_user_connections": int, "max_queries_per_hour": int},
    "spark": {"cores": int, "memory": "size"},
}
SIZE = re.compile(r"(\d+)([kmgt]?)")


@dataclass(frozen=True)
class UserSpec:
    name: str
    uid: int
    area: str
    groups: tuple[str, ...]
    public_key: str | None = None  # None: the profile's ssh_users key + ".pub"


@dataclass(frozen=True)
class Declaration:
    source: str
    linux_users: tuple[UserSpec, ...]
    service_accounts: dict[str, tuple[str, ...]]  # service → areas
    quotas: dict[str, dict[str, dict]] = field(default_factory=dict)  # area → service → limits

    def hosted_in(self, area_names) -> Declaration:
        """What of it applies to a cluster hosting only `area_names`: the users, service accounts
        and quotas of those areas (a pure-production cluster gets prod's, and no dev account)."""
        hosted = set(area_names)
        return Declaration(
            self.source, tuple(user for user in self.linux_users if user.area in hosted),
            {service: tuple(area for area in names if area in hosted) for service, names in self.service_accounts.items()},
            {area: limits for area, limits in self.quotas.items() if area in hosted})

    def quota(self, area: str, service: str) -> dict:
        return self.quotas.get(area, {}).get(service, {})

    def user(self, name: str) -> UserSpec:
        for user in self.linux_users:
            if user.name == name:
                return user
        raise ConfigError(f"{self.source}: no Linux user '{name}'; users: {', '.join(u.name for u in self.linux_users)}")


def size_in_bytes(text: str | int) -> int:
    match = SIZE.fullmatch(str(text).lower())
    if not match:
        raise ValueError(f"{text!r} is not a size (e.g. 512m, 2g)")
    return int(match[1]) * 1024 ** " kmgt".index(match[2] or " ")


def load(profile: Profile, path: str | Path | None = None) -> Declaration:
    """The profile's declaration (its `provisioning:` file, else the platform default), for the
    areas its cluster hosts."""
    spec = load_file(path or profile.extra.get("provisioning") or DEFAULT_FILE, profile.extra.get("areas"))
    return spec.hosted_in(profile.work_areas())


def load_file(path: str | Path, areas_override: dict | None = None) -> Declaration:
    path = Path(path).expanduser()
    if not path.exists():
        raise ConfigError(f"the provisioning file {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    return parse(data, set(areas.load_all(areas_override)), str(path))


def parse(data: dict, area_names: set[str], source: str = "provisioning") -> Declaration:
    def fail(message: str):
        raise ConfigError(f"{source}: {message}")

    if not isinstance(data, dict):
        fail("must be a mapping")
    unknown = set(data) - {"linux_users", "service_accounts", "quotas"}
    if unknown:
        fail(f"unknown keys {sorted(unknown)}; expected linux_users, service_accounts, quotas")

    def check_area(area, where: str) -> str:
        if area not in area_names:
            fail(f"{where}: unknown area '{area}'; areas: {', '.join(sorted(area_names))}")
        return area

    users, names, uids = [], set(), set()
    for index, spec in enumerate(data.get("linux_users") or []):
        where = f"linux_users[{index}]"
        if not isinstance(spec, dict) or not {"name", "uid", "area"} <= set(spec):
            fail(f"{where}: needs name, uid and area")
        name, uid = str(spec["name"]), spec["uid"]
        if not USER_NAME.fullmatch(name):
            fail(f"{where}: {name!r} is not a valid user name: use {areas.RULES[USER_NAME]}")
        if not isinstance(uid, int) or not 1000 <= uid < 60000:
            fail(f"{where}: uid must be a number from 1000 to 59999")
        if name in names or uid in uids:
            fail(f"{where}: name '{name}' or uid {uid} is declared twice")
        groups = tuple(spec.get("groups") or ())
        strange = sorted(set(groups) - set(DEVELOPER_GROUPS))
        if strange:
            fail(f"{where}: unknown groups {strange}; groups: {', '.join(DEVELOPER_GROUPS)}")
        names.add(name)
        uids.add(uid)
        users.append(UserSpec(name, uid, check_area(spec["area"], where), groups, spec.get("public_key")))

    service_accounts = {}
    for service, area_list in (data.get("service_accounts") or {}).items():
        if service not in SERVICES:
            fail(f"service_accounts: unknown service '{service}'; services: {', '.join(SERVICES)}")
        service_accounts[service] = tuple(check_area(a, f"service_accounts.{service}") for a in area_list or ())

    quotas: dict[str, dict[str, dict]] = {}
    for area, by_service in (data.get("quotas") or {}).items():
        check_area(area, "quotas")
        quotas[area] = {}
        for service, limits in (by_service or {}).items():
            where = f"quotas.{area}.{service}"
            if service not in QUOTA_KEYS:
                fail(f"{where}: no quotas for '{service}'; quotas exist for {', '.join(QUOTA_KEYS)}")
            if area not in service_accounts.get(service, ()):
                fail(f"{where}: area {area} has no {service} service account to hold the quota")
            allowed = QUOTA_KEYS[service]
            extra = sorted(set(limits or {}) - set(allowed))
            if extra:
                fail(f"{where}: unknown {extra}; allowed: {', '.join(allowed)}")
            values = {}
            for key, kind in allowed.items():
                if key not in limits:
                    continue
                try:
                    values[key] = size_in_bytes(limits[key]) if kind == "size" else int(limits[key])
                except (TypeError, ValueError) as error:
                    fail(f"{where}.{key}: {error}")
                if values[key] <= 0:
                    fail(f"{where}.{key}: must be positive")
            quotas[area][service] = values
    return Declaration(source, tuple(users), service_accounts, quotas)
