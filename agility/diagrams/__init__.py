"""The platform's diagrams (`agility diagram`), drawn from the files the platform itself runs from:
the sandbox's topologies and clusters.yaml, and areas.yaml.

Copies are committed under docs/diagrams and shown in the README; tests/test_diagrams.py fails
when they differ from what these files would draw now.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agility.diagrams import data, hdfs_batches, kafka_flows, system
from agility.diagrams.graph import FORMATS, Graph, render

DIAGRAMS: dict[str, Callable[[], Graph]] = {
    system.NAME: system.build,
    data.NAME: data.build,
    kafka_flows.NAME: kafka_flows.build,
    hdfs_batches.NAME: hdfs_batches.build,
}


def sources() -> dict[str, str]:
    """Each diagram's DOT text, by name."""
    return {name: build().dot() for name, build in DIAGRAMS.items()}


def write_all(folder: Path, read: dict[str, Graph] | None = None) -> list[Path]:
    """`<name>.dot`, `.svg` and `.png` of every diagram, and of those `read` from a cluster, into
    `folder`; the paths written. Everything is rendered before anything is written, so a missing or
    failing `dot` leaves the folder as it was."""
    files: dict[Path, bytes] = {}
    for name, text in {**sources(), **{name: graph.dot() for name, graph in (read or {}).items()}}.items():
        files[folder / f"{name}.dot"] = text.encode()
        for fmt in FORMATS:
            files[folder / f"{name}.{fmt}"] = render(text, fmt)
    folder.mkdir(parents=True, exist_ok=True)
    for path, content in files.items():
        path.write_bytes(content)
    return list(files)
