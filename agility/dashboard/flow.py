"""The data flowing through a cluster, per work area: Kafka topics and the sum of their end
offsets, the files, bytes and space quota under the area's HDFS root, the rows of its MariaDB
database and Cassandra keyspace, and the use of its YARN queue.

Everything is read through the cluster's bastion only: `connect.forwards` (the tunnels this host
shares between its processes, opened if none carries a service) and `clients.services.Clients`
on their local forwards, as the admin/operator accounts of the profile. Each source is read in a
thread of its own with a deadline; a source that fails or does not answer in time gives cells
saying why ("kafka: no answer within 5 s"), never an exception to the page or the watcher."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field

from agility.checks import yarn_queues
from agility.clients.services import Clients
from agility.clients.sql import quoted
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.core.retry import describe
from agility.core.sizes import size
from agility.provisioning.hdfs import parse_summary
from agility.reach import connect, tunnel

DEADLINE_S = 5.0  # a round waits this long for each source
EXACT_BELOW = 100_000  # MariaDB tables estimated smaller than this are counted exactly (COUNT(*))
WHY_LIMIT = 160  # characters of a client's error shown in a cell
STATEMENT_S = 3  # a MariaDB or Cassandra statement of the dashboard's is given this long
SOURCES: dict[str, tuple[str, ...]] = {  # source → the measures (page columns) it gives
    "kafka": ("topics", "offsets"),
    "hdfs": ("hdfs_files", "hdfs_bytes", "hdfs_quota"),
    "mysql": ("mysql_rows",),
    "cassandra": ("cassandra_rows",),
    "yarn": ("yarn_used", "yarn_apps"),
}
MEASURES = tuple(measure for measures in SOURCES.values() for measure in measures)


@dataclass
class Cell:
    text: str
    ok: bool = True


@dataclass
class AreaFlow:
    area: str
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class FlowState:
    """What the page's "data flowing" table shows: a row per area, or why there is none."""

    reason: str = "not read yet"
    areas: list[AreaFlow] = field(default_factory=list)
    checked_at: float = 0.0
    took_s: float = 0.0

    def as_json(self) -> dict:
        return asdict(self)


# --- raw answers → cells (pure) ----------------------------------------------------------------
def failed(source: str, error: BaseException | str) -> Cell:
    """A cell saying why the source gave no number."""
    return Cell(f"{source}: {error if isinstance(error, str) else why(error)}", ok=False)


def why(error: BaseException) -> str:
    """A client's error in a few words: no answer, a refused or lost connection, else its message."""
    text = " ".join(str(error).split())
    lowered = f"{type(error).__name__} {text}".lower()
    if isinstance(error, AgilityError):
        return text[:WHY_LIMIT]
    if isinstance(error, TimeoutError) or "timeout" in lowered or "timed out" in lowered:
        return "no answer"
    if "refused" in lowered:
        return "connection refused"
    if any(word in lowered for word in ("reset", "broken pipe", "lost connection", "closed", "eof")):
        return "connection lost"
    if type(error).__name__ in ("NoBrokersAvailable", "KafkaConnectionError"):
        return "no broker answers"
    return describe(error)[:WHY_LIMIT]


def failed_cells(source: str, error: BaseException | str) -> dict[str, Cell]:
    cell = failed(source, error)
    return {measure: cell for measure in SOURCES[source]}


def topic_ends(ends: dict[tuple[str, int], int]) -> dict[str, int]:
    """(topic, partition) → end offset, summed per topic."""
    totals: dict[str, int] = {}
    for (topic, _), end in ends.items():
        totals[topic] = totals.get(topic, 0) + int(end)
    return totals


def kafka_cells(area: Area, ends: dict[str, int]) -> dict[str, Cell]:
    """The area's topics (its prefix's) and the sum of their end offsets: every record ever written."""
    mine = [topic for topic in ends if topic.startswith(area.kafka_prefix)]
    return {"topics": Cell(str(len(mine))), "offsets": Cell(str(sum(ends[topic] for topic in mine)))}


def hdfs_cells(path: str, summary: dict) -> dict[str, Cell]:
    """Files and bytes (one replica) under the area's root, and its raw space against the quota."""
    usage = parse_summary(path, summary)
    quota = ("no quota" if usage.space_quota < 0 else
             f"{size(usage.space)} of {size(usage.space_quota)} ({100 * usage.space / max(usage.space_quota, 1):.0f}%)")
    return {"hdfs_files": Cell(str(int(summary["fileCount"]))), "hdfs_bytes": Cell(size(usage.length)),
            "hdfs_quota": Cell(quota)}


def mysql_cells(tables: list[tuple[str, int, int | None]]) -> dict[str, Cell]:
    """(table, information_schema's estimate, exact COUNT(*) or None) → the rows; "~" when an
    estimate is part of the sum."""
    if not tables:
        return {"mysql_rows": Cell("0 (no tables)")}
    rows = sum(exact if exact is not None else estimate for _, estimate, exact in tables)
    estimated = any(exact is None for _, _, exact in tables)
    return {"mysql_rows": Cell(f"{'~' if estimated else ''}{rows} in {len(tables)} table{'s' * (len(tables) != 1)}")}


def cassandra_cells(counts: dict[str, int | str]) -> dict[str, Cell]:
    """table → COUNT(*), or why it could not be counted in time."""
    if not counts:
        return {"cassandra_rows": Cell("0 (no tables)")}
    slow = sorted(table for table, count in counts.items() if isinstance(count, str))
    rows = sum(count for count in counts.values() if isinstance(count, int))
    if len(slow) == len(counts):
        return {"cassandra_rows": failed("cassandra", f"{slow[0]}: {counts[slow[0]]}")}
    note = f" (not counted: {', '.join(slow)})" if slow else ""
    return {"cassandra_rows": Cell(f"{rows} in {len(counts)} table{'s' * (len(counts) != 1)}{note}", ok=not slow)}


def yarn_cells(queue_name: str, queues: dict[str, dict]) -> dict[str, Cell]:
    """The area's queue as the ResourceManager's scheduler shows it: used share of the queue's own
    capacity and of the whole cluster, and its applications."""
    queue = queues.get(queue_name)
    if queue is None:
        return failed_cells("yarn", f"no queue root.{queue_name} (queues: {', '.join(queues) or 'none'})")
    return {"yarn_used": Cell(f"{float(queue.get('usedCapacity', 0)):.1f}% of queue, "
                              f"{float(queue.get('absoluteUsedCapacity', 0)):.1f}% of cluster"),
            "yarn_apps": Cell(f"{int(queue.get('numApplications', 0))} "
                              f"({int(queue.get('numActiveApplications', 0))} running)")}


# --- reading each source (through the tunnel's forwards) ---------------------------------------
Cells = dict[str, dict[str, Cell]]  # area → measure → cell


def read_kafka(clients: Clients, areas: dict[str, Area]) -> Cells:
    """One admin consumer: every topic it may see, the end offsets of all their partitions."""
    from kafka import TopicPartition

    consumer = clients.kafka_consumer(group_id=None, enable_auto_commit=False, request_timeout_ms=int(DEADLINE_S * 1000))
    try:
        prefixes = tuple(area.kafka_prefix for area in areas.values())
        topics = sorted(topic for topic in consumer.topics() if topic.startswith(prefixes))
        partitions = [TopicPartition(topic, p) for topic in topics for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends = consumer.end_offsets(partitions, timeout_ms=int(DEADLINE_S * 1000)) if partitions else {}
    finally:
        consumer.close()
    totals = {topic: 0 for topic in topics}
    totals.update(topic_ends({(tp.topic, tp.partition): end for tp, end in ends.items()}))
    return {name: kafka_cells(area, totals) for name, area in areas.items()}


def read_hdfs(clients: Clients, areas: dict[str, Area]) -> Cells:
    """GETCONTENTSUMMARY of each area's root, as the HDFS superuser."""
    from hdfs.util import HdfsError

    client = clients.hdfs_client()
    found: Cells = {}
    for name, area in areas.items():
        try:
            found[name] = hdfs_cells(area.hdfs_root, client.content(area.hdfs_root))
        except HdfsError as error:
            found[name] = failed_cells("hdfs", " ".join(str(error).split())[:200])
    return found


def read_mysql(clients: Clients, areas: dict[str, Area]) -> Cells:
    """The admin's view of each area's database: information_schema's row estimates, exact
    counts for the small tables."""
    connection = clients.mysql_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SET SESSION max_statement_time = {STATEMENT_S}")
            found: Cells = {}
            for name, area in areas.items():
                cursor.execute("SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES "
                               "WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
                               (area.database,))
                tables = []
                for table, estimate in cursor.fetchall():
                    exact = None
                    if int(estimate) < EXACT_BELOW:
                        cursor.execute(f"SELECT COUNT(*) FROM {quoted(area.database)}.{quoted(table)}")
                        exact = int(cursor.fetchone()[0])
                    tables.append((table, int(estimate), exact))
                found[name] = mysql_cells(tables)
            return found
    finally:
        connection.close()


def read_cassandra(session, areas: dict[str, Area]) -> Cells:
    """COUNT(*) of every table of each area's keyspace, each given STATEMENT_S seconds."""
    from cassandra import OperationTimedOut, ReadTimeout
    from cassandra.query import SimpleStatement

    keyspaces = session.cluster.metadata.keyspaces
    found: Cells = {}
    for name, area in areas.items():
        if area.keyspace not in keyspaces:
            found[name] = failed_cells("cassandra", f"no keyspace {area.keyspace}")
            continue
        counts: dict[str, int | str] = {}
        for table in sorted(keyspaces[area.keyspace].tables):
            statement = SimpleStatement(f"SELECT COUNT(*) FROM {area.keyspace}.{quoted_cql(table)}")
            try:
                counts[table] = int(session.execute(statement, timeout=STATEMENT_S).one()[0])
            except (OperationTimedOut, ReadTimeout):
                counts[table] = f"no count within {STATEMENT_S} s"
        found[name] = cassandra_cells(counts)
    return found


def quoted_cql(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def read_yarn(clients: Clients, areas: dict[str, Area]) -> Cells:
    """The ResourceManager's scheduler: each area's leaf queue."""
    queues = yarn_queues.leaf_queues(yarn_queues.scheduler(clients))
    return {name: yarn_cells(area.queue, queues) for name, area in areas.items()}


# --- one cluster's flow, read round after round ------------------------------------------------
class FlowReader:
    """Reads every source of one cluster in parallel, each with a deadline. A source still busy
    with an earlier round is not asked again until it answers: a hung store holds one thread."""

    def __init__(self, clients: Clients, deadline: float = DEADLINE_S):
        self.clients, self.deadline = clients, deadline
        self.pool = ThreadPoolExecutor(max_workers=len(SOURCES), thread_name_prefix=f"flow-{clients.profile.name}")
        self.pending: dict[str, tuple[Future, float]] = {}
        self.session = None  # Cassandra's, kept between rounds (connecting costs seconds)
        self.session_lock = threading.Lock()

    def readers(self) -> dict[str, Callable[[dict[str, Area]], Cells]]:
        return {"kafka": lambda areas: read_kafka(self.clients, areas),
                "hdfs": lambda areas: read_hdfs(self.clients, areas),
                "mysql": lambda areas: read_mysql(self.clients, areas),
                "cassandra": self.read_cassandra,
                "yarn": lambda areas: read_yarn(self.clients, areas)}

    def read_cassandra(self, areas: dict[str, Area]) -> Cells:
        with self.session_lock:
            if self.session is None:
                self.session = self.clients.cassandra_session(patience=0)
            session = self.session
        try:
            return read_cassandra(session, areas)
        except Exception:
            self.drop_session(session)  # the next round connects again
            raise

    def drop_session(self, session=None) -> None:
        with self.session_lock:
            if self.session is not None and (session is None or session is self.session):
                self.session.cluster.shutdown()
                self.session = None

    def read(self, areas: dict[str, Area]) -> list[AreaFlow]:
        for source, reader in self.readers().items():
            if source not in self.pending:
                self.pending[source] = (self.pool.submit(reader, areas), time.monotonic())
        wait_for([future for future, _ in self.pending.values()], timeout=self.deadline)
        rows = {name: AreaFlow(name) for name in areas}
        for source, (future, started) in list(self.pending.items()):
            if not future.done():
                cells = {name: failed_cells(source, f"no answer within {time.monotonic() - started:.0f} s")
                         for name in areas}
            else:
                del self.pending[source]
                try:
                    cells = future.result()
                except Exception as error:  # noqa: BLE001 - the cell says why; the next round asks again
                    cells = {name: failed_cells(source, error) for name in areas}
            for name in areas:
                rows[name].cells.update(cells.get(name) or failed_cells(source, "no answer for this area"))
        return [rows[name] for name in sorted(rows)]

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        try:
            self.drop_session()
        except Exception:  # noqa: BLE001 - closing: the driver's own error is of no use now
            pass


class Flow:
    """One cluster's flow: the shared tunnels into it (held while the cluster is available) and a
    FlowReader on their forwards."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self.areas = profile.work_areas()
        self.stack: ExitStack | None = None
        self.forwards: dict[str, str] = {}
        self.reader: FlowReader | None = None

    def tunnels_gone(self) -> bool:
        """Has a tunnel we use ended (e.g. closed after its bastion stayed away)?"""
        carried = {remote for state in tunnel.open_tunnels(self.profile) for remote in state.get("forwards", {})}
        return not set(self.forwards) <= carried

    def open(self) -> None:
        self.stack = ExitStack()
        try:
            self.forwards = self.stack.enter_context(connect.forwards(self.profile))
        except BaseException:
            self.close()
            raise
        self.reader = FlowReader(Clients(self.profile, self.forwards))

    def look(self) -> FlowState:
        started = time.monotonic()
        try:
            if self.reader is not None and self.tunnels_gone():
                self.close()
            if self.reader is None:
                self.open()
        except Exception as error:  # noqa: BLE001 - shown on the page; the next round tries again
            return FlowState(f"no tunnel through the bastion: {' '.join(str(error).split())}",
                             [AreaFlow(name, {m: failed("tunnel", "not open") for m in MEASURES}) for name in sorted(self.areas)],
                             time.time(), time.monotonic() - started)
        rows = self.reader.read(self.areas)
        return FlowState("", rows, time.time(), time.monotonic() - started)

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        if self.stack is not None:
            stack, self.stack = self.stack, None
            stack.close()  # leaves the shared tunnels: the last user stops the ones we started
        self.forwards = {}
