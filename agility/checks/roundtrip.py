"""The smallest real round trip with each service; the sandbox act and `status` are built on these."""

from __future__ import annotations

from agility.clients.services import Clients
from agility.core.errors import AgilityError
from agility.jobs import count_rows
from agility.jobs.producer import ensure_topics
from agility.reach.ssh import ClusterShell

CHECKS_KEYSPACE = "agility_checks"
CHECKS_DATABASE = "agility_checks"


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
    clients.hdfs_client().write(path, data=data, overwrite=False)


def hdfs_read(clients: Clients, path: str) -> tuple[bytes, list[str]]:
    client = clients.hdfs_client()
    with client.read(path) as reader:
        data = reader.read()
    parent, _, name = path.rpartition("/")
    listing = client.list(parent or "/")
    client.delete(path)
    return data, listing


def spark_count(shell: ClusterShell, node: str, master: str, rows: int) -> dict:
    """Run the count job on a node inside the cluster (the driver must reach the workers)."""
    return count_rows.run_on_edge(shell, shell.profile, rows=rows, master=master, node=node)


def hostnames(shell: ClusterShell, nodes: list[str]) -> dict[str, str]:
    return {node: shell.run(node, ["hostname"], timeout=30).stdout.strip() for node in nodes}
