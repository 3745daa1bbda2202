"""`make bench`: every benchmark, one after the other, and one table of every figure with its
reference from the same run, the ratio and the target (issue #15's).

    /opt/agility/venv/bin/python bench/all.py [--skip recovery,ha]

Order: the cold starts (`small`, `ha`: they stop any running sandbox), then on a `small` sandbox
brought up for them the presenter's act, the pipeline, the analytics, the Cassandra scan and Spark's
JVMs with and without their class-data archive, then the failure act's faults on the `production`
cluster. Every sandbox it started is stopped.
About 30 minutes on 2 cores; --skip leaves parts out (cold-small, cold-ha, act, pipeline,
analytics, scan, spark-jvms, recovery).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agility.sandbox.cluster import shared_sandbox  # noqa: E402
from bench import (  # noqa: E402
    analytics,
    cassandra_scan,
    kafka_pipeline,
    presenter_act,
    recovery,
    sandbox_startup,
    spark_jvms,
)
from bench.figures import Figure, failed, table  # noqa: E402

ON_SHARED: dict[str, Callable[[], list[Figure]]] = {
    "act": presenter_act.measure,
    "pipeline": lambda: kafka_pipeline.measure(20000),
    "analytics": lambda: analytics.measure(argparse.Namespace(orders=20000, dataset=None, area="test")),
    "scan": lambda: cassandra_scan.measure(50_000),
    "spark-jvms": spark_jvms.measure,
}


def say(line: str) -> None:
    print(line, flush=True)


def measured(name: str, run: Callable[[], list[Figure]]) -> list[Figure]:
    """A part's figures; a part that fails gets a FAILED row and the others still run."""
    say(f"\n#### {name}")
    try:
        return run()
    except (Exception, SystemExit) as error:  # noqa: BLE001 - any failure is reported in the table
        why = " ".join(str(error).split()) or type(error).__name__
        say(f"{name} FAILED: {why[:2000]}")
        return [failed(name, why)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="parts left out, comma-separated")
    skipped = set(filter(None, parser.parse_args(argv).skip.split(",")))
    figures: list[Figure] = []
    for topology in ("small", "ha"):
        if f"cold-{topology}" not in skipped:
            figures += measured(f"cold start of `{topology}`", lambda topology=topology: sandbox_startup.measure(topology))
    wanted = {name: run for name, run in ON_SHARED.items() if name not in skipped}
    if wanted:
        with shared_sandbox("small", say, cluster="shared"):
            for name, run in wanted.items():
                figures += measured(name, run)
    if "recovery" not in skipped:
        with shared_sandbox(None, say, cluster="production"):
            figures += measured("the failure act's faults on `production`", lambda: recovery.measure(
                argparse.Namespace(profile="sandbox-production", count=12000, rate=200, only="")))
    say("\n" + table(figures))
    return 1 if any(math.isnan(figure.value) for figure in figures) else 0  # a FAILED row measured nothing


if __name__ == "__main__":
    sys.exit(main())
