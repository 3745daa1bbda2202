"""The operator's clusters file and the sandbox's cluster definitions: pure functions and files."""

import ipaddress

import pytest

from agility.config import cluster_registry, profiles
from agility.core.errors import ConfigError
from agility.sandbox import clusters, topology
from agility.sandbox.services import yarn

pytestmark = pytest.mark.unit


@pytest.fixture
def registry_file(tmp_path, monkeypatch):
    path = tmp_path / "clusters.yaml"
    monkeypatch.setenv("AGILITY_CLUSTERS", str(path))
    monkeypatch.delenv("AGILITY_PROFILE", raising=False)
    return path


def test_the_first_cluster_set_up_is_attached_and_commands_use_its_profile(registry_file):
    assert profiles.default_name() == profiles.DEFAULT_PROFILE  # nothing attached: the sandbox
    cluster_registry.load().setup("shared", "sandbox")
    cluster_registry.load().setup("production", "sandbox-production")
    assert cluster_registry.load().attached == "shared"
    cluster_registry.load().attach("production")
    assert profiles.default_name() == "sandbox-production"


def test_a_link_goes_one_way_and_unlinking_removes_it(registry_file):
    registry = cluster_registry.load()
    registry.setup("a", "sandbox")
    registry.setup("b", "sandbox-production")
    registry.link("a", "b")
    again = cluster_registry.load()
    assert again.links_of("a") == ["b"] and again.links_of("b") == []
    again.unlink("a", "b")
    assert cluster_registry.load().links_of("a") == []
    with pytest.raises(ConfigError, match="not linked"):
        cluster_registry.load().unlink("a", "b")


def test_an_unknown_cluster_lists_the_known_ones(registry_file):
    cluster_registry.load().setup("shared", "sandbox")
    with pytest.raises(ConfigError, match="no cluster 'nope'; clusters: shared"):
        cluster_registry.load().attach("nope")


def test_removing_a_cluster_drops_the_links_to_it(registry_file):
    registry = cluster_registry.load()
    registry.setup("a", "sandbox")
    registry.setup("b", "sandbox-production")
    registry.link("a", "b")
    registry.remove("b")
    assert cluster_registry.load().links_of("a") == []


def test_a_sandbox_clusters_profile_is_named_after_it():
    assert profiles.sandbox_profile_name("shared") == "sandbox"
    assert profiles.sandbox_cluster("sandbox-production") == "production"
    assert profiles.sandbox_cluster("example-remote") is None


def test_the_sandbox_clusters_are_on_ranges_of_their_own():
    defined = clusters.load_all()
    assert {"shared", "production"} <= set(defined)
    taken = [ipaddress.ip_network("192.0.2.0/24"), ipaddress.ip_network("203.0.113.0/24"),
             ipaddress.ip_network("198.18.0.0/24")]  # this machine's, the registries', the lifecycle tests'
    assert not any(spec.network.overlaps(other) for spec in defined.values() for other in taken)
    with pytest.raises(ConfigError, match="valid ones: shared, production"):
        clusters.parse_names("shared,nope")


def test_the_production_cluster_hosts_prod_alone_whose_queue_holds_all_of_yarn():
    defined = clusters.load_all()
    assert list(defined["shared"].hosted_areas()) == ["dev", "test", "prod"]
    production = defined["production"].hosted_areas()
    assert list(production) == ["prod"]
    assert (production["prod"].queue_capacity, production["prod"].queue_maximum_capacity) == (100, 100)
    scheduler = yarn.queue_settings(production)  # the ResourceManager would refuse shares not adding up to 100
    assert "root.prod.capacity" in scheduler and "root.dev" not in scheduler


def test_a_sandbox_cluster_naming_an_unknown_area_is_refused_when_the_file_is_read(tmp_path):
    path = tmp_path / "clusters.yaml"
    path.write_text("lab: {topology: ha, network: 198.19.0.0/24, work_areas: [prod, qa]}\n")
    with pytest.raises(ConfigError, match="cluster lab: work_areas: unknown area.s. qa"):
        clusters.load_all(path)


def test_the_default_cluster_has_one_twin_and_the_others_none():
    assert clusters.twin_of(clusters.DEFAULT_CLUSTER) == "twin"
    assert clusters.twin_of("production") is None and clusters.twin_of("twin") is None


def test_a_twin_of_an_undefined_cluster_is_refused_when_the_file_is_read(tmp_path):
    path = tmp_path / "clusters.yaml"
    path.write_text("twin: {topology: small, network: 198.18.4.0/24, twin_of: shraed}\n")
    with pytest.raises(ConfigError, match=r"twin of an undefined cluster: twin \(twin of shraed\)"):
        clusters.load_all(path)


def test_a_topology_moved_to_another_range_keeps_each_host_part():
    moved = topology.load("ha").moved_to(ipaddress.ip_network("198.19.0.0/24"))
    assert moved.node("agent-3").address == "198.19.0.23"
    assert moved.bastion_uplink_address == "198.19.0.254"
    assert moved.nodes_with("cassandra") and all(node.address.startswith("198.19.0.") for node in moved.nodes)
