"""Kafka → Cassandra: the area's orders as one row per order id in keyspace `area.keyspace`.

    python -m agility.jobs.sink_cassandra --profile sandbox --area dev --dataset orders

The table is named after the dataset. An INSERT in CQL is an upsert, so a batch written twice
(after a restart) leaves the same rows. Writes and reads use QUORUM: with replication
min(3, nodes) a row counted by reconciliation is on a majority of its replicas. No host
available, a timeout or an unavailable replica set is retried with a new session: the driver's
own reconnection backs off up to minutes, longer than a restarted node takes to come back.
"""

from __future__ import annotations

import sys

from agility.clients.services import cassandra_unreachable
from agility.config.areas import Area, check_dataset
from agility.jobs import records
from agility.jobs.sink import ConsumeResult, Record, consume, main

CONCURRENCY = 64  # in-flight INSERTs per batch: enough to hide the tunnel's round trip
COLUMNS = records.STORED_COLUMNS  # their kinds are CQL's own type names


class CassandraSink:
    name = "cassandra"

    def __init__(self, clients, area: Area, dataset: str):
        self.clients, self.keyspace, self.table = clients, area.keyspace, check_dataset(dataset)
        self.area = area.name
        self.session = None
        self.insert = None
        self.store = f"Cassandra at {', '.join(clients.profile.cassandra['contact_points'])}"

    def prepare(self) -> None:
        from cassandra import ConsistencyLevel

        # as the area's own role: provisioning made its keyspace, the role makes its tables; the
        # sink's own retries decide (patience 0)
        account = self.clients.profile.account("cassandra", self.area)
        self.session = self.clients.cassandra_session(account, patience=0)
        # identifiers come from validated area and dataset names ([a-z][a-z0-9_]*), never from data
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
        self.session.execute(f"CREATE TABLE IF NOT EXISTS {self.keyspace}.{self.table} "
                             f"({columns}, PRIMARY KEY (order_id))")
        names = ", ".join(COLUMNS)
        marks = ", ".join("?" for _ in COLUMNS)
        self.insert = self.session.prepare(f"INSERT INTO {self.keyspace}.{self.table} ({names}) VALUES ({marks})")
        self.insert.consistency_level = ConsistencyLevel.QUORUM

    def write(self, batch: list[Record]) -> None:
        from cassandra.concurrent import execute_concurrent_with_args

        # raise_on_first_error: one failed INSERT fails the batch, so its offsets are not committed
        execute_concurrent_with_args(self.session, self.insert, [row(record) for record in batch],
                                     concurrency=CONCURRENCY, raise_on_first_error=True)

    def transient(self, error: BaseException) -> bool:
        return cassandra_unreachable(error)

    def close(self) -> None:
        if self.session is not None:
            self.session.cluster.shutdown()
            self.session = None


def row(record: Record) -> tuple:
    return tuple(records.stored_row(record.order, record.partition, record.offset).values())


def run(clients, area: Area, dataset: str, **options) -> ConsumeResult:
    return consume(clients, area, dataset, CassandraSink(clients, area, dataset), **options)


if __name__ == "__main__":
    sys.exit(main(__doc__.splitlines()[0], run))
