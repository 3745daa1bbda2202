"""The analytics job on the sandbox's Spark cluster (YARN) against the same job in `local[*]`
on the edge node, in the same run, on the same HDFS dataset:

- wall time of the whole job as the developer sees it (SSH command: JVM, session, analysis, writes);
- the analysis alone (read, SQL, collect) and its records/s.

    /opt/agility/venv/bin/python bench/analytics.py [--orders 20000] [--dataset EXISTING]

Needs a running sandbox (`agility sandbox up`). Without --dataset it produces a fresh dataset in
the test area and writes it to HDFS with the sink job first; the results are checked against
the ledger so that a fast wrong answer does not count.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agility.checks import pipeline  # noqa: E402
from agility.clients.services import area_clients  # noqa: E402
from agility.config import areas, profiles  # noqa: E402
from agility.jobs import analytics, analytics_reference, producer  # noqa: E402
from agility.jobs.ledger import Ledger  # noqa: E402
from agility.provisioning.area_accounts import provision_area_accounts, provision_linux_user  # noqa: E402
from agility.reach.ssh import ClusterShell  # noqa: E402
from bench.figures import Figure, compared, table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--dataset", help="an existing dataset of the area with a ledger (skips producing)")
    parser.add_argument("--area", default="test")
    args = parser.parse_args(argv)
    print("\n" + table(measure(args)))
    return 0


def measure(args) -> list[Figure]:
    profile = profiles.load("sandbox")
    area = areas.get(args.area)
    provision_linux_user(profile, area)
    dataset = args.dataset or f"bench_{uuid.uuid4().hex[:8]}"
    with area_clients(profile, area) as clients:
        provision_area_accounts(profile, clients, area)
        if not args.dataset:
            print(producer.run(clients, area, dataset, args.orders, seed=11, profile_name=profile.name,
                               progress=False, fresh_ledger=True).summary())
            print(pipeline.run_sink("hdfs", clients, area, dataset).summary())
    expected = analytics_reference.compute(Ledger.for_dataset(profile.name, area, dataset).orders())
    runs = {}
    with ClusterShell(profile, user=area.kafka_account) as shell:
        for label, master in (("cluster", profile.spark["master"]), ("local[*]", "local[*]")):
            result = analytics.run_on_edge(shell, profile, area, dataset, master=master, quiet=True)
            differences = analytics_reference.differences(result, expected)
            if differences:
                raise SystemExit(f"{label}: results differ from the ledger: {differences[:3]}")
            runs[label] = result
    records = runs["cluster"]["records"]
    print(f"\n== analytics job on {area.hdfs_path(dataset)}: {records} records, "
          f"{runs['cluster']['files']} files; results equal to the ledger's computation in both runs")
    print(f"{'master':<12} {'wall s':>8} {'session s':>10} {'analysis s':>11} {'records/s':>10} {'wall ratio':>11}")
    reference = runs["local[*]"]["wall_seconds"]
    for label, result in runs.items():
        print(f"{label:<12} {result['wall_seconds']:>8.1f} {result['session_seconds']:>10.1f} "
              f"{result['analysis_seconds']:>11.1f} {result['records_per_second']:>10.0f} "
              f"{result['wall_seconds'] / reference:>11.2f}")
    print("(records/s over the analysis: read, SQL and collect; wall: the whole job over SSH. Both masters share "
          "this machine's cores: the cluster pays for YARN containers, executor JVMs and shuffles between them.)")
    return [compared("analytics job on YARN, analysis", runs["cluster"]["records_per_second"], "records/s",
                     "local[*]", runs["local[*]"]["records_per_second"])]


if __name__ == "__main__":
    sys.exit(main())
