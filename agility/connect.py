"""Connections for a job of a work area: Kafka through the area developer's own SSH tunnel (when
the profile has that identity), the stores through the operator's tunnel."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager

from agility.areas import Area
from agility.clients import Clients
from agility.profiles import Profile
from agility.tunnel import shared_tunnel

STORES = ("cassandra", "mysql", "hdfs", "spark")


@contextmanager
def area_clients(profile: Profile, area: Area):
    with ExitStack() as stack:
        if area.kafka_account in profile.ssh_users:
            kafka = stack.enter_context(shared_tunnel(profile, area.kafka_account, ("kafka",)))
            stores = stack.enter_context(shared_tunnel(profile, None, STORES))
            forwards = {**stores, **kafka}
        else:
            forwards = stack.enter_context(shared_tunnel(profile))
        yield Clients(profile, forwards)
