"""Is an area's account kept out of another area's data? Each check first proves the account works
on its own area (so a denial is about the other area, not a broken login), then tries the other.
Only the store's own refusal counts as a denial: Kafka's TopicAuthorizationFailedError, Cassandra's
Unauthorized, MariaDB's access-denied errors, HDFS's AccessControlException. Any other failure (a
timeout, a lost connection) is raised: it proves nothing either way."""

from __future__ import annotations

from agility.checks.access import MARIADB_DENIED
from agility.checks.roundtrip import create_topic
from agility.checks.shared_dataset import Say
from agility.clients.hdfs_write import WriteRefused, one_line, write_whole
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.core.errors import AgilityError
from agility.provisioning.hdfs import ensure_area_directory

CHECK = "isolation_check"
ACCESS_DENIED = "AccessControlException"  # HDFS's refusal, as WebHDFS names the RemoteException


def topics(clients: Clients, own: Area, other: Area) -> str | None:
    from kafka.errors import TopicAuthorizationFailedError

    own_account = clients.kafka_account(own.name)
    for area in (own, other):
        create_topic(clients, area.topic(CHECK))  # as admin
    producer = clients.kafka_producer(own_account, acks="all", max_block_ms=10000)
    try:
        producer.send(own.topic(CHECK), b"own area").get(timeout=15)
        try:
            producer.send(other.topic(CHECK), b"other area").get(timeout=15)
        except TopicAuthorizationFailedError as error:
            return f"{type(error).__name__}: {other.topic(CHECK)}"
    finally:
        producer.close()
    return None


def keyspace(clients: Clients, own: Area, other: Area) -> str | None:
    from cassandra import Unauthorized

    admin = clients.cassandra_session()
    try:
        for area in (own, other):
            admin.execute(f"CREATE TABLE IF NOT EXISTS {area.keyspace}.{CHECK} (id text PRIMARY KEY)")
    finally:
        admin.cluster.shutdown()
    session = clients.cassandra_session(clients.profile.account("cassandra", own.name))
    try:
        session.execute(f"SELECT id FROM {own.keyspace}.{CHECK} LIMIT 1")
        try:
            session.execute(f"SELECT id FROM {other.keyspace}.{CHECK} LIMIT 1")
        except Unauthorized as error:
            return str(error).split("message=")[-1].strip('"}')[:160]
    finally:
        session.cluster.shutdown()
    return None


def database(clients: Clients, own: Area, other: Area) -> str | None:
    import pymysql

    admin = clients.mysql_connection()
    try:
        with admin.cursor() as cursor:
            for area in (own, other):
                cursor.execute(f"CREATE TABLE IF NOT EXISTS `{area.database}`.`{CHECK}` (id VARCHAR(10) PRIMARY KEY)")
    finally:
        admin.close()
    connection = clients.mysql_connection(clients.profile.account("mysql", own.name))
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM `{own.database}`.`{CHECK}` LIMIT 1")
            try:
                cursor.execute(f"SELECT id FROM `{other.database}`.`{CHECK}` LIMIT 1")
            except pymysql.err.MySQLError as error:
                if error.args[0] not in MARIADB_DENIED:
                    raise
                return f"({error.args[0]}) {error.args[1]}"
    finally:
        connection.close()
    return None


def hdfs_directory(clients: Clients, own: Area, other: Area) -> str | None:
    """As the own area's HDFS account: write, read and list in its own directory, then list and
    write in the other area's (750, another owner and group): both must be refused, and nothing
    may appear there. Simple authentication: the account is the name the client claims."""
    from hdfs.util import HdfsError

    for area in (own, other):
        ensure_area_directory(clients, area)  # as the HDFS superuser
    client = clients.hdfs_client(user=own.hdfs_account)
    mine, theirs = f"{own.hdfs_root}/{CHECK}", f"{other.hdfs_root}/{CHECK}"
    write_whole(client, mine, b"own area")
    try:
        with client.read(mine) as reader:
            if reader.read() != b"own area" or CHECK not in client.list(own.hdfs_root):
                raise AgilityError(f"hdfs: {own.hdfs_account} could not read back {mine}")
    finally:
        client.delete(mine)
    try:
        client.list(other.hdfs_root)
        return None
    except HdfsError as error:
        if error.exception != ACCESS_DENIED:
            raise
        listing = one_line(error)
    try:
        write_whole(client, theirs, b"other area")
    except WriteRefused as refused:
        if getattr(refused.cause, "exception", None) != ACCESS_DENIED:
            raise
        writing = refused.reason
    else:
        writing = None
    admin = clients.hdfs_client()
    if writing is None or admin.status(theirs, strict=False) is not None:
        admin.delete(theirs)  # a leak: the other area's directory gets back what it had
        return None
    if listing == writing:
        return f"list and write refused: {listing}"
    return f"list refused: {listing}; write refused: {writing}"


CHECKS = {"topics": topics, "keyspace": keyspace, "database": database, "hdfs directory": hdfs_directory}


def denial(clients: Clients, own: Area, other: Area, store: str) -> str | None:
    """Why the own area's account may not use the other area's `store`; None if it may (a leak)."""
    if store not in CHECKS:
        raise AgilityError(f"no isolation check for '{store}'; checks: {', '.join(CHECKS)}")
    return CHECKS[store](clients, own, other)


def reach_other_area(clients: Clients, own: Area, other: Area, store: str, say: Say) -> str | None:
    """denial, said: the other area's refusal of the own area's account (None: it got in)."""
    denied = denial(clients, own, other, store)
    say(f"{own.name} → {other.name} {store}: {denied or 'ALLOWED'}")
    return denied


def denied_problems(denied: str | None) -> list[str]:
    """The other area's store refused the account (its own area's store worked: denial proved that first)."""
    return [] if denied else ["the other area's data was reachable"]
