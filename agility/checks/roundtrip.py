"""The smallest real round trip with each service, proven: a message produced to a fresh topic is
consumed back under its key, a row written to Cassandra and to MariaDB and a file written to HDFS
are read back as written (the file also listed in its folder), a Spark job counts its rows on the
cluster's workers, and every node answers SSH with its own name.

Each round trip's first half returns what it wrote (`Written`), its second half reads it back from
the service and returns what is wrong: an empty list proves it. Both say what they did through
`say` (a step's narration, or print).
"""

from __future__ import annotations

from dataclasses import dataclass

from agility.checks.shared_dataset import Say
from agility.clients.hdfs_write import transient as hdfs_write_transient
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.core.retry import retrying
from agility.jobs import count_rows
from agility.jobs.producer import ensure_topics
from agility.reach.ssh import ClusterShell

CHECKS_KEYSPACE = "agility_checks"
CHECKS_DATABASE = "agility_checks"
HDFS_DATA = b"kept by HDFS\n" * 100
HDFS_WRITE_RETRY_S = 15


@dataclass(frozen=True)
class Written:
    """What a round trip wrote: where (a topic, table or file path), under which key (for a file:
    its name in the folder) and the value."""

    where: str
    key: str
    value: str | bytes


def create_topic(clients: Clients, topic: str, partitions: int = 1) -> int:
    """Create the topic as admin if it does not exist; return its replication factor."""

    return ensure_topics(clients, clients.kafka_account(None), {topic: partitions})[1]


def produce_one(clients: Clients, topic: str, key: str, value: str):
    producer = clients.kafka_producer(acks="all")
    try:
        return producer.send(topic, key=key.encode(), value=value.encode()).get(timeout=30)
    finally:
        producer.close()


def consume_one(clients: Clients, topic: str, timeout_s: float = 30) -> tuple[str, str, int]:
    consumer = clients.kafka_consumer(topic, auto_offset_reset="earliest", consumer_timeout_ms=int(timeout_s * 1000),
                                      enable_auto_commit=False, group_id=None)
    try:
        for record in consumer:
            return record.key.decode(), record.value.decode(), record.offset
    finally:
        consumer.close()
    raise AgilityError(f"no message arrived on topic {topic} within {timeout_s} s")


def cql_write(clients: Clients, table: str, key: str, text: str) -> None:
    session = clients.cassandra_session()
    try:
        nodes = 1 + len(list(session.execute("SELECT peer FROM system.peers")))
        session.execute(
            f"CREATE KEYSPACE IF NOT EXISTS {CHECKS_KEYSPACE} WITH replication = "
            f"{{'class': 'SimpleStrategy', 'replication_factor': {min(3, nodes)}}}"
        )
        session.execute(f"CREATE TABLE IF NOT EXISTS {CHECKS_KEYSPACE}.{table} (id text PRIMARY KEY, body text)")
        session.execute(f"INSERT INTO {CHECKS_KEYSPACE}.{table} (id, body) VALUES (%s, %s)", (key, text))
    finally:
        session.cluster.shutdown()


def cql_read(clients: Clients, table: str, key: str) -> str | None:
    session = clients.cassandra_session()
    try:
        row = session.execute(f"SELECT body FROM {CHECKS_KEYSPACE}.{table} WHERE id = %s", (key,)).one()
        session.execute(f"DROP TABLE IF EXISTS {CHECKS_KEYSPACE}.{table}")
    finally:
        session.cluster.shutdown()
    return row.body if row else None


def mysql_insert(clients: Clients, table: str, key: str, text: str) -> None:
    connection = clients.mysql_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS {CHECKS_DATABASE}")
            cursor.execute(f"CREATE TABLE {CHECKS_DATABASE}.{table} (id VARCHAR(64) PRIMARY KEY, body TEXT)")
            cursor.execute(f"INSERT INTO {CHECKS_DATABASE}.{table} (id, body) VALUES (%s, %s)", (key, text))
    finally:
        connection.close()


def mysql_select(clients: Clients, table: str, key: str) -> str | None:
    connection = clients.mysql_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT body FROM {CHECKS_DATABASE}.{table} WHERE id = %s", (key,))
            row = cursor.fetchone()
            cursor.execute(f"DROP TABLE {CHECKS_DATABASE}.{table}")
    finally:
        connection.close()
    return row[0] if row else None


def hdfs_write(clients: Clients, path: str, data: bytes) -> None:
    """The file written in one CREATE. A connection dropped before HttpFS answered (a tunnel's channel
    that did not open in time on a busy host) is tried again for a few seconds; the path is this
    check's own, so a retry overwrites at most its own first try. A refusal is not retried."""
    client = clients.hdfs_client()
    retrying(lambda: client.write(path, data=data, overwrite=True), store=f"HDFS at {clients.profile.hdfs['webhdfs']}",
             transient=hdfs_write_transient, seconds=HDFS_WRITE_RETRY_S)


def hdfs_read(clients: Clients, path: str) -> tuple[bytes, list[str]]:
    client = clients.hdfs_client()
    with client.read(path) as reader:
        data = reader.read()
    parent, _, name = path.rpartition("/")
    listing = client.list(parent or "/")
    client.delete(path)
    return data, listing


def hostnames(shell: ClusterShell, nodes: list[str]) -> dict[str, str]:
    return {node: shell.run(node, ["hostname"], timeout=30).stdout.strip() for node in nodes}


# --- the round trips as the sandbox act runs them: what was written, then what the service gave back
def sent_message(clients: Clients, topic: str, key: str, say: Say) -> Written:
    """One message under `key` to the fresh `topic`, acknowledged by all replicas."""
    replication = create_topic(clients, topic)
    sent = Written(topic, key, f"hello from {key}")
    metadata = produce_one(clients, topic, key, sent.value)
    say(f"topic {topic} (replication {replication}): offset {metadata.offset} acknowledged by all replicas")
    return sent


def message_problems(clients: Clients, sent: Written, say: Say) -> list[str]:
    """The topic's first message, consumed back, is the one sent."""
    key, value, offset = consume_one(clients, sent.where)
    say(f"consumed key {key} at offset {offset}")
    return [] if (key, value) == (sent.key, sent.value) else [
        f"consumed {key}={value!r}, sent {sent.key}={sent.value!r}"]


def cql_written(clients: Clients, table: str, key: str, say: Say) -> Written:
    """One row in the fresh CQL `table`."""
    written = Written(table, key, "kept by Cassandra")
    cql_write(clients, table, key, written.value)
    say(f"INSERT into {CHECKS_KEYSPACE}.{table}")
    return written


def cql_problems(clients: Clients, written: Written, say: Say) -> list[str]:
    """CQL reads back the row written (the table is dropped after)."""
    return read_back_problems(cql_read(clients, written.where, written.key), written, say)


def mysql_inserted(clients: Clients, table: str, key: str, say: Say) -> Written:
    """One row in the fresh MariaDB `table`."""
    inserted = Written(table, key, "kept by MariaDB")
    mysql_insert(clients, table, key, inserted.value)
    say(f"INSERT into {CHECKS_DATABASE}.{table}")
    return inserted


def mysql_problems(clients: Clients, inserted: Written, say: Say) -> list[str]:
    """MariaDB selects back the row inserted (the table is dropped after)."""
    return read_back_problems(mysql_select(clients, inserted.where, inserted.key), inserted, say)


def read_back_problems(body: str | None, written: Written, say: Say) -> list[str]:
    say(f"SELECT returned {body!r}")
    return [] if body == written.value else [f"SELECT returned {body!r}, the row written holds {written.value!r}"]


def hdfs_written(clients: Clients, path: str, say: Say) -> Written:
    """A new file at `path` through WebHDFS."""
    hdfs_write(clients, path, HDFS_DATA)
    say(f"wrote {len(HDFS_DATA)} bytes to {path}")
    return Written(path, path.rsplit("/", 1)[1], HDFS_DATA)


def hdfs_problems(clients: Clients, stored: Written, say: Say) -> list[str]:
    """The file reads back byte for byte and its folder lists it (the file is deleted after)."""
    data, listing = hdfs_read(clients, stored.where)
    say(f"read {len(data)} bytes; {len(listing)} entries listed in the folder")
    return [problem for problem, wrong in (
        (f"read {len(data)} bytes that differ from the {len(stored.value)} written", data != stored.value),
        (f"{stored.key} is not listed in its folder", stored.key not in listing),
    ) if wrong]


def spark_counted(shell: ClusterShell, profile: Profile, area: Area, rows: int, say: Say) -> dict:
    """The count job on the edge node (the driver, inside the cluster: it must reach the executors)
    as `area`'s job of the shell's user, on the profile's Spark master (on YARN, in the area's
    queue: only an area's people may submit); its result said."""
    result = count_rows.run_on_edge(shell, profile, area, rows=rows)
    say(f"{result['application_id']} on {result['master']} as {shell.user} for area {area.name}: "
        f"{result['rows']} rows in {result['seconds']} s on {', '.join(result['executor_hosts'])}")
    return result


def count_problems(profile: Profile, counted: dict, rows: int) -> list[str]:
    """The job counted `rows` rows, half of them even, on executors of the workers: the driver
    ran on the edge node, the work elsewhere."""
    workers = set(profile.nodes) - {profile.edge}
    hosts = counted["executor_hosts"]
    return [problem for problem, wrong in (
        (f"the job counted {counted['rows']} rows, not {rows}", counted["rows"] != rows),
        (f"the job counted {counted['even']} even rows, not {rows // 2}", counted["even"] != rows // 2),
        (f"executors ran on {hosts}, not only on the workers {sorted(workers)}", not hosts or not set(hosts) <= workers),
    ) if wrong]


def node_names(shell: ClusterShell, profile: Profile, say: Say) -> dict[str, str]:
    """`hostname` on every node through the bastion: node → the name it answered."""
    answers = hostnames(shell, list(profile.nodes))
    say(", ".join(f"{node}→{name}" for node, name in answers.items()))
    return answers


def name_problems(answers: dict[str, str]) -> list[str]:
    """Each node answered with its own name."""
    return [f"{node} answers {name}" for node, name in answers.items() if name != node]
