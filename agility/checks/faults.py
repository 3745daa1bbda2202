"""Parts of a cluster killed under load, and the platform's recovery (`pytest -m failure`).

The load is the Kafka act's own jobs in the prod area, each a process as an operator runs it: the
producer at a steady rate (acks=all) and the three sinks, which keep consuming while it produces.
A fault lands once every sink has committed and the producer still has orders to send. Then both
ways are checked: the jobs
carried on and lost nothing (the ledger against the topic and every store), and what was killed
came back to full health while nothing else was disturbed. Only the embedded sandbox's processes
are killed: a remote cluster's belong to its operators (`NotTheSandbox`).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from dataclasses import dataclass, field

from agility.checks import pipeline, reconcile
from agility.checks.job_process import JobProcess
from agility.checks.outage import SinkJob, sandbox_behind
from agility.checks.shared_dataset import Say
from agility.clients.edge_kafka import committed_offsets, topic_offsets
from agility.config.areas import SINKS, Area
from agility.core.errors import AgilityError, ServiceNotReady
from agility.core.processes import cmdline, descendants, is_alive, send
from agility.core.waiting import wait_until
from agility.jobs import datasets
from agility.jobs.ledger import Ledger
from agility.sandbox.network import ip

SEED = 11  # the failure act's orders
JOB_TIMEOUT_S = 300
LEFT_AT_FAULT = 1000  # orders the producer still has to send when the fault lands: more than the 800 the act awaits
QUIET_S = 60.0  # a sink stops after this long at lag 0: longer than a broker failover stalls the producer on a
# busy host (20 s was not, under a second worker); told its topic is complete, it stops at once (sink.COMPLETE_IDLE_S)
HEARTBEAT_S = 1  # dfs.heartbeat.interval: a DataNode tells the NameNode it lives this often
HEARD_WITHIN_S = 3 * HEARTBEAT_S  # a live DataNode's last contact (whole seconds in JMX), a late heartbeat allowed
DATANODE_PORT = 9866  # dfs.datanode.address, how the NameNode names its DataNodes
BOOTSTRAP_MS = 5000  # a probe of the groups' commits: see stored_so_far
NODE_STATES = "NEW,RUNNING,UNHEALTHY,DECOMMISSIONING,DECOMMISSIONED,LOST,REBOOTED,SHUTDOWN"  # YARN's NodeState: all of them


@dataclass
class Load:
    """The producer and the three sinks, running; `watch()` samples the ledger as it grows."""

    producer: JobProcess
    sinks: dict[str, SinkJob]
    ledger: Ledger
    dataset: str
    count: int
    samples: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, acknowledged)
    stop: threading.Event = field(default_factory=threading.Event)

    def jobs(self) -> list[JobProcess]:
        return [self.producer, *self.sinks.values()]

    def acknowledged(self) -> int:
        try:
            return sum(1 for line in self.ledger.path.read_bytes().splitlines() if line.strip())
        except FileNotFoundError:
            return 0

    def watch(self) -> None:
        def sample() -> None:
            while not self.stop.wait(0.25):
                self.samples.append((time.monotonic(), self.acknowledged()))

        threading.Thread(target=sample, name="ledger-watch", daemon=True).start()

    def rate(self, start: float, end: float) -> float:
        """Acknowledged records a second between two moments (from the samples)."""
        inside = [(at, done) for at, done in self.samples if start <= at <= end]
        if len(inside) < 2 or inside[-1][0] == inside[0][0]:
            return 0.0
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])

    def rates_around(self, fault: Fault) -> tuple[float, float]:
        """Acknowledged records a second before the fault, and while the instance was down (up to
        its restart, or the producer's last order if that came first)."""
        first = self.samples[0][0] if self.samples else fault.at
        finished = next((at for at, done in self.samples if done >= self.count), float("inf"))
        return self.rate(first, fault.at), self.rate(fault.at, min(fault.restarted_at or fault.at, finished))

    def close(self) -> None:
        self.stop.set()
        for job in self.jobs():
            job.close()


def forget_load(load: Load, clients, area: Area) -> list[str]:
    """After a fault: its jobs ended, and its dataset removed from every store (what was removed).
    prod's space quota (when provisioned) bounds what prod holds, and the faults after this one
    need the room; each table left would lengthen every later repair of prod's keyspace."""
    load.close()
    return datasets.remove(clients, area, load.dataset)


def start_load(profile, clients, area: Area, dataset: str, count: int, rate: float, started=lambda job: None) -> Load:
    """The producer job (`count` orders at `rate` a second) and the three sink jobs, as processes;
    returns once every sink has its partitions and has committed (the load is steady)."""
    ledger = Ledger.for_dataset(profile.name, area, dataset)
    producer = JobProcess("producer", [sys.executable, "-m", "agility.jobs.producer", "--profile",
                                       profile.source or profile.name, "--area", area.name, "--dataset", dataset,
                                       "--count", str(count), "--rate", str(rate), "--seed", str(SEED),
                                       "--fresh-ledger", "--no-progress"])
    started(producer)
    # the producer makes the topic: the sinks start once it holds a first acknowledged order
    wait_until(lambda: ledger.path.exists() and ledger.path.stat().st_size, timeout=120,
               what=f"the first acknowledged order of {area.topic(dataset)}", service="producer",
               alive=lambda: producer.running(), log=producer.log)
    sinks = {}
    for sink in SINKS:
        sinks[sink] = SinkJob(profile, area, dataset, sink, batch=200, idle_timeout=QUIET_S)
        started(sinks[sink])
    load = Load(producer, sinks, ledger, dataset, count)
    load.watch()
    wait_until(lambda: all(stored_so_far(clients, area, dataset).values()), timeout=120, interval=0.5,
               what="a first commit of every sink's group", service="sinks",
               alive=lambda: all(job.running() for job in sinks.values()))
    return load


# --- the faults -------------------------------------------------------------------------------
NODE, LINK = "node", "link"  # faults of a whole node: every process on it killed, its network link cut


@dataclass
class Fault:
    service: str  # a service's name, or NODE or LINK
    node: str
    pids: list[int]  # the processes killed (none for a cut link)
    hit: list[tuple]  # (service, node) of each instance killed, in the sandbox's start order
    at: float  # monotonic time of the fault
    before: dict[tuple[str, str], int]  # (service, node) → pid of every instance, just before
    restarted_at: float | None = None
    healthy_at: float | None = None
    fresh: bool = False  # being replaced by a fresh node: a restore after a failed try replaces again

    @property
    def recovery_seconds(self) -> float | None:
        return None if self.healthy_at is None else self.healthy_at - self.at

    def timeline(self) -> str:
        """How long it was down, and healthy after its restart and after the fault."""
        return (f"{self.service}@{self.node}: down {self.restarted_at - self.at:.1f} s, healthy "
                f"{self.healthy_at - self.restarted_at:.1f} s after its restart, {self.recovery_seconds:.1f} s from the kill")


class SandboxFaults:
    """Kills service instances of a sandbox cluster and starts them again; `restore()` starts
    whatever is still down (a test's finalizer)."""

    def __init__(self, profile):
        self.sandbox = sandbox_behind(profile, "its nodes belong to the cluster's operators, and the suite kills "
                                               "none of them")
        self.killed: list[Fault] = []

    def instances(self) -> dict[tuple[str, str], int]:
        return {(row.service, row.node): row.pid for row in self.sandbox.processes() if row.pid}

    def node(self, service: str, name: str):
        found = [node for node in self.sandbox.services[service].nodes if node.name == name]
        if not found:
            raise AgilityError(f"{service} does not run on {name}")
        return found[0]

    def kill(self, service: str, node_name: str) -> Fault:
        before = self.instances()
        instance = self.sandbox.services[service], self.node(service, node_name)
        pid = instance[0].kill(instance[1])
        return self._happened(Fault(service, node_name, [pid], [instance], time.monotonic(), before))

    def kill_node(self, node_name: str) -> Fault:
        """SIGKILL every service process of the node, as when the machine dies."""
        before = self.instances()
        hit = [(service, node) for service in self.sandbox.services.values() for node in service.nodes
               if node.name == node_name and service.pid(node)]
        pids = [service.kill(node) for service, node in hit]
        return self._happened(Fault(NODE, node_name, pids, hit, time.monotonic(), before))

    def kill_with_children(self, service: str, node_name: str) -> Fault:
        """SIGKILL the instance and every process it started (a NodeManager's containers: the Spark
        executor there, its Python workers), as when the host's share of the service dies at once."""
        before = self.instances()
        instance = self.sandbox.services[service], self.node(service, node_name)
        children = descendants(instance[0].pid(instance[1]) or 0)  # before the kill: orphans are re-parented
        pids = [instance[0].kill(instance[1]), *[pid for pid in children if send(pid, signal.SIGKILL)]]
        return self._happened(Fault(service, node_name, pids, [instance], time.monotonic(), before))

    def containers(self, application_id: str) -> list[tuple[str, str, int]]:
        """(node, kind, pid) of each process of the YARN application's containers: "application
        master", "executor", and "python worker" for the Python processes under them, from the
        NodeManagers' own process trees (the containers are their children)."""
        containers = "container_" + application_id.removeprefix("application_") + "_"
        nodemanager = self.sandbox.services["nodemanager"]
        found = []
        for node in nodemanager.nodes:
            for pid in descendants(nodemanager.pid(node) or 0):
                line = " ".join(cmdline(pid))
                kind = ("application master" if "ExecutorLauncher" in line and containers in line else
                        "executor" if "ExecutorBackend" in line and containers in line else
                        "python worker" if "pyspark" in line else None)
                if kind:
                    found.append((node.name, kind, pid))
        return found

    def cut_link(self, node_name: str) -> Fault:
        """Take the node's network link down: its processes run on, unreachable (a partition)."""
        before = self.instances()
        ip("-n", self.sandbox.network.netns(node_name), "link", "set", "eth0", "down")
        return self._happened(Fault(LINK, node_name, [], [], time.monotonic(), before))

    def _happened(self, fault: Fault) -> Fault:
        self.killed.append(fault)
        wait_until(lambda: not any(is_alive(pid) for pid in fault.pids), timeout=30,
                   what=f"pids {fault.pids} on {fault.node} to be gone after SIGKILL", service=fault.service)
        return fault

    def restart(self, fault: Fault, fresh: bool = False) -> str:
        """Start again what the fault killed (restore a cut link), and wait for each to be ready.
        `fresh`: a new generic node in the dead one's place instead, the same services each set up
        again by the sandbox's own recipe on an empty home (no data, no logs, configuration written
        anew), its sshd started as on any node."""
        if fresh and fault.service != NODE:
            raise AgilityError(f"only a dead node is replaced, not {fault.service}@{fault.node}")
        if fault.service == LINK:
            ip("-n", self.sandbox.network.netns(fault.node), "link", "set", "eth0", "up")
            fault.restarted_at = time.monotonic()
            return f"the link of {fault.node} is up again"
        fault.fresh = fault.fresh or fresh  # empty homes start only as replacements from here on
        emptied = {service.name for service, _ in fault.hit if fault.fresh and service.name != "sshd"}
        for service, node in fault.hit:  # in the sandbox's start order: sshd first
            # what a failed try left running stays; what it left dead is replaced again
            service.replace_on(node) if service.name in emptied and service.pid(node) is None else service.start_on(node)
        booted_twice = []
        for service, node in fault.hit:
            try:
                service.wait_ready_on(node)
            except ServiceNotReady as gave_up:
                if service.name not in emptied or service.pid(node) is not None:
                    raise
                # a first boot on an empty home that ended by itself (a fresh Cassandra node that
                # heard no seed within its ring delay on a busy host) is tried once more, as a
                # supervisor would; a second failure is the answer
                booted_twice.append(f"{service.name}'s first boot ended ({str(gave_up).splitlines()[0]}): booted again")
                service.replace_on(node)
                service.wait_ready_on(node)
        fault.restarted_at = time.monotonic()
        started = ", ".join(f"{service.name}@{node.name} (pid {service.pid(node)}"
                            f"{', empty home' if service.name in emptied else ''})" for service, node in fault.hit)
        said = f"{fault.node} replaced by a fresh node: {started}" if fault.fresh else f"started again: {started}"
        return "; ".join([said, *booted_twice])

    def restore(self) -> None:
        """Start what is still down (a scenario that failed before its repair), then wait until each
        service it touched reports itself whole again (every broker unfenced, every Cassandra node
        UN, every DataNode live): the next scenario must not meet a node still rejoining."""
        touched = []
        for fault in self.killed:
            if fault.restarted_at is None:
                self.restart(fault)
                touched += [service for service in self.sandbox.services.values()
                            if any(node.name == fault.node for node in service.nodes)]
        for service in dict.fromkeys(touched):
            service.wait_whole()

    def undisturbed_problems(self, fault: Fault) -> list[str]:
        """Every instance the fault did not kill runs on with the pid it had before it."""
        now = self.instances()
        hit = {(service.name, node.name) for service, node in fault.hit}
        return [f"{service}@{node} was pid {pid} before the fault, now {now.get((service, node), 'not running')}"
                for (service, node), pid in fault.before.items() if (service, node) not in hit and now.get((service, node)) != pid]

    # --- where each fault lands -----------------------------------------------------------------
    def partition_leader(self, clients, area: Area, dataset: str, partition: int = 0) -> str:
        """The node whose broker leads the partition, as the brokers' metadata says."""
        leader = _partitions(clients, area, dataset)[partition]["leader_id"]
        kafka = self.sandbox.services["kafka"]
        return next(node.name for node in kafka.nodes if kafka.node_id(node) == leader)

    def last_node_of(self, service: str) -> str:
        """Not the first: the first Cassandra node is the seed, whose nodetool reports the ring."""
        return self.sandbox.services[service].nodes[-1].name

    # --- each service's own word on its health ----------------------------------------------------
    def yarn_nodes(self) -> dict[str, str]:
        """NodeManager → its state in the ResourceManager (RUNNING, LOST, ...), by the names the
        ResourceManager knows it under: its host name and the address of its node id."""
        nodes = self.sandbox.services["nodemanager"].rest("nodes?states=" + NODE_STATES).get("nodes") or {}
        states = {}
        for node in nodes.get("node", []):
            states[node["nodeHostName"]] = states[node["id"].rsplit(":", 1)[0]] = node["state"]
        return states

    def yarn_running(self) -> str | None:
        """Every NodeManager RUNNING in the ResourceManager (None until then)."""
        states = self.yarn_nodes()
        wanted = [node.name for node in self.sandbox.services["nodemanager"].nodes]
        if any(states.get(name) != "RUNNING" for name in wanted):
            return None
        return f"{len(wanted)} NodeManagers RUNNING in the ResourceManager"

    def kafka_in_sync(self, clients, area: Area, dataset: str) -> str | None:
        """Every partition of the dataset's topic has all its replicas in sync (None until then)."""
        partitions = _partitions(clients, area, dataset)
        short = [p for p, found in partitions.items() if sorted(found["isr_nodes"]) != sorted(found["replica_nodes"])]
        if short:
            return None
        replicas = len(next(iter(partitions.values()))["replica_nodes"])
        return f"{len(partitions)} partitions of {area.topic(dataset)}, each with {replicas} replicas in sync"

    def cassandra_level(self) -> str | None:
        cassandra = self.sandbox.services["cassandra"]
        if not cassandra.cluster_ready():
            return None
        return f"every node UN in nodetool status ({len(cassandra.nodes)} nodes)"

    def cassandra_repair(self, fault: Fault, keyspace: str) -> str:
        cassandra = self.sandbox.services["cassandra"]
        output = cassandra.nodetool(self.node("cassandra", fault.node), "repair", "-full", keyspace, timeout=600)
        if "Repair completed successfully" not in output and "Repair command" not in output:
            raise AgilityError(f"nodetool repair {keyspace} on {fault.node} did not report success:\n{output[-1500:]}")
        return f"nodetool repair -full {keyspace} on {fault.node}: " + (output.strip().splitlines() or ["done"])[-1]

    def hdfs_replicated(self) -> str | None:
        """Every DataNode heard from within three heartbeats (a dead one stays "live" to the NameNode
        for its recheck interval, but its last contact grows), and no block under-replicated."""
        namenode = self.sandbox.services["namenode"]
        live = json.loads(namenode.jmx("Hadoop:service=NameNode,name=NameNodeInfo").get("LiveNodes") or "{}")
        system = namenode.jmx("Hadoop:service=NameNode,name=FSNamesystem")
        wanted = {f"{node.address}:{DATANODE_PORT}" for node in self.sandbox.services["datanode"].nodes}
        fresh = {name for name, found in live.items() if found.get("lastContact", 99) <= HEARD_WITHIN_S}
        if not wanted <= fresh or system.get("UnderReplicatedBlocks", 1) != 0:
            return None
        return (f"{len(fresh)} DataNodes heard from within {HEARD_WITHIN_S} s, {system.get('BlocksTotal')} blocks, "
                f"0 under-replicated")


def _partitions(clients, area: Area, dataset: str) -> dict[int, dict]:
    admin = clients.kafka_admin(clients.kafka_account(area.name))
    try:
        described = admin.describe_topics([area.topic(dataset)])
    finally:
        admin.close()
    return {found["partition_index"]: found for found in described[0]["partitions"]}


# --- the load's outcome -----------------------------------------------------------------------------
def producer_problems(load: Load, clients, area: Area, dataset: str, say: Say) -> list[str]:
    """The producer ended by itself with every order acknowledged, and the brokers hold exactly
    the ledger's offsets."""
    code = load.producer.finish(JOB_TIMEOUT_S)
    output = load.producer.output().strip()
    say(f"producer: exit code {code}: {output.splitlines()[-1] if output else '(no output)'}")
    problems = [f"the producer exited {code}: {output[-1500:]}"] if code else []
    acknowledged = len(load.ledger.order_entries())
    if acknowledged != load.count:
        problems.append(f"the ledger holds {acknowledged} acknowledged orders, not {load.count}")
    offsets = topic_offsets(clients, clients.kafka_account(area.name), area.topic(dataset))
    return problems + reconcile.ledger_against_topic(load.ledger.positions(), offsets)


def sinks_problems(load: Load, clients, area: Area, dataset: str, say: Say) -> list[str]:
    """Each sink ended by itself (exit 0) and its store matches the ledger field by field. Once the
    producer has acknowledged every order, the sinks are told their topic is complete: each stops
    when caught up instead of waiting out the quiet time a broker failover needs."""
    if load.producer.finish(JOB_TIMEOUT_S) == 0:
        for job in load.sinks.values():
            job.topic_complete()
    problems = []
    for sink, job in load.sinks.items():
        code = job.finish(JOB_TIMEOUT_S)
        lines = job.output().strip().splitlines()
        say(f"sink_{sink}: exit code {code}: {lines[-1] if lines else '(no output)'}")
        if code:
            problems.append(f"sink_{sink} exited {code}: {job.output()[-1500:]}")
        result = pipeline.check_sink(sink, clients, area, dataset, load.ledger)
        say(result.summary())
        if not result.ok:
            problems.append(result.summary())
    return problems


# --- the scenario's moves -------------------------------------------------------------------------
FAULTS = {  # how a scenario names a fault → what it does (the node it picks, where there is a choice)
    "the broker leading partition 0 of the topic is killed with SIGKILL":
        lambda faults, clients, area, dataset: faults.kill("kafka", faults.partition_leader(clients, area, dataset)),
    "a Cassandra node is killed with SIGKILL":
        lambda faults, clients, area, dataset: faults.kill("cassandra", faults.last_node_of("cassandra")),
    "a DataNode is killed with SIGKILL":
        lambda faults, clients, area, dataset: faults.kill("datanode", faults.last_node_of("datanode")),
    "a whole agent node is lost, every process on it killed with SIGKILL":
        lambda faults, clients, area, dataset: faults.kill_node(faults.last_node_of("kafka")),
    "an agent node's network link is cut":
        lambda faults, clients, area, dataset: faults.cut_link(faults.last_node_of("kafka")),
}


def fault_under_load(faults: SandboxFaults, load: Load, clients, area: Area, dataset: str, fault: str,
                     say: Say) -> Fault:
    """Do what the scenario names, now: the load is steady (every sink has committed) and the
    producer has orders left to send."""
    if fault not in FAULTS:
        raise AgilityError(f"no fault {fault!r}; faults: {'; '.join(FAULTS)}")
    left = load.count - load.acknowledged()
    if not load.producer.running() or left < LEFT_AT_FAULT:
        raise AgilityError(f"only {left} of {load.count} orders were left to acknowledge when the sinks were steady: "
                           f"the load was (nearly) over before the fault could meet it; produce more orders")
    happened = FAULTS[fault](faults, clients, area, dataset)
    what = f"the link of {happened.node} cut" if happened.service == LINK else (
        f"SIGKILL {happened.service}@{happened.node}" if happened.service != NODE else f"SIGKILL every process of {happened.node}")
    say(f"{what} (pids {happened.pids or 'none'}) with {load.acknowledged()} of {load.count} orders acknowledged")
    return happened


def stored_so_far(clients, area: Area, dataset: str) -> dict[str, int]:
    """Sink → records its group committed on the topic (a sink commits only what its store took).
    A fresh client each time, so that it looks the groups' coordinators up again after a failover;
    its bootstrap is short because kafka-python bootstraps from one broker picked at random and
    waits its whole bootstrap timeout on one that is cut off (the caller asks again)."""
    admin = clients.kafka_admin(clients.kafka_account(area.name), bootstrap_timeout_ms=BOOTSTRAP_MS)
    try:
        return {sink: sum(committed_offsets(admin, area.group(dataset, sink), area.topic(dataset)).values())
                for sink in SINKS}
    finally:
        admin.close()


def served_without(load: Load, fault: Fault, clients, area: Area, dataset: str, more: int, say: Say) -> str:
    """While the instance is down, the producer gets `more` orders acknowledged and every sink's
    store takes orders the brokers acknowledged only after the fault: its group commits past the
    number acknowledged when this step began (the topic is fresh and holds only good orders, so
    the committed offsets of its partitions add up to the orders the sink stored). The baseline is
    the producer's own ledger, never a probe of the commits at the fault: one that could not reach
    Kafka at once (a cut broker) read a baseline the sinks had meanwhile outgrown. A sink that
    finished by itself (exit 0: it read to the topic's end) is still asked of Kafka: its group's
    commits stay there; one that failed ends the wait."""
    acknowledged_at_fault = load.acknowledged()
    target = min(acknowledged_at_fault + more, load.count)
    grown: dict[str, float] = {}  # sink (or the producer) → seconds after the fault when it was first seen carrying on

    def carried_on() -> dict[str, int] | None:
        stored = stored_so_far(clients, area, dataset)
        for sink in SINKS:
            if stored[sink] > acknowledged_at_fault:
                grown.setdefault(sink, time.monotonic() - fault.at)
        if load.acknowledged() >= target:
            grown.setdefault("producer", time.monotonic() - fault.at)
        return stored if set(grown) == {*SINKS, "producer"} else None

    try:
        stored = wait_until(carried_on, timeout=120, interval=1,
                            what=f"{more} more acknowledged orders and every sink storing orders acknowledged after "
                                 f"the fault (past {acknowledged_at_fault}) with {fault.service}@{fault.node} down",
                            service="producer and sinks",
                            alive=lambda: all(job.running() or sink in grown or job.process.returncode == 0
                                              for sink, job in load.sinks.items()))
    except AgilityError as error:
        ended = [f"{job.name} ended with exit code {job.process.returncode}:\n{job.output()[-1500:]}"
                 for job in load.jobs() if not job.running()]
        waiting_for = [job for job in ("producer", *SINKS) if job not in grown]
        raise AgilityError("\n".join([f"{error}\nnot seen carrying on: {', '.join(waiting_for)}", *ended])) from None
    found = (f"{load.acknowledged()} acknowledged, {time.monotonic() - fault.at:.1f} s after the kill, "
             f"{fault.service}@{fault.node} still down; stored past the {acknowledged_at_fault} acknowledged at the "
             "fault: " + ", ".join(f"{sink} {stored[sink]}" for sink in SINKS)
             + "; carrying on after: "
             + ", ".join(f"{job} {seconds:.1f} s" for job, seconds in sorted(grown.items(), key=lambda kv: kv[1])))
    say(found)
    return found


NODE_PARTS = {  # what a node carries, each by its service's own word on its health (None until whole)
    "broker": lambda faults, clients, area, dataset: faults.kafka_in_sync(clients, area, dataset),
    "Cassandra node": lambda faults, clients, area, dataset: faults.cassandra_level(),
    "DataNode": lambda faults, clients, area, dataset: faults.hdfs_replicated(),
}


class Whole:
    """Every service a node carries whole again, all at once (None until then); when each was
    first seen whole, in seconds after `since`, is kept: which one a recovery waited for."""

    def __init__(self, since: float):
        self.since = since
        self.first_whole: dict[str, float] = {}

    def __call__(self, faults: SandboxFaults, clients, area: Area, dataset: str) -> str | None:
        found = {}
        for part, health in NODE_PARTS.items():
            found[part] = health(faults, clients, area, dataset)
            if found[part]:
                self.first_whole.setdefault(part, time.monotonic() - self.since)
        return None if not all(found.values()) else "; ".join(found.values())

    def timings(self) -> str:
        return ", ".join(f"{part} {seconds:.1f} s" for part, seconds in sorted(self.first_whole.items(), key=lambda kv: kv[1]))


HEALTH = {  # each service's own word that it is whole again (None until then)
    "kafka": NODE_PARTS["broker"],
    "cassandra": NODE_PARTS["Cassandra node"],
    "datanode": NODE_PARTS["DataNode"],
    "nodemanager": lambda faults, clients, area, dataset: faults.yarn_running(),
}


def recovered(faults: SandboxFaults, fault: Fault, clients, area: Area, dataset: str, say: Say,
              timeout: float = 240) -> str:
    """Wait for the service's own health report after the restart (for a whole node: of each
    service it carries, and when each was whole); Cassandra then repairs the area's keyspace on
    the node that was down."""
    since = fault.restarted_at or time.monotonic()
    health = Whole(since) if fault.service in (NODE, LINK) else HEALTH[fault.service]
    healthy = wait_until(lambda: health(faults, clients, area, dataset), timeout=timeout,
                         what=f"{fault.service} whole again after {fault.node} came back", service=fault.service)
    fault.healthy_at = time.monotonic()
    if isinstance(health, Whole):
        healthy += f"; whole after the restart: {health.timings()}"
    if fault.service in ("cassandra", NODE, LINK):
        healthy += "; " + faults.cassandra_repair(fault, area.keyspace)
    say(healthy)
    return healthy


def recovery_report(load: Load, fault: Fault) -> str:
    """Fault → healthy, restart → healthy, and the producer's rate before and while it was down."""
    before, during = load.rates_around(fault)
    ratio = f" ({during / before:.2f}×)" if before else ""
    return (f"{fault.timeline()}; producer {before:.0f} acknowledged/s before the fault, "
            f"{during:.0f}/s while it was down{ratio}")
