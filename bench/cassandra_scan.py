"""Scanning a Cassandra table: the spark-cassandra-connector (a PySpark job on the edge node,
executors on the workers, every row and column read into Spark's `noop` sink) against a paged
CQL scan (`SELECT *`, 5000 rows a page) from the workstation through the SSH tunnel.

    /opt/agility/venv/bin/python bench/cassandra_scan.py [--rows 50000]

Prints both rates (rows/s) and their ratio. The connector's rate is over its second scan (warm
executors); its first scan and its start-up (a JVM, executors) are printed beside it. Needs a running sandbox; it fills a fresh table
of the dev area with generated orders and drops it at the end.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agility.clients.services import area_clients  # noqa: E402
from agility.config import profiles  # noqa: E402
from agility.jobs import orders, spark_cassandra  # noqa: E402
from agility.jobs.sink import Record  # noqa: E402
from agility.jobs.sink_cassandra import CassandraSink  # noqa: E402
from agility.provisioning.area_accounts import provision_area_accounts, provision_linux_user  # noqa: E402
from agility.reach.ssh import ClusterShell  # noqa: E402
from bench.figures import Figure, compared  # noqa: E402
from bench.figures import table as figure_table  # noqa: E402

PAGE = 5000
WRITE_BATCH = 5000


def fill(clients, area, table: str, rows: int) -> float:
    """Write `rows` generated orders with the cassandra sink's own writer; seconds taken."""
    sink = CassandraSink(clients, area, table)
    sink.prepare()
    started = time.monotonic()
    try:
        made = orders.generate(99, rows)
        for first in range(0, rows, WRITE_BATCH):
            sink.write([Record(order, "bench", 0, first + index)
                        for index, order in enumerate(made[first:first + WRITE_BATCH])])
    finally:
        sink.close()
    return time.monotonic() - started


def cql_scan(clients, area, table: str) -> tuple[int, float]:
    """Every row and column through the tunnel, page by page: (rows, seconds)."""
    session = clients.cassandra_session()
    try:
        statement = session.prepare(f"SELECT * FROM {area.keyspace}.{table}")
        statement.fetch_size = PAGE
        started = time.monotonic()
        count = sum(1 for _ in session.execute(statement, timeout=120))
        return count, time.monotonic() - started
    finally:
        session.cluster.shutdown()


def drop(clients, area, table: str) -> None:
    session = clients.cassandra_session()
    try:
        session.execute(f"DROP TABLE IF EXISTS {area.keyspace}.{table}", timeout=60)
    finally:
        session.cluster.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--profile", default="sandbox")
    args = parser.parse_args(argv)
    print("\n" + figure_table(measure(args.rows, args.profile)))
    return 0


def measure(rows: int, profile_name: str = "sandbox") -> list[Figure]:
    profile = profiles.load(profile_name)
    area = profile.area("dev")
    table = f"bench_scan_{uuid.uuid4().hex[:8]}"
    provision_linux_user(profile, area)  # the developer submits to the area's own queue on YARN
    with area_clients(profile, area) as clients, ClusterShell(profile, user=area.kafka_account) as shell:
        provision_area_accounts(profile, clients, area)
        try:
            seconds = fill(clients, area, table, rows)
            print(f"filled {area.keyspace}.{table} with {rows} orders in {seconds:.1f} s")
            scanned, cql_seconds = cql_scan(clients, area, table)
            cql_rate = scanned / cql_seconds
            print(f"paged CQL scan through the tunnel: {scanned} rows in {cql_seconds:.2f} s = {cql_rate:,.0f} rows/s")
            started = time.monotonic()
            spark = spark_cassandra.run_on_edge(shell, profile, "cassandra", area, table, scan_only=True)
            total = time.monotonic() - started
            spark_rate = scanned / spark["scan_seconds"]
            print(f"connector scan on the cluster ({spark['partitions']} Spark partitions): {scanned} rows in "
                  f"{spark['scan_seconds']:.2f} s = {spark_rate:,.0f} rows/s (first scan {spark['first_scan_seconds']:.2f} s; "
                  f"whole job {total:.1f} s with start-up)")
            print(f"ratio connector / paged CQL: {spark_rate / cql_rate:.2f}")
            print(f"ratio with the connector's start-up: {scanned / total / cql_rate:.2f}")
            return [compared("Cassandra scan, spark-cassandra-connector", spark_rate, "rows/s", "paged CQL", cql_rate)]
        finally:
            drop(clients, area, table)


if __name__ == "__main__":
    sys.exit(main())
