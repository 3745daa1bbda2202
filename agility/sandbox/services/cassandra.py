"""Apache Cassandra 5.0, run straight from its Maven jars (no tarball, no bin/cassandra script).

What the upstream launcher scripts would do is done here: a cassandra.yaml and logback.xml per
node, the Java 17 flag set of conf/jvm17-server.options, local-only JMX for nodetool (the files
and flag lists are in templates/cassandra/). Sized for a 2-core machine and tuned to start fast
(no gossip settle wait, short ring delay).

Several nodes start together: every node is a seed with its tokens given (`initial_token`, evenly
interleaved), so none bootstraps and none waits for another: Cassandra refuses concurrent
bootstraps, and a joining node spends its ring delay and a streaming session even to join an
empty cluster. A fresh node taking a dead one's place is the exception: it bootstraps (streams the
dead node's data and takes its tokens), so it is no seed of its own and is given no tokens.
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
from agility.core.retry import retrying
from agility.core.waiting import wait_until
from agility.sandbox import jvm
from agility.sandbox.node import Node
from agility.sandbox.service import Service, holder_of, listening_ports
from agility.sandbox.services import templates

CQL_PORT = 9042
STORAGE_PORT = 7000
DATACENTER = "datacenter1"  # what SimpleSnitch calls the only data centre
DEFAULT_USER = DEFAULT_PASSWORD = "cassandra"
ADMIN_USER = "admin"
ROLES_SETTLE_S = 30.0  # how long the roles' set-up is retried while the superuser is refused (_set_up_roles)

# The flag sets of conf/jvm17-server.options and jvm17-clients.options, and the start-up shortcuts:
# templates/cassandra/*.options, with why.
JAVA17_SERVER_FLAGS, JAVA17_SERVER_PROPERTIES = jvm.flags_and_properties(
    templates.options("cassandra", "jvm17-server.options")
)
JAVA17_CLIENT_FLAGS = templates.options("cassandra", "jvm17-clients.options")
_, FAST_START_PROPERTIES = jvm.flags_and_properties(templates.options("cassandra", "fast-start.options"))

DEFAULT_RING_DELAY_MS = 1000  # upstream 30000: slept at every first start (seed too) before NORMAL
# A node of several gossips with the other seeds for up to the ring delay before it takes its place
# (its shadow round); a joining node that heard none refuses to bootstrap ("Unable to contact any
# seeds"). 1 s is too short while other services load both cores.
JOINING_RING_DELAY_MS = 5000
# A fresh node replacing a dead one starts beside its node's other services, under the load that
# goes on: it got past the shadow round and then heard no seed within 5 s once in ~10 runs. It
# waits as long as upstream does, once, on the only start that needs it.
REPLACING_RING_DELAY_MS = 30000


class Cassandra(Service):
    name: ClassVar[str] = "cassandra"
    user: ClassVar[str] = "cassandra"
    ready_timeout: ClassVar[float] = 180.0

    def __init__(self, context, nodes):
        super().__init__(context, nodes)
        self.replacing: set[str] = set()  # nodes started afresh in a dead node's place (`Service.replace_on`)

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

    def seeds(self, node: Node) -> list[Node]:
        """Every node, but a replacing node's own address: a seed never bootstraps."""
        return [seed for seed in self.nodes if not (seed is node and node.name in self.replacing)]

    def token_setting(self, node: Node) -> str:
        """The node's `initial_token` line: its share of evenly interleaved tokens. A replacing node
        takes the dead node's tokens; the allocator's line stands in, as for any joining node."""
        if node.name in self.replacing:
            return f"allocate_tokens_for_local_replication_factor: {min(3, len(self.nodes))}"
        tokens = interleaved_tokens(len(self.nodes), int(self.settings.get("num_tokens", 16)), self.nodes.index(node))
        return f"initial_token: {','.join(str(token) for token in tokens)}"

    # --- what the base class asks ----------------------------------------------------------
    def ports(self, node: Node) -> dict[str, int]:
        return {"cql": CQL_PORT, "storage": STORAGE_PORT}

    def prepare(self, node: Node) -> None:
        home = self.home(node)
        conf, logs, data = home / "conf", home / "logs", home / "data"
        for folder in (conf, conf / "triggers", logs, data):
            folder.mkdir(parents=True, exist_ok=True)
        (conf / "cassandra.yaml").write_text(
            templates.render(
                "cassandra",
                "cassandra.yaml",
                node=node.name,
                cluster=self.context.cluster,
                num_tokens=int(self.settings.get("num_tokens", 16)),
                tokens=self.token_setting(node),
                seeds=",".join(f"{seed.address}:{STORAGE_PORT}" for seed in self.seeds(node)),
                address=node.address,
                storage_port=STORAGE_PORT,
                cql_port=CQL_PORT,
                data=data,
                memtable=int(self.settings.get("memtable_mib", 64)),
            )
        )
        (conf / "logback.xml").write_text(templates.render("cassandra", "logback.xml", logs=logs))
        (conf / "logback-tools.xml").write_text(templates.text("cassandra", "logback-tools.xml"))

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
        if node.name in self.replacing:  # a fresh node taking a dead one's place: it streams that node's data
            properties["cassandra.replace_address_first_boot"] = node.address
            properties["cassandra.ring_delay_ms"] = max(int(properties["cassandra.ring_delay_ms"]),
                                                        REPLACING_RING_DELAY_MS)
        return jvm.server(
            "org.apache.cassandra.service.CassandraDaemon",
            jvm.classpath(home / "conf", self.lib / "*"),
            self.settings.get("heap", "768m"),
            flags=JAVA17_SERVER_FLAGS,
            properties=properties,
        )

    def replace_on(self, node: Node) -> int:
        """A fresh node streams the data of the dead one at its address (replace_address_first_boot)."""
        self.replacing.add(node.name)
        return super().replace_on(node)

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
            # Every statement of _roles is idempotent, so the whole is retried while a node still
            # takes the login for no superuser ("User cassandra does not have sufficient privileges
            # to perform the requested operation": once in about twenty `ha` cold starts, where
            # three nodes set up the default role while their ring formed); role caches last 2 s.
            retrying(lambda: self._roles(session, admin_password, default_password), store=f"{self.name}'s roles",
                     transient=_not_yet_superuser, seconds=ROLES_SETTLE_S,
                     note="the built-in superuser was refused on every try")
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

    def _roles(self, session, admin_password: str, default_password: str) -> None:
        """system_auth on up to 3 replicas (repaired), the superuser `admin`, the default password retired."""
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


def interleaved_tokens(nodes: int, num_tokens: int, index: int) -> list[int]:
    """Node `index`'s `num_tokens` tokens out of `nodes × num_tokens` spread evenly over Murmur3's
    ring and dealt round the nodes in turn, so that every node owns the same share."""
    spacing = 2**64 // (nodes * num_tokens)
    return [-(2**63) + (turn * nodes + index) * spacing for turn in range(num_tokens)]


def _not_yet_superuser(error: BaseException) -> bool:
    from cassandra import Unauthorized

    return isinstance(error, Unauthorized)
