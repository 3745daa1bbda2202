"""`make bench`: every benchmark, one after the other, and one table of every figure with its
reference from the same run, the ratio and the target (issue #15's).

    /opt/agility/venv/bin/python bench/all.py [--skip recovery,ha]

Order: the cold starts (`small`, `ha`: they stop any running sandbox), then on a `small` sandbox
brought up for them the presenter's act, the pipeline, the analytics and the Cassandra scan, then
the failure act's faults on the `production` cluster. Every sandbox it started is stopped.
About 30 minutes on 2 cores; --skip leaves parts out (cold-small, cold-ha, act, pipeline,
analytics, scan, recovery).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agility.sandbox.cluster import shared_sandbox  # noqa: E402
from bench import analytics, cassandra_scan, kafka_pipeline, presenter_act, recovery, sandbox_startup  # noqa: E402
from bench.figures import Figure, table  # noqa: E402

ON_SHARED: dict[str, Callable[[], list[Figure]]] = {
    "act": presenter_act.measure,
    "pipeline": lambda: kafka_pipeline.measure(20000),
    "analytics": lambda: analytics.measure(argparse.Namespace(orders=20000, dataset=None, area="test")),
    "scan": lambda: cassandra_scan.measure(50_000),
}


def say(line: str) -> None:
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="parts left out, comma-separated")
    skipped = set(filter(None, parser.parse_args(argv).skip.split(",")))
    figures: list[Figure] = []
    for topology in ("small", "ha"):
        if f"cold-{topology}" not in skipped:
            say(f"\n#### cold start of `{topology}`")
            figures += sandbox_startup.measure(topology)
    wanted = {name: run for name, run in ON_SHARED.items() if name not in skipped}
    if wanted:
        with shared_sandbox("small", say, cluster="shared"):
            for name, run in wanted.items():
                say(f"\n#### {name}")
                figures += run()
    if "recovery" not in skipped:
        say("\n#### the failure act's faults on `production`")
        with shared_sandbox(None, say, cluster="production"):
            figures += recovery.measure(argparse.Namespace(profile="sandbox-production", count=12000, rate=200, only=""))
    say("\n" + table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
