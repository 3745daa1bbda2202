"""The pipeline's sinks by name, and each sink checked against the producer's ledger."""

from __future__ import annotations

from agility.areas import Area
from agility.jobs import reconcile, sink_cassandra, sink_hdfs, sink_mysql
from agility.jobs.ledger import Ledger
from agility.jobs.reconcile import Reconciliation
from agility.jobs.sink import ConsumeResult

SINK_JOBS = {"cassandra": sink_cassandra.run, "mysql": sink_mysql.run, "hdfs": sink_hdfs.run}
SINK_CONTENTS = {"cassandra": reconcile.cassandra_ids, "mysql": reconcile.mysql_ids, "hdfs": reconcile.hdfs_ids}


def run_sink(name: str, clients, area: Area, dataset: str, **options) -> ConsumeResult:
    """Run one sink job until it has caught up with a topic whose producer has finished (so a
    short wait at lag 0 is enough to know nothing more is coming)."""
    options.setdefault("idle_timeout", 0.5)
    return SINK_JOBS[name](clients, area, dataset, **options)


def check_sink(name: str, clients, area: Area, dataset: str, ledger: Ledger) -> Reconciliation:
    """What the sink holds against every acknowledged id; its dead letters against the bad records injected."""
    return reconcile.reconcile(
        ledger.ids(), SINK_CONTENTS[name](clients, area, dataset), sink=name,
        dead_lettered=reconcile.dead_letters(clients, area, dataset, sink=name), expected_bad=ledger.bad(),
    )


def committed(clients, area: Area, dataset: str, sink: str) -> int:
    """How many records the sink's consumer group has committed so far."""
    admin = clients.kafka_admin(clients.kafka_account(area.name))
    try:
        group = area.group(dataset, sink)
        offsets = admin.list_group_offsets({group: None})[group]
    finally:
        admin.close()
    return sum(meta.offset for meta in offsets.values() if meta.offset > 0)


def kill_after_first_commit(profile, clients, area: Area, dataset: str, sink: str, batch: int = 100) -> str:
    """Start the sink job as its own process, SIGKILL it once it has committed a batch but before
    it has caught up, and say where it stopped. Restarting it must then lose and duplicate nothing."""
    import signal
    import subprocess
    import sys

    from agility.errors import AgilityError
    from agility.waiting import wait_until

    total = sum(1 for _ in Ledger.for_dataset(profile.name, area, dataset).positions())
    command = [sys.executable, "-m", f"agility.jobs.sink_{sink}", "--profile", profile.source or profile.name,
               "--area", area.name, "--dataset", dataset, "--max-batch", str(batch)]
    job = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        done = wait_until(lambda: committed(clients, area, dataset, sink) or job.poll() is not None,
                          timeout=120, what=f"the {sink} sink's first commit", service=f"sink_{sink}", interval=0.05)
        at_kill = committed(clients, area, dataset, sink)
        if job.poll() is not None:
            raise AgilityError(f"the {sink} sink finished before it could be killed ({done}):\n{job.stdout.read()[-1500:]}")
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=10)
    finally:
        if job.poll() is None:
            job.kill()
    if at_kill >= total:
        raise AgilityError(f"the {sink} sink had committed all {total} records before the kill: nothing to prove")
    return f"sink_{sink} (pid {job.pid}) killed with SIGKILL after committing {at_kill} of {total} records"
