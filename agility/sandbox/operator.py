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


def ensure_key(state_dir: Path) -> Path:
    key = state_dir / "keys" / "operator"
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        key.parent.chmod(0o700)
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{OPERATOR}@sandbox", "-f", str(key)], check=True
        )
    return key


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

