"""Apache Cassandra 5.0, run straight from its Maven jars (no tarball, no bin/cassandra script).

What the upstream launcher scripts would do is done here: a cassandra.yaml and logback.xml per
node, the Java 17 flag set of conf/jvm17-server.options, local-only JMX for nodetool. Sized for a
2-core machine and tuned to start fast (no gossip settle wait, short ring delay).

Several nodes: node 0 is the seed; nodes start one at a time (each one joins, then the next).
Secrets used by after_ready(): "cassandra-admin" (password of the superuser role `admin` that
it creates) and "cassandra-default" (new password of the built-in `cassandra` role, so that
cassandra/cassandra no longer works).
"""

from __future__ import annotations

import socket
import struct
from pathlib import Path
from typing import ClassVar

from agility.core.errors import AgilityError
from agility.core.waiting import wait_until
from agility.sandbox import jvm
from agility.sandbox.node import Node
from agility.sandbox.service import Service, holder_of, listening_ports

CQL_PORT = 9042
STORAGE_PORT = 7000
DATACENTER = "datacenter1"  # what SimpleSnitch calls the only data centre
DEFAULT_USER = DEFAULT_PASSWORD = "cassandra"
ADMIN_USER = "admin"

# conf/jvm17-server.options of cassandra-5.0 (flags only). Left out: AlwaysPreTouch (would touch
# the whole heap at start), flags that jvm.SERVER_FLAGS already sets, HeapDumpOnOutOfMemoryError
# (jvm.py exits on OOM instead of writing a heap-sized dump), UseBiasedLocking (gone in 17).
JAVA17_SERVER_FLAGS = [
    "-XX:+ParallelRefProcEnabled",
    "-XX:MaxTenuringThreshold=1",
    "-XX:G1HeapRegionSize=16m",
    "-XX:G1RSetUpdatingPauseTimePercent=5",
    "-XX:MaxGCPauseMillis=300",
    "-XX:InitiatingHeapOccupancyPercent=70",
    "-XX:+UseThreadPriorities",
    "-XX:+PerfDisableSharedMem",  # no hsperfdata mmap files in /tmp (also from jvm-server.options)
    "-ea",  # upstream runs with assertions on ...
    "-da:net.openhft...",  # ... except in Chronicle, which then runs out of memory by design
    *[
        f"--add-exports={item}=ALL-UNNAMED"
        for item in (
            "java.base/jdk.internal.misc",
            "java.management.rmi/com.sun.jmx.remote.internal.rmi",
            "java.rmi/sun.rmi.registry",
            "java.rmi/sun.rmi.server",
            "java.sql/java.sql",
            "java.base/java.lang.ref",
            "jdk.unsupported/sun.misc",
            "jdk.compiler/com.sun.tools.javac.file",
            "jdk.attach/sun.tools.attach",
        )
    ],
    *[
        f"--add-opens={item}=ALL-UNNAMED"
        for item in (
            "java.base/java.lang.module",
            "java.base/jdk.internal.loader",
            "java.base/jdk.internal.ref",
            "java.base/jdk.internal.reflect",
            "java.base/jdk.internal.math",
            "java.base/jdk.internal.module",
            "java.base/jdk.internal.util.jar",
            "jdk.management/com.sun.management.internal",
            "java.base/sun.nio.ch",
            "java.base/java.io",
            "java.base/java.lang.reflect",
            "jdk.compiler/com.sun.tools.javac",
            "java.base/java.lang",
            "java.base/java.util",
            "java.base/java.nio",
        )
    ],
]
JAVA17_SERVER_PROPERTIES = {
    "jdk.attach.allowAttachSelf": "true",
    "io.netty.tryReflectionSetAccessible": "true",
    "io.netty.allocator.useCacheForAllThreads": "true",
    "io.netty.allocator.maxOrder": "11",
}

# conf/jvm17-clients.options, the part nodetool needs (FileUtils reaches into sun.nio.ch).
JAVA17_CLIENT_FLAGS = [
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
]

# Start faster than a production node: these only shorten waits that matter when a node joins a
# busy, large ring. Numbers measured on 2 cores are in the module's report / README.
FAST_START_PROPERTIES = {
    "cassandra.skip_wait_for_gossip_to_settle": "0",  # polls of the gossip-settle wait: none
    "cassandra.superuser_setup_delay_ms": "0",  # create cassandra/cassandra at once, not after 10 s
    "cassandra.shutdown_announce_in_ms": "500",  # on SIGTERM, tell peers then wait 0.5 s, not 2 s
}
DEFAULT_RING_DELAY_MS = 1000  # upstream 30000: slept at every first start (seed too) before NORMAL
# A joining node must have gossiped with a seed within the ring delay, or it refuses to bootstrap
# ("Unable to contact any seeds"); 1 s is too short while other services load both cores.
JOINING_RING_DELAY_MS = 5000

CASSANDRA_YAML = """\
# Written by agility for {node}; rewritten at every start.
cluster_name: '{cluster}'
num_tokens: {num_tokens}
allocate_tokens_for_local_replication_factor: {token_rf}
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
storage_compatibility_mode: NONE

seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "{seeds}"
listen_address: {address}
rpc_address: {address}
storage_port: {storage_port}
native_transport_port: {cql_port}
start_native_transport: true

authenticator: PasswordAuthenticator
authorizer: CassandraAuthorizer
role_manager: CassandraRoleManager

data_file_directories: [{data}/data]
commitlog_directory: {data}/commitlog
saved_caches_directory: {data}/saved_caches
hints_directory: {data}/hints
cdc_raw_directory: {data}/cdc_raw
# On a restart, do not wait up to 10 s for peers to connect before serving: nodes start one at
# a time, so the peers of the first ones are still down (a negative value skips the check).
block_for_peers_timeout_in_secs: -1

commitlog_sync: periodic
commitlog_sync_period: 10000ms

# Two cores, a heap of a few hundred MB: few threads, small memtables and caches.
concurrent_compactors: 1
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
concurrent_materialized_view_writes: 8
memtable_heap_space: {memtable}MiB
memtable_offheap_space: {memtable}MiB
memtable_flush_writers: 1
file_cache_size: 32MiB
key_cache_size: 16MiB
networking_cache_size: 16MiB
native_transport_max_threads: 32
"""

LOGBACK_XML = """\
<!-- Written by agility. system.log keeps INFO and up; the console (the sandbox's console.log)
     only warnings, so that a failed start shows its cause at the end of console.log. -->
<configuration scan="false">
  <appender name="SYSTEMLOG" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>{logs}/system.log</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy">
      <fileNamePattern>{logs}/system.log.%d{{yyyy-MM-dd}}.%i.zip</fileNamePattern>
      <maxFileSize>20MB</maxFileSize>
      <maxHistory>3</maxHistory>
      <totalSizeCap>100MB</totalSizeCap>
    </rollingPolicy>
    <encoder><pattern>%-5level [%thread] %date{{ISO8601}} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <filter class="ch.qos.logback.classic.filter.ThresholdFilter"><level>WARN</level></filter>
    <encoder><pattern>%-5level [%thread] %date{{ISO8601}} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="SYSTEMLOG"/>
    <appender-ref ref="STDOUT"/>
  </root>
  <logger name="org.apache.cassandra" level="INFO"/>
</configuration>
"""

# nodetool is a short-lived JVM: warnings only, on stderr.
LOGBACK_TOOLS_XML = """\
<configuration>
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%-5level %date{HH:mm:ss,SSS} %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDERR"/></root>
</configuration>
"""


class Cassandra(Service):
    name: ClassVar[str] = "cassandra"
    ready_timeout: ClassVar[float] = 180.0
    start_one_at_a_time: ClassVar[bool] = True  # concurrent bootstraps are refused by Cassandra

    # --- settings -------------------------------------------------------------------------
    @property
    def settings(self) -> dict:
        return self.context.settings.get("cassandra", {}) or {}

    def jmx_port(self, node: Node) -> int:
        """Local JMX (127.0.0.1 only). Each sandbox node has its own loopback, so 7199 everywhere;
        LocalNodes on one host share a loopback, hence `jmx_port_per_node: true` adds the index."""
        port = int(self.settings.get("jmx_port", 7199))
        if self.settings.get("jmx_port_per_node"):
            port += self.nodes.index(node)
        return port

    @property
    def lib(self) -> Path:
        return Path(self.context.artifacts) / "cassandra" / "lib"

    def default_ring_delay(self) -> int:
        return DEFAULT_RING_DELAY_MS if len(self.nodes) == 1 else JOINING_RING_DELAY_MS

    def seeds(self) -> list[Node]:
        return self.nodes[:1]

    # --- what the base class asks ----------------------------------------------------------
    def ports(self, node: Node) -> dict[str, int]:
        return {"cql": CQL_PORT, "storage": STORAGE_PORT}

    def prepare(self, node: Node) -> None:
        home = self.home(node)
        conf, logs, data = home / "conf", home / "logs", home / "data"
        for folder in (conf, conf / "triggers", logs, data):
            folder.mkdir(parents=True, exist_ok=True)
        (conf / "cassandra.yaml").write_text(
            CASSANDRA_YAML.format(
                node=node.name,
                cluster=self.context.cluster,
                num_tokens=int(self.settings.get("num_tokens", 16)),
                token_rf=min(3, len(self.nodes)),
                seeds=",".join(f"{seed.address}:{STORAGE_PORT}" for seed in self.seeds()),
                address=node.address,
                storage_port=STORAGE_PORT,
                cql_port=CQL_PORT,
                data=data,
                memtable=int(self.settings.get("memtable_mib", 64)),
            )
        )
        (conf / "logback.xml").write_text(LOGBACK_XML.format(logs=logs))
        (conf / "logback-tools.xml").write_text(LOGBACK_TOOLS_XML)

    def command(self, node: Node) -> list[str]:
        home = self.home(node)
        properties = {
            **JAVA17_SERVER_PROPERTIES,
            "cassandra.config": (home / "conf" / "cassandra.yaml").as_uri(),
            "cassandra-foreground": "yes",
            "cassandra.logdir": home / "logs",
            "cassandra.storagedir": home / "data",
            "cassandra.triggers_dir": home / "conf" / "triggers",
            "logback.configurationFile": home / "conf" / "logback.xml",
            "cassandra.jmx.local.port": self.jmx_port(node),
            "java.rmi.server.hostname": "127.0.0.1",  # local JMX: RMI stubs must point at loopback
            **FAST_START_PROPERTIES,
            "cassandra.ring_delay_ms": int(self.settings.get("ring_delay_ms", self.default_ring_delay())),
            **self.settings.get("properties", {}),  # extra -D knobs, e.g. to measure start-up
        }
        return jvm.server(
            "org.apache.cassandra.service.CassandraDaemon",
            jvm.classpath(home / "conf", self.lib / "*"),
            self.settings.get("heap", "768m"),
            flags=JAVA17_SERVER_FLAGS,
            properties=properties,
        )

    def check_ports_free(self, node: Node) -> None:
        """The base check, plus the JMX port, which is on 127.0.0.1 and so not in ports()."""
        super().check_ports_free(node)
        holder = holder_of(listening_ports(node), "127.0.0.1", self.jmx_port(node))
        if holder is not None:
            raise AgilityError(
                f"{self.instance(node)}: cannot start, its JMX port 127.0.0.1:{self.jmx_port(node)} on "
                f"{node.name} is already taken by {holder} (several nodes on one network need "
                f"cassandra setting jmx_port_per_node: true); log: {self.log_path(node)}"
            )

    def is_ready(self, node: Node) -> bool:
        return bool(node.call_in_network(lambda: cql_answers(node.address, CQL_PORT)))

    def readiness(self, node: Node) -> str:
        return f"CQL on {node.address}:{CQL_PORT} to answer an OPTIONS request"

    def cluster_ready(self) -> bool:
        """Every node Up/Normal in the seed's `nodetool status`. Chosen over system.peers: peers
        lists a node as soon as it is known, even while it is down or still joining, and reading
        it needs credentials that after_ready() changes; nodetool needs none (local JMX)."""
        states = node_states(self.nodetool(self.nodes[0], "status"))
        return all(states.get(node.address) == "UN" for node in self.nodes)

    def cluster_readiness(self) -> str:
        return f"all of {', '.join(n.address for n in self.nodes)} to be UN in nodetool status"

    def after_ready(self) -> None:
        """Give auth data a replica on every node (up to 3), create the superuser `admin`,
        retire the default password. Re-runnable: once cassandra/cassandra is refused, log in
        as admin. Runs in node 0's network: the host cannot reach the nodes' addresses."""
        self.nodes[0].call_in_network(self._set_up_roles)

    def _set_up_roles(self) -> None:
        admin_password = self.context.secrets["cassandra-admin"]
        default_password = self.context.secrets["cassandra-default"]
        contact = [node.address for node in self.nodes]
        session = self._login(contact, [(DEFAULT_USER, DEFAULT_PASSWORD), (ADMIN_USER, admin_password)])
        try:
            replicas = min(3, len(self.nodes))
            wanted = {"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", DATACENTER: str(replicas)}
            current = session.execute(
                "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'"
            ).one()
            if replicas > 1 and dict(current.replication) != wanted:
                session.execute(
                    "ALTER KEYSPACE system_auth WITH replication = "
                    f"{{'class': 'NetworkTopologyStrategy', '{DATACENTER}': {replicas}}}"
                )
                # Raising RF does not copy existing rows (the cassandra role lives on one node):
                # a repair of system_auth does, in a few seconds.
                self.nodetool(self.nodes[0], "repair", "--full", "system_auth", timeout=300)
            session.execute(
                f"CREATE ROLE IF NOT EXISTS {ADMIN_USER} WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = %s",
                (admin_password,),
            )
            session.execute(f"ALTER ROLE {DEFAULT_USER} WITH PASSWORD = %s", (default_password,))
        finally:
            session.cluster.shutdown()
        # Each node caches credentials for credentials_validity (2 s): until then the old password
        # may still log in there. Return only once every node refuses it.
        for address in contact:
            wait_until(
                lambda address=address: not self._can_log_in(address, DEFAULT_USER, DEFAULT_PASSWORD),
                timeout=30,
                what=f"{address} to refuse the default cassandra password",
                service=self.name,
                interval=0.5,
            )

    @staticmethod
    def _can_log_in(address: str, user: str, password: str) -> bool:
        from cassandra.cluster import NoHostAvailable

        try:
            cql_session([address], user, password).cluster.shutdown()
            return True
        except NoHostAvailable:
            return False

    def _login(self, contact: list[str], candidates: list[tuple[str, str]]):
        from cassandra.cluster import NoHostAvailable

        errors = []
        for user, password in candidates:
            try:
                return cql_session(contact, user, password)
            except NoHostAvailable as error:
                errors.append(f"{user}: {error}")
        raise AgilityError(f"{self.name}: cannot log in to {contact}: " + "; ".join(errors))

    # --- tools -----------------------------------------------------------------------------
    def nodetool(self, node: Node, *args: str, timeout: float = 120) -> str:
        """Run nodetool against the instance on `node` (over its local JMX); return stdout."""
        home = self.home(node)
        argv = jvm.tool(
            "org.apache.cassandra.tools.NodeTool",
            jvm.classpath(home / "conf", self.lib / "*"),
            properties={
                "logback.configurationFile": home / "conf" / "logback-tools.xml",
                "user.home": home,  # nodetool appends to ~/.cassandra/nodetool.history: keep it here
            },
            args=["-h", "127.0.0.1", "-p", str(self.jmx_port(node)), *args],
        )
        argv[1:1] = JAVA17_CLIENT_FLAGS
        return node.run(argv, timeout=timeout).stdout

    @staticmethod
    def cql_session(contact_points: list[str], user: str, password: str):
        return cql_session(contact_points, user, password)


def cql_session(contact_points: list[str], user: str, password: str, port: int = CQL_PORT):
    """A logged-in cassandra-driver Session (close with session.cluster.shutdown()). On sandbox
    nodes, call it inside node.call_in_network(...): the host cannot reach node addresses."""
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import Cluster
    from cassandra.policies import DCAwareRoundRobinPolicy

    cluster = Cluster(
        list(contact_points),
        port=port,
        auth_provider=PlainTextAuthProvider(username=user, password=password),
        load_balancing_policy=DCAwareRoundRobinPolicy(local_dc=DATACENTER),
        protocol_version=5,
        connect_timeout=10,
    )
    try:
        return cluster.connect()
    except Exception:
        cluster.shutdown()
        raise


def cql_answers(address: str, port: int, timeout: float = 2.0) -> bool:
    """Does a CQL server answer an OPTIONS frame with SUPPORTED? Needs no credentials."""
    options = struct.pack(">BBhBi", 0x04, 0, 0, 0x05, 0)  # v4 request, stream 0, OPTIONS, no body
    try:
        with socket.create_connection((address, port), timeout=timeout) as conn:
            conn.sendall(options)
            header = conn.recv(9)
    except OSError:
        return False
    return len(header) >= 5 and header[0] == 0x84 and header[4] == 0x06  # v4 response, SUPPORTED


def node_states(status_output: str) -> dict[str, str]:
    """`nodetool status` → address → two-letter state (UN, DN, UJ, ...)."""
    states = {}
    for line in status_output.splitlines():
        columns = line.split()
        if len(columns) >= 2 and len(columns[0]) == 2 and columns[0][0] in "UD" and columns[0][1] in "NLJM":
            states[columns[1]] = columns[0]
    return states
