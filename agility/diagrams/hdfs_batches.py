"""The Kafka → HDFS batch put: the folders and files the HDFS sink writes, and which of them are committed.

An example drawn from the rules of agility/jobs/sink_hdfs.py: folders by the order's event hour
(UTC), one file per batch of one partition and one hour, named by its first offset, written whole
and then committed. The names are restated here, not imported (the diagrams sit below the jobs);
tests/test_diagrams.py checks them against the sink's own `hour_folder` and `file_name`.
"""

from __future__ import annotations

from agility.config import areas
from agility.diagrams.graph import Graph, diagram

NAME = "hdfs_batches"
AREA, DATASET = "dev", "orders"
BATCH_RECORDS, BATCH_SECONDS = 500, 10  # the sink's defaults (--batch-records, --batch-seconds)
DATE = "2025-01-15"  # any fixed day: the picture must not change with the day it is drawn
COMMITTED, WRITTEN, HELD = "committed", "written, not committed", "held in memory"
STATE_STYLE = {
    COMMITTED: {"style": "filled", "fillcolor": "honeydew"},
    WRITTEN: {"style": "filled", "fillcolor": "moccasin", "penwidth": 2},
    HELD: {"style": "dashed"},
}
# (hour, partition, first offset, last offset, why the batch was cut, state): partition 0 crosses
# from hour 09 into hour 10 while partition 1 is cut by age; p0's last file is the one a crash
# may leave written but uncommitted.
EXAMPLE = (
    ("09", 0, 0, 499, f"{BATCH_RECORDS} records: full", COMMITTED),
    ("09", 0, 500, 612, "cut: offset 613 is in hour 10", COMMITTED),
    ("09", 1, 0, 387, f"cut: its first record was {BATCH_SECONDS} s old", COMMITTED),
    ("10", 0, 613, 700, "written; its commit not done yet", WRITTEN),
    ("10", 1, 388, 420, "still filling, nothing written", HELD),
)


def hour_folder(date: str, hour: str) -> str:
    return f"date={date}/hour={hour}"


def file_name(partition: int, first_offset: int) -> str:
    return f"part-p{partition}-o{first_offset:012d}.jsonl"


def committed_offsets() -> dict[int, int]:
    """What the group has committed in the example: each partition up to the end of its last committed file."""
    committed: dict[int, int] = {}
    for _, partition, _, last, _, state in EXAMPLE:
        if state == COMMITTED:
            committed[partition] = max(committed.get(partition, 0), last + 1)
    return committed


def build() -> Graph:
    area = areas.load_all()[AREA]
    root = area.hdfs_path(DATASET)
    graph = diagram(NAME, f"Kafka -> HDFS batch files (area {area.name}, dataset {DATASET}): a file holds one batch of "
                          "one partition and one event hour (UTC), cut when the hour changes,\n"
                          f"at {BATCH_RECORDS} records or when its first record is {BATCH_SECONDS} s old; written "
                          "whole (overwrite), then the partition is committed up to the first offset still held",
                    rankdir="LR", nodesep=0.2)
    graph.node("root", f"{root}/\nowner {area.hdfs_account}", shape="folder")
    graph.node("day", f"date={DATE}/", shape="folder")
    graph.edge("root", "day")
    for hour in dict.fromkeys(hour for hour, *_ in EXAMPLE):
        graph.node(f"hour={hour}", f"hour={hour}/", shape="folder")
        graph.edge("day", f"hour={hour}")
    for hour, partition, first, last, why, state in EXAMPLE:
        name = file_name(partition, first) if state != HELD else f"({file_name(partition, first)} to be)"
        file_id = graph.node(f"{hour_folder(DATE, hour)}/{file_name(partition, first)}",
                             f"{name}\npartition {partition}, offsets {first}-{last}\n{why}\n[{state}]",
                             shape="note", **STATE_STYLE[state])
        graph.edge(f"hour={hour}", file_id, style="dashed" if state == HELD else None)
    offsets = ", ".join(f"p{partition} -> {offset}" for partition, offset in sorted(committed_offsets().items()))
    hour, partition, first, *_ = next(entry for entry in EXAMPLE if entry[-1] == WRITTEN)
    graph.node("group", f"consumer group {area.group(DATASET, 'hdfs')}\ncommitted: {offsets}\n"
                        "at most one written-but-uncommitted file per partition:\n"
                        f"a restart reads p{partition} again from {first}, its first batch starts there,\n"
                        "so it gets the same name and overwrites that file", style="rounded,filled",
               fillcolor="lightyellow")
    graph.edge("group", f"{hour_folder(DATE, hour)}/{file_name(partition, first)}", "rewritten on restart",
               style="dashed", color="darkorange", fontcolor="darkorange", constraint="false")
    return graph
