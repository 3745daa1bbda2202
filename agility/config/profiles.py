"""Profiles: one YAML file per target cluster, validated on load. Code above the sandbox (steps,
jobs, CLI) sees only a Profile: the bastion, endpoints inside the cluster, credentials by reference.

`sandbox` is the default profile; `agility sandbox up` writes it. Other profiles live in
`profiles/<name>.yaml` of the checkout the command runs in (or the folder named by AGILITY_PROFILES).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agility.config import areas, cluster_registry
from agility.config.areas import ACCOUNT, Area, check_name
from agility.config.developers import registry
from agility.config.identities import Account, Bastion, Secret, SshUser
from agility.core.errors import ConfigError
from agility.core.paths import REPO_DIR, STATE_DIR

PROFILES_DIR = Path(os.environ.get("AGILITY_PROFILES") or REPO_DIR / "profiles").expanduser()
SANDBOX_PROFILE = STATE_DIR / "sandbox" / "shared" / "profile.yaml"
DEFAULT_PROFILE = "sandbox"  # the default sandbox cluster's; another sandbox cluster's is sandbox-<cluster>
# a profile's name names state folders and tunnels (paths): matched whole
PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# the tools a user on the edge node runs (argv prefixes), per service: a real cluster names its own
CLI_TOOLS = {"kafka": ("topics", "console_consumer", "consumer_groups", "configs", "metadata_quorum"),
             "hdfs": ("dfs", "dfsadmin")}


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    bastion: Bastion
    edge: str  # the node that carries the client tools
    nodes: dict[str, str]  # node name → address inside the cluster
    kafka: dict
    cassandra: dict
    mysql: dict
    hdfs: dict
    spark: dict
    source: str = ""
    ssh_users: dict[str, SshUser] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def ssh_user(self, name: str | None) -> SshUser:
        """The identity `name` logs in with (the bastion's operator when None)."""
        if name is None or name == self.bastion.user:
            return SshUser(self.bastion.user, self.bastion.key, SERVICES)
        if name not in self.ssh_users:

            developer = registry(self).ssh_user(name)
            if developer:
                return developer
            known = ", ".join([self.bastion.user, *self.ssh_users])
            raise ConfigError(f"profile {self.name}: no SSH user '{name}'; users: {known}")
        return self.ssh_users[name]

    def node_address(self, name: str) -> str:
        if name not in self.nodes:
            raise ConfigError(f"profile {self.name}: no node '{name}'; nodes: {', '.join(self.nodes)}")
        return self.nodes[name]

    def area(self, name: str) -> Area:
        """The work area `name` as this cluster names it: areas.yaml with the profile's `areas:`
        overrides; an error when the cluster does not host it."""
        return areas.get(name, self.extra.get("areas"), self.extra.get("work_areas"))

    def work_areas(self) -> dict[str, Area]:
        """The areas this cluster hosts (`work_areas:`, all of areas.yaml when absent)."""
        return areas.hosted(self.extra.get("work_areas"), self.extra.get("areas"))

    @property
    def jupyterhub(self) -> dict:
        """The notebooks' hub (`url`, `accounts.api`), when the cluster has one; else empty."""
        return self.extra.get("jupyterhub") or {}

    def account(self, service: str, role: str = "admin") -> Account:
        section = getattr(self, service)
        accounts = section.get("accounts", {})
        if role not in accounts:
            raise ConfigError(f"profile {self.name}: {service} has no account '{role}'; it has: {', '.join(accounts)}")
        return accounts[role]


def sandbox_profile_name(cluster: str) -> str:
    """The profile `agility sandbox up` writes for one of its clusters."""
    return DEFAULT_PROFILE if cluster == "shared" else f"{DEFAULT_PROFILE}-{cluster}"


def sandbox_cluster(profile_name: str) -> str | None:
    """The sandbox cluster whose profile this name is, if it is one."""
    if profile_name == DEFAULT_PROFILE:
        return "shared"
    prefix = f"{DEFAULT_PROFILE}-"
    return profile_name.removeprefix(prefix) if profile_name.startswith(prefix) else None


def sandbox_profile_path(cluster: str) -> Path:
    return STATE_DIR / "sandbox" / cluster / "profile.yaml"


def reference(profile: Profile) -> str:
    """How a command names this profile: by its name when that finds it, else by its file."""
    by_name = sandbox_cluster(profile.name) is not None or (PROFILES_DIR / f"{profile.name}.yaml").exists()
    return profile.name if by_name else profile.source


def available() -> list[str]:
    names = {path.stem for path in PROFILES_DIR.glob("*.yaml")}
    names.add(DEFAULT_PROFILE)
    names |= {sandbox_profile_name(path.parent.name) for path in (STATE_DIR / "sandbox").glob("*/profile.yaml")}
    return sorted(names)


def default_name() -> str:
    """The profile a command uses when none is named: AGILITY_PROFILE, else the attached cluster's
    (`agility cluster attach`), else the embedded sandbox's."""
    return os.environ.get("AGILITY_PROFILE") or cluster_registry.attached_profile() or DEFAULT_PROFILE


def load(name: str | None = None) -> Profile:
    name = name or default_name()
    if (cluster := sandbox_cluster(name)) is not None:
        path = SANDBOX_PROFILE if name == DEFAULT_PROFILE else sandbox_profile_path(cluster)
        if not path.exists():
            raise ConfigError(f"the profile {name} does not exist yet: sandbox cluster '{cluster}' is not up "
                              f"(run `agility sandbox up{'' if cluster == 'shared' else ' --clusters ' + cluster}`)")
    else:
        path = Path(name).expanduser() if name.endswith(".yaml") else PROFILES_DIR / f"{name}.yaml"
        if not path.exists():
            raise ConfigError(f"unknown profile '{name}' (profiles are read from {PROFILES_DIR}: run from a "
                              f"checkout, or set AGILITY_PROFILES); valid profiles: {', '.join(available())}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError(f"profile {path}: not valid YAML: {error}") from None
    return parse(data, source=str(path))


def parse(data: dict, source: str = "profile") -> Profile:
    def fail(message: str):
        raise ConfigError(f"{source}: {message}")

    if not isinstance(data, dict):
        fail("must be a mapping")
    required = ("name", "bastion", "edge", "nodes", "kafka", "cassandra", "mysql", "hdfs", "spark")
    missing = [key for key in required if key not in data]
    if missing:
        fail(f"missing keys: {', '.join(missing)}")
    if not isinstance(data["name"], str) or not PROFILE_NAME.fullmatch(data["name"]):
        fail(f"name {data['name']!r}: use letters, digits, _ and - (a letter or digit first, at most 64)")
    bastion = data["bastion"] or {}
    for key in ("host", "user", "key"):
        if not bastion.get(key):
            fail(f"bastion.{key} is required")
    if not bastion.get("known_hosts"):
        fail("bastion.known_hosts is required: the OpenSSH known_hosts file with the host keys of the bastion and of "
             "every node (checked on every connection, never accepted unseen)")
    nodes = data["nodes"]
    if not isinstance(nodes, dict) or not nodes:
        fail("nodes must map node names to addresses")
    if data["edge"] not in nodes:
        fail(f"edge '{data['edge']}' is not one of the nodes {sorted(nodes)}")
    sections = {}
    for service, endpoint_keys in ENDPOINTS.items():
        section = dict(data[service] or {})
        for key in endpoint_keys:
            if key not in section:
                fail(f"{service}.{key} is required")
        for tool in CLI_TOOLS.get(service, ()):
            argv = (section.get("cli") or {}).get(tool)
            if not (isinstance(argv, list) and argv and all(isinstance(word, str) and word for word in argv)):
                fail(f"{service}.cli.{tool} is required: the command a user on the edge node runs for it, as a "
                     "list of words (see profiles/example-remote.yaml)")
        section["accounts"] = {
            role: _account(spec, f"{source}: {service}.accounts.{role}") for role, spec in (section.get("accounts") or {}).items()
        }
        sections[service] = section
    for service, endpoint_keys in OPTIONAL_ENDPOINTS.items():
        if data.get(service) is None:
            continue
        section = dict(data[service])
        if missing := [key for key in endpoint_keys if key not in section]:
            fail(f"{service}: missing keys: {', '.join(missing)}")
        section["accounts"] = {role: _account(spec, f"{source}: {service}.accounts.{role}")
                               for role, spec in (section.get("accounts") or {}).items()}
        data = {**data, service: section}
    master = str(sections["spark"]["master"])
    if not (master == "yarn" or master.startswith(SPARK_MASTERS)):
        fail(f"spark.master {master!r}: give yarn, spark://HOST:PORT (standalone) or k8s://https://HOST:PORT")
    if not isinstance(data.get("areas") or {}, dict):
        fail("areas: expected a mapping of area name to the names it overrides")
    try:
        # the profile's own names for the areas reach paths, CQL and SQL
        areas.hosted(data.get("work_areas"), data.get("areas"))
    except ConfigError as error:
        fail(str(error))
    ssh_users = {}
    for user, spec in (data.get("ssh_users") or {}).items():
        check_name(user, ACCOUNT, f"{source}: ssh_users")
        if not isinstance(spec, dict) or "key" not in spec:
            fail(f"ssh_users.{user}: needs 'key' (path of the private key)")
        unknown = set(spec.get("services", [])) - set(SERVICES)
        if unknown:
            fail(f"ssh_users.{user}.services: unknown {sorted(unknown)}; services: {', '.join(SERVICES)}")
        ssh_users[user] = SshUser(user, _path(spec["key"]), tuple(spec.get("services", [])))
    return Profile(
        name=data["name"], description=data.get("description", ""), ssh_users=ssh_users,
        bastion=Bastion(bastion["host"], int(bastion.get("port", 22)), bastion["user"], _path(bastion["key"]),
                        _path(bastion["known_hosts"])),
        edge=data["edge"], nodes={str(k): str(v) for k, v in nodes.items()}, source=source,
        extra={key: value for key, value in data.items() if key not in (*required, "description", "ssh_users")},
        **sections,
    )


SPARK_MASTERS = ("spark://", "k8s://")  # besides "yarn": where the cluster's Spark jobs may be sent
ENDPOINTS = {
    "kafka": ("bootstrap", "internal_bootstrap"),
    "cassandra": ("contact_points",),
    "mysql": ("address",),
    "hdfs": ("webhdfs", "namenode"),
    "spark": ("master", "ui"),
}
OPTIONAL_ENDPOINTS = {"jupyterhub": ("url",)}  # a cluster may have it; the suite's hub act needs it
SERVICES = (*ENDPOINTS, *OPTIONAL_ENDPOINTS)


def _account(spec: dict, where: str) -> Account:
    if not isinstance(spec, dict) or "user" not in spec or "password" not in spec:
        raise ConfigError(f"{where}: needs 'user' and 'password'")
    password = spec["password"]
    if not isinstance(password, dict):
        raise ConfigError(f"{where}.password: give a reference ({{env: VAR}} or {{file: PATH, key: NAME}}), never the password itself")
    if "env" in password:
        return Account(spec["user"], Secret(env=password["env"]))
    if "file" in password and "key" in password:
        return Account(spec["user"], Secret(file=_path(password["file"]), key=str(password["key"])))
    raise ConfigError(f"{where}.password: expected {{env: VAR}} or {{file: PATH, key: NAME}}")


def _path(text) -> str:
    """A file named in a profile, as a person writes it: `~` is their home."""
    return os.path.expanduser(str(text))
