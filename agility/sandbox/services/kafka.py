"""Kafka 4.x in KRaft mode: every node is a combined broker + controller.

Listeners, bound to each node's own address:
  INTERNAL   :9092  SASL_PLAINTEXT/SCRAM-SHA-512  inter-broker traffic and clients inside the cluster
  EXTERNAL   :9093  SASL_PLAINTEXT/SCRAM-SHA-512  clients on the developer's host through an SSH
                    tunnel; advertised at the local end of the tunnel's forward to this broker
                    (127.b.c.d:9093 for a broker at a.b.c.d, see agility.core.endpoints.local_address)
  CONTROLLER :9094  SASL_PLAINTEXT/PLAIN  the KRaft quorum: SCRAM is not supported on controller
                    listeners (its credentials live in the metadata the quorum serves), so the
                    brokers and controllers log in with PLAIN as `controller` (secret
                    "kafka-controller"), the listener's one account, a super user; nobody else gets in

The only account is the super user `admin` (password: secret "kafka-admin"); its SCRAM credential
is written into the metadata log when the storage is formatted, so it exists at first start.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from pathlib import Path

from agility.core.endpoints import local_address
from agility.core.errors import AgilityError
from agility.core.waiting import tail
from agility.sandbox import class_data, jvm
from agility.sandbox.node import Node
from agility.sandbox.service import Service
from agility.sandbox.services import templates

INTERNAL_PORT = 9092
EXTERNAL_PORT = 9093
CONTROLLER_PORT = 9094
ADMIN_USER = "admin"
ADMIN_SECRET = "kafka-admin"  # key in context.secrets
CONTROLLER_USER, CONTROLLER_SECRET = "controller", "kafka-controller"
MECHANISM = "SCRAM-SHA-512"
STARTED = "Kafka Server started"  # logged by kafka.server.KafkaRaftServer once the broker is unfenced

# Which option of each CLI tool takes the client properties file (most take --command-config).
CONFIG_OPTION = {
    "org.apache.kafka.tools.ConsoleProducer": "--producer.config",
    "org.apache.kafka.tools.consumer.ConsoleConsumer": "--consumer.config",
    "org.apache.kafka.tools.ProducerPerformance": "--producer.config",
    "org.apache.kafka.tools.consumer.ConsumerPerformance": "--consumer.config",
}

def jaas(user: str | None = None, password: str | None = None) -> str:
    """A SCRAM JAAS line; without a user it is the server side of a listener (no credentials)."""
    if user is None:
        return "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    return f'org.apache.kafka.common.security.scram.ScramLoginModule required username="{user}" password="{password}";'


def plain_jaas(user: str, password: str) -> str:
    """The controller listener's PLAIN JAAS line: this node's own login, and the one account it accepts."""
    return (f'org.apache.kafka.common.security.plain.PlainLoginModule required username="{user}" '
            f'password="{password}" user_{user}="{password}";')


def scram_credential(user: str, password: str, iterations: int = 4096) -> str:
    """The --add-scram value for StorageTool with a salted password computed here (SCRAM's Hi() is
    PBKDF2-HMAC): StorageTool splits its value on ',' and cannot take a password containing one,
    and this keeps the clear password off the command line (and out of error messages)."""
    salt = os.urandom(24)
    salted = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731 - Java's Base64.getDecoder
    return f"{MECHANISM}=[name={user},salt={encode(salt)},saltedpassword={encode(salted)},iterations={iterations}]"


def cluster_id_for(cluster: str) -> str:
    """A stable KRaft cluster id (22 chars of URL-safe base64 of a UUID) derived from the cluster's
    name: every node formats with the same id without sharing a file, and a re-run gets the same."""
    salt = 0
    while True:
        raw = uuid.uuid5(uuid.NAMESPACE_URL, f"agility://{cluster}/kafka/{salt}").bytes
        text = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        if not text.startswith("-"):  # an id starting with "-" reads as an option on the command line
            return text
        salt += 1


class Kafka(Service):
    name = "kafka"
    user = "kafka"
    ready_timeout = 180.0

    # --- layout ----------------------------------------------------------------------------
    @property
    def lib(self) -> Path:
        return self.context.artifacts / "kafka" / "lib"

    @property
    def settings(self) -> dict:
        return self.context.settings.get("kafka", {}) or {}

    def conf(self, node: Node) -> Path:
        return self.home(node) / "conf"

    def data(self, node: Node) -> Path:
        return self.home(node) / "data"

    def node_id(self, node: Node) -> int:
        return self.nodes.index(node) + 1

    @property
    def cluster_id(self) -> str:
        return cluster_id_for(self.context.cluster)

    @property
    def admin_password(self) -> str:
        return self.secret(ADMIN_SECRET)

    def secret(self, name: str) -> str:
        """A password of the cluster's secrets that goes into a JAAS line."""
        password = self.context.secrets.get(name)
        if not password:
            raise AgilityError(f"kafka: secret '{name}' is not set")
        if '"' in password or "\\" in password:
            raise AgilityError(f"kafka: secret '{name}' must not contain '\"' or '\\' (it goes into a JAAS line)")
        return password

    # --- configuration (templates/kafka/) --------------------------------------------------
    def server_properties(self, node: Node) -> str:
        count = len(self.nodes)
        return templates.render(
            "kafka",
            "server.properties",
            node_id=self.node_id(node),
            voters=",".join(f"{self.node_id(each)}@{each.address}:{CONTROLLER_PORT}" for each in self.nodes),
            address=node.address,
            external_address=local_address(node.address),
            internal_port=INTERNAL_PORT,
            external_port=EXTERNAL_PORT,
            controller_port=CONTROLLER_PORT,
            mechanism=MECHANISM,
            mechanism_key=MECHANISM.lower(),
            admin_jaas=jaas(ADMIN_USER, self.admin_password),
            server_jaas=jaas(),
            admin_user=ADMIN_USER,
            controller_user=CONTROLLER_USER,
            controller_jaas=plain_jaas(CONTROLLER_USER, self.secret(CONTROLLER_SECRET)),
            data=self.data(node),
            replicas=min(3, count),
            min_isr=2 if count >= 3 else 1,
            offsets_partitions=int(self.settings.get("offsets_partitions", 10)),
        )

    def write_admin_client_config(self, node: Node) -> Path:
        """The super user's client settings for the CLI tools run on `node`."""
        path = self.conf(node) / "admin-client.properties"
        jaas_line = jaas(ADMIN_USER, self.admin_password)
        write_private(path, templates.render("kafka", "admin-client.properties", mechanism=MECHANISM, jaas=jaas_line))
        return path

    def prepare(self, node: Node) -> None:
        conf = self.conf(node)
        conf.mkdir(parents=True, exist_ok=True)
        (self.home(node) / "logs").mkdir(parents=True, exist_ok=True)
        write_private(conf / "server.properties", self.server_properties(node))
        self.write_admin_client_config(node)
        (conf / "log4j2.xml").write_text(templates.render("kafka", "log4j2.xml", logs=self.home(node) / "logs"))
        (conf / "tools-log4j2.xml").write_text(templates.text("kafka", "tools-log4j2.xml"))
        self.format_storage(node)

    def format_storage(self, node: Node) -> None:
        """Format the log dir once, with the shared cluster id and the admin's SCRAM credential."""
        meta = self.data(node) / "meta.properties"
        if meta.exists():
            found = read_properties(meta)
            if found.get("cluster.id") != self.cluster_id or found.get("node.id") != str(self.node_id(node)):
                raise AgilityError(
                    f"{self.instance(node)}: {meta} belongs to cluster {found.get('cluster.id')} node "
                    f"{found.get('node.id')}, expected cluster {self.cluster_id} node {self.node_id(node)}; "
                    f"remove {self.data(node)} to start afresh"
                )
            return
        argv = self.java_tool(
            "kafka.tools.StorageTool",
            [
                "format",
                "--cluster-id", self.cluster_id,
                "--config", self.conf(node) / "server.properties",
                "--add-scram", scram_credential(ADMIN_USER, self.admin_password),
                "--ignore-formatted",
            ],
            node,
        )
        done = node.run(argv, timeout=120, check=False)
        if done.returncode != 0:  # own message: node.run's would quote the argv with the credential
            raise AgilityError(
                f"{self.instance(node)}: formatting {self.data(node)} failed (exit {done.returncode}):\n"
                f"{(done.stderr.strip() or done.stdout.strip())[-2000:]}"
            )

    def command(self, node: Node) -> list[str]:
        return jvm.server(
            "kafka.Kafka",
            f"{self.lib}/*",
            str(self.settings.get("heap", "512m")),
            flags=templates.options("kafka", "jvm.options"),
            properties={"log4j2.configurationFile": self.conf(node) / "log4j2.xml"},
            args=[self.conf(node) / "server.properties"],
        )

    def ports(self, node: Node) -> dict[str, int]:
        return {"internal": INTERNAL_PORT, "external": EXTERNAL_PORT, "controller": CONTROLLER_PORT}

    # --- readiness -------------------------------------------------------------------------
    def is_ready(self, node: Node) -> bool:
        """INTERNAL listens and, since the last start, the broker said it started (= unfenced)."""
        if not self.port_open(node, INTERNAL_PORT):
            return False
        console = tail(self.log_path(node), 2000)
        return STARTED in console.rsplit("=== agility: starting", 1)[-1]

    def readiness(self, node: Node) -> str:
        return f"INTERNAL {node.address}:{INTERNAL_PORT} to listen and the log to say '{STARTED}'"

    def bootstrap(self) -> list[str]:
        return [f"{node.address}:{INTERNAL_PORT}" for node in self.nodes]

    def admin_probe(self, bootstrap: list[str]) -> list[int]:
        """Ids of the unfenced brokers the cluster reports, asked as admin over SCRAM (a real request).
        The orchestrator may re-point this at addresses it can reach from where it runs."""
        from kafka import KafkaAdminClient  # imported here: only the probe needs the client

        client = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism=MECHANISM,
            sasl_plain_username=ADMIN_USER,
            sasl_plain_password=self.admin_password,
            request_timeout_ms=5000,
            client_id="agility-readiness",
        )
        try:
            # kafka-python asks with include_fenced_brokers=True: count only unfenced (serving) brokers.
            brokers = client.describe_cluster()["brokers"]
            return sorted(broker["broker_id"] for broker in brokers if not broker.get("is_fenced", False))
        finally:
            client.close()

    def cluster_ready(self) -> bool:
        # the probe runs inside the cluster's network: the host cannot reach INTERNAL listeners
        return len(self.nodes[0].call_in_network(lambda: self.admin_probe(self.bootstrap()))) == len(self.nodes)

    def cluster_readiness(self) -> str:
        return f"all {len(self.nodes)} brokers registered (describe_cluster as {ADMIN_USER} via {','.join(self.bootstrap())})"

    # --- for clients -----------------------------------------------------------------------
    def java_tool(self, main_class: str, args: list, node: Node) -> list[str]:
        return jvm.tool(
            main_class,
            f"{self.lib}/*",
            properties={"log4j2.configurationFile": self.conf(node) / "tools-log4j2.xml"},
            args=[str(arg) for arg in args],
            archive=class_data.archive_for(self.lib),
        )

    def tool_command(self, node: Node, main_class: str, args: list = ()) -> list[str]:
        """argv running a Kafka CLI tool class on `node` as admin against its INTERNAL listener,
        e.g. tool_command(node, "org.apache.kafka.tools.TopicCommand", ["--list"]).
        Adds --bootstrap-server and the client properties option unless `args` has them."""
        conf = self.conf(node)
        conf.mkdir(parents=True, exist_ok=True)
        client_config = self.write_admin_client_config(node)
        if not (conf / "tools-log4j2.xml").exists():
            (conf / "tools-log4j2.xml").write_text(templates.text("kafka", "tools-log4j2.xml"))
        args = [str(arg) for arg in args]
        extra = []
        if not any(arg.startswith(("--bootstrap-server", "--bootstrap-controller")) for arg in args):
            extra += ["--bootstrap-server", f"{node.address}:{INTERNAL_PORT}"]
        option = CONFIG_OPTION.get(main_class, "--command-config")
        if option not in args:
            extra += [option, str(client_config)]
        return self.java_tool(main_class, [*extra, *args], node)

    def edge_cli(self) -> dict[str, list[str]]:
        """How a user on the edge node runs each Kafka tool (argv prefix; the profile keeps it, so
        a real cluster can say `kafka-topics.sh` instead)."""
        tools_config = self.context.artifacts / "kafka" / "tools-log4j2.xml"
        if not tools_config.exists():
            tools_config.write_text(templates.text("kafka", "tools-log4j2.xml"))
        runner = jvm.tool("", f"{self.lib}/*", properties={"log4j2.configurationFile": tools_config},
                          archive=class_data.archive_for(self.lib))[:-1]
        return {tool: [*runner, main_class] for tool, main_class in EDGE_TOOLS.items()}


EDGE_TOOLS = {
    "topics": "org.apache.kafka.tools.TopicCommand",
    "console_consumer": "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "consumer_groups": "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    "configs": "kafka.admin.ConfigCommand",  # kafka-configs: client quotas
    "metadata_quorum": "org.apache.kafka.tools.MetadataQuorumCommand",  # kafka-metadata-quorum
}


def read_properties(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            found[key.strip()] = value.strip()
    return found


def write_private(path: Path, text: str) -> None:
    """Write a file that holds a password: readable by its owner only."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)
