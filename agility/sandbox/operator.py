"""The sandbox operator: the one Linux account on every node that the host logs in as (by key).

Root may not log in over SSH; the operator's key is generated once per cluster and kept in the
cluster's state folder, which only root can read. On the bastion root has a key of its own and
passes AllowGroups, so that sshd's PermitRootLogin alone is what keeps it out (and can be seen to).
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
    "hdfs-developers": ("httpfs", "namenode", "kdc"),  # the KDC: a cluster with Kerberos
    "notebook-users": ("jupyterhub",),
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


ROOT_HOME = "/home/root"  # in the node's own /home: a node's /root is this host's


def give_root_a_key(etc: Path, home: Path, public_key: str) -> list[str]:
    """Root on the bastion with everything a login needs but PermitRootLogin: an authorized key in
    a home of the node's own, and membership of the operators' group (AllowGroups). `etc` and `home`
    are the node's /etc and /home. Re-runnable; returns what it changed."""
    changes = []
    passwd = (etc / "passwd").read_text().splitlines(keepends=True)
    for index, line in enumerate(passwd):
        fields = line.rstrip("\n").split(":")
        if fields[0] == "root" and fields[5] != ROOT_HOME:
            fields[5] = ROOT_HOME
            passwd[index] = ":".join(fields) + "\n"
            _replace(etc / "passwd", "".join(passwd))
            changes.append(f"root's home is {ROOT_HOME}")
    groups = (etc / "group").read_text().splitlines(keepends=True)
    for index, line in enumerate(groups):
        fields = line.rstrip("\n").split(":")
        members = [member for member in fields[3].split(",") if member]
        if fields[0] == OPERATORS_GROUP and "root" not in members:
            fields[3] = ",".join([*members, "root"])
            groups[index] = ":".join(fields) + "\n"
            _replace(etc / "group", "".join(groups))
            changes.append(f"root is in the group {OPERATORS_GROUP}")
    ssh_dir = home / Path(ROOT_HOME).name / ".ssh"
    keys = ssh_dir / "authorized_keys"
    if not keys.exists() or keys.read_text().strip() != public_key.strip():
        ssh_dir.mkdir(parents=True, exist_ok=True)
        keys.write_text(public_key.strip() + "\n")
        changes.append(f"root's authorized key {public_key.split()[-1]}")
    for path, mode in ((ssh_dir.parent, 0o700), (ssh_dir, 0o700), (keys, 0o600)):  # as StrictModes wants
        path.chmod(mode)
        os.chown(path, 0, 0)
    return changes


def root_key_on(node: Node, state_dir: Path) -> tuple[Path, list[str]]:
    """Root's own key pair (kept with the cluster's keys) authorized on `node`: the private key's
    path and what had to change. Made at `sandbox up`; re-run on a sandbox started before."""
    key = ensure_key(state_dir, "root")
    return key, give_root_a_key(node.root / "etc", node.root / "home", key.with_suffix(".pub").read_text())


def _replace(path: Path, text: str) -> None:
    """Write a file of /etc whole (a reader never sees half of it), keeping its mode."""
    partial = path.with_name(f".{path.name}.agility")
    partial.write_text(text)
    partial.chmod(path.stat().st_mode & 0o7777)
    os.replace(partial, path)

