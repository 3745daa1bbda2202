"""Proofs of an area's HDFS quotas: write past each one as the area's own HDFS account, see HDFS
refuse with its own one-line message, and find nothing half written afterwards.

Namespace: the names the quota leaves are created in one `hdfs dfs -touchz` run on the edge node
(one JVM for all of them, fed by xargs), plus one more, which HDFS must refuse. Space: one file
larger than the space the quota leaves (raw bytes, every replica counted; each open block is
charged a whole block times the replication) is written through WebHDFS; HDFS refuses it at the
block that does not fit, and the writer removes what it had taken (agility.clients.hdfs_write).

Both work in a folder of their own inside the area's directory: removing it gives the directory
back the usage it had. The area's account is a name the client claims (simple authentication).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from agility.clients.edge_hdfs import EdgeHdfs, failure_message
from agility.clients.hdfs_write import WriteRefused, write_whole
from agility.clients.services import Clients
from agility.config import declaration
from agility.config.areas import Area
from agility.core.errors import AgilityError
from agility.provisioning.hdfs import Usage, ensure_area_quota, usage
from agility.reach.ssh import ClusterShell

MIB = 1024 * 1024


@dataclass(frozen=True)
class Applied:
    """The declared quotas of an area's directory, applied, and what HDFS then reports."""

    area: Area
    limits: dict  # the declaration's: namespace (names), space (raw bytes)
    changes: list[str]
    usage: Usage


@dataclass(frozen=True)
class NamespaceRefusal:
    folder: str
    at_start: Usage  # the area's directory, the empty folder counted
    allowed: int  # names the quota left
    attempted: int
    created: int
    message: str | None  # HDFS's refusal; None: nothing was refused
    missing: list[str]  # the names that do not exist afterwards: the refused ones
    last: str  # the name asked for last, one past the quota
    seconds: float


@dataclass(frozen=True)
class SpaceRefusal:
    path: str
    at_start: Usage
    space_left: int  # raw bytes the quota left
    size: int  # bytes of the file that was refused
    message: str | None  # HDFS's refusal; None: the write went through
    remainder: str | None  # why something of the file was left, if it was
    exists_after: bool
    after: Usage
    seconds: float


def apply_declared(clients: Clients, area_name: str) -> Applied:
    """The area's directory and its declared HDFS quotas, as `agility provision quotas` makes them."""
    profile = clients.profile
    area = profile.area(area_name)
    limits = declaration.load(profile).quota(area_name, "hdfs")
    if not limits:
        raise AgilityError(f"the provisioning declaration gives area {area_name} no HDFS quota")
    changes = ensure_area_quota(clients, area, limits)
    return Applied(area, limits, changes, usage(clients, area.hdfs_root))


def make_folder(clients: Clients, area: Area, name: str) -> str:
    """A new folder in the area's directory, made by the area's account."""
    path = f"{area.hdfs_root}/{name}"
    client = clients.hdfs_client(user=area.hdfs_account)
    if client.status(path, strict=False) is not None:
        raise AgilityError(f"hdfs: {path} exists already; a proof needs a fresh folder")
    client.makedirs(path)
    return path


def remove_folder(clients: Clients, area: Area, path: str) -> Usage:
    """Remove the folder and all in it (as the area's account); the area's usage afterwards."""
    clients.hdfs_client(user=area.hdfs_account).delete(path, recursive=True)
    return usage(clients, area.hdfs_root)


def exceed_namespace(clients: Clients, shell: ClusterShell, area: Area, folder: str) -> NamespaceRefusal:
    """Create as many empty files in `folder` as the namespace quota leaves, and one more."""
    at_start = usage(clients, area.hdfs_root)
    if at_start.names_left is None:
        raise AgilityError(f"{area.hdfs_root} has no namespace quota: there is nothing to exceed")
    allowed = max(0, at_start.names_left)
    paths = [f"{folder}/n{index:06d}" for index in range(allowed + 1)]
    edge = EdgeHdfs(clients.profile, shell, hdfs_user=area.hdfs_account)
    started = time.monotonic()
    # xargs splits the names into as few FsShell runs as the command-line limit allows (one here)
    done = shell.run(clients.profile.edge, ["xargs", *edge.command("-touchz")], input="\n".join(paths) + "\n",
                     timeout=600, check=False)
    seconds = time.monotonic() - started
    if done.exit_status == -1:
        raise AgilityError(f"hdfs dfs -touchz on {clients.profile.edge}: killed, or its SSH session ended")
    present = set(clients.hdfs_client(user=area.hdfs_account).list(folder))
    missing = [path for path in paths if path.rsplit("/", 1)[1] not in present]
    return NamespaceRefusal(folder, at_start, allowed, len(paths), len(paths) - len(missing),
                            None if done.ok else failure_message(done.stderr), missing, paths[-1], round(seconds, 2))


def exceed_space(clients: Clients, area: Area, folder: str, margin: int = MIB) -> SpaceRefusal:
    """Write one file of `margin` bytes more than the space quota leaves (raw bytes: even with one
    replica it cannot fit)."""
    at_start = usage(clients, area.hdfs_root)
    if at_start.space_left is None:
        raise AgilityError(f"{area.hdfs_root} has no space quota: there is nothing to exceed")
    size = max(0, at_start.space_left) + margin
    path = f"{folder}/beyond-the-space-quota.bin"
    client = clients.hdfs_client(user=area.hdfs_account)
    started = time.monotonic()
    try:
        write_whole(client, path, bytes(size))
        message, remainder = None, None
    except WriteRefused as refused:
        message, remainder = refused.reason, refused.left
    seconds = time.monotonic() - started
    exists = client.status(path, strict=False) is not None
    return SpaceRefusal(path, at_start, at_start.space_left, size, message, remainder, exists,
                        usage(clients, area.hdfs_root), round(seconds, 2))
