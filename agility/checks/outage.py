"""A sink's store taken away under the running job, and brought back (`pytest -m pipeline`).

The job runs as its own process, as an operator runs it. It is paused (SIGSTOP) as soon as Kafka
shows its first commit, the store is stopped, and the job is resumed: it meets the store gone
while it is mid-stream, with an open connection and records still to store, however fast either
side is. The pause lasts as long as the store takes to stop, well under the consumer's session
timeout, so Kafka leaves the job its partitions.

Only the embedded sandbox's stores are stopped (`SandboxStores`): a remote profile's stores belong
to its operators, and this module refuses to touch them.
"""

from __future__ import annotations

import re
import signal
import time
from dataclasses import dataclass

from agility.checks import pipeline
from agility.checks.job_process import JobProcess
from agility.checks.shared_dataset import Say
from agility.clients.edge_kafka import committed_offsets
from agility.config.areas import Area
from agility.core.errors import AgilityError
from agility.core.waiting import wait_until
from agility.jobs.ledger import Ledger
from agility.jobs.sink import command_line
from agility.sandbox.cluster import Sandbox

STORE_SERVICES = {"hdfs": "httpfs", "mysql": "mariadb", "cassandra": "cassandra"}  # sink → sandbox service
STORE_ENDPOINTS = {  # sink → where its store is in the cluster, as the job's messages must name it
    "hdfs": lambda profile: profile.hdfs["webhdfs"],
    "mysql": lambda profile: profile.mysql["address"],
    "cassandra": lambda profile: profile.cassandra["contact_points"][0],
}
RETRY_LINE = re.compile(r": (?P<error>\w+): .*; retry (?P<attempt>\d+) in ")  # agility.core.retry's log line


class NotTheSandbox(AgilityError):
    """The profile is not the embedded sandbox: its services are not ours to stop."""


def sandbox_behind(profile, refusal: str) -> Sandbox:
    """The embedded sandbox cluster the profile points at; NotTheSandbox (saying `refusal`) for any
    other cluster, whose processes belong to its operators."""
    cluster = (profile.extra.get("sandbox") or {}).get("cluster")
    if not cluster:
        raise NotTheSandbox(f"profile {profile.name} is not an embedded sandbox: {refusal}")
    return Sandbox(cluster=cluster)


class SandboxStores:
    """Stops and starts the sandbox service behind a sink's store; `restore()` starts again
    whatever it stopped and did not start yet (a test's finalizer)."""

    def __init__(self, profile):
        self.sandbox = sandbox_behind(profile, "its stores belong to the cluster's operators, and the suite does "
                                               "not stop them to prove a sink rides out an outage")
        self.stopped: dict[str, object] = {}

    def service(self, sink: str):
        return self.sandbox.services[STORE_SERVICES[sink]]

    def stop(self, sink: str) -> str:
        service = self.service(sink)
        pids = [row.pid for row in service.status() if row.pid]
        if not pids:
            raise AgilityError(f"{service.name} is not running: there is nothing to stop")
        self.stopped[sink] = service  # first: a stop that fails half way is still restored
        started = time.monotonic()
        service.stop()
        alive = [row.pid for row in service.status() if row.pid]
        if alive:
            raise AgilityError(f"{service.name} still runs after its stop (pids {alive})")
        return f"{service.name} stopped (pids {pids}) in {time.monotonic() - started:.1f} s"

    def start(self, sink: str) -> str:
        service = self.stopped.get(sink) or self.service(sink)
        started = time.monotonic()
        service.start()
        service.wait_ready()
        self.stopped.pop(sink, None)
        pids = [row.pid for row in service.status() if row.pid]
        return f"{service.name} started again (pids {pids}), ready in {time.monotonic() - started:.1f} s"

    def restore(self) -> list[str]:
        return [self.start(sink) for sink in list(self.stopped)]


class SinkJob(JobProcess):
    """`python -m agility.jobs.sink_<sink>` as its own process."""

    def __init__(self, profile, area: Area, dataset: str, sink: str, *, batch: int = 100,
                 store_retry_seconds: float | None = None, verbose: bool = False, idle_timeout: float | None = None):
        self.profile, self.area, self.dataset, self.sink = profile, area, dataset, sink
        super().__init__(f"sink_{sink}", command_line(profile, area, dataset, sink, max_batch=batch,
                                                      store_retry_seconds=store_retry_seconds, verbose=verbose,
                                                      idle_timeout=idle_timeout))

    def retries(self) -> list[str]:
        """The job's own lines about a failed store call it retries (printed with --verbose)."""
        return [line for line in self.output().splitlines() if RETRY_LINE.search(line)]

    def pause_after_first_commit(self, clients) -> dict[int, int]:
        """SIGSTOP the job as soon as Kafka shows a commit of its group; partition → committed offset."""
        admin = clients.kafka_admin(clients.kafka_account(self.area.name))
        try:
            pipeline.wait_for_first_commit(admin, self.area, self.dataset, self.sink, alive=self.running, log=self.log)
            self.process.send_signal(signal.SIGSTOP)
            return committed_offsets(admin, self.area.group(self.dataset, self.sink), self.area.topic(self.dataset))
        finally:
            admin.close()

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def topic_complete(self) -> None:
        """Tell the job its topic's producer acknowledged everything it will send (SIGUSR1): it stops
        once caught up, without waiting its whole quiet time. Only to a job long past its start,
        which handles the signal (before that, SIGUSR1 would end it)."""
        if self.running():
            self.process.send_signal(signal.SIGUSR1)

    def wait_for_retry(self, timeout: float = 60) -> str:
        """The first line in which the job says it retries its store."""
        found = wait_until(self.retries, timeout=timeout, what="a line of the job retrying its store",
                           service=f"sink_{self.sink}", alive=self.running, log=self.log)
        return found[0]


@dataclass
class Outage:
    """What happened around the stop: where the job's group stood, what was stopped."""

    job: SinkJob
    committed: dict[int, int]  # partition → offset committed when the job was paused
    ends: dict[int, int]  # partition → end offset of the topic
    stopped: str
    met: str = ""  # the job's first line retrying the store, when it was waited for

    def summary(self) -> str:
        done, total = sum(self.committed.values()), sum(self.ends.values())
        return (f"sink_{self.job.sink} (pid {self.job.process.pid}) paused after committing {done} of {total} "
                f"records; {self.stopped}; job resumed" + (f"; it meets the store gone: {self.met}" if self.met else ""))


def store_stopped_under_job(profile, clients, area: Area, dataset: str, sink: str, stores: SandboxStores,
                            service: str, say: Say, *, store_retry_seconds: float | None = None,
                            started=lambda job: None) -> Outage:
    """Start the sink job; after its first commit pause it, stop `service` (its store), resume it;
    what happened said. With the job's default retries it reports each retry (--verbose), and this
    returns once it has reported the first: the job has met its store gone. `started(job)` is told
    the job at once, to end it whatever happens."""
    expected = STORE_SERVICES[sink]
    if service.lower() != expected:
        raise AgilityError(f"the {sink} sink's store is the sandbox service {expected}, not {service}")
    job = SinkJob(profile, area, dataset, sink, store_retry_seconds=store_retry_seconds,
                  verbose=store_retry_seconds is None)
    started(job)
    found = stop_store_under(job, clients, stores)
    if store_retry_seconds is None:
        found.met = job.wait_for_retry().strip()
    say(found.summary())
    return found


def stop_store_under(job: SinkJob, clients, stores: SandboxStores) -> Outage:
    """Pause the job after its first commit, stop its store, resume the job."""
    committed = job.pause_after_first_commit(clients)
    try:
        ends = pipeline.end_offsets(clients, job.area, job.dataset)
        if sum(committed.values()) >= sum(ends.values()):
            raise AgilityError(f"sink_{job.sink} had committed every record before its store could be stopped: "
                               "nothing to prove")
        stopped = stores.stop(job.sink)
    finally:
        job.resume()
    return Outage(job, committed, ends, stopped)


def failure_line(job: SinkJob, timeout: float) -> str:
    """The job's whole output once it ended, which must be one line naming its store (the store's
    address in the cluster) and the store's error, with a non-zero exit code and no traceback."""
    code = job.finish(timeout)
    output = job.output()
    lines = output.strip().splitlines()
    endpoint = STORE_ENDPOINTS[job.sink](job.profile)
    problems = [problem for problem, bad in (
        (f"exit code {code}, not a failure", code == 0),
        (f"{len(lines)} lines of output, not one", len(lines) != 1),
        ("a traceback", "Traceback" in output),
        (f"no mention of the store's address {endpoint}", endpoint not in output),
        ("no 'last error <Type>: <message>' of the store", not re.search(r"last error \w+: \S", output)),
    ) if bad]
    if problems:
        raise AgilityError(f"sink_{job.sink} did not stop with one clear line: {'; '.join(problems)}. "
                           f"Its output:\n{output[-3000:]}")
    return f"exit code {code}: {lines[0]}"


def finished_after_retries(job: SinkJob, timeout: float) -> str:
    """The job ended by itself, exit code 0, caught up, after at least one retry of its store."""
    code = job.finish(timeout)
    retries, output = job.retries(), job.output()
    endpoint = STORE_ENDPOINTS[job.sink](job.profile)
    summary = output.strip().splitlines()[-1] if output.strip() else ""
    problems = [problem for problem, bad in (
        (f"exit code {code}", code != 0),
        ("no line retrying the store", not retries),
        (f"retry lines that do not name the store's address {endpoint}", any(endpoint not in line for line in retries)),
        ("no summary saying it caught up", "stopped: caught up" not in summary),
        ("a traceback", "Traceback" in output),
    ) if bad]
    if problems:
        raise AgilityError(f"sink_{job.sink} did not ride out the outage: {'; '.join(problems)}. "
                           f"Its output:\n{output[-3000:]}")
    return f"{len(retries)} {'retry' if len(retries) == 1 else 'retries'}, first: {retries[0].strip()}; then: {summary}"


@dataclass
class Committed:
    """The job's group as Kafka reports it, against the ledger and what the store holds."""

    committed: dict[int, int]  # partition → committed offset
    ends: dict[int, int]
    covered: list[str]  # ids of the ledger's orders below the committed offsets
    not_stored: list[str]  # of those, the ones the store does not hold

    @property
    def records(self) -> int:
        return sum(self.committed.values())

    def summary(self) -> str:
        partitions = ", ".join(f"p{p} {self.committed.get(p, '-')}/{end}" for p, end in sorted(self.ends.items()))
        return (f"committed {self.records} of {sum(self.ends.values())} records ({partitions}); "
                f"{len(self.covered)} orders below the commits, {len(self.not_stored)} of them not in the store"
                + (f", e.g. {', '.join(self.not_stored[:5])}" if self.not_stored else ""))


def group_against_store(profile, clients, area: Area, dataset: str, sink: str) -> Committed:
    """Read the group's committed offsets from Kafka and the store's orders from the store: every
    order the group committed past must be in the store (a sink commits only what it stored)."""
    account = clients.kafka_account(area.name)
    topic = area.topic(dataset)
    admin = clients.kafka_admin(account)
    try:
        committed = committed_offsets(admin, area.group(dataset, sink), topic)
    finally:
        admin.close()
    ends = pipeline.end_offsets(clients, area, dataset)
    covered = [entry["order"]["order_id"] for entry in Ledger.for_dataset(profile.name, area, dataset).entries()
               if "order" in entry and entry["offset"] < committed.get(entry["partition"], 0)]
    read_store = pipeline.SINK_CONTENTS[sink][0]
    stored = {row.get("order_id") for row in read_store(clients, area, dataset).rows}
    return Committed(committed, ends, covered, sorted(set(covered) - stored))


def committed_problems(profile, clients, area: Area, dataset: str, sink: str, say: Say) -> list[str]:
    """Kafka shows the sink's group committed part of the topic, not all of it, and every order
    below its commits is in the store."""
    found = group_against_store(profile, clients, area, dataset, sink)
    say(found.summary())
    return [problem for problem, wrong in (
        (f"the group committed {found.records} of {sum(found.ends.values())} records, not part of the topic",
         not 0 < found.records < sum(found.ends.values())),
        (f"no order below the commits, or some not in the store: {found.summary()}",
         not found.covered or found.not_stored),
    ) if wrong]
