"""The consume loop every sink job shares: Kafka → validate → store, or → dead-letter topic.

Delivery is at least once, made exactly once in the store by idempotent writes:
1. poll up to `max_batch` records of the area's topic (consumer group `area.group(dataset, sink)`,
   no auto-commit, start at the earliest offset when the group has none);
2. `records.parse` every record; a bad one goes to the dead-letter topic with its original key
   and value and the reason in its headers, and never stops the job;
3. the good ones go to `sink.write` (an upsert by order id, so writing a record twice is harmless);
4. only when the dead letters are flushed (acks=all) and the sink's write returned, the batch's
   offsets are committed. A crash anywhere before that re-reads the batch on restart.

A store that fails transiently (closes the connection, times out, is restarting: the sink's
`transient(error)` says which errors are) is retried with bounded backoff (`agility.core.retry`),
reconnecting each time (`close()`, then `prepare()`); the batch in hand is written again, which
the upserts make harmless. A store still failing after `store_retry_seconds` stops the job with
one line naming the store and its last error (StoreUnavailable), with nothing committed that the
store does not hold: a rerun resumes there.

A sink that holds records back to write them in bigger units (HDFS files) says so with
`held()`: the loop then commits a partition only up to the first offset the sink still holds,
and after each unit the sink writes (`flush_next()`), so at most one written-but-uncommitted
unit per partition can exist when the job dies.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, runtime_checkable

from agility.clients.services import area_clients
from agility.config import profiles
from agility.config.areas import Area
from agility.core.errors import AgilityError, exit_status
from agility.core.retry import retrying
from agility.jobs import records

POLL_MS = 500
ASSIGNMENT_TIMEOUT_S = 60  # > session timeout: a restarted job waits for its dead predecessor to leave the group
SESSION_TIMEOUT_MS = 10_000  # how long a killed consumer keeps its partitions; the broker's minimum is 6 s
DEAD_LETTER_TIMEOUT_S = 60
STORE_RETRY_S = 120.0  # how long a store may fail transiently (a restart of it) before the job gives up


@dataclass(frozen=True)
class Record:
    """A valid order and where it came from."""

    order: dict
    topic: str
    partition: int
    offset: int

    @property
    def order_id(self) -> str:
        return self.order["order_id"]


@runtime_checkable
class Sink(Protocol):
    name: str  # "cassandra", "mysql", "hdfs": names the consumer group and the dead letters
    store: str  # the store and where it is, for messages: "MySQL at 198.51.100.10:3306"

    def prepare(self) -> None:
        """Connect, and create what the sink writes into (keyspace and table, database, directory)
        if missing. Runs again after `close()` to reconnect."""

    def write(self, batch: list[Record]) -> None:
        """Store the batch idempotently (upsert by order id); durable when it returns."""

    def transient(self, error: BaseException) -> bool:
        """Is this failure of the store worth a retry (the store went away, not: it refused)?"""

    def close(self) -> None:
        """Drop the connection (never raises); what the sink holds stays held."""


@runtime_checkable
class BufferedSink(Sink, Protocol):
    """A sink whose `write` may only buffer: the records it holds are not committed yet."""

    def held(self) -> dict[int, int]:
        """partition → the first offset the sink holds but has not stored yet."""

    def flush_next(self, final: bool = False) -> bool:
        """Store the next unit that is due (every unit when `final`); False when none was."""


@dataclass
class ConsumeResult:
    sink: str
    topic: str
    group: str
    read: int = 0
    written: int = 0
    dead_lettered: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    commits: int = 0
    seconds: float = 0.0
    busy_seconds: float = 0.0  # from the first record read to the last commit: what the rate is over
    sink_seconds: float = 0.0  # inside the sink's write and flush: the store's share of busy_seconds
    final_lag: int | None = None
    caught_up: bool = False
    stopped_by: str = ""

    @property
    def records_per_second(self) -> float:
        return round(self.read / self.busy_seconds, 1) if self.busy_seconds > 0 else 0.0

    def summary(self) -> str:
        bad = sum(self.dead_lettered.values())
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.dead_lettered.items()))
        return (f"{self.sink}: read {self.read} from {self.topic}, wrote {self.written}, "
                f"dead-lettered {bad}{f' ({kinds})' if kinds else ''}, {self.batches} batches, "
                f"{self.seconds:.1f} s ({self.records_per_second:.0f} records/s, {self.sink_seconds:.1f} s in the sink), final lag {self.final_lag}; "
                f"stopped: {self.stopped_by}")


def consume(clients, area: Area, dataset: str, sink: Sink, *, max_batch: int = 500,
            stop_when_caught_up: bool = True, idle_timeout: float = 2.0, deadline: float | None = 600.0,
            assignment_timeout: float = ASSIGNMENT_TIMEOUT_S, log: Callable[[str], None] | None = None,
            store_retry_seconds: float = STORE_RETRY_S) -> ConsumeResult:
    """Run `sink` on the dataset's topic. With `stop_when_caught_up`, stop once every assigned
    partition has lag 0 and nothing new arrived for `idle_timeout` seconds; always stop at
    `deadline` seconds (None: never) or on SIGTERM/SIGINT, after storing and committing what was read.
    A store failing transiently is retried for `store_retry_seconds` (see the module's docstring)."""
    from kafka import TopicPartition
    from kafka.structs import OffsetAndMetadata

    log = log or (lambda message: None)
    topic, group = area.topic(dataset), area.group(dataset, sink.name)
    result = ConsumeResult(sink=sink.name, topic=topic, group=group)
    account = clients.kafka_account(area.name)
    started = time.monotonic()
    consumer = clients.kafka_consumer(
        account=account, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest",
        max_poll_records=max_batch, session_timeout_ms=SESSION_TIMEOUT_MS, heartbeat_interval_ms=2_000,
        client_id=f"agility-sink-{sink.name}")
    producer = None
    stop = StopFlag()
    store = StoreCalls(sink, store_retry_seconds, log, stop)
    try:
        if topic not in consumer.topics():
            raise AgilityError(f"topic {topic} does not exist (as seen by {account.user}); produce into "
                               f"dataset '{dataset}' of area {area.name} first")
        store.call(sink.prepare, connects=True)
        producer = clients.kafka_producer(account=account, acks="all", linger_ms=5, max_block_ms=30_000,
                                          client_id=f"agility-sink-{sink.name}-dlq")
        dead_letters = DeadLetters(producer, area.dead_letter_topic(dataset), sink.name)
        consumer.subscribe([topic])
        buffered = isinstance(sink, BufferedSink)
        consumed: dict[int, int] = {}  # partition → next offset after the last record handled
        first_read = last_commit = None
        caught_up_since = None
        assigned_by = started + assignment_timeout
        stop.install()

        committed: dict = {}

        def commit() -> None:
            nonlocal last_commit
            held = sink.held() if buffered else {}
            offsets = {TopicPartition(topic, partition): OffsetAndMetadata(min(held.get(partition, after), after), "", -1)
                       for partition, after in consumed.items()}
            if offsets and offsets != committed:
                consumer.commit(offsets)
                committed.update(offsets)
                result.commits += 1
                last_commit = time.monotonic()

        while True:
            now = time.monotonic()
            if stop.signal:
                result.stopped_by = f"signal {stop.signal}"
                break
            if deadline is not None and now - started >= deadline:
                result.stopped_by = f"deadline of {deadline:.0f} s"
                break
            polled = consumer.poll(timeout_ms=POLL_MS)
            if not consumer.assignment():
                if time.monotonic() > assigned_by:
                    raise AgilityError(f"group {group} got no partition of {topic} within {assignment_timeout:.0f} s "
                                       f"(another consumer of the same group holds them?)")
                continue
            batch = [message for messages in polled.values() for message in messages]
            if batch:
                first_read = first_read or time.monotonic()
                caught_up_since = None
                good = []
                for message in batch:
                    try:
                        good.append(Record(records.parse(message.value), message.topic, message.partition,
                                           message.offset))
                    except records.BadRecord as bad:
                        dead_letters.send(message, bad)
                        result.dead_lettered[bad.kind] = result.dead_lettered.get(bad.kind, 0) + 1
                    consumed[message.partition] = message.offset + 1
                dead_letters.flush()  # before the sink: every commit below covers them
                if good:
                    with timer(result):
                        store.call(partial(sink.write, good))
                result.read += len(batch)
                result.written += len(good)
                result.batches += 1
                commit()
            while buffered and flushed(store, result):
                commit()  # one unit, one commit: see the module's docstring
            if not batch and stop_when_caught_up:
                if lag(consumer, topic) == 0:
                    caught_up_since = caught_up_since or time.monotonic()
                    if time.monotonic() - caught_up_since >= idle_timeout:
                        result.caught_up, result.stopped_by = True, "caught up"
                        break
                else:
                    caught_up_since = None
            if batch and log:
                log(f"{sink.name}: read {result.read}, wrote {result.written}, "
                    f"dead-lettered {sum(result.dead_lettered.values())}")
        while buffered and flushed(store, result, final=True):
            commit()
        commit()
        result.final_lag = committed_lag(consumer, topic, group)
        if stop_when_caught_up and not result.caught_up:
            log(f"{sink.name}: NOT caught up: stopped by {result.stopped_by} with lag {result.final_lag}")
    finally:
        stop.uninstall()
        if producer is not None:
            producer.close(timeout=10)
        consumer.close(autocommit=False)
        sink.close()
    result.seconds = round(time.monotonic() - started, 3)
    result.sink_seconds = round(result.sink_seconds, 3)
    if first_read and last_commit:
        result.busy_seconds = round(last_commit - first_read, 3)
    return result


@contextmanager
def timer(result: ConsumeResult):
    started = time.monotonic()
    try:
        yield
    finally:
        result.sink_seconds += time.monotonic() - started


def flushed(store: StoreCalls, result: ConsumeResult, final: bool = False) -> bool:
    with timer(result):
        return store.call(partial(store.sink.flush_next, final=final))


class StoreCalls:
    """The sink's calls into its store, each retried on the sink's transient errors after
    reconnecting (`close`, `prepare`), for at most `seconds` per call."""

    def __init__(self, sink: Sink, seconds: float, log: Callable[[str], None], stop: StopFlag):
        self.sink, self.seconds, self.log, self.stop = sink, seconds, log, stop

    def call(self, action: Callable[[], object], connects: bool = False):
        """`action()`; `connects`: the action is `prepare` itself, so a retry only closes first."""
        sink = self.sink
        return retrying(action, store=sink.store, transient=sink.transient, seconds=self.seconds, log=self.log,
                        recover=sink.close if connects else self.reconnect,
                        interrupted=lambda: self.stop.signal and f"signal {self.stop.signal}",
                        note="nothing the store did not take was committed: a rerun resumes there")

    def reconnect(self) -> None:
        self.sink.close()
        self.sink.prepare()


class DeadLetters:
    """Sends bad records, unchanged, to the dead-letter topic; `flush` raises if any send failed."""

    def __init__(self, producer, topic: str, sink: str):
        self.producer, self.topic, self.sink = producer, topic, sink
        self.pending = []

    def send(self, message, bad: records.BadRecord) -> None:
        headers = [
            ("reason", bad.kind.encode()), ("detail", bad.detail[:500].encode()), ("sink", self.sink.encode()),
            ("source-topic", message.topic.encode()), ("source-partition", str(message.partition).encode()),
            ("source-offset", str(message.offset).encode()),
        ]
        self.pending.append(self.producer.send(self.topic, key=message.key, value=message.value, headers=headers))

    def flush(self) -> None:
        if not self.pending:
            return
        self.producer.flush(timeout=DEAD_LETTER_TIMEOUT_S)
        futures, self.pending = self.pending, []
        for future in futures:
            try:
                future.get(timeout=DEAD_LETTER_TIMEOUT_S)
            except Exception as error:  # noqa: BLE001 - any failure means: do not commit this batch
                raise AgilityError(f"dead-letter topic {self.topic} did not acknowledge a record "
                                   f"({type(error).__name__}: {error}); nothing committed, a restart retries") from None


def lag(consumer, topic: str) -> int:
    """Records between the consumer's position and the end, over its assigned partitions."""
    partitions = [tp for tp in consumer.assignment() if tp.topic == topic]
    ends = consumer.end_offsets(partitions)
    return sum(max(0, ends[tp] - consumer.position(tp)) for tp in partitions)


def committed_lag(consumer, topic: str, group: str) -> int | None:
    """Records the group has not committed yet, over all partitions of the topic."""
    from kafka import TopicPartition

    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    if not partitions:
        return None
    ends = consumer.end_offsets(partitions)
    return sum(max(0, ends[tp] - (consumer.committed(tp) or 0)) for tp in partitions)


class StopFlag:
    """SIGTERM/SIGINT ask the loop to stop after the current batch (stored and committed)."""

    def __init__(self):
        self.signal = None
        self.previous = {}

    def install(self) -> None:
        for number in (signal.SIGTERM, signal.SIGINT):
            try:
                self.previous[number] = signal.signal(number, self._handle)
            except ValueError:  # not the main thread (a test runner's worker): no signal handling
                return

    def _handle(self, number, frame) -> None:
        self.signal = signal.Signals(number).name

    def uninstall(self) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)
        self.previous = {}


# --- the command line every sink job shares ---------------------------------------------------
def main(description: str, run: Callable[..., ConsumeResult], argv: list[str] | None = None,
         options: Callable[[argparse.ArgumentParser], None] | None = None) -> int:
    """`python -m agility.jobs.sink_<name> --profile P --area A --dataset D [options]`: calls
    `run(clients, area, dataset, max_batch=, stop_when_caught_up=, idle_timeout=, deadline=, **options)`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--profile", default=os.environ.get("AGILITY_PROFILE") or "sandbox")
    parser.add_argument("--area", default="dev")
    parser.add_argument("--dataset", default="orders")
    parser.add_argument("--max-batch", type=int, default=500, help="records per poll")
    parser.add_argument("--follow", action="store_true", help="keep running when caught up (until --deadline or ^C)")
    parser.add_argument("--idle-timeout", type=float, default=2.0, help="seconds at lag 0 before stopping")
    parser.add_argument("--deadline", type=float, default=600.0, help="stop after this many seconds (0: never)")
    parser.add_argument("--verbose", action="store_true", help="a progress line per batch (and per store retry) on stderr")
    parser.add_argument("--store-retry-seconds", type=float, default=STORE_RETRY_S,
                        help="how long to retry a store that fails transiently (closed connection, timeout, restart) before stopping")
    if options:
        options(parser)
    args = vars(parser.parse_args(argv))
    common = {name: args.pop(name) for name in ("profile", "area", "dataset", "follow", "verbose")}


    def consume_as_asked() -> int:
        profile = profiles.load(common["profile"])
        area = profile.area(common["area"])
        with area_clients(profile, area) as clients:
            result = run(clients, area, common["dataset"],
                         stop_when_caught_up=not common["follow"], deadline=args.pop("deadline") or None,
                         log=(lambda line: print(line, file=sys.stderr, flush=True)) if common["verbose"] else None,
                         **args)
        print(result.summary(), flush=True)
        return 0 if result.caught_up or common["follow"] else 1

    return exit_status(consume_as_asked)
