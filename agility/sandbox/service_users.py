"""The daemons' own Linux accounts on a node, as a packaged install has them: a system user per
service (no password, no login shell, a home of its own), so no daemon but sshd runs as root and
a service's files are its own (mode 0700), out of reach of the node's other users.

MariaDB's `mysql` account comes with the Debian package (every node's /etc starts as a copy of
this host's); the others get fixed ids, so a file's owner reads the same on every node.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from agility.core.errors import AgilityError

NO_LOGIN = "/usr/sbin/nologin"
FIXED_IDS = {"kafka": 1901, "cassandra": 1902, "hdfs": 1903, "httpfs": 1904, "spark": 1905, "yarn": 1906,
             "jupyterhub": 1907, "kdc": 1908}


@dataclass(frozen=True)
class ServiceUser:
    name: str
    uid: int
    gid: int
    home: str  # inside the node


def ensure(etc: Path, homes: Path, name: str) -> ServiceUser:
    """The account `name` in a node's /etc (created if missing) and its home folder in the node's
    /home (`etc` and `homes` as this host sees them)."""
    found = _entry(etc / "passwd", name)
    if found is None:
        uid = FIXED_IDS.get(name)
        if uid is None:
            raise AgilityError(f"no Linux account {name!r} on the node, and no id reserved for it")
        _append(etc / "passwd", f"{name}:x:{uid}:{uid}:{name} service:/home/{name}:{NO_LOGIN}\n")
        if _entry(etc / "group", name) is None:
            _append(etc / "group", f"{name}:x:{uid}:\n")
        _append(etc / "shadow", f"{name}:!:19000:0:99999:7:::\n")  # "!": locked, no login of any kind
        found = _entry(etc / "passwd", name)
    user = ServiceUser(name, int(found[2]), int(found[3]), found[5])
    if user.home.startswith("/home/"):
        home = homes / Path(user.home).name
        home.mkdir(mode=0o700, exist_ok=True)
        os.chown(home, user.uid, user.gid)
    return user


def add_to_group(etc: Path, group: str, name: str) -> None:
    """Make `name` a member of the node's existing `group` (e.g. `shadow`), once."""
    lines = (etc / "group").read_text().splitlines(keepends=True)
    for index, line in enumerate(lines):
        fields = line.rstrip("\n").split(":")
        if fields[0] == group:
            members = [member for member in fields[3].split(",") if member]
            if name not in members:
                lines[index] = ":".join([*fields[:3], ",".join([*members, name])]) + "\n"
                (etc / "group").write_text("".join(lines))
            return
    raise AgilityError(f"no group {group!r} in {etc / 'group'} to add {name} to")


def own(path: Path, user: ServiceUser) -> None:
    """`path` and everything under it belong to `user`, and only `user` may enter `path`."""
    subprocess.run(["chown", "-R", "--no-dereference", f"{user.uid}:{user.gid}", str(path)], check=True)
    path.chmod(0o700)


def _entry(path: Path, name: str) -> list[str] | None:
    for line in path.read_text().splitlines():
        fields = line.split(":")
        if fields[0] == name:
            return fields
    return None


def _append(path: Path, line: str) -> None:
    with open(path, "a") as out:
        out.write(line)
