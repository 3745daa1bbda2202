"""The HDFS data sets: what a cluster's HDFS really holds in each work area, read from the cluster
(agility/clients/hdfs_survey.py, through `agility diagram --profile P`), not from the files the
other diagrams are drawn from. An area with many datasets shows the most recently changed ones and
one box for the rest, so the picture stays readable after a whole run of the suite."""

from __future__ import annotations

from agility.core.sizes import size
from agility.diagrams.graph import Graph, diagram

NAME = "hdfs_datasets"
SHOWN_PER_AREA = 6


def area_label(area: dict) -> str:
    quotas = [f"space quota {size(area['space_quota'])}" if area["space_quota"] is not None else "",
              f"name quota {area['name_quota']}" if area["name_quota"] is not None else ""]
    return "\n".join(line for line in (
        f"{area['path']}/", f"{area['owner']}:{area['group']} {area['permission']}",
        f"{len(area['datasets'])} datasets, {area['files']} files, {size(area['bytes'])}", *quotas) if line)


def dataset_label(entry: dict) -> str:
    return (f"{entry['name']}/\n{entry['files']} files, {size(entry['bytes'])} in {entry['folders']} folders\n"
            f"owner {entry['owner']}, changed {entry['modified']}")


def exact(entry: dict) -> str:
    """The figures to the byte, shown when the pointer rests on the box (SVG)."""
    return f"{entry['files']} files, {entry['bytes']} bytes, {entry['folders']} folders"


def build(cluster: str, areas: list[dict]) -> Graph:
    graph = diagram(NAME, f"HDFS data sets on cluster {cluster}, read from its NameNode: each work area's folder "
                          f"and its datasets (the {SHOWN_PER_AREA} most recently changed in each)",
                    rankdir="LR", nodesep=0.15)
    for area in reversed(areas):  # dot stacks these boxes bottom up: the first area on top
        box = graph.cluster(area["area"], f"area {area['area']}", style="rounded,filled", fillcolor="gray95")
        root = box.node(area["path"], area_label(area), shape="folder", tooltip=exact(area))
        for entry in area["datasets"][:SHOWN_PER_AREA]:
            box.edge(root, box.node(entry["path"], dataset_label(entry), shape="folder", tooltip=exact(entry)))
        rest = area["datasets"][SHOWN_PER_AREA:]
        if rest:
            files, held = sum(entry["files"] for entry in rest), sum(entry["bytes"] for entry in rest)
            box.edge(root, box.node(f"{area['path']}/…", f"{len(rest)} more datasets\n{files} files, {size(held)}",
                                    style="dashed"))
    return graph
