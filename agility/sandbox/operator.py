"""The sandbox operator: the one Linux account on every node that the host logs in as (by key).

Root may not log in over SSH; the operator's key is generated once per cluster and kept in the
cluster's state folder, which only root can read.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from agility.sandbox.node import Node

OPERATOR = "agility"
OPERATOR_UID = 2000
OPERATORS_GROUP = "operators"
# Developers' groups → the services their members may reach through the bastion.
DEVELOPER_GROUPS = {
    "kafka-developers": ("kafka",),
    "cassandra-developers": ("cassandra",),
    "mysql-developers": ("mariadb",),
    "hdfs-developers": ("httpfs", "namenode"),
}
GROUP_IDS = {OPERATORS_GROUP: 2001, **{name: 2101 + index for index, name in enumerate(DEVELOPER_GROUPS)}}


def ensure_key(state_dir: Path, name: str = "operator") -> Path:
    """An ed25519 key pair kept in the cluster's root-only keys folder (made once)."""
    key = state_dir / "keys" / name
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        key.parent.chmod(0o700)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@sandbox", "-f", str(key)], check=True
        )
    return key


def add_groups_and_sudo(node: Node) -> None:
    """The sandbox's groups on a node, and password-less sudo for the operator (provisioning
    creates users over SSH, as an operator would on a real cluster)."""
    etc = node.root / "etc"
    groups = (etc / "group").read_text()
    with open(etc / "group", "a") as out:
        for name, gid in GROUP_IDS.items():
            if f"\n{name}:" not in f"\n{groups}":
                members = OPERATOR if name == OPERATORS_GROUP else ""
                out.write(f"{name}:x:{gid}:{members}\n")
    sudoers = etc / "sudoers.d" / "agility-operator"
    sudoers.parent.mkdir(exist_ok=True)
    sudoers.write_text(f"{OPERATOR} ALL=(ALL) NOPASSWD:ALL\n")
    sudoers.chmod(0o440)


def add_local_user(node: Node, name: str, uid: int, public_key: str, shell: str = "/bin/bash") -> None:
    """Write the account straight into the node's private /etc (it is not running yet or is ours)."""
    etc = node.root / "etc"
    passwd = (etc / "passwd").read_text()
    if f"\n{name}:" not in f"\n{passwd}":
        with open(etc / "passwd", "a") as out:
            out.write(f"{name}:x:{uid}:{uid}::/home/{name}:{shell}\n")
        with open(etc / "group", "a") as out:
            out.write(f"{name}:x:{uid}:\n")
        # "*": no password at all, but not locked, so key logins work with UsePAM no.
        with open(etc / "shadow", "a") as out:
            out.write(f"{name}:*:19000:0:99999:7:::\n")
    ssh_dir = node.root / "home" / name / ".ssh"
    ssh_dir.mkdir(parents=True, exist_ok=True)
    (ssh_dir / "authorized_keys").write_text(public_key.strip() + "\n")
    for path, mode in ((ssh_dir.parent, 0o755), (ssh_dir, 0o700), (ssh_dir / "authorized_keys", 0o600)):
        path.chmod(mode)
        os.chown(path, uid, uid)

