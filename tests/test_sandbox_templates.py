"""The sandbox's configuration files and JVM command lines come out byte for byte as they did
when they were written inline in the service classes (issue #10 moved them to
agility/sandbox/services/templates/): every file and argv of a three-agent cluster is rendered
here, on a fake cluster under tmp_path, and compared by SHA-256 with what the inline code
rendered. A deliberate change updates RENDERED: `python tests/test_sandbox_templates.py` prints
the current digests."""

from __future__ import annotations

import hashlib
import sys
import tempfile
import tomllib
from pathlib import Path
from unittest import mock

import pytest

from agility.sandbox.node import Node
from agility.sandbox.service import SandboxContext
from agility.sandbox.services import templates
from agility.sandbox.services.cassandra import Cassandra
from agility.sandbox.services.hdfs import DataNode, HttpFS, NameNode
from agility.sandbox.services.kafka import Kafka
from agility.sandbox.services.mariadb import MariaDB
from agility.sandbox.services.sshd import Sshd

pytestmark = pytest.mark.unit
ROOT = Path(__file__).parents[1]

# Characters that a careless template would mangle: $ and braces (string.Template, str.format),
# & and < (XML). The admin password goes into two properties files as it is.
SECRETS = {"kafka-admin": "p$w{0}&<x", "kafka-controller": "q", "cassandra-admin": "c", "cassandra-default": "d", "mariadb-admin": "m"}
NODES = {"bastion": "10.9.0.10", "master": "10.9.0.11", "edge": "10.9.0.12",
         "agent-1": "10.9.0.21", "agent-2": "10.9.0.22", "agent-3": "10.9.0.23"}
AGENTS = ["agent-1", "agent-2", "agent-3"]
SETTINGS = {
    "bastion": "bastion", "edge": "edge", "bastion_uplink_address": "10.9.0.254",
    "cassandra": {"heap": "640m"}, "kafka": {"heap": "512m"}, "datanode": {"heap": "256m"},
    "permit_open": {"operators": ["10.9.0.11:3306", "10.9.0.21:9093"], "kafka-developers": ["10.9.0.21:9093"]},
}


class Finished:
    returncode, stdout, stderr = 0, "", ""


def rendered(root: Path) -> dict[str, str]:
    """Every file the services write while preparing their nodes, and every argv they run or would
    run, on a fake cluster under `root` (written there as "/ROOT"); nothing is started."""
    nodes = {name: Node(name, address, root / "nodes" / name) for name, address in NODES.items()}
    for name, services in {"master": ["namenode", "httpfs", "mariadb"], **dict.fromkeys(AGENTS, ["datanode"])}.items():
        nodes[name].services = services
    context = SandboxContext(cluster="t", state_dir=root, artifacts=root / "artifacts", nodes=nodes,
                             secrets=dict(SECRETS), settings=SETTINGS)
    agents = [nodes[name] for name in AGENTS]
    services = [Cassandra(context, agents), Kafka(context, agents), NameNode(context, [nodes["master"]]),
                DataNode(context, agents), HttpFS(context, [nodes["master"]]), MariaDB(context, [nodes["master"]])]
    (root / "artifacts" / "kafka").mkdir(parents=True)  # there once `agility sandbox fetch` has run
    ran: list[list[str]] = []
    out: dict[str, str] = {}
    with mock.patch.object(Kafka, "format_storage", lambda self, node: None), \
            mock.patch.object(Node, "run", lambda self, argv, **_: ran.append([str(a) for a in argv]) or Finished()):
        for service in services:
            for node in service.nodes:
                service.prepare(node)
                out[f"argv {service.instance(node)}"] = "\0".join(map(str, service.command(node)))
        cassandra, kafka, namenode = services[0], services[1], services[2]
        cassandra.nodetool(agents[0], "status")
        namenode.dfs(nodes["master"], "-ls", "/")
        out["argv kafka tool"] = "\0".join(kafka.tool_command(agents[0], "org.apache.kafka.tools.TopicCommand", ["--list"]))
        out["argv kafka edge"] = repr(kafka.edge_cli())
        out["argv hdfs edge"] = repr(namenode.edge_cli())
    for number, argv in enumerate(ran):
        out[f"argv run {number}"] = "\0".join(argv)
    sshd = Sshd(context, list(nodes.values()))
    for name in ("bastion", "edge"):
        out[f"sshd_config {name}"] = sshd.config(nodes[name])
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != "httpfs-signature.secret":  # random
            out[str(path.relative_to(root))] = path.read_text()
    return {key: text.replace(str(root), "/ROOT") for key, text in out.items()}


def digests(root: Path) -> dict[str, str]:
    return {key: hashlib.sha256(text.encode()).hexdigest()[:16] for key, text in rendered(root).items()}


# What the inline code (before the templates) rendered, by key: the first 16 hex digits of its SHA-256.
RENDERED: dict[str, str] = {
    'argv cassandra@agent-1': '651c31e38b7d4f16',
    'argv cassandra@agent-2': '15b61bf4398c0b61',
    'argv cassandra@agent-3': '083e9654b111d433',
    'argv kafka@agent-1': '582dc778100c8981',
    'argv kafka@agent-2': 'fe7204aec8ea7f26',
    'argv kafka@agent-3': 'df26d7b75c6086a0',
    'argv namenode@master': 'a931ffda72136ecf',
    'argv datanode@agent-1': 'ac80280676126ea8',
    'argv datanode@agent-2': '5552f0fb8b24d57d',
    'argv datanode@agent-3': 'e9556ddb6eb8b493',
    'argv httpfs@master': 'dbf2612d77493c58',
    'argv mariadb@master': '6b949235f32e358b',
    'argv kafka tool': 'ab09f0280e1ac579',
    'argv kafka edge': 'daf4956123244a03',
    'argv hdfs edge': 'c9f55ca3037e84f1',
    'argv run 0': '3415352e6da09006',
    'argv run 1': '5df5ef15f5cf30f0',
    'argv run 2': 'a68c6223af5df4ac',
    'argv run 3': '8a62c6835563cefd',
    'sshd_config bastion': 'dcced97acf386fd7',
    'sshd_config edge': 'eefbee7a5cd02e94',
    'artifacts/hadoop/client/t/core-site.xml': 'aa1f6c63bc924db5',
    'artifacts/hadoop/client/t/hdfs-site.xml': '5366c1f3a96aa911',
    'artifacts/hadoop/client/t/log4j.properties': 'b239f1f95a2d31bd',
    'artifacts/kafka/tools-log4j2.xml': '5612ec9b7cc4ab58',
    'nodes/agent-1/cassandra/conf/cassandra.yaml': 'f531397ac2f2c640',
    'nodes/agent-1/cassandra/conf/logback-tools.xml': '68ce5de782f474b2',
    'nodes/agent-1/cassandra/conf/logback.xml': '257188247533c6c2',
    'nodes/agent-1/datanode/conf/core-site.xml': '4f25c2b988a3c2e9',
    'nodes/agent-1/datanode/conf/hdfs-site.xml': '8839e4981a37441e',
    'nodes/agent-1/datanode/conf/log4j.properties': 'd068e5faf64d3fff',
    'nodes/agent-1/kafka/conf/admin-client.properties': 'd70e8fa1fdd19994',
    'nodes/agent-1/kafka/conf/log4j2.xml': 'f3ad99ab1159e332',
    'nodes/agent-1/kafka/conf/server.properties': '495048edb461fb16',
    'nodes/agent-1/kafka/conf/tools-log4j2.xml': '5612ec9b7cc4ab58',
    'nodes/agent-2/cassandra/conf/cassandra.yaml': '84732d6d8dbc0241',
    'nodes/agent-2/cassandra/conf/logback-tools.xml': '68ce5de782f474b2',
    'nodes/agent-2/cassandra/conf/logback.xml': '1b41f0a734f12790',
    'nodes/agent-2/datanode/conf/core-site.xml': '1b575e913e53c000',
    'nodes/agent-2/datanode/conf/hdfs-site.xml': '493f283a30774303',
    'nodes/agent-2/datanode/conf/log4j.properties': 'd068e5faf64d3fff',
    'nodes/agent-2/kafka/conf/admin-client.properties': 'd70e8fa1fdd19994',
    'nodes/agent-2/kafka/conf/log4j2.xml': 'ec22d54c4ede6c52',
    'nodes/agent-2/kafka/conf/server.properties': '83a2da1f08461557',
    'nodes/agent-2/kafka/conf/tools-log4j2.xml': '5612ec9b7cc4ab58',
    'nodes/agent-3/cassandra/conf/cassandra.yaml': 'cc263263c383805b',
    'nodes/agent-3/cassandra/conf/logback-tools.xml': '68ce5de782f474b2',
    'nodes/agent-3/cassandra/conf/logback.xml': '885b7a03ceab52f1',
    'nodes/agent-3/datanode/conf/core-site.xml': '6a379b12decfba3f',
    'nodes/agent-3/datanode/conf/hdfs-site.xml': '7f0092aba03b4771',
    'nodes/agent-3/datanode/conf/log4j.properties': 'd068e5faf64d3fff',
    'nodes/agent-3/kafka/conf/admin-client.properties': 'd70e8fa1fdd19994',
    'nodes/agent-3/kafka/conf/log4j2.xml': '1809037846b22b8b',
    'nodes/agent-3/kafka/conf/server.properties': '2fa003d7c4b7f859',
    'nodes/agent-3/kafka/conf/tools-log4j2.xml': '5612ec9b7cc4ab58',
    'nodes/master/httpfs/conf/core-site.xml': '14760721f78a6f7b',
    'nodes/master/httpfs/conf/hdfs-site.xml': 'a8ea06b9c6c2978e',
    'nodes/master/httpfs/conf/httpfs-log4j.properties': 'd068e5faf64d3fff',
    'nodes/master/httpfs/conf/httpfs-site.xml': '8e2b62a1587f2537',
    'nodes/master/httpfs/conf/log4j.properties': 'd068e5faf64d3fff',
    'nodes/master/mariadb/my.cnf': '1319e959841dcaa4',
    'nodes/master/namenode/conf/core-site.xml': '0622ac142a02d7f5',
    'nodes/master/namenode/conf/hdfs-site.xml': 'f1e6cbc18ef686c0',
    'nodes/master/namenode/conf/log4j.properties': 'd068e5faf64d3fff',
}


def test_every_file_and_command_line_is_what_the_inline_code_rendered(tmp_path):
    found = rendered(tmp_path)
    changed = {key: found.get(key) for key, digest in RENDERED.items()
               if hashlib.sha256(found.get(key, "").encode()).hexdigest()[:16] != digest}
    assert set(found) == set(RENDERED)
    assert not changed, "rendered differently:\n" + "\n".join(f"--- {key}\n{text}" for key, text in changed.items())


def test_values_are_filled_in_as_they_are_and_only_xml_escapes_them():
    assert templates.render("kafka", "admin-client.properties", mechanism="M", jaas="a$b{c}&<").endswith(
        "sasl.jaas.config=a$b{c}&<\n")
    assert "<file>/a&amp;b/system.log</file>" in templates.render("cassandra", "logback.xml", logs="/a&b")


def test_a_missing_value_is_an_error_and_template_comments_are_not_written():
    with pytest.raises(KeyError):
        templates.render("mariadb", "my.cnf", home="/h")
    assert "##" not in templates.text("kafka", "server.properties")
    assert "# Written by agility" in templates.text("cassandra", "cassandra.yaml")  # a comment of the file itself


def test_options_files_give_one_option_a_line_without_comments():
    options = templates.options("cassandra", "fast-start.options")
    assert options == ("-Dcassandra.skip_wait_for_gossip_to_settle=0", "-Dcassandra.superuser_setup_delay_ms=0",
                       "-Dcassandra.shutdown_announce_in_ms=500", "-Dcassandra.approximate_time_precision_ms=10")


def test_the_installed_package_carries_every_template():
    """pip installs only what [tool.setuptools.package-data] names: the sandbox started by the
    installed `agility` reads its templates from there."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["agility"]
    package = ROOT / "agility"
    packaged = {path for pattern in patterns for path in package.glob(pattern) if path.is_file()}
    files = {path for path in templates.FOLDER.rglob("*") if path.is_file() and path.suffix != ".py"
             and "__pycache__" not in path.parts}
    assert files and files <= packaged


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        for key, digest in digests(Path(folder)).items():
            print(f"    {key!r}: {digest!r},")
    sys.exit(0)


def test_a_fresh_cassandra_node_replacing_a_dead_one_waits_upstreams_ring_delay_for_a_seed(tmp_path):
    nodes = {name: Node(name, address, tmp_path / "nodes" / name) for name, address in NODES.items()}
    context = SandboxContext(cluster="t", state_dir=tmp_path, artifacts=tmp_path / "artifacts", nodes=nodes,
                             secrets=dict(SECRETS), settings=SETTINGS)
    cassandra = Cassandra(context, [nodes[name] for name in AGENTS])
    fresh, other = nodes[AGENTS[-1]], nodes[AGENTS[0]]
    cassandra.replacing.add(fresh.name)
    replacing, joining = cassandra.command(fresh), cassandra.command(other)
    assert f"-Dcassandra.replace_address_first_boot={fresh.address}" in replacing
    assert "-Dcassandra.ring_delay_ms=30000" in replacing and "-Dcassandra.ring_delay_ms=5000" in joining
    assert not any("replace_address" in part for part in joining)


def test_the_nodes_tokens_are_dealt_evenly_round_the_ring():
    from agility.sandbox.services.cassandra import interleaved_tokens

    dealt = [interleaved_tokens(3, 16, index) for index in range(3)]
    ring = sorted(token for tokens in dealt for token in tokens)
    assert len(set(ring)) == 48 and all(len(tokens) == 16 for tokens in dealt)
    assert -(2**63) <= ring[0] and ring[-1] < 2**63
    assert len({after - before for before, after in zip(ring, ring[1:], strict=False)}) == 1  # evenly spaced
    assert [ring.index(tokens[0]) for tokens in dealt] == [0, 1, 2]  # dealt in turn: no node owns a run


class RolesSession:
    """A CQL session whose first CREATE ROLE is refused as a node refused the built-in superuser
    once while `ha`'s three nodes formed their ring."""

    def __init__(self):
        from types import SimpleNamespace

        self.statements: list[str] = []
        self.refusals = 1
        self.cluster = SimpleNamespace(shutdown=lambda: None)
        self.replication = {"class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "1"}

    def execute(self, statement, parameters=None):
        from types import SimpleNamespace

        from cassandra import Unauthorized

        self.statements.append(statement.split(" WITH")[0])
        if statement.startswith("ALTER KEYSPACE system_auth"):
            self.replication = {"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "datacenter1": "3"}
        if statement.startswith("CREATE ROLE") and self.refusals:
            self.refusals -= 1
            raise Unauthorized("User cassandra does not have sufficient privileges to perform the requested operation")
        return SimpleNamespace(one=lambda: SimpleNamespace(replication=self.replication))


def test_the_roles_set_up_is_tried_again_while_a_node_refuses_the_built_in_superuser(tmp_path, monkeypatch):
    from agility.core import retry

    monkeypatch.setattr(retry.time, "sleep", lambda seconds: None)
    nodes = {name: Node(name, address, tmp_path / "nodes" / name) for name, address in NODES.items()}
    context = SandboxContext(cluster="t", state_dir=tmp_path, artifacts=tmp_path / "artifacts", nodes=nodes,
                             secrets=dict(SECRETS), settings=SETTINGS)
    cassandra = Cassandra(context, [nodes[name] for name in AGENTS])
    session, repairs = RolesSession(), []
    monkeypatch.setattr(cassandra, "_login", lambda contact, candidates: session)
    monkeypatch.setattr(cassandra, "nodetool", lambda node, *args, timeout=0: repairs.append(args))
    monkeypatch.setattr(cassandra, "_can_log_in", lambda address, user, password: False)
    cassandra._set_up_roles()
    assert session.statements == [
        "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'",
        "ALTER KEYSPACE system_auth", "CREATE ROLE IF NOT EXISTS admin",
        # tried again: system_auth is already as wanted, so neither altered nor repaired twice
        "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'",
        "CREATE ROLE IF NOT EXISTS admin", "ALTER ROLE cassandra"]
    assert repairs == [("repair", "--full", "system_auth")]
