"""The data architecture: what each work area owns in every store, on each cluster that hosts it.

Drawn from areas.yaml as each cluster sees it (`ClusterSpec.hosted_areas()`: its own areas, with
its own overrides, e.g. production's prod queue holding the whole of YARN), so a cluster's box
shows exactly the areas provisioning makes there.
"""

from __future__ import annotations

from agility.config.areas import Area
from agility.diagrams.graph import Graph, diagram
from agility.sandbox import clusters

NAME = "data_architecture"
DATASET = "<dataset>"  # every dataset of an area takes the same names: the picture shows the rule
STORES = ("kafka", "cassandra", "mariadb", "hdfs", "yarn")


def node_id(cluster: str, area: str, store: str) -> str:
    """`production/prod/cassandra`: the cluster first, so a test can tell what sits in which box."""
    return f"{cluster}/{area}/{store}"


def store_labels(area: Area) -> dict[str, str]:
    topic = f"{area.kafka_prefix}{DATASET}"
    return {
        "kafka": f"Kafka topics {topic}\ndead letters {topic}.dlq\nconsumer groups {topic}.sink-<sink>\n"
                 f"account {area.kafka_account}",
        "cassandra": f"Cassandra keyspace {area.keyspace}\ntable {DATASET}",
        "mariadb": f"MariaDB database {area.database}\ntable {DATASET}",
        "hdfs": f"HDFS {area.hdfs_root}/{DATASET}\nowner {area.hdfs_account}, group {area.linux_group}",
        "yarn": f"YARN queue root.{area.queue}\n{area.queue_capacity}% guaranteed, "
                f"up to {area.queue_maximum_capacity}%",
    }


def add_area(box: Graph, cluster: str, area: Area) -> None:
    inner = box.cluster(f"{cluster}_{area.name}", f"area {area.name}", style="rounded,filled", fillcolor="white")
    ids = [inner.node(node_id(cluster, area.name, store), label) for store, label in store_labels(area).items()]
    for upper, lower in zip(ids, ids[1:], strict=False):  # one row per area: stores read left to right
        inner.edge(upper, lower, style="invis")


def build() -> Graph:
    graph = diagram(NAME, "Data architecture: each work area's own names in every store, per cluster\n"
                          "a dataset D of area A: topic <prefix>D, dead letters <prefix>D.dlq, table D in A's keyspace "
                          "and database, folder <hdfs_root>/D, Spark jobs in A's queue; nothing else differs",
                    rankdir="LR", nodesep=0.2, ranksep=0.3)
    for spec in reversed(clusters.of_the_platform().values()):  # dot stacks these boxes bottom up: shared on top
        hosted = spec.hosted_areas()
        security = ", HDFS with Kerberos" if spec.kerberos else ""
        box = graph.cluster(spec.name, f"cluster {spec.name}  {spec.network}: hosts {', '.join(hosted)}{security}",
                            style="rounded,filled", fillcolor="gray95", color="gray40")
        for area in hosted.values():
            add_area(box, spec.name, area)
    return graph
