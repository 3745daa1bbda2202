"""The system architecture: every sandbox cluster's nodes and services, and how this machine reaches them.

Drawn from the files the sandbox itself starts from (clusters.yaml, topologies/*.yaml), so the
picture cannot show a node, an address or a service the sandbox would not have.
"""

from __future__ import annotations

from agility.diagrams.graph import Graph, diagram
from agility.sandbox import clusters, topology

NAME = "system_architecture"
HOST = "host"
# The topology files name services as the sandbox does; the picture names them as an operator does.
SERVICES = {
    "namenode": "HDFS NameNode", "httpfs": "HttpFS (WebHDFS)", "datanode": "HDFS DataNode", "mariadb": "MariaDB",
    "kafka": "Kafka broker", "cassandra": "Cassandra", "spark-master": "Spark master", "spark-worker": "Spark worker",
    "resourcemanager": "YARN ResourceManager", "nodemanager": "YARN NodeManager (Spark executors)",
    "jupyterhub": "JupyterHub",
}
EDGE_TOOLS = "client tools: Kafka's CLI, hdfs dfs, Spark drivers"
# The operator's links live in their own registry (~/.agility/clusters.yaml), not in clusters.yaml:
# this is the one the README sets up, drawn only when both clusters are defined.
LINKS = (("shared", "production"),)


def node_id(cluster: str, node: str) -> str:
    return f"{cluster}/{node}"


def placed(spec: clusters.ClusterSpec) -> topology.Topology:
    """The cluster's topology on the cluster's own range, as `Sandbox` places it."""
    found = topology.load(spec.topology)
    return found if found.network == spec.network else found.moved_to(spec.network)


def node_label(node: topology.NodeSpec, placed_on: topology.Topology) -> str:
    if node.name == placed_on.bastion:
        services = ["sshd: the only way in", "keys only, no root", "forwards to listed endpoints only"]
    else:  # every node runs sshd; listing it everywhere would hide what differs
        services = [SERVICES.get(service, service) for service in node.services if service != "sshd"]
    if node.name == placed_on.edge:
        services.append(EDGE_TOOLS)
    return "\n".join([f"{node.name}  {node.address}", *services])


def add_cluster(graph: Graph, spec: clusters.ClusterSpec) -> str:
    """The cluster's box, its bastion linked to the host and to every other node; the bastion's id."""
    on = placed(spec)
    box = graph.cluster(spec.name, f"{spec.name}  {spec.network}\n{spec.description}\n"
                                   f"topology {on.name}; work areas: {', '.join(spec.hosted_areas())}",
                        style="rounded", color="gray40")
    for node in reversed(on.nodes):  # dot lists a left-to-right rank bottom up: the file's order, top down
        edge = node.name == on.edge
        box.node(node_id(spec.name, node.name), node_label(node, on),
                 style="rounded,filled" if edge or node.name == on.bastion else "rounded",
                 fillcolor="lightyellow" if edge else ("lightblue" if node.name == on.bastion else None))
    bastion = node_id(spec.name, on.bastion)
    graph.edge(HOST, bastion, f"uplink {on.uplink}\nhost {on.host_address} <-> bastion {on.bastion_uplink_address}\n"
                              "SSH tunnels only", penwidth=2)
    for node in on.nodes:
        if node.name != on.bastion:
            graph.edge(bastion, node_id(spec.name, node.name), color="gray50")
    return bastion


def build() -> Graph:
    graph = diagram(NAME, "System architecture: the sandbox's clusters, each reached only through its own bastion",
                    rankdir="LR", nodesep=0.3)
    graph.node(HOST, "this machine\nagility, the suite, the dashboard\n(no route into the ranges but the uplinks)",
               shape="box3d", style="filled", fillcolor="white")
    defined = clusters.of_the_platform()
    bastions = {name: add_cluster(graph, spec) for name, spec in defined.items()}
    for source, target in LINKS:
        if source in bastions and target in bastions:
            link = f"cluster link {source} -> {target}, one way:\nthe dashboard of {source} also shows {target}"
            graph.edge(bastions[source], bastions[target], xlabel=link, style="dashed", color="darkorange",
                       fontcolor="darkorange", constraint="false")
    return graph
