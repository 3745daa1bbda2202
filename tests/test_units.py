"""Pure functions: validation of configuration, address mapping, messages."""

import pytest

from agility.config import profiles
from agility.core import endpoints
from agility.core.errors import AgilityError, ConfigError, exit_status
from agility.sandbox import topology
from agility.sandbox.service import program_of

pytestmark = pytest.mark.unit


def test_shipped_topologies_load():
    small, ha = topology.load("small"), topology.load("ha")
    assert [node.name for node in small.nodes_with("kafka")] == ["agent-1"]
    assert [node.name for node in ha.nodes_with("cassandra")] == ["agent-1", "agent-2", "agent-3"]
    assert small.host_address == "198.51.100.253" and small.bastion_uplink_address == "198.51.100.254"


def test_a_topology_is_found_again_by_its_name_or_its_files_full_path(tmp_path, monkeypatch):
    """What a running cluster records of its topology (`sandbox down` reads it back): a user's file
    under its absolute path, so that it is found from any folder."""
    import ipaddress
    assert topology.load("small").reference == "small"
    (tmp_path / "mine.yaml").write_text((topology.TOPOLOGY_DIR / "small.yaml").read_text().replace("name: small", "name: mine"))
    monkeypatch.chdir(tmp_path)
    mine = topology.load("mine.yaml")
    assert mine.name == "mine" and mine.reference == str(tmp_path / "mine.yaml")
    moved = mine.moved_to(ipaddress.ip_network("198.18.4.0/24"))
    assert moved.reference == mine.reference and moved.node("master").address == "198.18.4.11"
    monkeypatch.chdir("/")
    assert topology.load(moved.reference).name == "mine"


def test_unknown_topology_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="unknown topology 'huge'; valid ones: ha, small"):
        topology.load("huge")


def test_topology_refuses_this_machines_own_network():
    data = {"name": "x", "network": "192.0.2.0/24", "uplink": "198.51.100.252/30", "bastion": "b", "edge": "b",
            "nodes": {"b": {"address": "192.0.2.9", "services": ["sshd"]}}}
    with pytest.raises(ConfigError, match="this machine's own network"):
        topology.parse(data)


def test_topology_names_an_unknown_service():
    data = {"name": "x", "network": "198.51.100.0/24", "uplink": "198.51.100.252/30", "bastion": "b", "edge": "b",
            "nodes": {"b": {"address": "198.51.100.9", "services": ["zookeeper"]}}}
    with pytest.raises(ConfigError, match=r"node b: unknown services \['zookeeper'\]"):
        topology.parse(data)


def test_unknown_profile_lists_the_valid_ones():
    with pytest.raises(ConfigError) as error:
        profiles.load("no-such-cluster")
    assert "unknown profile 'no-such-cluster'" in str(error.value)
    assert "example-remote" in str(error.value) and "sandbox" in str(error.value)


def test_example_remote_profile_is_valid():
    profile = profiles.load("example-remote")
    assert profile.bastion.host == "bastion.example.org"
    assert profile.account("kafka").password.env == "PLATFORM_KAFKA_ADMIN_PASSWORD"


def test_profile_refuses_a_password_written_in_clear():
    data = yaml_profile()
    data["mysql"]["accounts"] = {"admin": {"user": "admin", "password": "hunter2"}}
    with pytest.raises(ConfigError, match="never the password itself"):
        profiles.parse(data)


def test_profile_names_a_missing_endpoint():
    data = yaml_profile()
    del data["hdfs"]["webhdfs"]
    with pytest.raises(ConfigError, match=r"hdfs.webhdfs is required"):
        profiles.parse(data)


def test_secret_repr_never_shows_the_value(monkeypatch):
    monkeypatch.setenv("AGILITY_TEST_SECRET", "s3cr3t-value")
    secret = profiles.Secret(env="AGILITY_TEST_SECRET")
    assert secret.reveal() == "s3cr3t-value"
    assert "s3cr3t" not in repr(secret)


def test_cluster_addresses_map_to_their_own_loopback_address():
    assert endpoints.local_address("198.51.100.21") == "127.51.100.21"
    assert endpoints.local_endpoint("203.0.113.11:3306") == "127.0.113.11:3306"
    assert endpoints.local_address("kafka-1.internal").startswith("127.0.200.")


def test_program_of_a_jvm_is_its_main_class():
    argv = ["/usr/lib/jvm/x/bin/java", "-Xmx1g", "--add-opens", "java.base/java.io=ALL-UNNAMED", "-cp", "a:b",
            "kafka.Kafka", "server.properties"]
    assert program_of(argv) == "kafka.Kafka"
    assert program_of(["sshd: /x/sshd_config [listener] 0 of 100"]) == "sshd"
    assert program_of(["/usr/sbin/mariadbd", "--defaults-file=x"]) == "mariadbd"


def yaml_profile() -> dict:
    import yaml

    return yaml.safe_load((profiles.PROFILES_DIR / "example-remote.yaml").read_text())


def test_the_sandbox_tells_a_non_root_user_where_to_go(monkeypatch):
    from agility.core.errors import SandboxUnavailable
    from agility.sandbox import cluster

    monkeypatch.setattr(cluster.os, "geteuid", lambda: 1000)
    with pytest.raises(SandboxUnavailable, match=r"needs root .*--profile NAME.*example-remote"):
        cluster.check_supported()


def test_the_secret_scan_finds_a_leaked_password(tmp_path):
    from agility.checks.security import files_containing

    (tmp_path / "clean.log").write_text("nothing to see\n")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "leaky.log").write_text("connecting with password=Xq8-secret-value\n")
    assert files_containing(["Xq8-secret-value"], [tmp_path]) == [str(tmp_path / "logs" / "leaky.log")]


@pytest.mark.unit
def test_an_unforeseen_error_in_a_command_is_one_line_and_exit_1(capsys, monkeypatch):
    monkeypatch.delenv("AGILITY_DEBUG", raising=False)

    def driver_fails() -> int:
        raise ConnectionResetError("the store closed the connection\nsecond line of a driver's message")

    assert exit_status(driver_fails) == 1
    assert capsys.readouterr().err.splitlines() == [
        "agility: ConnectionResetError: the store closed the connection (AGILITY_DEBUG=1 shows the traceback)"]


@pytest.mark.unit
def test_an_expected_error_in_a_command_prints_its_message_and_exits_2(capsys):
    def refused() -> int:
        raise AgilityError("mysql: the store refused")

    assert exit_status(refused) == 2
    assert capsys.readouterr().err == "agility: mysql: the store refused\n"
