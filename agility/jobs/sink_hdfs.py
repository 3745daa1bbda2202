"""Kafka → HDFS: the area's orders as JSON-lines batch files, partitioned by event date and hour.

    python -m agility.jobs.sink_hdfs --profile sandbox --area dev --dataset orders [--batch-records 500] [--batch-seconds 10]

Files land under `area.hdfs_path(dataset)/date=YYYY-MM-DD/hour=HH/` (UTC event time, the
order's `ts`), one JSON object per line: the order's fields plus `kafka_partition` and
`kafka_offset`. A file holds one batch of one Kafka partition and one event hour: a batch is cut
when the next record's hour differs, when it has `--batch-records` records, or when its first
record is `--batch-seconds` old.

Why a restart never duplicates: a file's name comes from its first record,
`part-p{partition}-o{first offset:012d}.jsonl`, and is written with overwrite. The loop commits
a partition's offset right after each file of that partition is written, up to the first offset
still held in memory. Files of different partitions are written side by side, one per partition
per commit; when one fails, the others of its round are committed before the job retries or
stops. So when the job dies, at most one written-but-uncommitted file exists per partition and
it starts exactly at the committed offset; the restarted job reads from that
offset, its first batch of that partition has the same first record, hence the same file name,
and it replaces that file (whatever it held, even a half-written one) instead of adding a second
copy of its records.

The job writes as the area's HDFS account (`area.hdfs_account`, the owner of the area's
directory; simple authentication: the name is claimed, not proven). A file HDFS refuses part way,
e.g. at the area's space quota, is removed before the job stops with HDFS's message: nothing
half written stays, and its offsets were never committed. HttpFS going away (a closed
connection, a restart) is retried: the same file is written again, over whatever was left of it.
"""

from __future__ import annotations

import json
import sys
import time
from collections import deque
from dataclasses import dataclass, field

from agility.clients import hdfs_write
from agility.config.areas import Area
from agility.core.parallel import side_by_side
from agility.jobs import records
from agility.jobs.sink import ConsumeResult, Record, consume, main

# Files written at once, one per partition: each is three round trips through the tunnel to HttpFS
# (create, its data, rename into place), so a round of one file per partition takes about as long as one.
PARALLEL_FILES = 4


@dataclass
class Unit:
    """One future file: records of one partition and one event hour, in offset order."""

    partition: int
    date: str
    hour: str
    opened: float = field(default_factory=time.monotonic)
    lines: list[str] = field(default_factory=list)
    first_offset: int = -1

    def name(self) -> str:
        return f"{hour_folder(self.date, self.hour)}/{file_name(self.partition, self.first_offset)}"


# --- the files' names: the folder of the event hour, the name of the first record -----------------
def event_hour(order: dict) -> tuple[str, str]:
    """The (date, hour) of the order's event time, UTC: the folder its line is written to."""
    moment = records.event_time(order)
    return moment.strftime("%Y-%m-%d"), moment.strftime("%H")


def hour_folder(date: str, hour: str) -> str:
    """`date=YYYY-MM-DD/hour=HH`, under the dataset's folder."""
    return f"date={date}/hour={hour}"


def file_name(partition: int, first_offset: int) -> str:
    """A batch file's name, from its first record: a rewrite of the batch replaces the file
    instead of adding a copy of its records (see the module's docstring)."""
    return f"part-p{partition}-o{first_offset:012d}.jsonl"


def oldest_of_each_partition(ready: deque[Unit]) -> list[Unit]:
    """The first ready unit of each partition, in the order they are ready."""
    seen: set[int] = set()
    oldest = []
    for unit in ready:
        if unit.partition not in seen:
            seen.add(unit.partition)
            oldest.append(unit)
    return oldest


class HdfsSink:
    name = "hdfs"

    def __init__(self, clients, area: Area, dataset: str, batch_records: int = 500, batch_seconds: float = 10.0):
        self.clients, self.root, self.user = clients, area.hdfs_path(dataset), area.hdfs_account
        self.batch_records, self.batch_seconds = batch_records, batch_seconds
        self.client = None
        self.open: dict[int, Unit] = {}  # partition → the unit still filling
        self.ready: deque[Unit] = deque()  # cut units waiting to be written, oldest first
        self.files_written = 0
        self.store = f"HDFS through HttpFS at {clients.profile.hdfs['webhdfs']}"

    def prepare(self) -> None:
        self.client = self.clients.hdfs_client(user=self.user)
        self.client.makedirs(self.root)

    def write(self, batch: list[Record]) -> None:
        """Only buffers: the files are written by `flush_next`, one per partition per commit."""
        for record in batch:
            date, hour = event_hour(record.order)
            unit = self.open.get(record.partition)
            if unit is not None and (unit.date, unit.hour) != (date, hour):
                self._cut(unit)
                unit = None
            if unit is None:
                unit = self.open[record.partition] = Unit(record.partition, date, hour, first_offset=record.offset)
            line = {**record.order, "kafka_partition": record.partition, "kafka_offset": record.offset}
            unit.lines.append(json.dumps(line, separators=(",", ":"), sort_keys=True))
            if len(unit.lines) >= self.batch_records:
                self._cut(unit)

    def _cut(self, unit: Unit) -> None:
        del self.open[unit.partition]
        self.ready.append(unit)

    def held(self) -> dict[int, int]:
        held: dict[int, int] = {}
        for unit in [*self.ready, *self.open.values()]:
            held[unit.partition] = min(held.get(unit.partition, unit.first_offset), unit.first_offset)
        return held

    def flush_next(self, final: bool = False) -> bool:
        """Write the oldest ready unit of each partition, side by side (one file per partition: the
        loop commits them all before the next call). Each is taken off once written; the first
        failure is raised after the others ended, with the failed units still held."""
        if not self.ready:
            now = time.monotonic()
            due = [unit for unit in self.open.values() if final or now - unit.opened >= self.batch_seconds]
            if not due:
                return False
            self._cut(min(due, key=lambda unit: unit.opened))
        written = side_by_side(self._write_or_fail, oldest_of_each_partition(self.ready), at_most=PARALLEL_FILES)
        for unit, failure in written:
            if failure is None:
                self.ready.remove(unit)
                self.files_written += 1
        failures = [failure for _, failure in written if failure is not None]
        if failures:
            raise failures[0]
        return True

    def _write_or_fail(self, unit: Unit) -> tuple[Unit, Exception | None]:
        # one client from several threads: its requests session gives each request in flight a
        # pooled connection of its own and locks its cookie jar (HttpFS's auth cookie)
        try:
            hdfs_write.write_whole(self.client, f"{self.root}/{unit.name()}", "\n".join(unit.lines) + "\n",
                                   encoding="utf-8")
        except Exception as error:  # noqa: BLE001 - raised by flush_next once every file of the round ended
            return unit, error
        return unit, None

    def forget(self, partitions: set[int]) -> None:
        self.open = {partition: unit for partition, unit in self.open.items() if partition not in partitions}
        self.ready = deque(unit for unit in self.ready if unit.partition not in partitions)

    def transient(self, error: BaseException) -> bool:
        return hdfs_write.transient(error)

    def close(self) -> None:
        # Only the connection: what is held stays held, for a reconnect; after the job it is
        # dropped with this object, never committed, and the next run reads it again.
        self.client = None


def run(clients, area: Area, dataset: str, batch_records: int = 500, batch_seconds: float = 10.0,
        **options) -> ConsumeResult:
    return consume(clients, area, dataset, HdfsSink(clients, area, dataset, batch_records, batch_seconds), **options)


def options(parser) -> None:
    parser.add_argument("--batch-records", type=int, default=500, help="records per file at most")
    parser.add_argument("--batch-seconds", type=float, default=10.0, help="seconds a file's first record waits at most")


if __name__ == "__main__":
    sys.exit(main(__doc__.splitlines()[0], run, options=options))
