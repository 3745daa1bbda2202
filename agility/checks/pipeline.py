"""The pipeline's sinks by name, and each sink checked against the producer's ledger."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agility.checks import reconcile
from agility.checks.reconcile import Reconciliation
from agility.clients.edge_kafka import committed_offsets, topic_offsets
from agility.config.areas import Area
from agility.core.errors import AgilityError
from agility.core.waiting import wait_until
from agility.jobs import sink_cassandra, sink_hdfs, sink_mysql
from agility.jobs.ledger import Ledger
from agility.jobs.sink import ConsumeResult

SINK_JOBS = {"cassandra": sink_cassandra.run, "mysql": sink_mysql.run, "hdfs": sink_hdfs.run}
# what each sink holds, read from the store, and what it must hold, computed from a ledger entry
SINK_CONTENTS = {"cassandra": (reconcile.cassandra_rows, reconcile.table_row),
                 "mysql": (reconcile.mysql_rows, reconcile.table_row),
                 "hdfs": (reconcile.hdfs_rows, reconcile.file_line)}


def run_sink(name: str, clients, area: Area, dataset: str, **options) -> ConsumeResult:
    """Run one sink job until it has caught up with a topic whose producer has finished (so a
    short wait at lag 0 is enough to know nothing more is coming)."""
    options.setdefault("idle_timeout", 0.5)
    return SINK_JOBS[name](clients, area, dataset, **options)


def check_sink(name: str, clients, area: Area, dataset: str, ledger: Ledger) -> Reconciliation:
    """What the sink holds against every acknowledged order, field by field; its dead letters
    against the bad records injected."""
    read, expected = SINK_CONTENTS[name]
    return reconcile.reconcile(
        [expected(entry) for entry in ledger.order_entries()], read(clients, area, dataset), sink=name,
        dead_lettered=reconcile.dead_letters(clients, area, dataset, sink=name), expected_bad=ledger.bad(),
    )


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


def kill_after_first_commit(profile, clients, area: Area, dataset: str, sink: str, batch: int = 100) -> Killed:
    """Start the sink job as its own process, SIGKILL it as soon as Kafka shows a commit of its
    group, and read from Kafka, once the process is dead, how far its group got."""
    account = clients.kafka_account(area.name)
    topic, group = area.topic(dataset), area.group(dataset, sink)
    command = [sys.executable, "-m", f"agility.jobs.sink_{sink}", "--profile", profile.source or profile.name,
               "--area", area.name, "--dataset", dataset, "--max-batch", str(batch)]
    admin = clients.kafka_admin(account)  # one client for the whole watch: the kill must follow the commit closely
    with tempfile.NamedTemporaryFile(prefix=f"sink_{sink}-", suffix=".log") as log:
        job = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: any(committed_offsets(admin, group, topic).values()), timeout=120,
                       what=f"the first commit of group {group}", service=f"sink_{sink}",
                       alive=lambda: job.poll() is None, log=Path(log.name), interval=0.02)
            job.send_signal(signal.SIGKILL)
            job.wait(timeout=10)
            if job.returncode != -signal.SIGKILL:
                raise AgilityError(f"sink_{sink} ended with {job.returncode} before the SIGKILL reached it")
            committed = committed_offsets(admin, group, topic)
        finally:
            if job.poll() is None:
                job.kill()
                job.wait(timeout=10)
            admin.close()
    ends = {partition: end for partition, (_, end) in topic_offsets(clients, account, topic).items()}
    return Killed(sink, job.pid, committed, ends)
