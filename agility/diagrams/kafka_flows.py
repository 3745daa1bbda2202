"""The Kafka flows of the demo: the producer job into an area's topic, one consumer group per sink
out of it into each store, and bad records into the dead-letter topic.

The names come from `Area` (topic, groups, dead letters, keyspace, database, folder), so they are
the ones the jobs use; the labels restate what agility/jobs/producer.py and sink*.py promise.
"""

from __future__ import annotations

from agility.config import areas
from agility.diagrams.graph import Graph, diagram

NAME = "kafka_flows"
AREA = "dev"  # the Kafka act's area; every area's flow is the same but for the names
DATASET = "orders"  # the act's datasets are orders_<time>; the picture keeps the stem
DATA_PARTITIONS = 3  # agility.jobs.producer creates the topic so (checked by tests/test_diagrams.py)
DEAD_LETTER_PARTITIONS = 1


def sinks(area: areas.Area) -> dict[str, tuple[str, str]]:
    """sink → (its store, how a batch goes in): restated from each sink job's docstring."""
    return {
        "cassandra": (f"Cassandra table {area.keyspace}.{DATASET}\none row per order id, QUORUM",
                      "INSERT (a CQL upsert)"),
        "mysql": (f"MariaDB table {area.database}.{DATASET}\none row per order id",
                  "one transaction per batch\nINSERT ... ON DUPLICATE KEY UPDATE"),
        "hdfs": (f"HDFS {area.hdfs_path(DATASET)}/\ndate=YYYY-MM-DD/hour=HH/ batch files (JSON lines)",
                 "a file per batch of one partition and event hour\nwritten whole, named by its first offset"),
    }


def group_id(sink: str) -> str:
    """The node of the sink's consumer group: a test counts them."""
    return f"group/{sink}"


def build() -> Graph:
    area = areas.load_all()[AREA]
    topic, dead_letters = area.topic(DATASET), area.dead_letter_topic(DATASET)
    graph = diagram(NAME, f"Kafka flows in area {area.name} (dataset {DATASET}): every sink reads the whole topic in "
                          "its own consumer group,\nstores idempotently, and commits its offsets only once the store "
                          "holds the batch and its dead letters are acknowledged", rankdir="LR", nodesep=0.3)
    graph.node("producer", f"producer job\npython -m agility.jobs.producer\n--area {area.name} --dataset {DATASET}\n"
                           "seeded retail orders (bad records on request)\nledger of every acknowledged record",
               style="rounded,filled", fillcolor="lightblue")
    graph.node("topic", f"topic {topic}\n{DATA_PARTITIONS} partitions\naccount {area.kafka_account} (SCRAM)",
               shape="cylinder", style="filled", fillcolor="lightyellow")
    graph.node("dead-letters", f"dead-letter topic {dead_letters}\n{DEAD_LETTER_PARTITIONS} partition\n"
                               "bad records (malformed JSON, schema, oversized)\nunchanged, the reason in their headers",
               shape="cylinder", style="filled", fillcolor="mistyrose")
    graph.edge("producer", "topic", "acks=all\nkeyed by order id", penwidth=2)
    for sink, (store, how) in sinks(area).items():
        group = graph.node(group_id(sink), f"consumer group {area.group(DATASET, sink)}\n"
                                           f"python -m agility.jobs.sink_{sink}", style="rounded,filled",
                           fillcolor="white")
        graph.node(f"store/{sink}", store, shape="cylinder")
        graph.edge("topic", group)
        graph.edge(group, f"store/{sink}", how)
        graph.edge(group, "dead-letters", style="dashed", color="firebrick")
    return graph
