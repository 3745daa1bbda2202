"""Produce seeded orders (and, on request, deliberately bad records) into an area's topic.

    python -m agility.jobs.producer --profile sandbox --area dev --dataset orders --count 1000 --seed 42 --bad 0

Creates the topic (3 partitions) and its dead-letter topic (1 partition) if they are missing,
sends the orders keyed by order id (so the orders of one id stay in order on one partition), and
records each record in the dataset's ledger once the broker acknowledged it (acks=all), with the
partition and offset it got. The ledger is appended to: a second run adds to it as it adds to the
topic; `--fresh-ledger` empties it first (the topic keeps its records, so only do that with a
new dataset or when you know why).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from kafka.errors import KafkaError, TopicAlreadyExistsError

from agility.clients.services import KAFKA_REQUEST_TIMEOUT_MS, area_clients
from agility.config import profiles
from agility.config.areas import Area
from agility.core.errors import AgilityError, exit_status
from agility.core.waiting import Pace
from agility.jobs import orders, records
from agility.jobs.ledger import Ledger, bad_entry, good_entry

DATA_PARTITIONS = 3
DEAD_LETTER_PARTITIONS = 1
PROGRESS_FROM = 1000  # smaller runs finish before a progress line would help
SEND_TIMEOUT_S = 120  # per record, from send to acknowledgement, retries included
# Bytes per partition batch: kafka-python spends its time per batch as well as per record; 128 KiB
# instead of the 16 KiB default made 20000 orders ~1.3x faster on the edge (18 k -> 23-24 k records/s).
# linger_ms still bounds how long a paced record waits for its batch.
BATCH_BYTES = 128 * 1024


@dataclass
class ProduceResult:
    topic: str
    dead_letter_topic: str
    partitions: int
    produced: int  # good orders the broker acknowledged
    bad: int  # injected bad records the broker acknowledged
    bad_kinds: dict[str, int]
    offsets: dict[int, tuple[int, int]]  # partition → (first, last) offset written by this run
    seconds: float
    records_per_second: float
    ledger: str
    created_topics: list[str] = field(default_factory=list)
    bytes: int = 0  # keys and values of the acknowledged records, as sent
    throttle_avg_ms: float = 0.0  # the brokers' throttle_time_ms in their answers: the account's byte rate at work
    throttle_max_ms: float = 0.0

    @property
    def bytes_per_second(self) -> float:
        return self.bytes / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        throttled = (f"; the brokers throttled it {self.throttle_avg_ms:.0f} ms on average, at most "
                     f"{self.throttle_max_ms:.0f} ms" if self.throttle_max_ms else "")
        return (f"produced {self.produced} orders (+{self.bad} bad) to {self.topic} [{self.partitions} partitions] "
                f"in {self.seconds:.1f} s ({self.records_per_second:.0f} records/s, "
                f"{self.bytes_per_second / 1024:.0f} KiB/s){throttled}; ledger: {self.ledger}")


def run(clients, area: Area, dataset: str, count: int, seed: int = 42, bad: int = 0,
        profile_name: str = "sandbox", progress: bool = True, fresh_ledger: bool = False,
        rate: float | None = None) -> ProduceResult:
    """Produce `count` orders of `seed` with `bad` bad records among them, at most `rate` records a
    second when given (a steady load); raise AgilityError if any record is not acknowledged. `seconds` runs from the first send to the last acknowledgement
    (topic creation and connecting are not in it)."""
    if count < 0 or bad < 0:
        raise AgilityError(f"count and bad must not be negative (count={count}, bad={bad})")
    topic, dead_letter_topic = area.topic(dataset), area.dead_letter_topic(dataset)
    account = clients.kafka_account(area.name)
    created, _ = ensure_topics(clients, account, {topic: DATA_PARTITIONS, dead_letter_topic: DEAD_LETTER_PARTITIONS})
    ledger = Ledger.for_dataset(profile_name, area, dataset)
    if fresh_ledger:
        ledger.reset()

    total = count + bad
    producer = clients.kafka_producer(account, acks="all", linger_ms=20, compression_type=compression(),
                                      batch_size=BATCH_BYTES, max_block_ms=60_000, request_timeout_ms=KAFKA_REQUEST_TIMEOUT_MS)
    meter = Progress(total, enabled=progress and count >= PROGRESS_FROM)
    tally = Tally()
    pending: deque = deque()
    started = time.monotonic()
    pace = Pace(rate)
    try:
        try:
            for number, (key, value, entry_of) in enumerate(sending_plan(seed, count, bad)):
                pace.wait(number)
                pending.append((producer.send(topic, key=key.encode(), value=value), entry_of))
                if pending[0][0].is_done:
                    ledger.extend(tally.take(_resolved(pending)))
                    meter.show(tally.acknowledged)
        except KafkaError as error:
            # e.g. no metadata for the topic within max_block_ms: what was sent is still recorded below
            tally.failures.append(f"sending stopped: {type(error).__name__}: {error}")
        try:
            producer.flush(timeout=SEND_TIMEOUT_S)
        except KafkaError:
            pass  # each record still waiting reports its own error just below
        ledger.extend(tally.take(_resolved(pending, wait=True)))
        meter.show(tally.acknowledged, final=True)
        partitions = len(producer.partitions_for(topic) or ())
        throttle_avg_ms, throttle_max_ms = clients.kafka_throttle(producer)
    finally:
        producer.close(timeout=10)
    seconds = time.monotonic() - started
    if tally.failures:
        raise AgilityError(
            f"not every record to {topic} was acknowledged: {tally.acknowledged} of {total} were, and those are "
            f"in the ledger {ledger.path}; {len(tally.failures)} errors, the first: {tally.failures[0]}")
    return ProduceResult(
        topic=topic, dead_letter_topic=dead_letter_topic, partitions=partitions,
        produced=tally.good, bad=tally.bad, bad_kinds=dict(tally.bad_kinds), offsets=dict(sorted(tally.offsets.items())),
        seconds=round(seconds, 3), records_per_second=round(tally.acknowledged / seconds, 1) if seconds else 0.0,
        ledger=str(ledger.path), created_topics=created, bytes=tally.bytes,
        throttle_avg_ms=throttle_avg_ms, throttle_max_ms=throttle_max_ms,
    )


def sending_plan(seed: int, count: int, bad: int) -> Iterator[tuple[str, bytes, Callable]]:
    """(key, value, ledger entry maker) in sending order: the seed's orders, with the bad records
    at positions drawn from the seed, so the same arguments always give the same topic content."""
    good = orders.iter_orders(seed)
    injected = iter(enumerate(orders.bad_records(seed, bad)))
    wanted = set(random.Random(f"positions-{seed}").sample(range(count + bad), bad))
    for position in range(count + bad):
        if position in wanted:
            number, (kind, raw) = next(injected)
            yield f"bad-{seed}-{number:07d}", raw, _bad(kind)
        else:
            order = next(good)
            yield order["order_id"], records.encode(order), _good(order)


def _good(order):
    return lambda metadata: good_entry(order, metadata.partition, metadata.offset)


def _bad(kind):
    return lambda metadata: bad_entry(kind, metadata.partition, metadata.offset)


def _resolved(pending: deque, wait: bool = False):
    """(entry maker, metadata or exception) of the futures at the head of `pending` that are done,
    in sending order; with `wait`, every one. Sending order keeps the ledger in offset order
    within each partition."""
    while pending and (wait or pending[0][0].is_done):
        future, entry_of = pending.popleft()
        try:
            yield entry_of, future.get(timeout=SEND_TIMEOUT_S)
        except Exception as error:  # noqa: BLE001 - a failed send is counted and reported, not fatal here
            yield entry_of, error


class Tally:
    """Counts of acknowledged records and the offsets they got."""

    def __init__(self):
        self.good = self.bad = self.bytes = 0
        self.bad_kinds: dict[str, int] = {}
        self.offsets: dict[int, tuple[int, int]] = {}
        self.failures: list[str] = []

    @property
    def acknowledged(self) -> int:
        return self.good + self.bad

    def take(self, resolved) -> list[dict]:
        entries = []
        for entry_of, outcome in resolved:
            if isinstance(outcome, Exception):
                self.failures.append(f"{type(outcome).__name__}: {outcome}")
                continue
            entry = entry_of(outcome)
            if "bad" in entry:
                self.bad += 1
                self.bad_kinds[entry["bad"]] = self.bad_kinds.get(entry["bad"], 0) + 1
            else:
                self.good += 1
            self.bytes += max(outcome.serialized_key_size, 0) + max(outcome.serialized_value_size, 0)
            first, _ = self.offsets.get(outcome.partition, (outcome.offset, outcome.offset))
            self.offsets[outcome.partition] = (min(first, outcome.offset), outcome.offset)
            entries.append(entry)
        return entries


class Progress:
    """One line on stderr, rewritten every 5 % on a terminal (a new line each time otherwise)."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled = total, enabled
        self.started = time.monotonic()
        self.next_step = 0
        self.rewrite = sys.stderr.isatty()

    def show(self, done: int, final: bool = False) -> None:
        if not self.enabled or not self.total:
            return
        step = done * 20 // self.total
        if step < self.next_step and not final:
            return
        self.next_step = step + 1
        rate = done / max(time.monotonic() - self.started, 1e-6)
        line = f"  acknowledged {done}/{self.total} ({done * 100 // self.total} %) {rate:.0f} records/s"
        end = "\n" if final or not self.rewrite else ""
        print(("\r" if self.rewrite else "") + line, end=end, file=sys.stderr, flush=True)


def compression() -> str | None:
    """lz4 when its library happens to be installed; otherwise none (we add no dependency for it)."""
    return "lz4" if importlib.util.find_spec("lz4") else None


def ensure_topics(clients, account, wanted: dict[str, int]) -> tuple[list[str], int]:
    """Create the missing topics of `wanted` (name → partitions): the names it created, and the
    replication factor a new topic gets (min(3, brokers))."""
    admin = clients.kafka_admin(account=account)
    try:
        brokers = len(admin.describe_cluster()["brokers"])
        replication = min(3, brokers)
        created = []
        for topic, partitions in wanted.items():
            try:
                admin.create_topics({topic: {"num_partitions": partitions, "replication_factor": replication}},
                                    wait_for_metadata=True)
                created.append(topic)
            except TopicAlreadyExistsError:
                pass  # made by an earlier run or by the platform team: fine, we only append
            except KafkaError as error:
                raise AgilityError(f"cannot create topic {topic} ({partitions} partitions, replication "
                                   f"{replication}) as {account.user}: {type(error).__name__}: {error}") from None
        return created, replication
    finally:
        admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=os.environ.get("AGILITY_PROFILE") or "sandbox")
    parser.add_argument("--area", default="dev")
    parser.add_argument("--dataset", default="orders")
    parser.add_argument("--count", type=int, default=1000, help="good orders to produce")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--bad", type=int, default=0, help="bad records to inject among them")
    parser.add_argument("--rate", type=float, default=None, help="at most this many records a second (a steady load)")
    parser.add_argument("--fresh-ledger", action="store_true", help="empty the dataset's ledger first")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)


    def produce_as_asked() -> int:
        profile = profiles.load(args.profile)
        area = profile.area(args.area)
        with area_clients(profile, area) as clients:
            result = run(clients, area, args.dataset, args.count, seed=args.seed, bad=args.bad,
                         profile_name=profile.name, progress=not args.no_progress, fresh_ledger=args.fresh_ledger,
                         rate=args.rate)
        print(result.summary())
        return 0

    return exit_status(produce_as_asked)


if __name__ == "__main__":
    sys.exit(main())
