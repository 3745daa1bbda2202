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
and after each round of units the sink writes (`flush_next()`: at most one per partition), also
when a unit of the round failed, so at most one written-but-uncommitted unit per partition can
exist when the job dies. Behind a backlog (polls come back full) such a sink writes nothing
until it holds HOLD_WHILE_BEHIND records: kafka-python hands a backlog out one partition after
another, and a round can only write units of the partitions held. A partition the group takes
away is let go the same way (`membership`): what the sink holds of it is dropped (`forget()`),
and after a refused commit no further unit is written until the group has given the partitions
back.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, runtime_checkable

from agility.clients.services import KAFKA_REQUEST_TIMEOUT_MS, area_clients
from agility.config import profiles
from agility.config.areas import Area
from agility.core.errors import AgilityError, exit_status
from agility.core.retry import retrying
from agility.jobs import records
from agility.jobs.membership import commit_refused, listener

POLL_MS = 500
# Records per poll, one store write and one commit each: a commit and a fetch round trip through the
# tunnel per batch. The MySQL sink ran ~1.5× faster with 2000 than with 500, and ~1.45× faster again
# with 5000 and 4 MiB fetches (20000 orders: 23-24 k → 33-37 k records/s), at ~1.2 MB held.
MAX_BATCH = 5000
FETCH_BYTES_PER_PARTITION = 4 * 1024 * 1024  # kafka-python's 1 MiB default splits a batch over fetches
ASSIGNMENT_TIMEOUT_S = 60  # > session timeout: a restarted job waits for its dead predecessor to leave the group
SESSION_TIMEOUT_MS = 10_000  # how long a killed consumer keeps its partitions; the broker's minimum is 6 s
DEAD_LETTER_TIMEOUT_S = 60
STORE_RETRY_S = 120.0  # how long a store may fail transiently (a restart of it) before the job gives up
COMPLETE_IDLE_S = 2.0  # at lag 0 this long once told the topic is complete (SIGUSR1), a sink stops
# Records a buffered sink may hold back while its polls come back full (a backlog): kafka-python
# hands a backlog out one partition after another, and units of several partitions, written side by
# side, need records of several partitions held at once. ~5 MB of HDFS lines.
HOLD_WHILE_BEHIND = 4 * MAX_BATCH


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
        """Store the next units that are due, at most one per partition (every unit, over the calls,
        when `final`); False when none was. Units stored before a failure are no longer held."""

    def forget(self, partitions: set[int]) -> None:
        """Drop what it holds of these partitions: they are read again from the committed offset."""


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


def consume(clients, area: Area, dataset: str, sink: Sink, *, max_batch: int = MAX_BATCH,
            stop_when_caught_up: bool = True, idle_timeout: float = 2.0, deadline: float | None = 600.0,
            assignment_timeout: float = ASSIGNMENT_TIMEOUT_S, log: Callable[[str], None] | None = None,
            store_retry_seconds: float = STORE_RETRY_S) -> ConsumeResult:
    """Run `sink` on the dataset's topic. With `stop_when_caught_up`, stop once every assigned
    partition has lag 0 and nothing new arrived for `idle_timeout` seconds; always stop at
    `deadline` seconds (None: never) or on SIGTERM/SIGINT, after storing and committing what was read.
    A store failing transiently is retried for `store_retry_seconds` (see the module's docstring)."""
    log = log or (lambda message: None)
    run = SinkRun(clients, area, dataset, sink, max_batch=max_batch, log=log, store_retry_seconds=store_retry_seconds)
    try:
        run.open()
        run.loop(stop_when_caught_up=stop_when_caught_up, idle_timeout=idle_timeout, deadline=deadline,
                 assignment_timeout=assignment_timeout)
        run.finish()
        if stop_when_caught_up and not run.result.caught_up:
            log(f"{sink.name}: NOT caught up: stopped by {run.result.stopped_by} with lag {run.result.final_lag}")
    finally:
        run.close()
    return run.timed()


class SinkRun:
    """One run of `consume`: its Kafka clients, the sink's store calls, and what was handled and
    committed so far. Each step of the loop is a method: poll → split good from bad → dead-letter
    → write → commit."""

    def __init__(self, clients, area: Area, dataset: str, sink: Sink, *, max_batch: int,
                 log: Callable[[str], None], store_retry_seconds: float):
        self.clients, self.area, self.dataset, self.sink, self.log = clients, area, dataset, sink, log
        self.max_batch = max_batch
        self.topic, self.group = area.topic(dataset), area.group(dataset, sink.name)
        self.result = ConsumeResult(sink=sink.name, topic=self.topic, group=self.group)
        self.account = clients.kafka_account(area.name)
        self.started = time.monotonic()
        self.consumer = clients.kafka_consumer(
            account=self.account, group_id=self.group, enable_auto_commit=False, auto_offset_reset="earliest",
            max_poll_records=max_batch, max_partition_fetch_bytes=FETCH_BYTES_PER_PARTITION,
            session_timeout_ms=SESSION_TIMEOUT_MS, heartbeat_interval_ms=2_000, request_timeout_ms=KAFKA_REQUEST_TIMEOUT_MS,
            client_id=f"agility-sink-{sink.name}")
        self.producer = self.dead_letters = None
        self.stop = StopFlag()
        self.store = StoreCalls(sink, store_retry_seconds, log, self.stop)
        self.buffered = isinstance(sink, BufferedSink)
        self.consumed: dict[int, int] = {}  # partition → next offset after the last record handled
        self.committed: dict = {}  # what Kafka has: the same offsets are not committed twice
        self.first_read = self.last_commit = self.caught_up_since = None
        self.rewind: dict[int, int] = {}  # partition let go → the offset to read it again from
        self.refused = False  # a commit was refused: nothing more is written until the group is rejoined
        self.assignment_timeout = ASSIGNMENT_TIMEOUT_S
        self.offsets = None  # a group-less consumer asking for end offsets, once the sink's own lookups failed
        self.assigned_by = 0.0  # a group that gives no partition by then is an error

    def open(self) -> None:
        """The topic must exist; then the store is prepared, the dead letters' producer opened, the
        topic subscribed, and SIGTERM/SIGINT only ask the loop to stop."""
        if self.topic not in self.consumer.topics():
            raise AgilityError(f"topic {self.topic} does not exist (as seen by {self.account.user}); produce into "
                               f"dataset '{self.dataset}' of area {self.area.name} first")
        self.store.call(self.sink.prepare, connects=True)
        self.producer = self.clients.kafka_producer(account=self.account, acks="all", linger_ms=5, max_block_ms=30_000,
                                                    client_id=f"agility-sink-{self.sink.name}-dlq")
        self.dead_letters = DeadLetters(self.producer, self.area.dead_letter_topic(self.dataset), self.sink.name)
        self.consumer.subscribe([self.topic], listener=listener(self.let_go, self.resume))
        self.stop.install()

    def loop(self, *, stop_when_caught_up: bool, idle_timeout: float, deadline: float | None,
             assignment_timeout: float) -> None:
        """Poll and take each batch until a signal, the deadline, or (`stop_when_caught_up`) lag 0
        for `idle_timeout` seconds; a group given no partition within `assignment_timeout` is an error."""
        self.assignment_timeout = assignment_timeout
        self.assigned_by = self.started + assignment_timeout
        while not self.stopped(deadline):
            # a poll can raise a lost broker's connection (seen when a whole node was killed): polled again
            polled = self.kafka(lambda: self.consumer.poll(timeout_ms=POLL_MS))
            if not self.consumer.assignment():
                if time.monotonic() > self.assigned_by:
                    raise AgilityError(f"group {self.group} got no partition of {self.topic} within "
                                       f"{assignment_timeout:.0f} s (another consumer of the same group holds them?)")
                continue
            batch = [message for messages in polled.values() for message in messages]
            if batch:
                self.take(batch)
            if not self.behind(batch):
                self.flush_units()
            if batch:
                self.log(f"{self.sink.name}: read {self.result.read}, wrote {self.result.written}, "
                         f"dead-lettered {sum(self.result.dead_lettered.values())}")
            # also right after a batch that reached the ends its fetch saw: the next poll would wait
            # out the broker's fetch wait (500 ms) on a topic with nothing more in it
            if stop_when_caught_up and (not batch or self.read_to_fetched_ends()) and self.idle_at_lag_0(
                    min(idle_timeout, COMPLETE_IDLE_S) if self.stop.topic_complete else idle_timeout):
                self.result.caught_up, self.result.stopped_by = True, "caught up"
                return

    def stopped(self, deadline: float | None) -> bool:
        """A signal or the deadline ends the loop; `result.stopped_by` says which."""
        if self.stop.signal:
            self.result.stopped_by = f"signal {self.stop.signal}"
        elif deadline is not None and time.monotonic() - self.started >= deadline:
            self.result.stopped_by = f"deadline of {deadline:.0f} s"
        return bool(self.result.stopped_by)

    def take(self, batch: list) -> None:
        """One poll's records: the bad ones dead-lettered, the good ones stored, then the offsets committed."""
        self.first_read = self.first_read or time.monotonic()
        self.caught_up_since = None
        good = self.split(batch)
        self.dead_letters.flush()  # before the sink: every commit below covers them
        if good:
            self.in_store(partial(self.sink.write, good))
        self.result.read += len(batch)
        self.result.written += len(good)
        self.result.batches += 1
        self.commit()

    def split(self, batch: list) -> list[Record]:
        """The batch's valid orders; each bad record is sent to the dead letters (flushed by the caller)."""
        good = []
        for message in batch:
            try:
                good.append(Record(records.parse(message.value), message.topic, message.partition, message.offset))
            except records.BadRecord as bad:
                self.dead_letters.send(message, bad)
                self.result.dead_lettered[bad.kind] = self.result.dead_lettered.get(bad.kind, 0) + 1
            self.consumed[message.partition] = message.offset + 1
        return good

    def behind(self, batch: list) -> bool:
        """A full poll (more is waiting) while a buffered sink holds fewer than HOLD_WHILE_BEHIND
        records: its units are written once it holds that many, or the polls are no longer full."""
        if not self.buffered or len(batch) < self.max_batch:
            return False
        held = self.sink.held()
        holding = sum(after - held[partition] for partition, after in self.consumed.items() if partition in held)
        return holding < HOLD_WHILE_BEHIND

    def flush_units(self, final: bool = False) -> None:
        """A buffered sink writes each unit that is due (every unit when `final`)."""
        while self.buffered and not self.refused and self.in_store(partial(self.flush_next, final=final)):
            self.commit()  # one unit per partition, one commit: see the module's docstring

    def flush_next(self, final: bool) -> bool:
        """The sink's next units; when one fails, those it stored beside it are committed first, so
        a retry (or a rerun) never finds two stored-but-uncommitted units of a partition."""
        try:
            return self.sink.flush_next(final=final)
        except Exception:
            self.commit()
            raise

    def in_store(self, action: Callable[[], object]):
        """`action()` through the retrying store calls; its time counts as the sink's."""
        started = time.monotonic()
        try:
            return self.store.call(action)
        finally:
            self.result.sink_seconds += time.monotonic() - started

    def commit(self) -> None:
        """Each partition up to the records handled, or for a buffered sink up to the first offset
        it still holds; nothing when Kafka already has exactly that."""
        # the Kafka driver is imported by a running job only: `Record` and the protocols need none
        from kafka import TopicPartition
        from kafka.structs import OffsetAndMetadata

        held = self.sink.held() if self.buffered else {}
        offsets = {TopicPartition(self.topic, partition): OffsetAndMetadata(min(held.get(partition, after), after), "", -1)
                   for partition, after in self.consumed.items()}
        if offsets and offsets != self.committed and not self.refused:
            try:
                self.kafka(lambda: self.consumer.commit(offsets))
            except Exception as error:  # noqa: BLE001 - only a refusal is handled, the rest raised as it is
                if not commit_refused(error):
                    raise
                self.refused = True
                self.log(f"{self.sink.name}: the group refused the commit ({error}): its partitions are read "
                         "again from their committed offsets once it is rejoined")
                return
            self.committed.update(offsets)
            self.result.commits += 1
            self.last_commit = time.monotonic()

    def let_go(self, partitions: set[int], why: str) -> None:
        """The group takes these partitions: what the sink holds of them is dropped, to be read
        again from where its store ends (what a commit would have said), and none of their offsets
        is committed any more."""
        held = self.sink.held() if self.buffered else {}
        self.rewind.update({partition: min(held.get(partition, after), after)
                            for partition, after in self.consumed.items() if partition in partitions})
        if self.buffered:
            self.sink.forget(partitions)
        for partition in partitions:
            self.consumed.pop(partition, None)
        self.committed = {tp: offset for tp, offset in self.committed.items() if tp.partition not in partitions}
        self.assigned_by = time.monotonic() + self.assignment_timeout
        self.log(f"{self.sink.name}: partitions {sorted(partitions)} {why}; held records dropped, read again "
                 f"from {dict(sorted(self.rewind.items())) or 'the committed offsets'}")

    def resume(self, assigned: list) -> None:
        """The group gives partitions: a partition this sink let go is read again from where it held."""
        for tp in assigned:
            if tp.partition in self.rewind:
                self.consumer.seek(tp, self.rewind.pop(tp.partition))
        self.refused = False

    def read_to_fetched_ends(self) -> bool:
        """Every assigned partition read up to the end (high watermark) its last fetch response gave:
        no request. Only then is the lag asked for right after a batch; in mid-stream that request
        would queue behind the consumer's next fetch, which the broker may hold for its whole wait."""
        partitions = assigned(self.consumer, self.topic)
        return bool(partitions) and all((end := self.consumer.highwater(tp)) is not None
                                        and self.consumer.position(tp) >= end for tp in partitions)

    def idle_at_lag_0(self, idle_timeout: float) -> bool:
        """Every assigned partition has been at lag 0 for `idle_timeout` seconds (a batch restarts the count)."""
        if self.kafka(lambda: lag(self.consumer, self.topic, self.end_offsets), recover=self.fresh_offsets) != 0:
            self.caught_up_since = None
            return False
        self.caught_up_since = self.caught_up_since or time.monotonic()
        return time.monotonic() - self.caught_up_since >= idle_timeout

    def finish(self) -> None:
        """Store and commit what the sink still holds; read the lag the group leaves behind."""
        self.flush_units(final=True)
        self.commit()
        self.result.final_lag = self.kafka(lambda: committed_lag(self.consumer, self.topic, self.group, self.end_offsets),
                                           recover=self.fresh_offsets)

    def end_offsets(self, partitions: list) -> dict:
        """The partitions' end offsets, asked by the sink's consumer or, once that failed, by a
        fresh group-less one: kafka-python's lookups can stay stuck after a broker came back (seen
        for 128 s after a whole node was restarted) while its fetches go on."""
        return (self.offsets or self.consumer).end_offsets(partitions)

    def fresh_offsets(self) -> None:
        """Before a retry of a lookup: a new group-less consumer for the end offsets."""
        if self.offsets is not None:
            self.offsets.close(autocommit=False)
        self.offsets = self.clients.kafka_consumer(account=self.account, group_id=None, enable_auto_commit=False,
                                                   client_id=f"agility-sink-{self.sink.name}-offsets")

    def kafka(self, action: Callable[[], object], recover: Callable[[], None] | None = None):
        """A call to the brokers, retried while it fails retriably (a broker gone, its partitions'
        leaders moving elsewhere), as the store calls are; `recover` runs before each retry."""
        return retrying(action, store="kafka", transient=kafka_transient, seconds=self.store.seconds, recover=recover,
                        log=self.store.log, interrupted=lambda: self.stop.signal and f"signal {self.stop.signal}")

    def close(self) -> None:
        self.stop.uninstall()
        if self.producer is not None:
            self.producer.close(timeout=10)
        if self.offsets is not None:
            self.offsets.close(autocommit=False)
        self.consumer.close(autocommit=False)
        self.sink.close()

    def timed(self) -> ConsumeResult:
        """The result with its times: the whole run, the sink's share, and the rate's span."""
        result = self.result
        result.seconds = round(time.monotonic() - self.started, 3)
        result.sink_seconds = round(result.sink_seconds, 3)
        if self.first_read and self.last_commit:
            result.busy_seconds = round(self.last_commit - self.first_read, 3)
        return result


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


def kafka_transient(error: BaseException) -> bool:
    """kafka-python's own word: a retriable error (a lost connection, a moved leader or coordinator).
    Also its UnknownBrokerIdError, which it does not mark retriable: a request to a broker that has
    just left the cluster's metadata (killed while it led a partition or coordinated the group; seen
    ending a sink 17 s after a broker's SIGKILL); the next metadata names who took its place."""
    from kafka.errors import UnknownBrokerIdError

    return bool(getattr(error, "retriable", False)) or isinstance(error, UnknownBrokerIdError)


def assigned(consumer, topic: str) -> list:
    """The partitions of `topic` the group gave the consumer."""
    return [tp for tp in consumer.assignment() if tp.topic == topic]


def lag(consumer, topic: str, end_offsets: Callable[[list], dict] | None = None) -> int:
    """Records between the consumer's position and the end, over its assigned partitions."""
    partitions = assigned(consumer, topic)
    ends = (end_offsets or consumer.end_offsets)(partitions)
    return sum(max(0, ends[tp] - consumer.position(tp)) for tp in partitions)


def committed_lag(consumer, topic: str, group: str, end_offsets: Callable[[list], dict] | None = None) -> int | None:
    """Records the group has not committed yet, over all partitions of the topic."""
    from kafka import TopicPartition

    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    if not partitions:
        return None
    ends = (end_offsets or consumer.end_offsets)(partitions)
    return sum(max(0, ends[tp] - (consumer.committed(tp) or 0)) for tp in partitions)


class StopFlag:
    """SIGTERM/SIGINT ask the loop to stop after the current batch (stored and committed). SIGUSR1
    says the topic is complete (its producer acknowledged everything it will send): a sink waiting
    for quiet then needs only COMPLETE_IDLE_S at lag 0, not its whole `idle_timeout`."""

    def __init__(self):
        self.signal = None
        self.topic_complete = False
        self.previous = {}

    def install(self) -> None:
        handlers = {signal.SIGTERM: self._handle, signal.SIGINT: self._handle, signal.SIGUSR1: self._complete}
        for number, handler in handlers.items():
            try:
                self.previous[number] = signal.signal(number, handler)
            except ValueError:  # not the main thread (a test runner's worker): no signal handling
                return

    def _complete(self, number, frame) -> None:
        self.topic_complete = True

    def _handle(self, number, frame) -> None:
        self.signal = signal.Signals(number).name

    def uninstall(self) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)
        self.previous = {}


# --- the command line every sink job shares ---------------------------------------------------
def command_line(profile, area: Area, dataset: str, sink: str, *, max_batch: int,
                 store_retry_seconds: float | None = None, verbose: bool = False,
                 idle_timeout: float | None = None) -> list[str]:
    """The command that runs `main` of `agility.jobs.sink_<sink>` as a process of its own, with
    this Python (so the same package) and the profile by the name or file it was loaded from."""
    command = [sys.executable, "-m", f"agility.jobs.sink_{sink}", "--profile", profile.source or profile.name,
               "--area", area.name, "--dataset", dataset, "--max-batch", str(max_batch)]
    if store_retry_seconds is not None:
        command += ["--store-retry-seconds", str(store_retry_seconds)]
    if verbose:
        command.append("--verbose")
    if idle_timeout is not None:  # e.g. a producer still at work: how long a quiet topic may stay quiet
        command += ["--idle-timeout", str(idle_timeout)]
    return command


def main(description: str, run: Callable[..., ConsumeResult], argv: list[str] | None = None,
         options: Callable[[argparse.ArgumentParser], None] | None = None) -> int:
    """`python -m agility.jobs.sink_<name> --profile P --area A --dataset D [options]`: calls
    `run(clients, area, dataset, max_batch=, stop_when_caught_up=, idle_timeout=, deadline=, **options)`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--profile", default=os.environ.get("AGILITY_PROFILE") or "sandbox")
    parser.add_argument("--area", default="dev")
    parser.add_argument("--dataset", default="orders")
    parser.add_argument("--max-batch", type=int, default=MAX_BATCH, help="records per poll")
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
