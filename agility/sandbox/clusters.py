"""The sandbox's clusters (clusters.yaml): which topology each runs, on which private range."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import yaml

from agility.config import areas
from agility.core.errors import ConfigError

CLUSTERS_FILE = Path(__file__).parent / "clusters.yaml"
DEFAULT_CLUSTER = "shared"


@dataclass(frozen=True)
class ClusterSpec:
    name: str
    topology: str
    network: ipaddress.IPv4Network
    description: str = ""
    work_areas: list[str] | None = None  # the areas it hosts; None: every area of areas.yaml
    areas: dict | None = None  # its overrides of areas.yaml (e.g. the queues' shares), as a profile's
    kerberos: bool = False  # HDFS with Kerberos, its KDC on the NameNode's node (sandbox/kerberos.py)
    twin_of: str | None = None  # a copy of that cluster for a second test worker: not drawn as part of the platform

    def hosted_areas(self) -> dict[str, areas.Area]:
        return areas.hosted(self.work_areas, self.areas)


def load_all(path: Path = CLUSTERS_FILE) -> dict[str, ClusterSpec]:
    data = yaml.safe_load(path.read_text()) or {}
    found = {}
    for name, spec in data.items():
        try:
            found[name] = ClusterSpec(name, spec["topology"], ipaddress.ip_network(spec["network"]),
                                      spec.get("description", ""), spec.get("work_areas"), spec.get("areas"),
                                      bool(spec.get("kerberos", False)), spec.get("twin_of"))
            found[name].hosted_areas()  # a wrong area name fails here, when the file is read
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigError(f"{path}: cluster {name}: {error}") from None
        except ConfigError as error:
            raise ConfigError(f"{path}: cluster {name}: {error}") from None
    twins = [f"{name} (twin of {spec.twin_of})" for name, spec in found.items()
             if spec.twin_of is not None and spec.twin_of not in found]
    if twins:
        raise ConfigError(f"{path}: twin of an undefined cluster: {', '.join(twins)}")
    ranges = [spec.network for spec in found.values()]
    for index, network in enumerate(ranges):
        if any(network.overlaps(other) for other in ranges[index + 1:]):
            raise ConfigError(f"{path}: two clusters share the range {network}")
    return found


def of_the_platform() -> dict[str, ClusterSpec]:
    """The clusters the platform is drawn with: every one but the test workers' twins."""
    return {name: spec for name, spec in load_all().items() if spec.twin_of is None}


def twin_of(name: str) -> str | None:
    """The cluster defined as `name`'s twin, if there is one."""
    return next((twin for twin, spec in load_all().items() if spec.twin_of == name), None)


def get(name: str) -> ClusterSpec | None:
    """The cluster's definition; None for a cluster named only by a caller (the lifecycle tests',
    on a topology of their own)."""
    return load_all().get(name)


def parse_names(text: str) -> list[str]:
    """`shared,production` → the clusters, each one defined; else an error listing the valid ones."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    known = load_all()
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ConfigError(f"unknown sandbox cluster(s) {', '.join(unknown) or '(none given)'}; "
                          f"valid ones: {', '.join(known)}")
    return names


def profile_name(cluster: str) -> str:
    """The profile `sandbox up` writes for a cluster: `sandbox` for the default one."""
    return "sandbox" if cluster == DEFAULT_CLUSTER else f"sandbox-{cluster}"
