"""The consume loop every sink shares, without Kafka or a store: what it commits and when.

A fake consumer serves scripted polls; fake sinks record what they were given. The claims are
the module docstring's: offsets are committed only after the store has the batch (and the dead
letters are acknowledged), a buffered sink's partitions only up to the first offset it still
holds, one commit per unit it writes, and nothing past what the store holds when it gives up.
"""

from __future__ import annotations

import os
import signal
import time
from types import SimpleNamespace

import pytest
from kafka import TopicPartition
from kafka.errors import CommitFailedError, KafkaConnectionError, KafkaTimeoutError

from agility.config import areas
from agility.core import retry
from agility.core.errors import AgilityError
from agility.jobs import records
from agility.jobs import sink as sink_module
from agility.jobs.sink import Record, consume

pytestmark = pytest.mark.unit
AREA = areas.get("dev")
TOPIC = AREA.topic("orders")


def message(partition: int, offset: int, value: bytes) -> SimpleNamespace:
    return SimpleNamespace(topic=TOPIC, partition=partition, offset=offset, key=f"k{offset}".encode(), value=value)


def good(partition: int, offset: int) -> SimpleNamespace:
    order = {"order_id": f"o-{partition}-{offset}", "customer_id": "c-1", "customer_name": "Ada", "product": "tea",
             "category": "food", "region": "EU", "quantity": 2, "unit_price": 1.5, "currency": "EUR",
             "ts": "2025-01-02T03:04:05.000Z"}
    return message(partition, offset, records.encode(order))


class FakeConsumer:
    """Serves `polls` (each a list of messages), then nothing; the end of each partition is the
    offset after its last scripted message, so it is caught up once every poll was served."""

    def __init__(self, polls: list[list[SimpleNamespace]], partitions: int = 2):
        self.polls = list(polls)
        self.partitions = [TopicPartition(TOPIC, number) for number in range(partitions)]
        self.ends = {tp: 0 for tp in self.partitions}
        for batch in polls:
            for m in batch:
                tp = TopicPartition(TOPIC, m.partition)
                self.ends[tp] = max(self.ends[tp], m.offset + 1)
        self.positions = {tp: 0 for tp in self.partitions}
        self.commits: list[dict[int, int]] = []
        self.closed = False
        self.polled = 0
        self.asked_ends = 0

    def topics(self):
        return {TOPIC}

    def subscribe(self, topics, listener=None):
        assert topics == [TOPIC]
        self.listener = listener

    def poll(self, timeout_ms):
        self.polled += 1
        if not self.polls:
            return {}
        batch = self.polls.pop(0)
        polled: dict = {}
        for m in batch:
            tp = TopicPartition(TOPIC, m.partition)
            polled.setdefault(tp, []).append(m)
            self.positions[tp] = m.offset + 1
        return polled

    def assignment(self):
        return set(self.partitions)

    def end_offsets(self, partitions):
        self.asked_ends += 1
        return {tp: self.ends[tp] for tp in partitions}

    def highwater(self, tp):
        return self.ends[tp]  # as every fetch response would say: the scripted records are all there

    def position(self, tp):
        return self.positions[tp]

    def partitions_for_topic(self, topic):
        return {tp.partition for tp in self.partitions}

    def committed(self, tp):
        for offsets in reversed(self.commits):
            if tp.partition in offsets:
                return offsets[tp.partition]
        return None

    def commit(self, offsets):
        self.commits.append({tp.partition: meta.offset for tp, meta in offsets.items()})

    def close(self, autocommit):
        assert autocommit is False
        self.closed = True


class FakeProducer:
    def __init__(self):
        self.sent = []

    def send(self, topic, key, value, headers):
        self.sent.append((topic, key, value, dict(headers)))
        return SimpleNamespace(get=lambda timeout: None)

    def flush(self, timeout):
        pass

    def close(self, timeout):
        pass


class FakeClients:
    def __init__(self, consumer: FakeConsumer, offsets: FakeConsumer | None = None):
        self.consumer, self.producer, self.offsets = consumer, FakeProducer(), offsets

    def kafka_account(self, area):
        return SimpleNamespace(user=f"{area}-kafka")

    def kafka_consumer(self, **settings):
        assert settings["enable_auto_commit"] is False
        return self.offsets if settings.get("group_id", "") is None and self.offsets else self.consumer

    def kafka_producer(self, **settings):
        return self.producer


class ListSink:
    """A store that keeps what it is given; `fail_writes` write calls fail transiently first."""

    name, store = "list", "a list in memory"

    def __init__(self, fail_writes: int = 0):
        self.rows: list[Record] = []
        self.fail_writes, self.prepared, self.closed = fail_writes, 0, 0

    def prepare(self):
        self.prepared += 1

    def write(self, batch):
        if self.fail_writes:
            self.fail_writes -= 1
            raise ConnectionError("the store went away")
        self.rows.extend(batch)

    def transient(self, error):
        return isinstance(error, ConnectionError)

    def close(self):
        self.closed += 1


class UnitsSink(ListSink):
    """Buffers each partition's records into units of `size`, written one per `flush_next`."""

    def __init__(self, size: int):
        super().__init__()
        self.size, self.buffered, self.files = size, {}, []

    def write(self, batch):
        for record in batch:
            self.buffered.setdefault(record.partition, []).append(record)

    def held(self):
        return {partition: held[0].offset for partition, held in self.buffered.items() if held}

    def forget(self, partitions):
        for partition in partitions:
            self.buffered.pop(partition, None)

    def flush_next(self, final=False):
        for partition, held in sorted(self.buffered.items()):
            if len(held) >= self.size or (final and held):
                self.files.append([record.offset for record in held[:self.size]])
                self.buffered[partition] = held[self.size:]
                return True
        return False


class RoundsSink(UnitsSink):
    """Writes one unit of each partition per `flush_next`, as the HDFS sink does; the store refuses
    the units of partition 1 after it took the others of the round."""

    def flush_next(self, final=False):
        round_ = [partition for partition, held in sorted(self.buffered.items())
                  if len(held) >= self.size or (final and held)]
        for partition in round_:
            if partition != 1:
                self.files.append([record.offset for record in self.buffered[partition][:self.size]])
                self.buffered[partition] = self.buffered[partition][self.size:]
        if 1 in round_:
            raise PermissionError("quota exceeded")
        return bool(round_)


def run(consumer: FakeConsumer, store: ListSink, **options):
    clients = FakeClients(consumer)
    result = consume(clients, AREA, "orders", store, idle_timeout=0, **options)
    return result, clients


def test_each_batch_is_committed_after_the_store_has_it_and_bad_records_are_dead_lettered():
    consumer = FakeConsumer([[good(0, 0), good(1, 0), message(0, 1, b"{nope")], [good(1, 1)]])
    store = ListSink()
    result, clients = run(consumer, store)
    assert [record.order_id for record in store.rows] == ["o-0-0", "o-1-0", "o-1-1"]
    assert consumer.commits == [{0: 2, 1: 1}, {0: 2, 1: 2}]  # the bad record's offset is committed with its batch
    assert (result.read, result.written, result.batches, result.commits) == (4, 3, 2, 2)
    assert result.dead_lettered == {"malformed-json": 1}
    assert result.caught_up and result.stopped_by == "caught up" and result.final_lag == 0
    [(topic, key, value, headers)] = clients.producer.sent
    assert (topic, key, value) == (AREA.dead_letter_topic("orders"), b"k1", b"{nope")
    assert headers["reason"] == b"malformed-json" and headers["source-offset"] == b"1" and headers["sink"] == b"list"
    assert consumer.closed and store.closed == 1


def test_a_buffered_sink_commits_only_up_to_what_it_still_holds_one_commit_per_unit():
    consumer = FakeConsumer([[good(0, offset) for offset in range(3)], [good(0, 3), good(1, 0)]])
    store = UnitsSink(size=2)
    result, _ = run(consumer, store)
    assert store.files == [[0, 1], [2, 3], [0]]
    # each batch commits up to what is held (nothing written yet: the batch's first offsets), then
    # each unit written moves its partition to the next held offset; the final flush writes the rest
    assert consumer.commits == [{0: 0}, {0: 2}, {0: 2, 1: 0}, {0: 4, 1: 0}, {0: 4, 1: 1}]
    assert result.commits == 5 and result.final_lag == 0


def test_units_stored_beside_a_refused_one_are_committed_before_the_job_stops():
    consumer = FakeConsumer([[good(partition, offset) for partition in (0, 1) for offset in range(2)]])
    store = RoundsSink(size=2)
    with pytest.raises(PermissionError, match="quota exceeded"):
        run(consumer, store)
    assert store.files == [[0, 1]]
    # the batch's commit (nothing stored yet), then partition 0's unit, stored beside the refused one
    assert consumer.commits == [{0: 0, 1: 0}, {0: 2, 1: 0}]


def test_a_batch_that_reaches_the_end_stops_the_job_without_another_poll():
    """Another poll would wait out the broker's fetch wait on a topic with nothing more in it."""
    consumer = FakeConsumer([[good(0, 0)], [good(0, 1), good(1, 0)]])
    result, _ = run(consumer, ListSink())
    assert consumer.polled == 2 and result.caught_up and result.final_lag == 0
    # asked once the batch reached the fetched ends (and once more for the final lag), not after the
    # first batch: in mid-stream the request would wait behind the consumer's next fetch
    assert consumer.asked_ends == 2


def test_a_buffered_sink_behind_a_backlog_holds_full_polls_to_write_several_partitions_together(monkeypatch):
    """Full polls mean a backlog, handed out one partition after another: the units wait until the
    sink holds HOLD_WHILE_BEHIND records, so that each round can write one of every partition."""
    monkeypatch.setattr(sink_module, "HOLD_WHILE_BEHIND", 4)
    consumer = FakeConsumer([[good(0, 0), good(0, 1)], [good(1, 0), good(1, 1)]])
    store = UnitsSink(size=2)
    run(consumer, store, max_batch=2)
    assert store.files == [[0, 1], [0, 1]]
    # nothing written after the first full poll: its records are held (committed up to 0) until
    # the second brings the sink to 4 records; then a unit of each partition, each committed
    assert consumer.commits == [{0: 0}, {0: 0, 1: 0}, {0: 2, 1: 0}, {0: 2, 1: 2}]


def test_a_store_that_comes_back_gets_the_batch_again_before_the_commit(monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda seconds: None)
    consumer = FakeConsumer([[good(0, 0)]])
    store = ListSink(fail_writes=2)
    lines = []
    result, _ = run(consumer, store, log=lines.append)
    assert [record.order_id for record in store.rows] == ["o-0-0"] and consumer.commits == [{0: 1}]
    assert store.prepared == 3 and store.closed == 3  # reconnected before each retry, closed at the end
    assert lines[0] == "a list in memory: ConnectionError: the store went away; retry 1 in 0.5 s"
    assert lines[-1] == "list: read 1, wrote 1, dead-lettered 0"


def test_a_store_that_stays_away_stops_the_job_with_nothing_committed(monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda seconds: None)
    consumer = FakeConsumer([[good(0, 0), good(0, 1)]])
    with pytest.raises(retry.StoreUnavailable, match="^a list in memory did not answer"):
        run(consumer, ListSink(fail_writes=1000), store_retry_seconds=1)
    assert consumer.commits == [] and consumer.closed


def test_a_missing_topic_is_one_line():
    consumer = FakeConsumer([])
    consumer.topics = lambda: set()
    with pytest.raises(AgilityError, match=f"^topic {TOPIC} does not exist \\(as seen by dev-kafka\\)"):
        run(consumer, ListSink())


def test_the_deadline_stops_the_loop_and_says_the_job_is_not_caught_up():
    consumer = FakeConsumer([[good(0, 0)]])
    lines = []
    result, _ = run(consumer, ListSink(), deadline=0, log=lines.append)
    assert result.stopped_by == "deadline of 0 s" and not result.caught_up and result.final_lag == 1
    assert consumer.commits == [] and lines == ["list: NOT caught up: stopped by deadline of 0 s with lag 1"]


def test_a_group_given_no_partition_is_one_line():
    consumer = FakeConsumer([])
    consumer.assignment = lambda: set()
    with pytest.raises(AgilityError, match=f"^group {AREA.group('orders', 'list')} got no partition of {TOPIC} "
                                           "within 0 s"):
        run(consumer, ListSink(), assignment_timeout=0)


class RejoiningConsumer(FakeConsumer):
    """Serves partition 0's log from its position, two records a poll; refuses the commit numbered
    `refuse` (its session expired), and at the next poll loses its partitions and is given them
    back, its position read from the last commit, as kafka-python does after a lost membership."""

    def __init__(self, log: list[SimpleNamespace], refuse: int):
        super().__init__([log], partitions=1)
        self.log, self.refuse, self.lost, self.seeks = log, refuse, False, []

    def poll(self, timeout_ms):
        tp = self.partitions[0]
        if self.lost:
            self.lost = False
            self.listener.on_partitions_lost({tp})
            self.positions[tp] = self.committed(tp) or 0
            self.listener.on_partitions_assigned({tp})
        taken = self.log[self.positions[tp]:self.positions[tp] + 2]
        if taken:
            self.positions[tp] = taken[-1].offset + 1
        return {tp: taken} if taken else {}

    def seek(self, tp, offset):
        self.seeks.append((tp.partition, offset))
        self.positions[tp] = offset

    def commit(self, offsets):
        if len(self.commits) + 1 == self.refuse and not self.seeks:
            self.lost = True
            raise CommitFailedError("UnknownMemberIdError")
        super().commit(offsets)


def test_a_sink_whose_commit_is_refused_rejoins_and_stores_each_record_once():
    # the refused commit is the one after the first unit [0, 1] was written (commits: {0: 0}, then that)
    consumer = RejoiningConsumer([good(0, offset) for offset in range(6)], refuse=2)
    store = UnitsSink(size=2)
    lines = []
    result, _ = run(consumer, store, log=lines.append)
    assert store.files == [[0, 1], [2, 3], [4, 5]]  # the unit held at the loss is read again, the written one not
    assert consumer.seeks == [(0, 2)] and consumer.committed(consumer.partitions[0]) == 6
    assert result.final_lag == 0 and result.caught_up
    assert any("the group refused the commit" in line for line in lines)
    assert any("partitions [0] lost with the group membership" in line for line in lines)


def test_end_offsets_the_consumer_cannot_get_are_asked_by_a_fresh_consumer(monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda seconds: None)
    consumer = FakeConsumer([[good(0, 0), good(1, 0)]])

    def stuck(partitions):  # as kafka-python's lookups stayed after a broker came back
        raise KafkaTimeoutError("Failed to get offsets by timestamps in 30000 ms")

    consumer.end_offsets = stuck
    offsets = FakeConsumer([[good(0, 0), good(1, 0)]])
    lines = []
    result = consume(FakeClients(consumer, offsets), AREA, "orders", ListSink(), idle_timeout=0, log=lines.append)
    assert result.caught_up and result.final_lag == 0 and consumer.commits == [{0: 1, 1: 1}]
    assert any("KafkaTimeoutError" in line and "retry 1" in line for line in lines)


class CompletedConsumer(FakeConsumer):
    """Its producer says the topic is complete (SIGUSR1 to this process) at the first poll."""

    def poll(self, timeout_ms):
        if not getattr(self, "told", False):
            self.told = True
            os.kill(os.getpid(), signal.SIGUSR1)
        return super().poll(timeout_ms)


def test_told_its_topic_is_complete_a_sink_stops_once_caught_up_without_its_quiet_time():
    before = signal.getsignal(signal.SIGUSR1)
    started = time.monotonic()
    result = consume(FakeClients(CompletedConsumer([[good(0, 0)]])), AREA, "orders", ListSink(),
                     idle_timeout=600, deadline=60)
    assert result.stopped_by == "caught up" and result.caught_up and result.read == 1
    assert time.monotonic() - started < 30  # COMPLETE_IDLE_S, not the 600 s of quiet it was given
    assert signal.getsignal(signal.SIGUSR1) == before  # the job gives the handler back when it ends


class DisconnectedConsumer(FakeConsumer):
    """Its first poll raises what kafka-python raised when a whole node (its broker) was killed."""

    def poll(self, timeout_ms):
        if not getattr(self, "disconnected", False):
            self.disconnected = True
            raise KafkaConnectionError("socket disconnected")
        return super().poll(timeout_ms)


def test_a_poll_that_loses_its_broker_is_polled_again_and_every_record_stored(monkeypatch):
    monkeypatch.setattr(retry.time, "sleep", lambda seconds: None)
    consumer = DisconnectedConsumer([[good(0, 0), good(1, 0)], [good(0, 1)]])
    lines = []
    store = ListSink()
    result = consume(FakeClients(consumer), AREA, "orders", store, idle_timeout=0, log=lines.append)
    assert result.caught_up and [row.order_id for row in store.rows] == ["o-0-0", "o-1-0", "o-0-1"]
    assert consumer.commits[-1] == {0: 2, 1: 1}
    assert any("KafkaConnectionError" in line and "retry 1" in line for line in lines)
