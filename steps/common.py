"""Sentences every act uses."""

from pytest_bdd import given


@given("the cluster is up", target_fixture="cluster")
def cluster_is_up(platform, narrate):
    narrate(f"profile {platform.name}: {len(platform.nodes)} nodes behind {platform.bastion.host}")
    return platform


@given("an SSH tunnel through the bastion is open", target_fixture="forwards")
def tunnel_is_open(tunnel, narrate):
    narrate(f"{len(tunnel)} forwards, e.g. {next(iter(tunnel.values()))} → {next(iter(tunnel))}")
    return tunnel
