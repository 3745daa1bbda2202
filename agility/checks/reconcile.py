"""Did every acknowledged order reach the sink exactly once, with the values the producer sent,
and every bad record the dead-letter topic?

`reconcile(expected, stored, ...)` compares the rows a sink holds with the rows the producer's
ledger says it must hold, the way Kafka's own system tests validate delivery (what is missing,
what is there but was never sent) and then field by field: a row with the right id and a wrong
amount is a failure. Duplicates are counted where the store can hold them (HDFS files, the
dead-letter topic); a table whose primary key, read from the store's own schema, is the order
id cannot: a second write of an order replaces the first, and the summary says so instead of
reporting a count that could never be anything but 0.

The expected rows are computed from the ledger here, independently of the sinks' code (Decimal
arithmetic for amounts, a strict parse of the event time), so a sink's conversion bug shows.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from agility.clients.hdfs_write import hidden
from agility.clients.sql import quoted
from agility.config.areas import Area, check_dataset
from agility.core.errors import AgilityError
from agility.core.parallel import side_by_side
from agility.core.waiting import wait_until

EXAMPLES = 5
KEY = "order_id"
CENT = Decimal("0.01")


@dataclass
class Stored:
    """What a sink holds, as read from the store: one dict per row (per line for files)."""

    rows: list[dict]
    where: str  # e.g. "cassandra prod.orders_x" or "hdfs /areas/prod/orders_x (12 files)"
    unique_by: str | None = None  # how the store itself rules out a second row per order id, if it does


@dataclass
class Reconciliation:
    sink: str
    expected: int  # distinct orders the ledger says the sink must hold
    found: int  # rows/lines read, duplicates included
    where: str = ""
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    duplicates: dict[str, int] | None = field(default_factory=dict)  # id → times found (> 1); None: cannot occur
    unique_by: str | None = None
    differences: dict[str, list[str]] = field(default_factory=dict)  # id → "field: store … ledger …"
    fields: int = 0  # fields compared per row
    dead_lettered: int | None = None  # distinct source records dead-lettered
    expected_bad: int | None = None
    dead_letter_duplicates: dict[tuple, int] = field(default_factory=dict)
    dead_letter_mismatch: list[tuple] = field(default_factory=list)  # in one list of (kind, partition, offset) only

    @property
    def ok(self) -> bool:
        return (not self.missing and not self.unexpected and not self.duplicates and not self.differences
                and not self.dead_letter_mismatch and not self.dead_letter_duplicates
                and (self.expected_bad is None or self.dead_lettered == self.expected_bad))

    def summary(self) -> str:
        line = (f"{self.sink}: {self.expected} orders in the ledger, {self.found} read from {self.where}; "
                f"missing {len(self.missing)}, unexpected {len(self.unexpected)}, "
                f"rows differing from the ledger {len(self.differences)} ({self.fields} fields each); ")
        if self.duplicates is None:
            line += f"duplicates cannot occur ({self.unique_by}), so none were counted"
        else:
            line += f"duplicates {len(self.duplicates)} (counted)"
        if self.dead_lettered is not None or self.expected_bad is not None:
            line += f"; dead-lettered {self.dead_lettered}"
            if self.expected_bad is not None:
                line += f" (expected {self.expected_bad})"
            line += f", dead-lettered twice {len(self.dead_letter_duplicates)}"
        examples = [("missing", self.missing), ("unexpected", self.unexpected),
                    ("duplicated", list(self.duplicates or {})),
                    ("differing", [f"{key} {'; '.join(found)}" for key, found in self.differences.items()]),
                    ("dead-lettered twice", list(self.dead_letter_duplicates)),
                    ("dead-letter mismatch", self.dead_letter_mismatch)]
        details = [f"{what} e.g. {', '.join(map(str, items[:EXAMPLES]))}" for what, items in examples if items]
        return line + (f" [{'; '.join(details)}]" if details else "")


def reconcile(expected_rows: Iterable[dict], stored: Stored, *, sink: str = "sink",
              dead_lettered: Sequence | int | None = None, expected_bad: Sequence | int | None = None,
              ) -> Reconciliation:
    """Compare the stored rows with the expected ones by order id, then field by field.
    `dead_lettered` / `expected_bad`: counts, or lists of (kind, partition, offset); a list of
    dead letters has its duplicates counted (each bad record must be dead-lettered once)."""
    expected = {row[KEY]: row for row in expected_rows}
    counts = Counter(row.get(KEY) for row in stored.rows)
    result = Reconciliation(
        sink=sink, expected=len(expected), found=len(stored.rows), where=stored.where,
        missing=sorted(expected.keys() - counts.keys()), unexpected=sorted(map(str, counts.keys() - expected.keys())),
        duplicates=None if stored.unique_by else {key: times for key, times in sorted(counts.items()) if times > 1},
        unique_by=stored.unique_by, fields=len(next(iter(expected.values()), {})),
    )
    for row in stored.rows:
        wanted = expected.get(row.get(KEY))
        if wanted is not None and (found := differences(row, wanted)):
            result.differences.setdefault(row[KEY], found)
    if dead_lettered is not None:
        if isinstance(dead_lettered, int):
            result.dead_lettered = dead_lettered
        else:
            letters = Counter(map(tuple, dead_lettered))
            result.dead_lettered = len(letters)
            result.dead_letter_duplicates = {letter: times for letter, times in sorted(letters.items()) if times > 1}
    if expected_bad is not None:
        result.expected_bad = expected_bad if isinstance(expected_bad, int) else len(set(map(tuple, expected_bad)))
    if not isinstance(dead_lettered, int | None) and not isinstance(expected_bad, int | None):
        result.dead_letter_mismatch = sorted(set(map(tuple, dead_lettered)) ^ set(map(tuple, expected_bad)))
    return result


def differences(found: dict, wanted: dict) -> list[str]:
    """`field: store X, ledger Y` for every field whose value differs (or is absent on one side)."""
    absent = "(absent)"
    return [f"{name}: store {found.get(name, absent)}, ledger {wanted.get(name, absent)}"
            for name in sorted(found.keys() | wanted.keys()) if found.get(name, absent) != wanted.get(name, absent)]


# --- what each sink must hold, computed from the ledger -----------------------------------------
def _common(entry: dict) -> dict:
    order = entry["order"]
    # JSON gives the price as a float: its shortest repr is the price the shop set (12.99)
    return {**order, "unit_price": Decimal(str(order["unit_price"])),
            "kafka_partition": entry["partition"], "kafka_offset": entry["offset"]}


def event_time(order: dict) -> datetime:
    """The order's `ts` (always `YYYY-MM-DDTHH:MM:SS.mmmZ`) as a naive UTC datetime, as the tables hold it."""
    return datetime.strptime(order["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")


def table_row(entry: dict) -> dict:
    """A row of the Cassandra or MySQL table: the order, its event time and amount, where it came from."""
    row = _common(entry)
    row["event_time"] = event_time(entry["order"])
    row["amount"] = (row["unit_price"] * entry["order"]["quantity"]).quantize(CENT)
    return row


def file_line(entry: dict) -> dict:
    """A line of an HDFS batch file, with the date/hour folder of its event time it must sit in."""
    row = _common(entry)
    row["folder"] = event_time(entry["order"]).strftime("date=%Y-%m-%d/hour=%H")
    return row


# --- what each sink holds -----------------------------------------------------------------------
def cassandra_rows(clients, area: Area, dataset: str) -> Stored:
    """Every row of the dataset's table, read at QUORUM, paged; checked against COUNT(*). Its
    primary key comes from system_schema: only (order_id) alone makes a duplicate impossible."""
    from cassandra import ConsistencyLevel
    from cassandra.query import SimpleStatement

    keyspace, table = area.keyspace, check_dataset(dataset)
    session = clients.cassandra_session()
    try:
        rows = [row._asdict() for row in session.execute(
            SimpleStatement(f"SELECT * FROM {keyspace}.{table}", fetch_size=5000,
                            consistency_level=ConsistencyLevel.QUORUM))]
        counted = session.execute(SimpleStatement(f"SELECT COUNT(*) FROM {keyspace}.{table}",
                                                  consistency_level=ConsistencyLevel.QUORUM), timeout=60).one()[0]
        key = [row.column_name for row in session.execute(
            "SELECT column_name, kind, position FROM system_schema.columns WHERE keyspace_name = %s AND table_name = %s",
            (keyspace, table)) if row.kind in ("partition_key", "clustering")]
    finally:
        session.cluster.shutdown()
    if counted != len(rows):
        raise AgilityError(f"cassandra {keyspace}.{table}: COUNT(*) says {counted} rows but reading them gave {len(rows)}")
    return Stored(rows, f"cassandra {keyspace}.{table}", _unique_by(key, "system_schema.columns"))


def mysql_rows(clients, area: Area, dataset: str) -> Stored:
    """Every row of the dataset's table; its primary key from information_schema."""
    import pymysql


    table = f"{quoted(area.database)}.{quoted(dataset)}"
    connection = clients.mysql_connection()
    try:
        with connection.cursor(pymysql.cursors.DictCursor) as cursor:
            cursor.execute(f"SELECT * FROM {table}")
            rows = list(cursor.fetchall())
            cursor.execute("SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = %s "
                           "AND TABLE_NAME = %s AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
                           (area.database, dataset))
            key = [row["name"] for row in cursor.fetchall()]
    finally:
        connection.close()
    return Stored(rows, f"mysql {table}", _unique_by(key, "information_schema"))


def _unique_by(key: list[str], source: str) -> str | None:
    """Why the table cannot hold an order twice, when its primary key is the order id alone."""
    return f"the table's primary key is ({KEY}) per {source}: a rewrite replaces the row" if key == [KEY] else None


def hdfs_rows(clients, area: Area, dataset: str) -> Stored:
    """Every line of every data file under the dataset's directory, with the date/hour folder it sits in."""
    client = clients.hdfs_client()
    files = hdfs_files(clients, area, dataset)
    rows = []
    for path, text in zip(files, side_by_side(lambda path: read_text(client, path), files), strict=True):
        folder = "/".join(path.split("/")[-3:-1])
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                row["unit_price"] = Decimal(str(row["unit_price"]))
            except (json.JSONDecodeError, KeyError, TypeError):
                raise AgilityError(f"hdfs {path}: line {number} is not an order") from None
            rows.append({**row, "folder": folder})
    return Stored(rows, f"hdfs {area.hdfs_path(dataset)} ({len(files)} files)")


def read_text(client, path: str) -> str:
    with client.read(path) as reader:
        return reader.read().decode("utf-8")


def hdfs_files(clients, area: Area, dataset: str) -> list[str]:
    """Every data file under the dataset's directory (hidden and in-progress files are not data).
    Each level of folders is listed side by side: a request per folder, and an hour's folders are many."""
    client = clients.hdfs_client()
    root = area.hdfs_path(dataset)
    if client.status(root, strict=False) is None:
        return []
    files, folders = [], [root]
    while folders:
        listed = side_by_side(lambda folder: client.list(folder, status=True), folders)
        entries = [(f"{folder}/{name}", status["type"]) for folder, found in zip(folders, listed, strict=True)
                   for name, status in found if not hidden(name)]
        files += [path for path, kind in entries if kind == "FILE"]
        folders = [path for path, kind in entries if kind == "DIRECTORY"]
    return sorted(files)


def dead_letters(clients, area: Area, dataset: str, sink: str | None = None, timeout: float = 30.0,
                 ) -> list[tuple[str, int, int]]:
    """(reason kind, source partition, source offset) of every record in the dataset's dead-letter
    topic (of one sink's when `sink` is given: all sinks share the topic), read from the start
    to the current end without a consumer group."""
    from kafka import TopicPartition

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

        def at_end() -> bool:
            return all(consumer.position(tp) >= ends[tp] for tp in partitions)

        def read_to_end() -> bool:
            if at_end():  # nothing (more) to read: a poll would wait its whole timeout on an empty topic
                return True
            for messages in consumer.poll(timeout_ms=500).values():
                for message in messages:
                    headers = {key: value.decode() for key, value in message.headers or []}
                    if sink is None or headers.get("sink") == sink:
                        found.append((headers.get("reason", "?"), int(headers.get("source-partition", -1)),
                                      int(headers.get("source-offset", -1))))
            return at_end()

        wait_until(read_to_end, timeout=timeout, what=f"the end of {topic}", service="kafka", interval=0)
    finally:
        consumer.close()
    return found


# --- the ledger against what the brokers hold -----------------------------------------------------
def ledger_against_topic(positions: Iterable[tuple[int, int]], offsets: dict[int, tuple[int, int]]) -> list[str]:
    """What is wrong between the ledger's (partition, offset) of every acknowledged record and
    the topic's (earliest, end) offsets per partition read from the brokers: each offset the
    brokers hold must be in the ledger exactly once, and the ledger must name no other."""
    by_partition: dict[int, Counter] = {partition: Counter() for partition in offsets}
    problems = []
    for partition, offset in positions:
        if partition not in by_partition:
            problems.append(f"the ledger names partition {partition}, which the topic does not have")
            continue
        by_partition[partition][offset] += 1
    for partition, (earliest, end) in sorted(offsets.items()):
        held = by_partition[partition]
        absent = [offset for offset in range(earliest, end) if offset not in held]
        beyond = sorted(offset for offset in held if not earliest <= offset < end)
        twice = sorted(offset for offset, times in held.items() if times > 1)
        for what, found in (("held by the brokers but not in the ledger", absent),
                            ("in the ledger but not held by the brokers", beyond), ("in the ledger twice", twice)):
            if found:
                problems.append(f"partition {partition} [{earliest}, {end}): {len(found)} offsets {what}, "
                                f"e.g. {', '.join(map(str, found[:EXAMPLES]))}")
    return problems
