"""A work area end to end: its developer's Linux user on every node (to reach the edge through
the bastion), the area's accounts in every service (Kafka SCRAM user with its ACLs, Cassandra role,
MariaDB user, the HDFS directory's owner) and the Kafka client settings in the developer's home
on the edge node."""

from __future__ import annotations

from filelock import FileLock

from agility.clients.edge_kafka import EdgeKafkaTools
from agility.clients.services import Clients
from agility.config import declaration
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.lease import LOCK_DIR
from agility.core.parallel import side_by_side
from agility.provisioning import hdfs, kafka, kerberos, stores
from agility.provisioning.linux import LinuxUser, plan_node
from agility.provisioning.people import declared_user
from agility.provisioning.plan import Plan
from agility.reach.ssh import ClusterShell


def kafka_developer(profile: Profile, area: Area) -> LinuxUser:
    """The area's Kafka developer as the provisioning declaration has it (uid, groups, key)."""
    spec = declaration.load(profile)
    return declared_user(profile, spec.user(area.kafka_account), spec.source)


def one_at_a_time(profile: Profile, area: Area) -> FileLock:
    """Held while this host provisions an area of a cluster: two runs at once (the suite's workers
    on one cluster) would both find a user missing, and the second `useradd` would fail."""
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    return FileLock(str(LOCK_DIR / f"provisioning-{profile.name}-{area.name}.lock"), timeout=600)


def provision_linux_user(profile: Profile, area: Area) -> list[str]:
    """The area's Kafka developer on every node, created by the operator over SSH (with Kerberos,
    also their principal and keytab)."""
    user = kafka_developer(profile, area)
    groups = [(area.linux_group, area.linux_gid)]
    with one_at_a_time(profile, area), ClusterShell(profile) as operator:
        operator.bastion()  # the one session the nodes' sessions go through, before they open side by side
        plans = side_by_side(lambda node: plan_node(operator, node, groups, [user]), profile.nodes)
        # each node's plan in its own order, the nodes side by side: no node's change needs another's
        users = side_by_side(lambda actions: Plan(actions).apply(), plans)
        return [line for done in users for line in done] + Plan(kerberos.plan_people(profile, operator, [user])).apply()


def provision_area(profile: Profile, clients: Clients, area: Area) -> list[str]:
    """The developer's Linux user, then the area's accounts. Idempotent: returns the changes made
    (none on a second run)."""
    return provision_linux_user(profile, area) + provision_area_accounts(profile, clients, area)


def provision_area_accounts(profile: Profile, clients: Clients, area: Area) -> list[str]:
    """The area's SCRAM account and ACLs (as the Kafka admin), its Cassandra role and MariaDB user
    (rights on the area's keyspace and database only), its HDFS directory (owned by the area's HDFS
    account, mode 750), and the developer's Kafka client settings on the edge node. `clients` must
    reach Kafka (any tunnel that carries it)."""
    with one_at_a_time(profile, area):
        return _provision_area_accounts(profile, clients, area)


def _provision_area_accounts(profile: Profile, clients: Clients, area: Area) -> list[str]:
    """Each service's part on its own connection, side by side; the changes in the services' order."""
    user = kafka_developer(profile, area)

    def edge_settings() -> list[str]:
        with ClusterShell(profile, user=user.name) as developer:
            tools = EdgeKafkaTools(profile, developer, clients.kafka_account(area.name))
            return [f"{profile.edge}: Kafka client settings for {user.name}"] if tools.install_client_config() else []

    parts = side_by_side(lambda ensure: ensure(), [
        lambda: kafka.ensure_area_account(clients, area),
        lambda: stores.ensure_cassandra_role(clients, area),
        lambda: stores.ensure_mysql_user(clients, area),
        lambda: hdfs.ensure_area_directory(clients, area),
        edge_settings,
    ])
    return [change for part in parts for change in part]
