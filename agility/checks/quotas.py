"""Proofs that an area's quotas hold, each by exceeding one: an account produces or consumes as
fast as it can and the brokers throttle it to its byte rate; one MariaDB connection too many and
one statement too many are refused with MariaDB's own message, leaving nothing half written; a
Spark job asking for more than the area's cap is refused before it starts, one within it runs
with no more than the cap.

Kafka measures a byte rate over its quota window (`quota.window.num` × `quota.window.size.seconds`,
11 × 1 s by default) and counts a young window as at least 10 s long: a client that was idle may
send about quota × 10 s at full speed before it is throttled. A run therefore lasts about that
window, and its rate is what got through during it."""

from __future__ import annotations

import collections
import threading
import time
import uuid
from dataclasses import dataclass, field

from agility.checks.roundtrip import create_topic
from agility.clients.services import Clients
from agility.config.profiles import Account, Profile
from agility.core.errors import AgilityError
from agility.core.waiting import wait_until
from agility.jobs import count_rows
from agility.provisioning import apply as run
from agility.provisioning.quotas import KAFKA_KEYS, MYSQL_COLUMNS, kafka_quotas_of, mysql_limits_of
from agility.provisioning.target import connect
from agility.reach.tunnel import split

MiB = 1 << 20
RECORD_SIZE = 16 * 1024
IN_FLIGHT = 32  # records sent and not yet acknowledged (512 KiB): the producer never runs far ahead


# --- Kafka byte rates ----------------------------------------------------------------------------
@dataclass
class Throughput:
    account: str
    verb: str  # "produced" or "consumed"
    bytes: int
    seconds: float
    throttle_avg_ms: float
    throttle_max_ms: float

    @property
    def rate(self) -> float:
        return self.bytes / self.seconds if self.seconds else 0.0

    def summary(self, quota: int | None = None) -> str:
        text = (f"{self.account} {self.verb} {self.bytes / MiB:.1f} MiB in {self.seconds:.1f} s: "
                f"{self.rate / MiB:.2f} MiB/s")
        if quota:
            text += f" ({self.rate / quota:.2f}× its quota of {quota / MiB:.2f} MiB/s)"
        return text + f"; throttled by the broker {self.throttle_avg_ms:.0f} ms on average, at most {self.throttle_max_ms:.0f} ms"


def _throttle(metrics: dict, prefix: str) -> tuple[float, float]:
    """kafka-python's throttle-time sensors (the brokers' throttle_time_ms of each response)."""
    group = metrics.get(f"{prefix}-metrics", {})
    return float(group.get("throttle-time-avg") or 0.0), float(group.get("throttle-time-max") or 0.0)


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
        average, most = _throttle(producer.metrics(), "producer")
    finally:
        producer.close()
    return Throughput(account.user, "produced", sent, elapsed, average, most)


def fill(clients: Clients, topic: str, total_bytes: int) -> Throughput:
    """Write `total_bytes` into the topic as the admin (no quota): data for a consumer to read."""
    return produce(clients, clients.kafka_account(None), topic, total_bytes=total_bytes)


def produce_to_fresh_topic(clients: Clients, area, account: Account, seconds: float | None = None,
                           total_bytes: int | None = None) -> Throughput:
    """`produce` into a topic of the area's made for it (by the admin) and deleted afterwards."""
    topic = area.topic(f"quota_check_{uuid.uuid4().hex[:10]}")
    create_topic(clients, topic)
    try:
        return produce(clients, account, topic, seconds=seconds, total_bytes=total_bytes)
    finally:
        delete_topics(clients, topic)


def fresh_topic_with(clients: Clients, area, total_bytes: int) -> tuple[str, Throughput]:
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
    from kafka import TopicPartition

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
        average, most = _throttle(consumer.metrics(), "consumer")
    finally:
        consumer.close()
    return Throughput(account.user, "consumed", received, elapsed, average, most)


def delete_topics(clients: Clients, *topics: str) -> None:
    admin = clients.kafka_admin()
    try:
        admin.delete_topics(list(topics))
    finally:
        admin.close()


# --- MariaDB -------------------------------------------------------------------------------------
def _mysql(clients: Clients, account: Account, database: str | None = None, **options):
    import pymysql

    host, port = split(clients.local(clients.profile.mysql["address"]))
    return pymysql.connect(host=host, port=port, user=account.user, password=account.password.reveal(),
                           database=database, connect_timeout=15, **options)


def _mysql_error(error) -> str:
    code, message = (error.args + ("",))[:2] if error.args else (0, str(error))
    return f"({code}) {message}"


@dataclass
class ConnectionsProof:
    account: str
    opened: int  # connections open when one more was refused
    refusal: str | None  # MariaDB's message for the one too many
    answered: int  # of the open ones, how many still answered a query after the refusal
    left_open: int = -1  # the account's sessions on the server after all were closed

    def summary(self) -> str:
        return (f"{self.account}: {self.opened} connections open, the next one refused: {self.refusal}; "
                f"{self.answered} of {self.opened} still answered; {self.left_open} left open after closing")


def connections_until_refused(clients: Clients, account: Account, limit: int) -> ConnectionsProof:
    """Open connections as the account until one is refused (at most limit + 2 tries), query each
    open one again, close them all, and count the account's sessions the server still has."""
    import pymysql

    held = []
    refusal = None
    try:
        for _ in range(limit + 2):
            try:
                held.append(_mysql(clients, account, autocommit=True))
            except pymysql.err.OperationalError as error:
                refusal = _mysql_error(error)
                break
        answered = 0
        for connection in held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT CONNECTION_ID()")
                answered += cursor.fetchone() is not None
        proof = ConnectionsProof(account.user, len(held), refusal, answered)
    finally:
        for connection in held:
            connection.close()
    proof.left_open = _wait_sessions_closed(clients, account.user)
    return proof


def _sessions(clients: Clients, user: str) -> int:
    admin = clients.mysql_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s", (user,))
            return int(cursor.fetchone()[0])
    finally:
        admin.close()


def _wait_sessions_closed(clients: Clients, user: str, timeout: float = 20) -> int:
    """The account's sessions on the server once they are gone (the server ends a closed
    connection's thread a moment after the client leaves)."""
    wait_until(lambda: _sessions(clients, user) == 0, timeout=timeout, what=f"{user}'s sessions to end",
               service="mariadb")
    return _sessions(clients, user)


@dataclass
class QueriesProof:
    account: str
    table: str
    accepted: int  # statements of the account that ran before the refusal (this run's)
    refusal: str | None
    uncommitted: int = -1  # the transaction's rows, seen by the admin (READ UNCOMMITTED) after the refusal
    rows_after: int = -1  # rows in the table once the refused transaction is gone
    works_after_reset: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.account}: {self.accepted} statements ran in one transaction on {self.table}, the next was "
                f"refused: {self.refusal}; {self.uncommitted} uncommitted rows while it was open, "
                f"{self.rows_after} once it was closed")


def queries_until_refused(clients: Clients, account: Account, database: str, limit: int,
                          batch: int = 1000) -> QueriesProof:
    """In one transaction, insert into a fresh table as the account, `batch` statements per packet
    (multi-statements), until MariaDB refuses one (at most limit + batch statements). The refused
    transaction cannot even be rolled back by a statement (that would be one more query), so the
    connection is closed, which rolls it back. The admin counts the table's rows twice: with the
    refused transaction still open (READ UNCOMMITTED: what it had written) and after it closed.
    The table is created and dropped by the admin; the counters are reset with FLUSH USER_RESOURCES."""
    import pymysql
    from pymysql.constants import CLIENT

    table = f"quota_check_{uuid.uuid4().hex[:10]}"
    qualified = f"`{database}`.`{table}`"
    _admin(clients, f"CREATE TABLE {qualified} (id INT PRIMARY KEY, note VARCHAR(16)) ENGINE=InnoDB")
    proof = QueriesProof(account.user, qualified, 0, None)
    try:
        connection = _mysql(clients, account, database, autocommit=False, client_flag=CLIENT.MULTI_STATEMENTS)
        try:
            with connection.cursor() as cursor:
                cursor.execute("START TRANSACTION")
                proof.accepted = 1
                next_id = 0
                while proof.accepted <= limit + batch:
                    statements = "".join(f"INSERT INTO {qualified} VALUES ({next_id + i}, 'half written');"
                                         for i in range(batch))
                    next_id += batch
                    try:
                        cursor.execute(statements)
                        proof.accepted += 1
                        while cursor.nextset():
                            proof.accepted += 1
                    except pymysql.err.OperationalError as error:
                        proof.refusal = _mysql_error(error)
                        break
            proof.uncommitted = _count_rows(clients, qualified, uncommitted=True)
        finally:
            connection.close()  # the server rolls the open transaction back
        proof.rows_after = _count_rows(clients, qualified)
    finally:
        _admin(clients, f"DROP TABLE IF EXISTS {qualified}", "FLUSH USER_RESOURCES")
    proof.works_after_reset = _answers(clients, account)
    return proof


def _admin(clients: Clients, *statements: str) -> None:
    admin = clients.mysql_connection()
    try:
        with admin.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        admin.close()


def _count_rows(clients: Clients, qualified: str, uncommitted: bool = False) -> int:
    """The table's rows as the admin sees them: committed ones, or also another session's open
    transaction's (READ UNCOMMITTED)."""
    admin = clients.mysql_connection()
    try:
        with admin.cursor() as cursor:
            if uncommitted:
                cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED")
            cursor.execute(f"SELECT COUNT(*) FROM {qualified}")
            return int(cursor.fetchone()[0])
    finally:
        admin.close()


def _answers(clients: Clients, account: Account) -> bool:
    connection = _mysql(clients, account, autocommit=True)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    finally:
        connection.close()


# --- Spark ---------------------------------------------------------------------------------------
@dataclass
class SparkRun:
    app_name: str
    result: dict | None  # the job's own result line
    refusal: str | None  # the job's refusal (nothing started)
    seen: dict | None  # the application as the master showed it while it ran (cores, memoryperexecutor MiB)
    listed_after: bool  # the master knows an application of this name (running or completed)

    def summary(self) -> str:
        if self.refusal:
            return f"{self.app_name}: refused at submit: {self.refusal}; the master lists it: {self.listed_after}"
        seen = self.seen or {}
        return (f"{self.app_name} ({(self.result or {}).get('application_id')}): the master showed "
                f"{seen.get('cores')} core(s), {seen.get('memoryperexecutor', seen.get('memoryperslave'))} MiB per "
                f"executor while it ran; it counted {(self.result or {}).get('rows')} rows")


def _applications(clients: Clients, name: str) -> list[dict]:
    state = clients.spark_master_state()
    return [app for app in state.get("activeapps", []) + state.get("completedapps", []) if app.get("name") == name]


def spark_job(clients: Clients, shell, area, cores: int | None = None, memory: str | None = None,
              timeout: float = 240) -> SparkRun:
    """The smallest Spark job (agility/jobs/count_rows.py) as the area's job on the edge node, with
    the master's view of it taken while it runs: its granted cores and executor memory."""

    name = f"agility-quota-{area.name}-{uuid.uuid4().hex[:8]}"
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = count_rows.run_on_edge(shell, clients.profile, area, cores=cores, memory=memory,
                                                       rows=2_000_000, app_name=name, timeout=timeout)
        except AgilityError as error:
            outcome["refusal"] = str(error)

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    seen = None

    def running() -> dict | None:
        for app in _applications(clients, name):
            if app.get("state") == "RUNNING" and app.get("cores", 0) > 0:
                return app
        return None

    try:
        seen = wait_until(lambda: running() or not worker.is_alive(), timeout=timeout, what=f"{name} to run",
                          service="spark", interval=0.2)
    finally:
        worker.join(timeout)
    if worker.is_alive():
        raise AgilityError(f"the Spark job {name} did not finish within {timeout:.0f} s")
    return SparkRun(name, outcome.get("result"), outcome.get("refusal"), seen if isinstance(seen, dict) else None,
                    bool(_applications(clients, name)))


# --- the quotas applied and read back ------------------------------------------------------------
@dataclass
class AreaQuotas:
    """An area's quotas: as declared, the changes a run made, and what the services report."""

    area: str
    declared: dict[str, dict[str, int]]  # service → limits (sizes in bytes)
    applied: list[str]
    reported: dict[str, dict[str, int]]  # kafka: the account's byte rates; mysql: its limits

    def differences(self) -> dict[str, tuple[dict, dict]]:
        """Service → (declared, reported) where the cluster disagrees with the declaration."""
        return {service: (self.declared.get(service, {}), reported)
                for service, reported in self.reported.items() if reported != self.declared.get(service, {})}


def apply_quotas(profile: Profile, area_name: str, declaration_file: str | None = None) -> AreaQuotas:
    """`agility provision quotas` (planned and applied), then one area's Kafka and MariaDB limits
    read back from the services."""
    with connect(profile, declaration_file) as target:
        applied = run.plan(target, ["quotas"]).apply()
        area = target.area(area_name)
        reported = {"kafka": {key: value for key, value in kafka_quotas_of(target, area.kafka_account).items()
                              if key in KAFKA_KEYS},
                    "mysql": mysql_limits_of(target, profile.account("mysql", area_name).user)}
        declared = {service: target.declaration.quota(area_name, service) for service in ("kafka", "mysql", "spark")}
    # a limit the declaration does not give is none: MariaDB reports it as 0
    declared_mysql = {key: declared["mysql"].get(key, 0) for key in MYSQL_COLUMNS}
    return AreaQuotas(area_name, {**declared, "mysql": declared_mysql}, applied, reported)
