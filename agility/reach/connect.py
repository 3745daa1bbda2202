"""The tunnels a process uses, composed so that no two tunnels on this host forward the same
endpoint. A tunnel already open on this host that carries a service (a presenter's `agility
tunnel` in a terminal, another job's) is used as it is, whoever's it is; only what no open tunnel
carries gets a tunnel of its own: the stores (Cassandra, MySQL, HDFS, the Spark UI) the operator's,
Kafka the area developer's for a job of that area, else the operator's. Any tunnel that carries
the brokers serves every Kafka user: Kafka authenticates its users by SCRAM, not by the tunnel."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager

from agility.config.profiles import Profile
from agility.core.parallel import side_by_side
from agility.reach import tunnel

STORES = ("cassandra", "hdfs", "mysql", "spark")
KAFKA = ("kafka",)


def carriers(profile: Profile, services: tuple[str, ...]) -> tuple[list[tuple[str, tuple | None]], list[str]]:
    """The open tunnels that carry `services` between them, as (user, services) each, and the
    services none of them carries."""
    endpoints = tunnel.service_endpoints(profile)
    found: list[tuple[str, tuple | None]] = []
    missing = []
    open_now = tunnel.open_tunnels(profile)
    for service in services:
        carrier = next((state for state in open_now if set(endpoints[service]) <= set(state["forwards"])), None)
        if carrier is None:
            missing.append(service)
        elif (key := (carrier["user"], tuple(carrier["services"]) if carrier["services"] else None)) not in found:
            found.append(key)
    return found, missing


@contextmanager
def forwards(profile: Profile, kafka_user: str | None = None):
    """Cluster endpoint → local endpoint for every service: through the open tunnels that carry
    them, and tunnels of its own for the rest (`kafka_user`'s for Kafka, if given)."""
    reused, missing = carriers(profile, (*STORES, *KAFKA))
    wanted = [*reused]
    if stores := tuple(service for service in STORES if service in missing):
        wanted.append((profile.bastion.user, stores))
    if "kafka" in missing:
        wanted.append((kafka_user or profile.bastion.user, KAFKA))
    with ExitStack() as stack:
        # each tunnel is its own process started and awaited: side by side they take as long as one
        opened = side_by_side(lambda carrier: stack.enter_context(tunnel.shared_tunnel(profile, *carrier)), wanted)
        yield {remote: local for forwards in opened for remote, local in forwards.items()}
