"""A node is where a service runs: a network namespace of the sandbox, or this host itself.

Services only use `spawn`, `run`, `address` and `hostname`, so a service class runs the same on
a namespace node and on the host (which is how a service class is developed and unit-tested).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agility.core.errors import AgilityError
from agility.core.processes import is_alive, named_netns_inode, netns_inode, read_pid

CLONE_NEWNET = 0x40000000


@dataclass
class Node:
    name: str
    address: str
    root: Path  # this node's private folder: data, logs, pid files, config

    @property
    def hostname(self) -> str:
        return self.name

    @property
    def etc(self) -> Path:
        """This node's /etc (its users), as this host sees it."""
        return self.root / "etc"

    @property
    def homes(self) -> Path:
        """This node's /home, as this host sees it."""
        return self.root / "home"

    def wrap(self, argv: list[str], user: str | None = None, cwd: Path | None = None) -> list[str]:
        """The command line that runs `argv` on this node (in `cwd`, as `user`)."""
        if user:
            return ["runuser", "-u", user, "--", *argv]
        return list(argv)

    def call_in_network(self, function: Callable[[], object]) -> object:
        """Call `function` with this node's network: its sockets reach what the node reaches."""
        return function()

    def runs(self, pid: int | None) -> bool:
        """`pid` is alive and one of this node's processes (on the host: any)."""
        return is_alive(pid)

    def spawn(
        self, argv: list[str], *, log: Path, env: dict | None = None, cwd: Path | None = None, user: str | None = None
    ) -> int:
        """Start a long-running process on this node, detached from the caller, as `user`; return
        its pid. setpriv execs (runuser would stay as a root parent), so the pid is the daemon's."""
        log.parent.mkdir(parents=True, exist_ok=True)
        as_user = ["setpriv", "--reuid", user, "--regid", user, "--init-groups", "--"] if user else []
        with open(log, "ab") as out:
            process = subprocess.Popen(
                self.wrap([*as_user, *(str(part) for part in argv)], cwd=cwd),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                start_new_session=True,
            )
        return process.pid

    def run(
        self,
        argv: list[str],
        *,
        user: str | None = None,
        env: dict | None = None,
        cwd: Path | None = None,
        timeout: float = 120,
        check: bool = True,
        input: str | None = None,
    ) -> subprocess.CompletedProcess:
        """Run a command on this node to completion; with `check`, a failure says what ran where."""
        command = self.wrap([str(part) for part in argv], user, cwd)
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout, input=input
            )
        except subprocess.TimeoutExpired as error:
            raise AgilityError(f"{self.name}: `{' '.join(map(str, argv))}` did not finish in {timeout} s") from error
        if check and done.returncode != 0:
            raise AgilityError(
                f"{self.name}: `{' '.join(map(str, argv))}` exited {done.returncode}\n{done.stderr.strip() or done.stdout.strip()}"
            )
        return done


class LocalNode(Node):
    """This host as a node, on loopback: for developing and testing one service class."""

    def __init__(self, name: str, root: Path, address: str = "127.0.0.1"):
        super().__init__(name=name, address=address, root=Path(root))

    @property
    def etc(self) -> Path:
        return Path("/etc")

    @property
    def homes(self) -> Path:
        return Path("/home")


@dataclass
class NamespaceNode(Node):
    """A sandbox node: its own network, mount (users, /home, /etc/hosts) and UTS namespaces,
    held open by a small holder process that the sandbox starts."""

    netns: str = ""

    @property
    def holder_pid_file(self) -> Path:
        return self.root / "run" / "holder.pid"

    @property
    def holder_pid(self) -> int:
        pid = read_pid(self.holder_pid_file)
        if not self.runs(pid):
            raise AgilityError(f"node {self.name} is not running (no holder process; is the sandbox up?)")
        return pid

    def holder_alive(self) -> bool:
        return self.runs(read_pid(self.holder_pid_file))

    def runs(self, pid: int | None) -> bool:
        """`pid` is alive and in this node's network namespace. A pid file left by a sandbox that
        went down, or by a run that was killed, may name a pid the system has since given to
        another process (pid_max is 32768; seen: a restart entered the host's namespaces through
        one), which must be neither taken for the node's process nor signalled."""
        inode = named_netns_inode(self.netns)
        return inode is not None and is_alive(pid) and netns_inode(pid) == inode

    def call_in_network(self, function: Callable[[], object]) -> object:
        """Run `function` in a fresh thread that joined this node's network namespace (a thread's
        namespace is its own, so the rest of the process stays on the host's network)."""
        outcome: dict[str, object] = {}

        def in_namespace() -> None:
            try:
                handle = os.open(f"/proc/{self.holder_pid}/ns/net", os.O_RDONLY)
                try:
                    if _libc.setns(handle, CLONE_NEWNET) != 0:
                        raise OSError(ctypes.get_errno(), f"setns into node {self.name}'s network failed")
                finally:
                    os.close(handle)
                outcome["value"] = function()
            except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
                outcome["error"] = error

        thread = threading.Thread(target=in_namespace, name=f"netns-{self.name}")
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def wrap(self, argv: list[str], user: str | None = None, cwd: Path | None = None) -> list[str]:
        inner = super().wrap(argv, user, cwd)
        workdir = [f"--wd={cwd}"] if cwd else []
        return ["nsenter", "-t", str(self.holder_pid), "--net", "--mount", "--uts", *workdir, "--", *inner]


_libc = ctypes.CDLL("libc.so.6", use_errno=True)
