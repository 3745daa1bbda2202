"""Accounts in the stores: a Cassandra role with rights on its area's keyspace only, and a MariaDB
user with rights on its area's database only, for each area and each developer. Planned from what
the stores report; applying twice changes nothing the second time."""

from __future__ import annotations

from agility.clients.services import Clients
from agility.config.areas import Area
from agility.config.profiles import Account
from agility.provisioning.plan import Action, Plan


def _cassandra(clients: Clients, work):
    session = clients.cassandra_session()
    try:
        return work(session)
    finally:
        session.cluster.shutdown()


def _mysql(clients: Clients, work):
    connection = clients.mysql_connection()
    try:
        with connection.cursor() as cursor:
            return work(cursor)
    finally:
        connection.close()


def plan_cassandra_role(clients: Clients, account: Account, area: Area) -> list[Action]:
    plan = Plan()

    def read(session):
        if session.execute("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = %s",
                           (area.keyspace,)).one() is None:
            replicas = min(3, 1 + len(list(session.execute("SELECT peer FROM system.peers"))))
            plan.add("cassandra", f"keyspace {area.keyspace} (replication factor {replicas})", lambda: _cassandra(
                clients, lambda s: s.execute(f"CREATE KEYSPACE IF NOT EXISTS {area.keyspace} WITH replication = "
                                             f"{{'class': 'SimpleStrategy', 'replication_factor': {replicas}}}")))
            granted = set()
        else:
            granted = None
        if session.execute("SELECT role FROM system_auth.roles WHERE role = %s", (account.user,)).one() is None:
            plan.add("cassandra", f"role {account.user} (login, password)", lambda: _cassandra(
                clients, lambda s: s.execute(f'CREATE ROLE IF NOT EXISTS "{account.user}" WITH LOGIN = true AND PASSWORD = %s',
                                             (account.password.reveal(),))))
            granted = set()
        if granted is None:
            granted = {row.permission for row in session.execute(
                f'LIST ALL PERMISSIONS ON KEYSPACE {area.keyspace} OF "{account.user}" NORECURSIVE')}
        if not {"MODIFY", "SELECT", "CREATE"} <= granted:
            plan.add("cassandra", f"{account.user} may use keyspace {area.keyspace}", lambda: _cassandra(
                clients, lambda s: s.execute(f'GRANT ALL PERMISSIONS ON KEYSPACE {area.keyspace} TO "{account.user}"')))

    _cassandra(clients, read)
    return plan.actions


def plan_mysql_user(clients: Clients, account: Account, area: Area) -> list[Action]:
    plan = Plan()

    def read(cursor):
        if not cursor.execute("SHOW DATABASES LIKE %s", (area.database,)):
            plan.add("mysql", f"database {area.database}", lambda: _mysql(
                clients, lambda c: c.execute(f"CREATE DATABASE IF NOT EXISTS `{area.database}`")))
        grants = []
        if not cursor.execute("SELECT 1 FROM mysql.user WHERE user = %s AND host = '%%'", (account.user,)):
            plan.add("mysql", f"user {account.user}", lambda: _mysql(
                clients, lambda c: c.execute("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s",
                                             (account.user, account.password.reveal()))))
        else:
            cursor.execute("SHOW GRANTS FOR %s@'%%'", (account.user,))
            grants = [grant for (grant,) in cursor.fetchall()]
        if not any(f"`{area.database}`.*" in grant for grant in grants):
            plan.add("mysql", f"{account.user} may use database {area.database}", lambda: _mysql(
                clients, lambda c: c.execute(f"GRANT ALL PRIVILEGES ON `{area.database}`.* TO %s@'%%'", (account.user,))))

    _mysql(clients, read)
    return plan.actions


def plan_removal(clients: Clients, user: str) -> list[Action]:
    plan = Plan()
    if _cassandra(clients, lambda s: s.execute("SELECT role FROM system_auth.roles WHERE role = %s", (user,)).one()):
        plan.add("cassandra", f"drop role {user}",
                 lambda: _cassandra(clients, lambda s: s.execute(f'DROP ROLE IF EXISTS "{user}"')))
    if _mysql(clients, lambda c: c.execute("SELECT 1 FROM mysql.user WHERE user = %s AND host = '%%'", (user,))):
        plan.add("mysql", f"drop user {user} (and end its sessions)", lambda: _mysql(clients, lambda c: _drop_mysql(c, user)))
    return plan.actions


def _drop_mysql(cursor, user: str) -> None:
    cursor.execute("DROP USER IF EXISTS %s@'%%'", (user,))
    # a dropped user's open connections stay open until they end: end them now
    cursor.execute("SELECT id FROM information_schema.processlist WHERE user = %s", (user,))
    for (session,) in cursor.fetchall():
        cursor.execute(f"KILL CONNECTION {int(session)}")


def ensure_cassandra_role(clients: Clients, area: Area) -> list[str]:
    return Plan(plan_cassandra_role(clients, clients.profile.account("cassandra", area.name), area)).apply()


def ensure_mysql_user(clients: Clients, area: Area) -> list[str]:
    return Plan(plan_mysql_user(clients, clients.profile.account("mysql", area.name), area)).apply()
