"""Did every acknowledged order reach the sink exactly once, and every bad record the dead-letter topic?

`reconcile(expected, found, ...)` compares ids the way Kafka's own system tests validate delivery:
what is missing, what is there more than once, what is there but was never sent. The readers
below give each sink's ids as a list, so that a store which allows duplicates shows them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from agility.areas import Area, check_dataset
from agility.errors import AgilityError

EXAMPLES = 5


@dataclass
class Reconciliation:
    sink: str
    expected: int
    found: int  # rows/lines read, duplicates included
    missing: list[str] = field(default_factory=list)
    duplicates: dict[str, int] = field(default_factory=dict)  # id → times found (> 1)
    unexpected: list[str] = field(default_factory=list)
    dead_lettered: int | None = None  # distinct source records dead-lettered
    expected_bad: int | None = None
    dead_letter_mismatch: list[tuple] = field(default_factory=list)  # in one list of (kind, partition, offset) only

    @property
    def ok(self) -> bool:
        return (not self.missing and not self.duplicates and not self.unexpected and not self.dead_letter_mismatch
                and (self.expected_bad is None or self.dead_lettered == self.expected_bad))

    def summary(self) -> str:
        line = (f"{self.sink}: {self.expected} expected, {self.found} found, missing {len(self.missing)}, "
                f"duplicates {len(self.duplicates)}")
        if self.unexpected:
            line += f", unexpected {len(self.unexpected)}"
        if self.dead_lettered is not None or self.expected_bad is not None:
            line += f", dead-lettered {self.dead_lettered}"
            if self.expected_bad is not None:
                line += f" (expected {self.expected_bad})"
        examples = [("missing", self.missing), ("duplicated", list(self.duplicates)), ("unexpected", self.unexpected),
                    ("dead-letter mismatch", self.dead_letter_mismatch)]
        details = [f"{what} e.g. {', '.join(map(str, items[:EXAMPLES]))}" for what, items in examples if items]
        return line + (f" [{'; '.join(details)}]" if details else "")


def reconcile(expected_ids: Iterable[str], found_ids: Iterable[str], *, sink: str = "sink",
              dead_lettered: Sequence | int | None = None, expected_bad: Sequence | int | None = None,
              ) -> Reconciliation:
    """Compare ids. `dead_lettered` / `expected_bad`: counts, or lists of (kind, partition,
    offset), which are then compared as sets (a record dead-lettered twice after a restart counts once)."""
    expected = list(expected_ids)
    found = list(found_ids)
    wanted, counts = set(expected), Counter(found)
    result = Reconciliation(
        sink=sink, expected=len(wanted), found=len(found),
        missing=sorted(wanted - counts.keys()),
        duplicates={key: times for key, times in sorted(counts.items()) if times > 1},
        unexpected=sorted(counts.keys() - wanted),
    )
    if dead_lettered is not None:
        result.dead_lettered = dead_lettered if isinstance(dead_lettered, int) else len(set(map(tuple, dead_lettered)))
    if expected_bad is not None:
        result.expected_bad = expected_bad if isinstance(expected_bad, int) else len(set(map(tuple, expected_bad)))
    if not isinstance(dead_lettered, int | None) and not isinstance(expected_bad, int | None):
        result.dead_letter_mismatch = sorted(set(map(tuple, dead_lettered)) ^ set(map(tuple, expected_bad)))
    return result


# --- what each sink holds ---------------------------------------------------------------------
def cassandra_ids(clients, area: Area, dataset: str) -> list[str]:
    """Every order id in the dataset's table, read at QUORUM, paged; checked against COUNT(*)."""
    from cassandra import ConsistencyLevel
    from cassandra.query import SimpleStatement

    table = f"{area.keyspace}.{check_dataset(dataset)}"
    session = clients.cassandra_session()
    try:
        ids = [row.order_id for row in session.execute(
            SimpleStatement(f"SELECT order_id FROM {table}", fetch_size=5000,
                            consistency_level=ConsistencyLevel.QUORUM))]
        counted = session.execute(SimpleStatement(f"SELECT COUNT(*) FROM {table}",
                                                  consistency_level=ConsistencyLevel.QUORUM), timeout=60).one()[0]
    finally:
        session.cluster.shutdown()
    if counted != len(ids):
        raise AgilityError(f"cassandra {table}: COUNT(*) says {counted} rows but reading them gave {len(ids)}")
    return ids


def mysql_ids(clients, area: Area, dataset: str) -> list[str]:
    """Every order id in the dataset's table; COUNT(*) must equal COUNT(DISTINCT order_id) and the list."""
    from agility.jobs.sink_mysql import quoted

    table = f"{quoted(area.database)}.{quoted(dataset)}"
    connection = clients.mysql_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT order_id FROM {table}")
            ids = [order_id for (order_id,) in cursor.fetchall()]
            cursor.execute(f"SELECT COUNT(*), COUNT(DISTINCT order_id) FROM {table}")
            rows, distinct = cursor.fetchone()
    finally:
        connection.close()
    if not rows == distinct == len(ids):
        raise AgilityError(f"mysql {table}: COUNT(*) {rows}, COUNT(DISTINCT order_id) {distinct}, "
                           f"read {len(ids)}: they must agree")
    return ids


def hdfs_ids(clients, area: Area, dataset: str) -> list[str]:
    """The order id of every line of every data file under the dataset's directory."""
    client = clients.hdfs_client()
    ids = []
    for path in hdfs_files(clients, area, dataset):
        with client.read(path, encoding="utf-8") as reader:
            for number, line in enumerate(reader.read().splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    ids.append(json.loads(line)["order_id"])
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise AgilityError(f"hdfs {path}: line {number} is not an order") from None
    return ids


def hdfs_files(clients, area: Area, dataset: str) -> list[str]:
    """Every data file under the dataset's directory (hidden and in-progress files are not data)."""
    client = clients.hdfs_client()
    root = area.hdfs_path(dataset)
    if client.status(root, strict=False) is None:
        return []
    return sorted(f"{folder}/{name}" for folder, _, files in client.walk(root) for name in files
                  if not name.startswith((".", "_")))


def dead_letters(clients, area: Area, dataset: str, sink: str | None = None, timeout: float = 30.0,
                 ) -> list[tuple[str, int, int]]:
    """(reason kind, source partition, source offset) of every record in the dataset's dead-letter
    topic (of one sink's when `sink` is given: all sinks share the topic), read from the start
    to the current end without a consumer group."""
    from kafka import TopicPartition

    from agility.waiting import wait_until

    topic = area.dead_letter_topic(dataset)
    consumer = clients.kafka_consumer(account=clients.kafka_account(area.name), enable_auto_commit=False,
                                      group_id=None, consumer_timeout_ms=1000)
    found = []
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)

        def read_to_end() -> bool:
            for messages in consumer.poll(timeout_ms=500).values():
                for message in messages:
                    headers = {key: value.decode() for key, value in message.headers or []}
                    if sink is None or headers.get("sink") == sink:
                        found.append((headers.get("reason", "?"), int(headers.get("source-partition", -1)),
                                      int(headers.get("source-offset", -1))))
            return all(consumer.position(tp) >= ends[tp] for tp in partitions)

        wait_until(read_to_end, timeout=timeout, what=f"the end of {topic}", service="kafka", interval=0)
    finally:
        consumer.close()
    return found
