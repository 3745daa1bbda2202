"""One lifecycle for every sandbox service: start, stop, kill(node, signal), wait_ready, status, logs.

A subclass says how to prepare a node (config, first-time formatting), which command runs there,
which ports it binds and how to tell it is ready. Everything else is here: pid files, logs,
port conflicts, deadlines that stop early when the process died.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from agility.config import areas
from agility.core.errors import AgilityError, ServiceNotReady
from agility.core.processes import cmdline, is_alive, read_pid, rss_bytes, send, terminate
from agility.core.waiting import tail, wait_until
from agility.sandbox import service_users
from agility.sandbox.node import Node


@dataclass
class SandboxContext:
    """What a service needs to know about the cluster it belongs to."""

    cluster: str
    state_dir: Path
    artifacts: Path
    nodes: dict[str, Node]
    secrets: dict[str, str] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)  # per-service knobs from the topology file
    # the work areas it hosts (clusters.yaml's work_areas, with its overrides): accounts, queues
    work_areas: dict[str, areas.Area] = field(default_factory=areas.load_all)

    def nodes_running(self, service: str) -> list[Node]:
        return [node for node in self.nodes.values() if service in getattr(node, "services", ())]


@dataclass
class InstanceStatus:
    service: str
    node: str
    address: str
    ports: dict[str, int]
    pid: int | None
    alive: bool
    program: str
    rss_bytes: int


class Service:
    name: ClassVar[str] = ""
    ready_timeout: ClassVar[float] = 120.0
    start_one_at_a_time: ClassVar[bool] = False  # e.g. Cassandra nodes must join one by one
    user: ClassVar[str | None] = None  # the daemon's own Linux account; None only where root must (sshd)

    def __init__(self, context: SandboxContext, nodes: list[Node]):
        self.context = context
        self.nodes = nodes

    # --- what a subclass says -------------------------------------------------------------
    def prepare(self, node: Node) -> None:
        """Write configuration and do first-time initialisation; must be re-runnable."""

    def command(self, node: Node) -> list[str]:
        raise NotImplementedError

    def environment(self, node: Node) -> dict | None:
        return None

    def ports(self, node: Node) -> dict[str, int]:
        return {}

    def is_ready(self, node: Node) -> bool:
        """A cheap probe that the instance on `node` serves; runs while waiting."""
        return all(self.port_open(node, port) for port in self.ports(node).values())

    def readiness(self, node: Node) -> str:
        """What is_ready waits for, in words, for the error message."""
        ports = ", ".join(f"{name} {node.address}:{port}" for name, port in self.ports(node).items())
        return f"ports {ports} to accept connections" if ports else "the process to start"

    def cluster_ready(self) -> bool:
        """Once every instance is ready: is the service as a whole ready (e.g. all brokers joined)?"""
        return True

    def cluster_readiness(self) -> str:
        return "the whole service"

    def after_ready(self) -> None:
        """Once the whole service is ready: create admin accounts, raise replication, ... (re-runnable)."""

    # --- files of an instance ------------------------------------------------------------
    def account(self, node: Node) -> service_users.ServiceUser | None:
        """The daemon's account on `node` (made if missing), or None for a daemon run as root."""
        return service_users.ensure(node.etc, node.homes, self.user) if self.user else None

    def home(self, node: Node) -> Path:
        return node.root / self.name

    def log_path(self, node: Node) -> Path:
        return self.home(node) / "logs" / "console.log"

    def pid_path(self, node: Node) -> Path:
        return node.root / "run" / f"{self.name}.pid"

    def instance(self, node: Node) -> str:
        return f"{self.name}@{node.name}"

    def pid(self, node: Node) -> int | None:
        pid = read_pid(self.pid_path(node))
        return pid if node.runs(pid) else None

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start every instance; with start_one_at_a_time, wait for each before the next."""
        for node in self.nodes:
            self.start_on(node)
            if self.start_one_at_a_time:
                self.wait_ready_on(node)

    def start_on(self, node: Node) -> int:
        if (pid := self.pid(node)) is not None:
            return pid
        self.check_ports_free(node)
        self.home(node).mkdir(parents=True, exist_ok=True)
        account = self.account(node)
        if account:  # first-time set-up (formatting, install-db) may run as the account
            service_users.own(self.home(node), account)
        self.prepare(node)
        log = self.log_path(node)
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as out:
            out.write(f"\n=== agility: starting {self.instance(node)} at {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        environment = self.environment(node)
        if account:  # what prepare() wrote as root becomes the account's too
            service_users.own(self.home(node), account)
            environment = {**(environment or os.environ), "HOME": account.home, "USER": account.name,
                           "LOGNAME": account.name}
        pid = node.spawn(self.command(node), log=log, env=environment, cwd=self.home(node), user=self.user)
        self.pid_path(node).parent.mkdir(parents=True, exist_ok=True)
        self.pid_path(node).write_text(str(pid))
        return pid

    def replace_on(self, node: Node) -> int:
        """Start the instance on a fresh node in the dead one's place: its home (data, logs,
        configuration) gone, set up again by the same recipe as any other, no hand tuning."""
        if self.pid(node) is not None:
            raise AgilityError(f"{self.instance(node)} still runs: only a dead node is replaced")
        shutil.rmtree(self.home(node), ignore_errors=True)
        return self.start_on(node)

    def wait_ready(self, timeout: float | None = None) -> None:
        for node in self.nodes:
            self.wait_ready_on(node, timeout)
        self.wait_whole(timeout)

    def wait_whole(self, timeout: float | None = None) -> None:
        """Wait for the service as a whole (cluster_ready): also for instances that ran on while
        their node was cut off, whose start is long past."""
        wait_until(
            self.cluster_ready,
            timeout=timeout or self.ready_timeout,
            what=self.cluster_readiness(),
            service=self.name,
            alive=lambda: all(self.pid(node) for node in self.nodes),
            log=self.log_path(self.nodes[0]),
            interval=0.5,
        )

    def wait_ready_on(self, node: Node, timeout: float | None = None) -> None:
        pid = read_pid(self.pid_path(node))
        if pid is None:
            raise ServiceNotReady(f"{self.instance(node)}: not started (no pid file {self.pid_path(node)})")
        wait_until(
            lambda: self.is_ready(node),
            timeout=timeout or self.ready_timeout,
            what=f"{self.readiness(node)} on {node.name}",
            service=self.instance(node),
            alive=lambda: is_alive(pid),
            log=self.log_path(node),
        )

    def stop(self) -> None:
        pids = [pid for node in self.nodes if (pid := self.pid(node))]
        terminate(pids)
        for node in self.nodes:
            self.pid_path(node).unlink(missing_ok=True)

    def kill(self, node: Node, sig: int = signal.SIGKILL) -> int:
        """Signal the instance on one node (SIGKILL by default); return the pid signalled."""
        pid = self.pid(node)
        if pid is None:
            raise AgilityError(f"{self.instance(node)} is not running")
        send(pid, sig)
        return pid

    def status(self) -> list[InstanceStatus]:
        rows = []
        for node in self.nodes:
            pid = self.pid(node)
            rows.append(
                InstanceStatus(
                    service=self.name,
                    node=node.name,
                    address=node.address,
                    ports=self.ports(node),
                    pid=pid,
                    alive=pid is not None,
                    program=program_name(pid) if pid else "",
                    rss_bytes=rss_bytes(pid) if pid else 0,
                )
            )
        return rows

    def logs(self, node: Node, lines: int = 50) -> str:
        return tail(self.log_path(node), lines)

    def endpoints(self) -> dict[str, list[str]]:
        """Each port name → the host:port of every instance, inside the cluster's network."""
        found: dict[str, list[str]] = {}
        for node in self.nodes:
            for port_name, port in self.ports(node).items():
                found.setdefault(port_name, []).append(f"{node.address}:{port}")
        return found

    # --- helpers for subclasses ----------------------------------------------------------
    def port_open(self, node: Node, port: int) -> bool:
        return holder_of(listening_ports(node), node.address, port) is not None

    def check_ports_free(self, node: Node) -> None:
        taken = listening_ports(node)
        for port_name, port in self.ports(node).items():
            holder = holder_of(taken, node.address, port)
            if holder is not None:
                raise AgilityError(
                    f"{self.instance(node)}: cannot start, its {port_name} port {port} on {node.name} "
                    f"({node.address}) is already taken by {holder}; log: {self.log_path(node)}"
                )


WILDCARDS = ("0.0.0.0", "*", "::", "")


def listening_ports(node: Node) -> dict[tuple[str, int], str]:
    """(address, port) listened on in the node's network → the process holding it."""
    done = node.run(["ss", "-Hltnp"], check=False, timeout=20)
    found: dict[tuple[str, int], str] = {}
    for line in done.stdout.splitlines():
        columns = line.split()
        if len(columns) < 4:
            continue
        address, _, port = columns[3].rpartition(":")
        address = address.strip("[]").removeprefix("::ffff:").split("%")[0]
        if port.isdigit():
            found[(address, int(port))] = columns[5] if len(columns) > 5 else "another process"
    return found


def holder_of(listening: dict[tuple[str, int], str], address: str, port: int) -> str | None:
    """Who listens where a connection to address:port would land (a wildcard bind counts)."""
    for candidate in (address, *WILDCARDS):
        if (candidate, port) in listening:
            return listening[(candidate, port)]
    return None


def program_name(pid: int) -> str:
    """The JVM main class, or the executable's name, of a process."""
    return program_of(cmdline(pid))


def program_of(argv: list[str]) -> str:
    if not argv:
        return ""
    if Path(argv[0]).name == "java":
        takes_value = ("-cp", "-classpath", "--class-path", "--add-opens", "--add-exports", "--add-modules")
        skip_next = False
        for part in argv[1:]:
            if skip_next:
                skip_next = False
            elif part in takes_value:
                skip_next = True
            elif not part.startswith("-"):
                return part
    return Path(argv[0].split()[0].rstrip(":")).name  # sshd rewrites its argv[0] as "sshd: ..."
