"""The pipeline's sinks by name, run and checked against the producer's ledger (the Kafka act's
sinks and `pytest -m pipeline`): every order the producer had acknowledged is in each store with
the values it was sent with, none twice; each bad record is in the dead-letter topic once per sink
with its reason; the HDFS sink's files sit in date/hour folders. A sink killed with SIGKILL right
after its first commit leaves Kafka showing part of the topic committed, not all of it, and its
restart reads exactly the records the dead one had not committed.

Each check says what it shows through `say` (a step's narration, or print) and returns what is
wrong: an empty list proves it. What is compared is read from Kafka and the stores.
"""

from __future__ import annotations

import signal
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agility.checks import reconcile
from agility.checks.reconcile import Reconciliation
from agility.clients.edge_kafka import committed_offsets, topic_offsets
from agility.config.areas import SINKS, Area
from agility.core.errors import AgilityError
from agility.core.waiting import wait_until
from agility.jobs import datasets, producer, sink_cassandra, sink_hdfs, sink_mysql
from agility.jobs.ledger import Ledger
from agility.jobs.sink import ConsumeResult, command_line

if TYPE_CHECKING:  # only a type here: shared_dataset itself imports this module
    from agility.checks.shared_dataset import Say

SINK_JOBS = {"cassandra": sink_cassandra.run, "mysql": sink_mysql.run, "hdfs": sink_hdfs.run}
# what each sink holds, read from the store, and what it must hold, computed from a ledger entry
SINK_CONTENTS = {"cassandra": (reconcile.cassandra_rows, reconcile.table_row),
                 "mysql": (reconcile.mysql_rows, reconcile.table_row),
                 "hdfs": (reconcile.hdfs_rows, reconcile.file_line)}
SEED = 7  # the prod scenarios' orders
BAD_REASONS = ["malformed-json", "oversized", "schema"]  # every kind the producer's bad records must cover
FIRST_COMMIT_TIMEOUT_S = 120


def run_sink(name: str, clients, area: Area, dataset: str, **options) -> ConsumeResult:
    """Run one sink job until it has caught up with a topic whose producer has finished: lag 0
    then means nothing more is coming, and the job stops at once."""
    options.setdefault("idle_timeout", 0.0)
    return SINK_JOBS[name](clients, area, dataset, **options)


def check_sink(name: str, clients, area: Area, dataset: str, ledger: Ledger) -> Reconciliation:
    """What the sink holds against every acknowledged order, field by field; its dead letters
    against the bad records injected."""
    read, expected = SINK_CONTENTS[name]
    return reconcile.reconcile(
        [expected(entry) for entry in ledger.order_entries()], read(clients, area, dataset), sink=name,
        dead_lettered=reconcile.dead_letters(clients, area, dataset, sink=name), expected_bad=ledger.bad(),
    )


# --- the scenarios' jobs ------------------------------------------------------------------------
def fresh_orders(profile_name: str, clients, area: Area, dataset: str, count: int, bad: int, say: Say,
                 cleanup: Callable[[Callable[[], None]], object]) -> str:
    """`count` orders (and `bad` bad records) from the producer job into the fresh `dataset`; its
    name. `cleanup` (a test's finalizer) is handed, first, what removes the dataset from every store
    again: the area's HDFS quotas bound what it holds, and a cluster keeps what nobody removes."""
    cleanup(lambda: datasets.remove(clients, area, dataset))
    say(producer.run(clients, area, dataset, count, seed=SEED, bad=bad, profile_name=profile_name,
                     progress=False).summary())
    return dataset


def run_sink_and_say(name: str, clients, area: Area, dataset: str, say: Say) -> ConsumeResult:
    """`run_sink`, its summary said."""
    result = run_sink(name, clients, area, dataset)
    say(result.summary())
    return result


def run_every_sink(clients, area: Area, dataset: str, say: Say) -> None:
    for name in SINKS:
        run_sink_and_say(name, clients, area, dataset, say)


# --- the stores against the ledger --------------------------------------------------------------
def _reconciled(name: str, clients, area: Area, dataset: str, ledger: Ledger, say: Say) -> Reconciliation:
    result = check_sink(name, clients, area, dataset, ledger)
    say(result.summary())
    return result


def sink_problems(profile_name: str, clients, area: Area, dataset: str, name: str, say: Say) -> list[str]:
    """The sink's store holds every order of the dataset's ledger, field by field, none twice."""
    result = _reconciled(name, clients, area, dataset, Ledger.for_dataset(profile_name, area, dataset), say)
    return [] if result.ok else [result.summary()]


def every_sink_problems(profile_name: str, clients, area: Area, dataset: str, bad: int, say: Say) -> list[str]:
    """Each sink reconciles with the ledger and dead-lettered `bad` records; checked in turn, up to
    the first that does not."""
    ledger = Ledger.for_dataset(profile_name, area, dataset)
    for name in SINKS:
        result = _reconciled(name, clients, area, dataset, ledger, say)
        if not (result.ok and result.dead_lettered == bad):
            return [result.summary()]
    return []


def dead_letter_problems(profile_name: str, clients, area: Area, dataset: str, say: Say) -> list[str]:
    """The dead-letter topic holds, for each sink, exactly the ledger's bad records (reason,
    partition, offset), each once; and they cover every reason."""
    ledger_bad = sorted(Ledger.for_dataset(profile_name, area, dataset).bad())
    for name in SINKS:
        letters = sorted(reconcile.dead_letters(clients, area, dataset, sink=name))
        if letters != ledger_bad:
            return [f"{name}: dead letters {letters}, the ledger's bad records {ledger_bad}"]
    kinds = sorted({kind for kind, _, _ in ledger_bad})
    say(f"{area.dead_letter_topic(dataset)}: {len(ledger_bad)} per sink, reasons {', '.join(kinds)}")
    return [] if kinds == BAD_REASONS else [f"the bad records' reasons are {kinds}, not {BAD_REASONS}"]


def hourly_file_problems(clients, area: Area, dataset: str, say: Say) -> list[str]:
    """The HDFS sink's files are .jsonl files in date=/hour= folders under the dataset's folder."""
    files = reconcile.hdfs_files(clients, area, dataset)
    hours = {path.rsplit("/", 1)[0] for path in files}
    say(f"{len(files)} files in {len(hours)} date/hour folders under {area.hdfs_path(dataset)}, "
        f"e.g. {files[0] if files else '-'}")
    if not files:
        return [f"no files under {area.hdfs_path(dataset)}"]
    return [f"{path} is not a .jsonl file in a date=/hour= folder" for path in files
            if not ("/date=" in path and "/hour=" in path and path.endswith(".jsonl"))][:reconcile.EXAMPLES]


# --- a sink killed mid-stream -------------------------------------------------------------------
def end_offsets(clients, area: Area, dataset: str) -> dict[int, int]:
    """Partition → end offset of the dataset's topic, read from the brokers as the area's account."""
    offsets = topic_offsets(clients, clients.kafka_account(area.name), area.topic(dataset))
    return {partition: end for partition, (_, end) in offsets.items()}


def wait_for_first_commit(admin, area: Area, dataset: str, sink: str, *, alive: Callable[[], bool], log: Path) -> None:
    """Until Kafka shows a commit of the sink's group, asked every 20 ms through `admin` (one
    client for the whole watch): what is done to the job next must follow the commit closely."""
    topic, group = area.topic(dataset), area.group(dataset, sink)
    wait_until(lambda: any(committed_offsets(admin, group, topic).values()), timeout=FIRST_COMMIT_TIMEOUT_S,
               what=f"the first commit of group {group}", service=f"sink_{sink}", alive=alive, log=log,
               interval=0.02)


@dataclass
class Killed:
    """A sink job killed with SIGKILL, and what Kafka said about its group once it was dead."""

    sink: str
    pid: int
    committed: dict[int, int]  # partition → committed offset (absent: never committed)
    ends: dict[int, int]  # partition → end offset of the topic

    @property
    def committed_records(self) -> int:
        return sum(self.committed.values())

    @property
    def uncommitted(self) -> int:
        """Records the dead job left to its successor: from each committed offset to the end."""
        return sum(max(0, end - self.committed.get(partition, 0)) for partition, end in self.ends.items())

    @property
    def mid_stream(self) -> bool:
        return self.committed_records > 0 and self.uncommitted > 0

    def summary(self) -> str:
        return (f"sink_{self.sink} (pid {self.pid}) killed with SIGKILL; Kafka afterwards: committed "
                + ", ".join(f"p{p} {self.committed.get(p, '-')}/{end}" for p, end in sorted(self.ends.items()))
                + f" → {self.committed_records} committed, {self.uncommitted} left for the restart")


def kill_after_first_commit(profile, clients, area: Area, dataset: str, sink: str, say: Say,
                            batch: int = 100) -> Killed:
    """Start the sink job as its own process, SIGKILL it as soon as Kafka shows a commit of its
    group, and read from Kafka, once the process is dead, how far its group got (said)."""
    admin = clients.kafka_admin(clients.kafka_account(area.name))
    with tempfile.NamedTemporaryFile(prefix=f"sink_{sink}-", suffix=".log") as log:
        job = subprocess.Popen(command_line(profile, area, dataset, sink, max_batch=batch),
                               stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_first_commit(admin, area, dataset, sink, alive=lambda: job.poll() is None, log=Path(log.name))
            job.send_signal(signal.SIGKILL)
            job.wait(timeout=10)
            if job.returncode != -signal.SIGKILL:
                raise AgilityError(f"sink_{sink} ended with {job.returncode} before the SIGKILL reached it")
            committed = committed_offsets(admin, area.group(dataset, sink), area.topic(dataset))
        finally:
            if job.poll() is None:
                job.kill()
                job.wait(timeout=10)
            admin.close()
    killed = Killed(sink, job.pid, committed, end_offsets(clients, area, dataset))
    say(killed.summary())
    return killed


def restart_problems(killed: Killed, restarted: ConsumeResult, say: Say) -> list[str]:
    """The restarted sink read exactly the records the killed one had left uncommitted, and that
    was not nothing."""
    say(f"restarted {restarted.sink}: read {restarted.read}; the dead job had left {killed.uncommitted}")
    if restarted.read == killed.uncommitted > 0:
        return []
    return [f"the restart read {restarted.read}, the dead job had left {killed.uncommitted}: "
            f"{restarted.summary()} / {killed.summary()}"]
