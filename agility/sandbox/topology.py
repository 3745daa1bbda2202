"""A topology file places services on nodes; it is validated when loaded."""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agility.core.errors import ConfigError

TOPOLOGY_DIR = Path(__file__).parent / "topologies"
KNOWN_SERVICES = (
    "sshd", "namenode", "httpfs", "datanode", "mariadb", "kafka", "cassandra", "spark-master", "spark-worker",
    "resourcemanager", "nodemanager", "jupyterhub",
)


@dataclass(frozen=True)
class NodeSpec:
    name: str
    address: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class Topology:
    name: str
    network: ipaddress.IPv4Network
    uplink: ipaddress.IPv4Network
    bastion: str
    edge: str
    nodes: tuple[NodeSpec, ...]
    settings: dict = field(default_factory=dict)
    # what load() takes to read it again: a built-in topology's name, else its file's absolute path
    # (`sandbox down` of a cluster started from a file of the user's finds it by this)
    source: str = ""

    @property
    def reference(self) -> str:
        return self.source or self.name

    @property
    def host_address(self) -> str:
        return str(list(self.uplink.hosts())[0])

    @property
    def bastion_uplink_address(self) -> str:
        return str(list(self.uplink.hosts())[-1])

    def nodes_with(self, service: str) -> list[NodeSpec]:
        return [node for node in self.nodes if service in node.services]

    def node(self, name: str) -> NodeSpec:
        return next(node for node in self.nodes if node.name == name)

    def moved_to(self, network: ipaddress.IPv4Network) -> Topology:
        """The same nodes on another range of the same size: every address keeps its host part."""
        if network.prefixlen != self.network.prefixlen:
            raise ConfigError(f"topology {self.name}: cannot move {self.network} to {network} (another size)")

        def moved(address: str) -> str:
            return str(network.network_address + (int(ipaddress.ip_address(address)) - int(self.network.network_address)))

        uplink = ipaddress.ip_network(f"{moved(str(self.uplink.network_address))}/{self.uplink.prefixlen}")
        nodes = tuple(NodeSpec(node.name, moved(node.address), node.services) for node in self.nodes)
        return dataclasses.replace(self, network=network, uplink=uplink, nodes=nodes)


def available() -> list[str]:
    return sorted(path.stem for path in TOPOLOGY_DIR.glob("*.yaml"))


def load(name_or_path: str) -> Topology:
    path = Path(name_or_path)
    if not path.suffix:
        path = TOPOLOGY_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        raise ConfigError(f"unknown topology '{name_or_path}'; valid ones: {', '.join(available())}")
    reference = name_or_path if path.parent == TOPOLOGY_DIR else str(path.resolve())
    return dataclasses.replace(parse(yaml.safe_load(path.read_text()), source=str(path)), source=reference)


def parse(data: dict, source: str = "topology") -> Topology:
    def fail(message: str):
        raise ConfigError(f"{source}: {message}")

    if not isinstance(data, dict):
        fail("must be a mapping")
    for key in ("name", "network", "uplink", "bastion", "edge", "nodes"):
        if key not in data:
            fail(f"missing key '{key}'")
    try:
        network = ipaddress.ip_network(data["network"])
        uplink = ipaddress.ip_network(data["uplink"])
    except ValueError as error:
        fail(str(error))
    forbidden = ipaddress.ip_network("192.0.2.0/24")  # this machine's own eth0 network
    if network.overlaps(forbidden) or uplink.overlaps(forbidden):
        fail("192.0.2.0/24 is this machine's own network; use 198.51.100.0/24 or 203.0.113.0/24")
    nodes = []
    seen_addresses = set()
    for name, spec in data["nodes"].items():
        address = ipaddress.ip_address(spec.get("address", ""))
        if address not in network or address in uplink:
            fail(f"node {name}: address {address} is not inside {network} (outside the uplink {uplink})")
        if address in seen_addresses:
            fail(f"node {name}: address {address} is used twice")
        seen_addresses.add(address)
        unknown = set(spec.get("services", [])) - set(KNOWN_SERVICES)
        if unknown:
            fail(f"node {name}: unknown services {sorted(unknown)}; known: {', '.join(KNOWN_SERVICES)}")
        nodes.append(NodeSpec(name, str(address), tuple(spec.get("services", []))))
    names = {node.name for node in nodes}
    for role in ("bastion", "edge"):
        if data[role] not in names:
            fail(f"{role} '{data[role]}' is not one of the nodes {sorted(names)}")
    for service in ("namenode", "httpfs", "mariadb", "spark-master"):
        if len([node for node in nodes if service in node.services]) > 1:
            fail(f"{service} may run on one node only")
    return Topology(
        name=data["name"], network=network, uplink=uplink, bastion=data["bastion"], edge=data["edge"],
        nodes=tuple(nodes), settings=data.get("settings", {}) or {},
    )
