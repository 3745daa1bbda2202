"""Verify Linux users on every node with testinfra, over each node's own sshd through the bastion
(hosts come from the profile): user, uid, groups, home, shell, authorized key."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agility.profiles import Profile
from agility.provisioning.linux import LinuxUser


def ssh_config(profile: Profile, folder: Path) -> Path:
    """An OpenSSH client config naming every node, each reached through the bastion (a
    ProxyCommand, which both OpenSSH and paramiko follow)."""
    key = os.path.expanduser(profile.bastion.key)
    lines = [
        "Host bastion-gateway",
        f"    HostName {profile.bastion.host}",
        f"    Port {profile.bastion.port}",
        f"    User {profile.bastion.user}",
        f"    IdentityFile {key}",
        "    IdentitiesOnly yes",
        "    StrictHostKeyChecking no",
        "    UserKnownHostsFile /dev/null",
        "    LogLevel ERROR",
    ]
    for node, address in profile.nodes.items():
        lines += [
            f"Host {node}",
            f"    HostName {address}",
            f"    User {profile.bastion.user}",
            f"    IdentityFile {key}",
            "    IdentitiesOnly yes",
            f"    ProxyCommand ssh -F {folder / 'ssh_config'} -W %h:%p bastion-gateway",
            "    StrictHostKeyChecking no",
            "    UserKnownHostsFile /dev/null",
            "    LogLevel ERROR",
        ]
    path = folder / "ssh_config"
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class UserCheck:
    node: str
    problems: list[str]
    uid: int | None
    user: str = ""


def check_user(profile: Profile, user: LinuxUser, nodes: list[str] | None = None) -> list[UserCheck]:
    return check_users(profile, [user], nodes)


def check_users(profile: Profile, users: list[LinuxUser], nodes: list[str] | None = None) -> list[UserCheck]:
    """Each user on each node (one testinfra connection per node), node by node."""
    import testinfra

    results = []
    with tempfile.TemporaryDirectory(prefix="agility-testinfra-") as folder:
        config = ssh_config(profile, Path(folder))
        for node in nodes or list(profile.nodes):
            host = testinfra.get_host(f"paramiko://{node}", ssh_config=str(config))
            results += [_check_on(host, node, user) for user in users]
            _close(host.backend.client)
    for user in users:
        mine = [check for check in results if check.user == user.name]
        uids = {check.uid for check in mine if check.uid is not None}
        if len(uids) > 1:
            for check in mine:
                check.problems.append(f"uid {check.uid} differs between nodes ({sorted(uids)})")
    return results


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


def _close(client) -> None:
    """Close a testinfra host's SSH client and its proxy command. paramiko closes a ProxyCommand
    twice (the packetizer, then the transport thread) and the second SIGTERM may find the process
    already reaped: that is the proxy being gone, as wanted, not an error to print."""
    transport = client.get_transport()
    proxy = getattr(transport, "sock", None)
    if proxy is not None and hasattr(proxy, "process"):
        terminate = proxy.close

        def close_once() -> None:
            with contextlib.suppress(ProcessLookupError):
                terminate()

        proxy.close = close_once
    client.close()
