"""Proof that an area's Kafka byte rates hold: its account produces or consumes as fast as it can
and the brokers throttle it to its byte rate, while an account without a quota is not throttled.

Kafka measures a byte rate over its quota window (`quota.window.num` × `quota.window.size.seconds`,
11 × 1 s by default; 2 × 2 s in the sandbox) and counts a young window as at least all its samples
but one (10 s by default, 2 s in the sandbox): a client that was idle may send about that much of
its quota at full speed before it is throttled. A run therefore lasts several times that, and its
rate is what got through during it.

Each step-sized function says what it measured through `say` (a step's narration, or print); the
checks return what is wrong: an empty list proves it. Rates and throttle times are the client's
view of the brokers' answers (bytes acknowledged or received, the throttle_time_ms they sent)."""

from __future__ import annotations

import collections
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from agility.checks.roundtrip import create_topic
from agility.checks.shared_dataset import Say
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.config.profiles import Account
from agility.core.errors import AgilityError
from agility.jobs import producer

MiB = 1 << 20
RECORD_SIZE = 16 * 1024
IN_FLIGHT = 32  # records sent and not yet acknowledged (512 KiB): the producer never runs far ahead


@dataclass
class Throughput:
    """What one account moved in one run, and how long the brokers held its requests back."""

    account: str
    verb: str  # "produced" or "consumed"
    bytes: int
    seconds: float
    throttle_avg_ms: float
    throttle_max_ms: float
    brokers: int = 1  # the brokers that led the topic's partitions: Kafka holds a byte rate per broker

    @property
    def rate(self) -> float:
        return self.bytes / self.seconds if self.seconds else 0.0

    def allowed(self, quota: int) -> int:
        """What the account may move per second here: its quota on each broker it talked to."""
        return quota * self.brokers

    def summary(self, quota: int | None = None) -> str:
        text = (f"{self.account} {self.verb} {self.bytes / MiB:.1f} MiB in {self.seconds:.1f} s: "
                f"{self.rate / MiB:.2f} MiB/s")
        if quota:
            per_broker = f", on each of {self.brokers} brokers" if self.brokers > 1 else ""
            text += (f" ({self.rate / self.allowed(quota):.2f}× its quota of {quota / MiB:.2f} MiB/s{per_broker})")
        return text + f"; throttled by the broker {self.throttle_avg_ms:.0f} ms on average, at most {self.throttle_max_ms:.0f} ms"


def produce(clients: Clients, account: Account, topic: str, seconds: float | None = None,
            total_bytes: int | None = None) -> Throughput:
    """Produce 16 KiB records as fast as the brokers take them, for `seconds` or until
    `total_bytes` are acknowledged (acks=1, a few hundred KiB in flight at most)."""
    if (seconds is None) == (total_bytes is None):
        raise AgilityError("produce: give either seconds or total_bytes")
    producer = clients.kafka_producer(account=account, acks=1, linger_ms=5, batch_size=256 * 1024,
                                      max_request_size=MiB, max_block_ms=60_000)
    payload = b"q" * RECORD_SIZE
    try:
        producer.send(topic, payload).get(timeout=30)  # metadata and the connection, before the clock
        pending: collections.deque = collections.deque()
        sent = 0
        started = time.monotonic()
        while (total_bytes is None or sent < total_bytes) and (seconds is None or time.monotonic() - started < seconds):
            pending.append(producer.send(topic, payload))
            sent += RECORD_SIZE
            if len(pending) >= IN_FLIGHT:
                pending.popleft().get(timeout=60)
        producer.flush(timeout=60)
        for future in pending:
            future.get(timeout=60)
        elapsed = time.monotonic() - started
        average, most = Clients.kafka_throttle(producer)
    finally:
        producer.close()
    return Throughput(account.user, "produced", sent, elapsed, average, most, leader_brokers(clients, topic))


def fill(clients: Clients, topic: str, total_bytes: int) -> Throughput:
    """Write `total_bytes` into the topic as the admin (no quota): data for a consumer to read."""
    return produce(clients, clients.kafka_account(None), topic, total_bytes=total_bytes)


def produce_to_fresh_topic(clients: Clients, area: Area, account: Account, seconds: float | None = None,
                           total_bytes: int | None = None) -> Throughput:
    """`produce` into a topic of the area's made for it (by the admin) and deleted afterwards."""
    topic = area.topic(f"quota_check_{uuid.uuid4().hex[:10]}")
    create_topic(clients, topic)
    try:
        return produce(clients, account, topic, seconds=seconds, total_bytes=total_bytes)
    finally:
        delete_topics(clients, topic)


def fresh_topic_with(clients: Clients, area: Area, total_bytes: int) -> tuple[str, Throughput]:
    """A new topic of the area's holding `total_bytes`, written by the admin (no quota)."""
    topic = area.topic(f"quota_check_{uuid.uuid4().hex[:10]}")
    create_topic(clients, topic)
    try:
        return topic, fill(clients, topic, total_bytes)
    except BaseException:
        delete_topics(clients, topic)
        raise


def consume(clients: Clients, account: Account, topic: str, seconds: float,
            total_bytes: int | None = None) -> Throughput:
    """Read the topic from its beginning as fast as the brokers hand it out, for `seconds` (or
    until `total_bytes` are read, or the topic is read to its end); no consumer group, nothing
    committed."""
    from kafka import TopicPartition  # the Kafka driver, deferred: importing this module needs none

    consumer = clients.kafka_consumer(account=account, group_id=None, enable_auto_commit=False,
                                      fetch_max_bytes=4 * MiB, max_partition_fetch_bytes=MiB)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        if not partitions:
            raise AgilityError(f"topic {topic} does not exist (as seen by {account.user})")
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        received = 0
        started = time.monotonic()
        while time.monotonic() - started < seconds and (total_bytes is None or received < total_bytes):
            for records in consumer.poll(timeout_ms=500).values():
                received += sum(len(record.value or b"") for record in records)
            if all(consumer.position(tp) >= end[tp] for tp in partitions):
                break
        elapsed = time.monotonic() - started
        average, most = Clients.kafka_throttle(consumer)
    finally:
        consumer.close()
    return Throughput(account.user, "consumed", received, elapsed, average, most, leader_brokers(clients, topic))


def leader_brokers(clients: Clients, topic: str) -> int:
    """How many brokers lead the topic's partitions, as the cluster's metadata says."""
    admin = clients.kafka_admin()
    try:
        described = admin.describe_topics([topic])
    finally:
        admin.close()
    return len({part.get("leader", part.get("leader_id")) for found in described for part in found.get("partitions", [])}) or 1


# --- the proofs, step by step -------------------------------------------------------------------
def produced_fast(clients: Clients, area: Area, account: Account, seconds: float, say: Say) -> Throughput:
    """The account produces to a fresh topic of the area's as fast as it can for `seconds`."""
    measured = produce_to_fresh_topic(clients, area, account, seconds=seconds)
    say(measured.summary())
    return measured


def filled_topic(clients: Clients, area: Area, total_bytes: int, made: list[str], say: Say) -> str:
    """A fresh topic of the area's holding `total_bytes` written by the admin; added to `made`
    (the topics to delete when the scenario ends)."""
    topic, written = fresh_topic_with(clients, area, total_bytes)
    made.append(topic)
    say(f"{topic}: {written.summary()}")
    return topic


def consumed_fast(clients: Clients, account: Account, topic: str, seconds: float, say: Say) -> Throughput:
    """The account reads the topic from its beginning as fast as it can for `seconds`."""
    measured = consume(clients, account, topic, seconds)
    say(measured.summary())
    return measured


# --- the area's own producer job ------------------------------------------------------------------
def producer_job_rate(clients: Clients, area: Area, orders: int, say: Say) -> Throughput:
    """The producer job (agility/jobs/producer.py, as the pipeline runs it) sends `orders` orders to
    a fresh dataset of the area's as the area's Kafka account; what it moved and how long the
    brokers held it back, as the job reported them from the brokers' answers."""
    dataset = f"quota_job_{uuid.uuid4().hex[:10]}"
    result = producer.run(clients, area, dataset, orders, profile_name=clients.profile.name, progress=False,
                          fresh_ledger=True)
    say(f"{area.name}'s producer job: {result.summary()}")
    return Throughput(clients.kafka_account(area.name).user, "produced", result.bytes, result.seconds,
                      result.throttle_avg_ms, result.throttle_max_ms, leader_brokers(clients, result.topic))


def unthrottled_job_problems(clients: Clients, area: Area, orders: int, limited: Throughput, say: Say) -> list[str]:
    """The producer job of an area without a quota sends as many orders, unthrottled and faster."""
    return _faster_problems_measured(lambda: producer_job_rate(clients, area, orders, say), limited, say)


def throttled_problems(measured: Throughput, quota: int, low: float, high: float, say: Say) -> list[str]:
    """The account's rate is between `low` and `high` times its quota, and the brokers throttled it."""
    say(measured.summary(quota))
    return [problem for problem, wrong in (
        (f"not between {low} and {high} times the quota: {measured.summary(quota)}",
         not low * measured.allowed(quota) <= measured.rate <= high * measured.allowed(quota)),
        (f"the brokers never throttled it: {measured.summary(quota)}", measured.throttle_max_ms <= 0),
    ) if wrong]


def unthrottled_producer_problems(clients: Clients, area: Area, account: Account, limited: Throughput,
                                  say: Say) -> list[str]:
    """The account, which has no quota, produces the bytes `limited` did to a fresh topic of the
    area's, unthrottled and faster."""
    return _faster_problems_measured(
        lambda: produce_to_fresh_topic(clients, area, account, total_bytes=limited.bytes), limited, say)


def unthrottled_consumer_problems(clients: Clients, topic: str, limited: Throughput, say: Say) -> list[str]:
    """The admin, who has no quota, reads the bytes `limited` did from the topic (within 60 s),
    unthrottled and faster."""
    return _faster_problems_measured(
        lambda: consume(clients, clients.kafka_account(None), topic, 60, total_bytes=limited.bytes), limited, say)


# A second measurement when the only problem was speed: an unthrottled client is held back by
# nothing but this machine's CPU, and on two cores another lane's cluster starting up once slowed
# the dev producer job to the prod quota's rate (gate0: 129 KiB/s unthrottled, 142 KiB/s held to
# 128). A quota on the account would hold it back every time, and the brokers' throttle time,
# checked on every measurement, would show it.
FASTER_ATTEMPTS = 2


def _faster_problems_measured(measure: Callable[[], Throughput], limited: Throughput, say: Say) -> list[str]:
    """_faster_problems of `measure()`, measured once more when it was only slower."""
    problems = _faster_problems(measure(), limited, say)
    for _ in range(FASTER_ATTEMPTS - 1):
        if not problems or any(not problem.startswith("not faster") for problem in problems):
            break
        say("not faster, though no broker throttled it: the machine was busy; measuring once more")
        problems = _faster_problems(measure(), limited, say)
    return problems


def _faster_problems(free: Throughput, limited: Throughput, say: Say) -> list[str]:
    """The quota is what slows the limited account down: without one the brokers never throttle,
    and the rate is not held to the quota (how much faster depends on the machine, so no factor
    is asserted)."""
    say(free.summary())
    return [problem for problem, wrong in (
        (f"moved fewer bytes: {free.summary()}; {limited.summary()}", free.bytes < limited.bytes),
        (f"throttled without a quota: {free.summary()}", free.throttle_max_ms != 0),
        (f"not faster: {free.summary()}; {limited.summary()}", free.rate <= limited.rate),
    ) if wrong]


def delete_topics(clients: Clients, *topics: str) -> None:
    """Remove the topics a proof made (as the admin)."""
    admin = clients.kafka_admin()
    try:
        admin.delete_topics(list(topics))
    finally:
        admin.close()
