"""Spark's JVMs with and without their class-data archive (agility/sandbox/spark_class_data.py), in
the same run: the smallest Spark job of the suite (count_rows on YARN, as the test area), run in
turns with the edge node's spark-defaults.conf as the sandbox writes it and with the archive left
out, and for each turn the job's wall time over SSH and the CPU the whole machine spent meanwhile
(/proc/stat: the job's driver, application master and executor JVMs, and the idle clusters).

    /opt/agility/venv/bin/python bench/spark_jvms.py [--turns 3]

Needs a running sandbox (`agility sandbox up`); the edge's spark-defaults.conf is as it was after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agility.config import areas, profiles  # noqa: E402
from agility.core.paths import SPARK_CLIENT_CONF  # noqa: E402
from agility.jobs import count_rows  # noqa: E402
from agility.provisioning.area_accounts import provision_linux_user  # noqa: E402
from agility.reach.ssh import ClusterShell  # noqa: E402
from agility.sandbox import spark_class_data  # noqa: E402
from agility.sandbox.cluster import Sandbox  # noqa: E402
from agility.sandbox.services.yarn import spark_defaults  # noqa: E402
from bench.figures import Figure, compared, table  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU-seconds the machine has spent on anything but idling and waiting for disks."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, open("/proc/stat").readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / TICKS


def measure(turns: int = 3) -> list[Figure]:
    shared = spark_class_data.archive()
    if shared is None:
        raise SystemExit("no class-data archive of Spark's jars: `agility sandbox fetch` builds it")
    profile = profiles.load("sandbox")
    area = areas.get("test")
    provision_linux_user(profile, area)
    sandbox = Sandbox(cluster=profiles.sandbox_cluster(profile.name) or "shared")
    conf = sandbox.nodes[profile.edge].etc / Path(SPARK_CLIENT_CONF).relative_to("/etc") / "spark-defaults.conf"
    written = conf.read_text()
    runs: dict[str, list[tuple[float, float]]] = {"with the archive": [], "without": []}
    try:
        with ClusterShell(profile, user=area.kafka_account) as shell:
            count_rows.run_on_edge(shell, profile, area, master="yarn")  # warms the page cache and YARN
            for turn in range(turns):
                for label, archive in (("without", None), ("with the archive", shared)):
                    conf.write_text(spark_defaults(archive))
                    started, busy = time.monotonic(), busy_seconds()
                    result = count_rows.run_on_edge(shell, profile, area, master="yarn", app_name=f"agility-bench-jvms-{turn}")
                    runs[label].append((time.monotonic() - started, busy_seconds() - busy))
                    print(f"turn {turn + 1} {label:<17} {runs[label][-1][0]:6.1f} s wall, {runs[label][-1][1]:6.1f} "
                          f"CPU-s (machine), {result['rows']} rows on {', '.join(result['executor_hosts'])}", flush=True)
    finally:
        conf.write_text(written)
    wall = {label: statistics.median(wall for wall, _ in found) for label, found in runs.items()}
    cpu = {label: statistics.median(cpu for _, cpu in found) for label, found in runs.items()}
    return [compared("Spark job on YARN, wall (median)", wall["with the archive"], "s", "without the archive",
                     wall["without"]),
            compared("Spark job on YARN, machine CPU (median)", cpu["with the archive"], "CPU-s", "without the archive",
                     cpu["without"])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=3)
    print("\n" + table(measure(parser.parse_args(argv).turns)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
