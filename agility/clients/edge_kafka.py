"""Kafka's own command-line tools, run on the edge node as a user of the cluster: describe a
topic, show a sample of its events, show each consumer group's lag. And what the brokers answer
a client through the tunnel: the addresses they advertise, a topic's offsets, a group's commits."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from agility.config.profiles import Account, Profile
from agility.core.errors import AgilityError
from agility.reach.ssh import ClusterShell

CLIENT_CONFIG = ".agility/kafka-client.properties"


@dataclass
class PartitionInfo:
    partition: int
    leader: int
    replicas: list[int]
    isr: list[int]


@dataclass
class GroupLag:
    group: str
    lag_by_partition: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.lag_by_partition.values())


class EdgeKafkaTools:
    def __init__(self, profile: Profile, shell: ClusterShell, account: Account):
        self.profile = profile
        self.shell = shell
        self.account = account
        self.edge = profile.edge
        self.cli = profile.kafka.get("cli") or {}
        self.bootstrap = ",".join(profile.kafka["internal_bootstrap"])
        self.home: str | None = None
        self.last_output: tuple[str, str] = ("", "")  # the last tool's command (as shown) and output

    def install_client_config(self) -> bool:
        """The user's SASL settings in a file only they can read; the password goes over the SSH
        channel's stdin, never on a command line. True if the file changed."""
        password = self.jaas_password()
        config = (
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
            "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{self.account.user}" password="{password}";\n'
        )
        current = self.shell.run(self.edge, ["sh", "-c", 'cat "$HOME/$1" 2>/dev/null', "sh", CLIENT_CONFIG], check=False)
        if current.stdout == config:
            return False
        self.write_private(CLIENT_CONFIG, config)
        return True

    def jaas_password(self) -> str:
        """The account's password as it goes between the quotes of a JAAS line."""
        return self.account.password.reveal().replace("\\", "\\\\").replace('"', '\\"')

    def write_private(self, name: str, text: str) -> str:
        """`text` into `$HOME/name` on the edge node, readable by the user only, sent over stdin
        (never on a command line); the file's absolute path."""
        self.shell.run(self.edge, ["sh", "-c", 'umask 077 && mkdir -p "$(dirname "$HOME/$1")" && cat > "$HOME/$1"',
                                   "sh", name], input=text)
        return self.in_home(name)

    def in_home(self, name: str) -> str:
        if self.home is None:
            self.home = self.shell.run(self.edge, ["sh", "-c", 'echo "$HOME"']).stdout.strip()
        return f"{self.home}/{name}"

    def command(self, name: str, *args: str) -> list[str]:
        if name not in self.cli:
            raise AgilityError(f"profile {self.profile.name}: kafka.cli has no '{name}' command; it has: {', '.join(self.cli)}")
        config_option = "--consumer.config" if name == "console_consumer" else "--command-config"
        return [*self.cli[name], "--bootstrap-server", self.bootstrap, config_option, self.in_home(CLIENT_CONFIG), *args]

    def tool(self, name: str, *args: str, timeout: float = 120) -> str:
        output = self.shell.run(self.edge, self.command(name, *args), timeout=timeout).stdout
        self.last_output = (self.shown(name, *args), output)
        return output

    @staticmethod
    def shown(name: str, *args: str) -> str:
        """The tool's command as a person reads it: its name and own arguments (the bootstrap
        address and the client settings file are the same for every call)."""
        return " ".join([f"kafka-{name.replace('_', '-')}", *args])

    def describe_topic(self, topic: str) -> list[PartitionInfo]:
        output = self.tool("topics", "--describe", "--topic", topic)
        found = []
        for match in re.finditer(r"Partition:\s*(\d+)\s+Leader:\s*(-?\d+)\s+Replicas:\s*([\d,]+)\s+Isr:\s*([\d,]*)", output):
            found.append(PartitionInfo(int(match[1]), int(match[2]), _ids(match[3]), _ids(match[4])))
        if not found:
            raise AgilityError(f"kafka-topics --describe {topic} showed no partitions:\n{output[-800:]}")
        return sorted(found, key=lambda info: info.partition)

    def list_topics(self) -> list[str]:
        return self.tool("topics", "--list").split()

    def sample(self, topic: str, count: int) -> list[str]:
        """The first `count` events of the topic as `key | value` lines. The consumer group is
        named after the topic, so an area account whose ACLs cover only its prefix may use it."""
        group = f"{topic}.console-{uuid.uuid4().hex[:8]}"
        done = self.shell.run(self.edge, self.command(
            "console_consumer", "--topic", topic, "--group", group, "--from-beginning", "--max-messages", str(count),
            "--timeout-ms", "20000", "--property", "print.key=true", "--property", "key.separator= | "), timeout=120)
        if "ERROR" in done.stderr:
            errors = [line for line in done.stderr.splitlines() if "Exception" in line or "ERROR" in line]
            raise AgilityError(f"kafka-console-consumer on {self.edge} failed: {' / '.join(errors[:2])}")
        return [line for line in done.stdout.splitlines() if line.strip()]

    def group_lag(self, group: str) -> GroupLag:
        output = self.tool("consumer_groups", "--describe", "--group", group)
        lags = {}
        for line in output.splitlines():
            columns = line.split()
            if len(columns) >= 6 and columns[0] == group and columns[2].isdigit():
                lags[int(columns[2])] = int(columns[5]) if columns[5].lstrip("-").isdigit() else 0
        if not lags:
            raise AgilityError(f"consumer group {group} has no committed offsets:\n{output[-800:]}")
        return GroupLag(group, lags)


# --- the brokers' answers to a client on the host ----------------------------------------------
def advertised_brokers(clients, account: Account) -> list[str]:
    """host:port of every broker as the cluster's metadata gives it to a client on this host:
    the listener address each broker advertises, which the tunnel must forward."""
    admin = clients.kafka_admin(account)
    try:
        brokers = admin.describe_cluster()["brokers"]
    finally:
        admin.close()
    return sorted(f"{broker['host']}:{broker['port']}" for broker in brokers)


def topic_offsets(clients, account: Account, topic: str) -> dict[int, tuple[int, int]]:
    """partition → (earliest, end) offset of the topic, as its partition leaders report them."""
    from kafka import TopicPartition

    consumer = clients.kafka_consumer(account=account, group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            raise AgilityError(f"topic {topic} does not exist (as seen by {account.user})")
        earliest, end = consumer.beginning_offsets(partitions), consumer.end_offsets(partitions)
    finally:
        consumer.close()
    return {tp.partition: (earliest[tp], end[tp]) for tp in partitions}


def committed_offsets(admin, group: str, topic: str) -> dict[int, int]:
    """partition → the offset the group committed on the topic (partitions it never committed are absent)."""
    offsets = admin.list_group_offsets({group: None}).get(group, {})
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset >= 0}


def _ids(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]
