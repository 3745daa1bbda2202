"""Verify Linux users on every node with testinfra, over each node's own sshd through the bastion
(hosts come from the profile): user, uid, groups, home, shell, authorized key.

What testinfra finds is said node by node through `say`; a check returns what is wrong (an empty
list proves it)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from testinfra.backend.paramiko import ParamikoBackend
from testinfra.host import Host

from agility.checks.shared_dataset import Say
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.provisioning.area_accounts import kafka_developer
from agility.provisioning.linux import LinuxUser
from agility.reach.ssh import ClusterShell


class _ThroughBastion(ParamikoBackend):
    """testinfra's paramiko backend on a ClusterShell's session to the node: the hop through the
    bastion and the host-key check against the profile's known_hosts stay in agility.reach.ssh
    (testinfra's own client accepts any host key and reads no known_hosts)."""

    def __init__(self, shell: ClusterShell, node: str):
        super().__init__(f"paramiko://{shell.user}@{node}")
        self._shell, self._node = shell, node

    @property
    def client(self):
        return self._shell.node(self._node)

    @client.deleter
    def client(self):  # testinfra's reconnect after a dropped session: the next use opens a new one
        self._shell.forget(self._node)


@dataclass
class UserCheck:
    node: str
    problems: list[str]
    uid: int | None
    user: str = ""


def check_user(profile: Profile, user: LinuxUser, nodes: list[str] | None = None) -> list[UserCheck]:
    return check_users(profile, [user], nodes)


def check_users(profile: Profile, users: list[LinuxUser], nodes: list[str] | None = None) -> list[UserCheck]:
    """Each user on each node (one testinfra connection per node), the nodes side by side: each
    check is a round trip through the bastion, and the nodes do not wait for each other."""
    wanted = nodes or list(profile.nodes)
    with ClusterShell(profile) as shell:
        shell.bastion()  # the one hop every node's session goes through, opened before they are
        with ThreadPoolExecutor(max_workers=len(wanted), thread_name_prefix="testinfra") as pool:
            per_node = list(pool.map(lambda node: _check_node(shell, node, users), wanted))
    results = [check for checks in per_node for check in checks]
    for user in users:
        mine = [check for check in results if check.user == user.name]
        uids = {check.uid for check in mine if check.uid is not None}
        if len(uids) > 1:
            for check in mine:
                check.problems.append(f"uid {check.uid} differs between nodes ({sorted(uids)})")
    return results


def _check_node(shell: ClusterShell, node: str, users: list[LinuxUser]) -> list[UserCheck]:
    backend = _ThroughBastion(shell, node)
    host = Host(backend)
    backend.set_host(host)
    return [_check_on(host, node, user) for user in users]


def check_area_developer(profile: Profile, area: Area, say: Say) -> list[UserCheck]:
    """The area's Kafka developer, as the declaration has it, on every node; one line per node."""
    checks = check_user(profile, kafka_developer(profile, area))
    for check in checks:
        say(f"{check.node}: uid {check.uid}, " + ("; ".join(check.problems) or "ok"))
    return checks


def right_everywhere_problems(profile: Profile, checks: list[UserCheck]) -> list[str]:
    """The checks cover every node of the profile, in order, and found nothing wrong."""
    checked = [check.node for check in checks]
    if checked != list(profile.nodes):
        return [f"checked nodes {checked}, the cluster has {list(profile.nodes)}"]
    return [f"{check.node}: {problem}" for check in checks for problem in check.problems]


def _check_on(host, node: str, user: LinuxUser) -> UserCheck:
    account = host.user(user.name)
    problems: list[str] = []
    if not account.exists:
        return UserCheck(node, [f"user {user.name} does not exist"], None, user.name)
    if account.uid != user.uid:
        problems.append(f"uid is {account.uid}, expected {user.uid}")
    missing = sorted(set(user.groups) - set(account.groups))
    if missing:
        problems.append(f"not in group(s) {', '.join(missing)}")
    if account.shell != user.shell:
        problems.append(f"shell is {account.shell}, expected {user.shell}")
    home = host.file(account.home)
    if not home.is_directory or home.user != user.name:
        problems.append(f"home {account.home} missing or not owned by {user.name}")
    with host.sudo():  # ~/.ssh is the user's own (0700): read it as root
        keys = host.file(f"{account.home}/.ssh/authorized_keys")
        if not keys.exists or keys.content_string.strip() != user.public_key.strip():
            problems.append("authorized key missing or different")
        elif keys.user != user.name or keys.mode & 0o077:
            problems.append(f"authorized_keys owned by {keys.user} with mode {keys.mode:o}")
    return UserCheck(node, problems, account.uid, user.name)
