"""Work areas (dev, test, prod) and the names a dataset takes in each of them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from agility.core.errors import ConfigError

AREAS_FILE = Path(__file__).parent / "areas.yaml"
SINKS = ("cassandra", "mysql", "hdfs")
# Names that reach a path, a CQL or SQL statement or a command line unquoted: each must match its
# pattern as a whole (fullmatch: `$` alone would let a trailing newline through).
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]{0,47}")  # datasets, areas, keyspaces, databases
ACCOUNT = re.compile(r"[a-z][a-z0-9_-]{0,31}")  # Linux users and groups, Kafka and HDFS accounts
KAFKA_PREFIX = re.compile(r"[a-z][a-z0-9_-]{0,47}\.")  # `dev.`: the area's topics and groups
HDFS_ROOT = re.compile(r"(/[a-z0-9_-]+)+")  # absolute, no `.` or `..`, no trailing slash
RULES = {IDENTIFIER: "lower-case letters, digits and _, a letter first, at most 48",
         ACCOUNT: "lower-case letters, digits, _ and -, a letter first, at most 32",
         KAFKA_PREFIX: "a name of lower-case letters, digits, _ and - followed by a dot, e.g. dev.",
         HDFS_ROOT: "an absolute path of lower-case letters, digits, _ and -, e.g. /areas/dev"}
AREA_FIELDS = {"keyspace": IDENTIFIER, "database": IDENTIFIER, "kafka_prefix": KAFKA_PREFIX, "hdfs_root": HDFS_ROOT,
               "kafka_account": ACCOUNT, "hdfs_account": ACCOUNT, "linux_group": ACCOUNT, "spark_queue": IDENTIFIER}
SHARES = ("queue_capacity", "queue_maximum_capacity")  # percent of the cluster's YARN memory


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
    spark_queue: str = ""  # the area's YARN queue (root.<spark_queue>); "" → the area's name
    queue_capacity: int = 0  # percent of the cluster guaranteed to the queue
    queue_maximum_capacity: int = 100  # percent it may grow to when the other queues leave room

    @property
    def queue(self) -> str:
        return self.spark_queue or self.name

    def topic(self, dataset: str) -> str:
        return f"{self.kafka_prefix}{check_dataset(dataset)}"

    def dead_letter_topic(self, dataset: str) -> str:
        return f"{self.topic(dataset)}.dlq"

    def group(self, dataset: str, sink: str) -> str:
        return f"{self.topic(dataset)}.sink-{sink}"

    def hdfs_path(self, dataset: str) -> str:
        return f"{self.hdfs_root}/{check_dataset(dataset)}"


def check_name(value, pattern: re.Pattern, what: str) -> str:
    """`value` if it matches `pattern` as a whole, else a one-line error naming the rule."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ConfigError(f"{what} {value!r}: use {RULES[pattern]}")
    return value


def check_shares(name: str, values: dict) -> None:
    """The queue's shares: whole percents, the guaranteed one no larger than the maximum."""
    for key in SHARES:
        share = values.get(key)
        if share is not None and (not isinstance(share, int) or isinstance(share, bool) or not 0 <= share <= 100):
            raise ConfigError(f"area {name}: {key} {share!r}: use a whole percent, 0 to 100")
    if values.get("queue_capacity", 0) > values.get("queue_maximum_capacity", 100):
        raise ConfigError(f"area {name}: queue_capacity {values['queue_capacity']} is above "
                          f"queue_maximum_capacity {values.get('queue_maximum_capacity', 100)}")


def check_dataset(dataset: str) -> str:
    return check_name(dataset, IDENTIFIER, "dataset name")


def load_all(overrides: dict | None = None) -> dict[str, Area]:
    data = yaml.safe_load(AREAS_FILE.read_text())["areas"]
    for name, values in (overrides or {}).items():
        if not isinstance(values, dict):
            raise ConfigError(f"the profile's areas.{name}: expected a mapping of the area's names, got {values!r}")
        data[name] = {**data.get(name, {}), **values}
    areas = {}
    for name, values in data.items():
        check_name(name, IDENTIFIER, "area name")
        for key, pattern in AREA_FIELDS.items():
            if key in values:
                check_name(values[key], pattern, f"area {name}: {key}")
        if not isinstance(values.get("linux_gid", 0), int):
            raise ConfigError(f"area {name}: linux_gid {values['linux_gid']!r}: use a number")
        check_shares(name, values)
        try:
            areas[name] = Area(name=name, **values)
        except TypeError as error:
            raise ConfigError(f"area {name}: {error}") from None
    return areas


def hosted(names: list[str] | None, overrides: dict | None = None) -> dict[str, Area]:
    """The areas one cluster hosts (`work_areas` of its profile or sandbox cluster), in that order:
    every area of areas.yaml when `names` is None. A pure-production cluster hosts prod only."""
    known = load_all(overrides)
    if names is None:
        return known
    if not isinstance(names, list) or not names:
        raise ConfigError(f"work_areas {names!r}: give a list of area names, e.g. [prod]; areas: {', '.join(known)}")
    unknown = [str(name) for name in names if name not in known]
    if unknown:
        raise ConfigError(f"work_areas: unknown area(s) {', '.join(unknown)}; areas: {', '.join(known)}")
    return {name: known[name] for name in names}


def get(name: str, overrides: dict | None = None, names: list[str] | None = None) -> Area:
    """The area `name` of a cluster hosting `names` (all areas when None)."""
    areas = hosted(names, overrides)
    if name not in areas:
        what = "unknown area" if names is None else "this cluster hosts no area"
        raise ConfigError(f"{what} '{name}'; areas: {', '.join(areas)}")
    return areas[name]
