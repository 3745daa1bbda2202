"""Work areas (dev, test, prod) and the names a dataset takes in each of them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from agility.errors import ConfigError

AREAS_FILE = Path(__file__).parent / "areas.yaml"
NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
SINKS = ("cassandra", "mysql", "hdfs")


@dataclass(frozen=True)
class Area:
    name: str
    kafka_prefix: str
    keyspace: str
    database: str
    hdfs_root: str
    kafka_account: str
    hdfs_account: str  # owns the area's HDFS directory; the area's jobs write as it
    linux_group: str
    linux_gid: int

    def topic(self, dataset: str) -> str:
        return f"{self.kafka_prefix}{check_dataset(dataset)}"

    def dead_letter_topic(self, dataset: str) -> str:
        return f"{self.topic(dataset)}.dlq"

    def group(self, dataset: str, sink: str) -> str:
        return f"{self.topic(dataset)}.sink-{sink}"

    def hdfs_path(self, dataset: str) -> str:
        return f"{self.hdfs_root}/{check_dataset(dataset)}"


def check_dataset(dataset: str) -> str:
    if not NAME.match(dataset):
        raise ConfigError(f"dataset name {dataset!r}: use lower-case letters, digits and _ (a letter first, ≤ 48)")
    return dataset


def load_all(overrides: dict | None = None) -> dict[str, Area]:
    data = yaml.safe_load(AREAS_FILE.read_text())["areas"]
    for name, values in (overrides or {}).items():
        data[name] = {**data.get(name, {}), **values}
    areas = {}
    for name, values in data.items():
        try:
            areas[name] = Area(name=name, **values)
        except TypeError as error:
            raise ConfigError(f"area {name}: {error}") from None
    return areas


def get(name: str, overrides: dict | None = None) -> Area:
    areas = load_all(overrides)
    if name not in areas:
        raise ConfigError(f"unknown area '{name}'; areas: {', '.join(areas)}")
    return areas[name]
