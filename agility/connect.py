"""The tunnels a process uses, composed so that no two tunnels on this host forward the same
endpoint: the stores (Cassandra, MySQL, HDFS, the Spark UI) always through the operator's stores
tunnel, Kafka through one Kafka tunnel — the area developer's own for a job of that area, or
whichever Kafka tunnel already runs for anything else (Kafka authenticates its users by SCRAM)."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager

from agility import tunnel
from agility.areas import Area
from agility.clients import Clients
from agility.profiles import Profile

STORES = ("cassandra", "hdfs", "mysql", "spark")
KAFKA = ("kafka",)


def kafka_tunnel_user(profile: Profile, preferred: str | None = None) -> str:
    """Whose tunnel carries Kafka: the preferred user's, else one already running, else the operator's."""
    if preferred:
        return preferred
    for user in [profile.bastion.user, *profile.ssh_users]:
        if tunnel.is_open(profile, user, KAFKA, patience=2):
            return user
    return profile.bastion.user


@contextmanager
def forwards(profile: Profile, kafka_user: str | None = None):
    """Cluster endpoint → local endpoint for every service, through the composed tunnels."""
    with ExitStack() as stack:
        stores = stack.enter_context(tunnel.shared_tunnel(profile, None, STORES))
        kafka = stack.enter_context(tunnel.shared_tunnel(profile, kafka_tunnel_user(profile, kafka_user), KAFKA))
        yield {**stores, **kafka}


@contextmanager
def operator_clients(profile: Profile):
    with forwards(profile) as found:
        yield Clients(profile, found)


@contextmanager
def area_clients(profile: Profile, area: Area):
    """Clients for a job of `area`: Kafka through the area developer's own tunnel when the profile
    has that identity."""
    developer = area.kafka_account if area.kafka_account in profile.ssh_users else None
    with forwards(profile, developer) as found:
        yield Clients(profile, found)
