"""A dataset removed from every place the pipeline put it, as the area's own accounts: its topic and
dead-letter topic, the sinks' consumer groups, its Cassandra and MariaDB tables, its HDFS folder and
the producer's ledger on this host.

Why: a scenario's dataset is of no use once the scenario is done, and a cluster keeps what nobody
removes. On a cluster that stays up from run to run, each run's tables made a repair of the area's
keyspace longer (25 s for 52 tables against 1 s for none), and each topic's replicas are more work
for the brokers at every start and every fetch. Removing what is not there is no error: a
scenario that failed half way leaves half a dataset.
"""

from __future__ import annotations

from agility.clients.sql import quoted
from agility.config.areas import SINKS, Area, check_dataset
from agility.core.errors import AgilityError
from agility.jobs.ledger import Ledger


def present(clients, area: Area, dataset: str) -> list[str]:
    """Where the dataset is, as each service answers: one line per place."""
    return _everywhere(clients, area, check_dataset(dataset), remove=False)


def remove(clients, area: Area, dataset: str) -> list[str]:
    """Remove the dataset everywhere; what was there and is gone now, one line per place."""
    return _everywhere(clients, area, check_dataset(dataset), remove=True)


def _everywhere(clients, area: Area, dataset: str, remove: bool) -> list[str]:
    found = _kafka(clients, area, dataset, remove) + _cassandra(clients, area, dataset, remove)
    found += _mysql(clients, area, dataset, remove) + _hdfs(clients, area, dataset, remove)
    ledger = Ledger.for_dataset(clients.profile.name, area, dataset).path
    if ledger.exists():
        found.append(f"the producer's ledger {ledger}")
        if remove:
            ledger.unlink()
    return found


def _kafka(clients, area: Area, dataset: str, remove: bool) -> list[str]:
    admin = clients.kafka_admin(clients.kafka_account(area.name))
    try:
        existing = set(admin.list_topics())
        topics = [topic for topic in (area.topic(dataset), area.dead_letter_topic(dataset)) if topic in existing]
        groups = sorted({area.group(dataset, sink) for sink in SINKS} & {group["group_id"] for group in admin.list_groups()})
        if remove and topics:
            admin.delete_topics(topics)
        outcomes = admin.delete_groups(groups) if remove and groups else {}  # group → "OK" or the error's name
        # a job killed mid-run (a failed scenario's) is still a member until its session times out:
        # its group stays, and Kafka drops its offsets after offsets.retention.minutes
        kept = {group for group, outcome in outcomes.items() if outcome == "NonEmptyGroupError"}
        failed = [f"{group}: {outcome}" for group, outcome in outcomes.items()
                  if outcome != "OK" and group not in kept]
        if failed:
            raise AgilityError(f"kafka: could not delete the groups of {dataset}: {'; '.join(failed)}")
    finally:
        admin.close()
    return ([f"kafka topic {topic}" for topic in topics]
            + [f"kafka group {group}" + (" (kept: a member still holds it)" if group in kept else "") for group in groups])


def _cassandra(clients, area: Area, dataset: str, remove: bool) -> list[str]:
    session = clients.cassandra_session(clients.profile.account("cassandra", area.name))
    try:
        found = session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
                                (area.keyspace, dataset)).one()
        if remove and found:
            # a schema change waits for every live node to agree: a node just restarted can be slow to
            session.execute(f"DROP TABLE IF EXISTS {area.keyspace}.{dataset}", timeout=60)
    finally:
        session.cluster.shutdown()
    return [f"cassandra table {area.keyspace}.{dataset}"] if found else []


def _mysql(clients, area: Area, dataset: str, remove: bool) -> list[str]:
    connection = clients.mysql_connection(clients.profile.account("mysql", area.name))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                           (area.database, dataset))
            found = cursor.fetchone() is not None
            if remove and found:
                cursor.execute(f"DROP TABLE IF EXISTS {quoted(area.database)}.{quoted(dataset)}")
    finally:
        connection.close()
    return [f"mysql table {area.database}.{dataset}"] if found else []


def _hdfs(clients, area: Area, dataset: str, remove: bool) -> list[str]:
    path, hdfs = area.hdfs_path(dataset), clients.hdfs_client(user=area.hdfs_account)
    found = hdfs.status(path, strict=False) is not None
    if remove and found:
        hdfs.delete(path, recursive=True)
    return [f"hdfs folder {path}"] if found else []
