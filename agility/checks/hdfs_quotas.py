"""Proofs of an area's HDFS quotas: write past each one as the area's own HDFS account, see HDFS
refuse with its own one-line message, and find nothing half written afterwards.

Namespace: the names the quota leaves are created in one `hdfs dfs -touchz` run on the edge node
(one JVM for all of them, fed by xargs), plus one more, which HDFS must refuse. Space: one file
larger than the space the quota leaves (raw bytes, every replica counted; each open block is
charged a whole block times the replication) is written through WebHDFS; HDFS refuses it at the
block that does not fit, and the writer removes what it had taken (agility.clients.hdfs_write).

Both work in a folder of their own inside the area's directory: removing it gives the directory
back the usage it had. The area's account is a name the client claims (simple authentication).

Each proof says what it saw through `say` (a step's narration, or print); the checks return what
is wrong: an empty list proves it. Usage and existence are read back from the NameNode, refusals
are HDFS's own messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from agility.checks.shared_dataset import Say
from agility.clients.edge_hdfs import EdgeHdfs, failure_message
from agility.clients.hdfs_write import WriteRefused, transient, write_whole
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.core.errors import AgilityError
from agility.provisioning.area_quotas import HdfsQuotas, apply_hdfs_quotas
from agility.provisioning.hdfs import Usage, usage
from agility.reach.ssh import ClusterShell

MIB = 1024 * 1024


@dataclass(frozen=True)
class Folder:
    """A proof's own folder in the area's directory."""

    path: str
    before: Usage  # the area's directory before the folder was made


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


def applied_as_declared(clients: Clients, area_name: str, say: Say) -> HdfsQuotas:
    """The area's declared HDFS quotas applied (agility.provisioning.area_quotas); AgilityError if
    HDFS then reports other quotas on the directory (a precondition: nothing is proven past it)."""
    applied = apply_hdfs_quotas(clients, area_name)
    say("; ".join(applied.changes) or "the directory and its quotas were already as declared")
    say(f"declared: namespace {applied.limits['namespace']} names, space {applied.limits['space']} raw bytes; "
        f"HDFS reports {applied.usage.line()}")
    if (applied.usage.namespace_quota, applied.usage.space_quota) != (applied.limits["namespace"],
                                                                       applied.limits["space"]):
        raise AgilityError(f"HDFS reports {applied.usage.line()}, the declaration gives namespace "
                           f"{applied.limits['namespace']} names, space {applied.limits['space']} raw bytes")
    return applied


def fresh_folder(clients: Clients, area: Area, name: str, on_teardown: Callable[[Callable[[], object]], object],
                 say: Say) -> Folder:
    """A new folder in the area's directory, made by the area's account, with the directory's usage
    before it; its removal is handed to `on_teardown` (e.g. a pytest finalizer: also when a step
    fails)."""
    before = usage(clients, area.hdfs_root)
    path = make_folder(clients, area, name)
    on_teardown(lambda: remove_folder(clients, area, path))
    say(f"usage before: {before.line()}; {path} made by {area.hdfs_account}")
    return Folder(path, before)


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


def restored_problems(clients: Clients, area: Area, folder: Folder, say: Say) -> list[str]:
    """Removing the folder gives the area's directory back the names, space and length it had."""
    after = remove_folder(clients, area, folder.path)
    say(f"{folder.path} removed: {after.line()}")
    before = folder.before
    return [] if (after.names, after.space, after.length) == (before.names, before.space, before.length) else [
        f"usage before the folder: {before.line()}; after removing it: {after.line()}"]


def exceed_namespace(clients: Clients, shell: ClusterShell, area: Area, folder: str, say: Say) -> NamespaceRefusal:
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
    refusal = NamespaceRefusal(folder, at_start, allowed, len(paths), len(paths) - len(missing),
                               None if done.ok else failure_message(done.stderr), missing, paths[-1],
                               round(seconds, 2))
    say(f"{at_start.names} names in use of {at_start.namespace_quota}: the quota leaves {allowed}; "
        f"{refusal.attempted} empty files asked for with one `hdfs dfs -touchz` run as {area.hdfs_account}: "
        f"{refusal.created} created before the refusal, in {refusal.seconds} s")
    say(f"HDFS: {refusal.message}")
    return refusal


def namespace_refusal_problems(quotas: HdfsQuotas, refusal: NamespaceRefusal) -> list[str]:
    """HDFS refused the name past the quota in one line of its own, naming the namespace quota,
    the file count it would have reached and the area's directory."""
    if refusal.message is None:
        return ["every name was created: the quota did not hold"]
    quota, message = quotas.limits["namespace"], refusal.message
    return [problem for problem, wrong in (
        (f"not a NameSpace quota refusal with quota={quota}: {message}",
         not ("NameSpace quota" in message and f"quota={quota}" in message)),
        (f"does not name file count={quota + 1} and {quotas.area.hdfs_root}: {message}",
         not (f"file count={quota + 1}" in message and quotas.area.hdfs_root in message)),
        (f"not one line without an exception: {message}",
         len(message.splitlines()) != 1 or "Exception" in message),
    ) if wrong]


def names_problems(clients: Clients, quotas: HdfsQuotas, refusal: NamespaceRefusal, say: Say) -> list[str]:
    """Every name the quota left was created, only the last one is missing, and the NameNode counts
    exactly the quota's names in the area's directory."""
    now = usage(clients, quotas.area.hdfs_root)
    say(f"now: {now.line()}; missing: {', '.join(refusal.missing) or 'none'}")
    return [problem for problem, wrong in (
        (f"{refusal.created} names created, the quota left {refusal.allowed}",
         not refusal.created == refusal.allowed > 0),
        (f"missing {refusal.missing}, not just {refusal.last}", refusal.missing != [refusal.last]),
        (f"HDFS counts {now.names} names, the quota is {quotas.limits['namespace']}",
         now.names != quotas.limits["namespace"]),
    ) if wrong]


def exceed_space(clients: Clients, area: Area, folder: str, say: Say, margin: int = MIB) -> SpaceRefusal:
    """Write one file of `margin` bytes more than the space quota leaves (raw bytes: even with one
    replica it cannot fit)."""
    at_start = usage(clients, area.hdfs_root)
    if at_start.space_left is None:
        raise AgilityError(f"{area.hdfs_root} has no space quota: there is nothing to exceed")
    size = max(0, at_start.space_left) + margin
    path = f"{folder}/beyond-the-space-quota.bin"
    client = clients.hdfs_client(user=area.hdfs_account)
    started = time.monotonic()
    message, remainder = written_or_refused(client, path, size, say)
    seconds = time.monotonic() - started
    exists = client.status(path, strict=False) is not None
    refusal = SpaceRefusal(path, at_start, at_start.space_left, size, message, remainder, exists,
                           usage(clients, area.hdfs_root), round(seconds, 2))
    say(f"{at_start.space} raw bytes in use of {at_start.space_quota}: the quota leaves {refusal.space_left}; "
        f"{size} bytes written to {path} as {area.hdfs_account}, refused after {refusal.seconds} s")
    say(f"HDFS: {message}")
    return refusal


def written_or_refused(client, path: str, size: int, say: Say, attempts: int = 4) -> tuple[str | None, str | None]:
    """Write `size` zero bytes to `path`: (HDFS's refusal or None, what of the file was left or None).

    HttpFS answers a refusal mid-body and closes the connection while the client still sends; the
    reset that follows can drop the answer before it is read (through an SSH tunnel more often).
    Only HDFS's own answer counts, so a write cut off that way is made again, a bounded number of
    times; each one removes what it left before the next."""
    attempt = 1
    while True:
        try:
            write_whole(client, path, bytes(size))
            return None, None
        except WriteRefused as refused:
            if not (transient(refused) and refused.left is None and attempt < attempts):
                return refused.reason, refused.left
            say(f"attempt {attempt}: the connection was cut before HDFS's answer could be read "
                f"({refused.reason}); writing again")
        attempt += 1


def space_refusal_problems(quotas: HdfsQuotas, refusal: SpaceRefusal) -> list[str]:
    """HDFS refused the write in one line of its own, naming the space quota and the area's directory."""
    if refusal.message is None:
        return ["the whole file was written: the quota did not hold"]
    message = refusal.message
    return [problem for problem, wrong in (
        (f"not a DiskSpace quota refusal on {quotas.area.hdfs_root}: {message}",
         not ("DiskSpace quota" in message and quotas.area.hdfs_root in message)),
        (f"does not give quota = {quotas.limits['space']} B: {message}",
         f"quota = {quotas.limits['space']} B" not in message),
        (f"not one line without an exception: {message}",
         len(message.splitlines()) != 1 or "Exception" in message),
    ) if wrong]


def remainder_problems(refusal: SpaceRefusal, say: Say) -> list[str]:
    """Nothing of the refused file is left: the writer removed nothing it had to report, the path
    does not exist, and the directory's names and space are what they were before the write."""
    say(f"{refusal.path}: {'EXISTS' if refusal.exists_after else 'absent'}; usage now {refusal.after.line()}")
    return [problem for problem, wrong in (
        (f"something of the file was left: {refusal.remainder}", refusal.remainder is not None),
        (f"{refusal.path} exists", refusal.exists_after),
        (f"usage changed: {refusal.at_start.line()} before, {refusal.after.line()} after",
         (refusal.after.names, refusal.after.space) != (refusal.at_start.names, refusal.at_start.space)),
    ) if wrong]
