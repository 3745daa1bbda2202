"""An area's accounts in the stores: a Cassandra role with rights on the area's keyspace only, and
a MariaDB user with rights on the area's database only. Applying twice changes nothing."""

from __future__ import annotations

from agility.areas import Area
from agility.clients import Clients


def ensure_cassandra_role(clients: Clients, area: Area) -> list[str]:
    account = clients.profile.account("cassandra", area.name)
    session = clients.cassandra_session()
    changes = []
    try:
        nodes = 1 + len(list(session.execute("SELECT peer FROM system.peers")))
        if session.execute("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = %s",
                           (area.keyspace,)).one() is None:
            session.execute(f"CREATE KEYSPACE IF NOT EXISTS {area.keyspace} WITH replication = "
                            f"{{'class': 'SimpleStrategy', 'replication_factor': {min(3, nodes)}}}")
            changes.append(f"cassandra: keyspace {area.keyspace}")
        exists = session.execute("SELECT role FROM system_auth.roles WHERE role = %s", (account.user,)).one()
        if exists is None:
            session.execute(f'CREATE ROLE "{account.user}" WITH LOGIN = true AND PASSWORD = %s',
                            (account.password.reveal(),))
            changes.append(f"cassandra: role {account.user}")
        granted = {row.permission for row in session.execute(
            f'LIST ALL PERMISSIONS ON KEYSPACE {area.keyspace} OF "{account.user}" NORECURSIVE')}
        if "MODIFY" not in granted or "SELECT" not in granted:
            session.execute(f'GRANT ALL PERMISSIONS ON KEYSPACE {area.keyspace} TO "{account.user}"')
            changes.append(f"cassandra: {account.user} may use keyspace {area.keyspace} only")
    finally:
        session.cluster.shutdown()
    return changes


def ensure_mysql_user(clients: Clients, area: Area) -> list[str]:
    account = clients.profile.account("mysql", area.name)
    connection = clients.mysql_connection()
    changes = []
    try:
        with connection.cursor() as cursor:
            if not cursor.execute("SHOW DATABASES LIKE %s", (area.database,)):
                cursor.execute(f"CREATE DATABASE `{area.database}`")
                changes.append(f"mysql: database {area.database}")
            if not cursor.execute("SELECT 1 FROM mysql.user WHERE user = %s AND host = '%%'", (account.user,)):
                cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (account.user, account.password.reveal()))
                changes.append(f"mysql: user {account.user}")
            cursor.execute("SHOW GRANTS FOR %s@'%%'", (account.user,))
            if not any(f"`{area.database}`.*" in grant for (grant,) in cursor.fetchall()):
                cursor.execute(f"GRANT ALL PRIVILEGES ON `{area.database}`.* TO %s@'%%'", (account.user,))
                changes.append(f"mysql: {account.user} may use database {area.database} only")
    finally:
        connection.close()
    return changes
