"""A cluster hosts the work areas its profile names (`work_areas:`) and no other, as its services
themselves say it once the operator provisioned everything the platform declares: Kafka's SCRAM
users, Cassandra's keyspaces and roles, MariaDB's databases and users, HDFS's area directories and
the ResourceManager's queues. The pure-production cluster shows prod's and nothing of dev or test."""

from __future__ import annotations

from collections.abc import Callable

from agility.checks.yarn_queues import leaf_queues, queue_problems, scheduler
from agility.clients.services import Clients, operator_clients
from agility.config import areas
from agility.config.profiles import Profile

Say = Callable[[str], None]


def holdings(clients: Clients, hdfs_roots: list[str]) -> dict[str, set[str]]:
    """What each service holds that may belong to an area, read from the service (of HDFS: which
    of the areas' directories exist)."""
    admin = clients.kafka_admin()
    try:
        scram_users = set(admin.describe_user_scram_credentials())
    finally:
        admin.close()
    session = clients.cassandra_session()
    try:
        keyspaces = {row.keyspace_name for row in session.execute("SELECT keyspace_name FROM system_schema.keyspaces")}
        roles = {row.role for row in session.execute("SELECT role FROM system_auth.roles")}
    finally:
        session.cluster.shutdown()
    connection = clients.mysql_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW DATABASES")
            databases = {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT DISTINCT user FROM mysql.user")
            mysql_users = {row[0] for row in cursor.fetchall()}
    finally:
        connection.close()
    hdfs = clients.hdfs_client()
    directories = {root for root in hdfs_roots if hdfs.status(root, strict=False) is not None}
    return {"Kafka SCRAM users": scram_users, "Cassandra keyspaces": keyspaces, "Cassandra roles": roles,
            "MariaDB databases": databases, "MariaDB users": mysql_users, "HDFS directories": directories,
            "YARN queues": set(leaf_queues(scheduler(clients)))}


def account_name(profile: Profile, service: str, area: areas.Area) -> str:
    """The area's account of a service: the profile's, else (an area it does not host, so it names
    no account of) the name the sandbox gives one, `<area>_<service>`."""
    accounts = getattr(profile, service).get("accounts", {})
    return accounts[area.name].user if area.name in accounts else f"{area.name}_{service}"


def area_names(profile: Profile, area: areas.Area) -> dict[str, str]:
    """What an area is called in each service."""
    return {"Kafka SCRAM users": area.kafka_account, "Cassandra keyspaces": area.keyspace,
            "Cassandra roles": account_name(profile, "cassandra", area), "MariaDB databases": area.database,
            "MariaDB users": account_name(profile, "mysql", area), "HDFS directories": area.hdfs_root,
            "YARN queues": area.queue}


def hosted_area_problems(profile: Profile, say: Say) -> list[str]:
    """Every hosted area is in every service, no other area is in any; the hosted queues hold
    their declared shares (prod's the whole of a pure-production cluster's YARN). Read as the
    cluster's operator."""
    with operator_clients(profile) as clients:
        return area_problems(clients, profile, say)


def area_problems(clients: Clients, profile: Profile, say: Say) -> list[str]:
    hosted = profile.work_areas()
    known = areas.load_all(profile.extra.get("areas"))
    others = [area for name, area in known.items() if name not in hosted]
    held = holdings(clients, [area.hdfs_root for area in known.values()])
    called = {name: area_names(profile, area) for name, area in known.items()}
    problems = []
    for what, names in held.items():
        say(f"{what}: {', '.join(sorted(names)) or '(none)'}")
        problems += [f"{what}: {area.name}'s {called[area.name][what]} is missing"
                     for area in hosted.values() if called[area.name][what] not in names]
        problems += [f"{what}: {called[area.name][what]} of area {area.name}, which this cluster does not host"
                     for area in others if called[area.name][what] in names]
    extra_queues = held["YARN queues"] - {area.queue for area in hosted.values()}
    if extra_queues:
        problems.append(f"YARN queues beyond the hosted areas': {', '.join(sorted(extra_queues))}")
    return problems + queue_problems(clients, profile, say)
