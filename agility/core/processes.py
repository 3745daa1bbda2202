"""Small helpers about Linux processes, on psutil; a process's network namespace, which psutil
does not know about, is read from /proc."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psutil

from agility.core.errors import ServiceNotReady
from agility.core.waiting import wait_until

GONE = (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)  # exited: nothing left but an entry for the parent to reap


def is_alive(pid: int | None) -> bool:
    """True while the process exists and is not a zombie. A zombie leader whose other threads
    still run (a JVM exiting) is alive: those threads hold its sockets and files until they end."""
    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        return process.status() not in GONE or process.num_threads() > 1
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def send(pid: int, sig: int) -> bool:
    try:
        os.kill(pid, sig)
        return True
    except ProcessLookupError:
        return False


def terminate(pids: list[int], grace: float = 15.0) -> None:
    """SIGTERM, then SIGKILL whatever is still alive after `grace` seconds."""
    for pid in pids:
        send(pid, signal.SIGTERM)
    if not _gone_within(pids, grace):
        for pid in pids:
            if is_alive(pid):
                send(pid, signal.SIGKILL)
        _gone_within(pids, 5)


def _gone_within(pids: list[int], seconds: float) -> bool:
    def gone() -> bool:
        _reap()
        return not any(is_alive(pid) for pid in pids)

    try:
        wait_until(gone, timeout=seconds, what=f"processes {pids} to exit", interval=0.05)
        return True
    except ServiceNotReady:
        return False


def _reap() -> None:
    """Collect exited children of ours so that they do not linger as zombies (any child, also one
    not started through psutil, which psutil.wait_procs would not reap)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def netns_inode(pid: int) -> int | None:
    # psutil has no API for namespaces: the inode of /proc/<pid>/ns/net names the process's one
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino
    except (FileNotFoundError, PermissionError, ProcessLookupError):
        return None


def named_netns_inode(netns: str) -> int | None:
    """The inode of a named network namespace (`ip netns add`), or None if there is none."""
    try:
        return os.stat(f"/run/netns/{netns}").st_ino
    except FileNotFoundError:
        return None


def pids_in_netns(inode: int) -> list[int]:
    """Every process whose network namespace is the one with this inode."""
    return [pid for pid in psutil.pids() if netns_inode(pid) == inode and is_alive(pid)]


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants."""
    total = 0
    for one in [pid, *descendants(pid)]:
        try:
            total += psutil.Process(one).memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def descendants(pid: int) -> list[int]:
    """The process's children, their children, and so on (none if it is gone)."""
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def cmdline(pid: int) -> list[str]:
    """The process's arguments (none if it is gone or a zombie). A program that rewrites its
    arguments as one line (sshd: "sshd: /usr/sbin/sshd -D [listener] ...") is split at its spaces."""
    try:
        return psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []
