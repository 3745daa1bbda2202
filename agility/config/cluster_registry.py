"""The clusters an operator works with, in the spirit of `dcos cluster` and `kubectl config`: each
a name for a profile, one of them attached (what commands and the suite run against), and one-way
links from a cluster to others (the ones its pane of glass may switch to).

Kept in ~/.agility/clusters.yaml (or the file AGILITY_CLUSTERS names), written atomically."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agility.core.errors import ConfigError

CLUSTER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def registry_path() -> Path:
    return Path(os.environ.get("AGILITY_CLUSTERS") or "~/.agility/clusters.yaml").expanduser()


@dataclass
class Registry:
    clusters: dict[str, dict] = field(default_factory=dict)  # name → {profile, links}
    attached: str | None = None
    path: Path = field(default_factory=registry_path)

    # --- reading ----------------------------------------------------------------------------
    def profile_of(self, name: str) -> str:
        return self.cluster(name)["profile"]

    def links_of(self, name: str) -> list[str]:
        return list(self.cluster(name).get("links", []))

    def cluster(self, name: str) -> dict:
        if name not in self.clusters:
            known = ", ".join(self.clusters) or "none yet: `agility cluster setup NAME --profile P`"
            raise ConfigError(f"no cluster '{name}'; clusters: {known}")
        return self.clusters[name]

    # --- changing (each saved at once) --------------------------------------------------------
    def setup(self, name: str, profile: str) -> None:
        if not CLUSTER_NAME.fullmatch(name):
            raise ConfigError(f"cluster name {name!r}: use letters, digits, _ and - (a letter or digit first)")
        self.clusters[name] = {"profile": profile, "links": self.clusters.get(name, {}).get("links", [])}
        if self.attached is None:
            self.attached = name  # the first cluster set up is attached, as dcos does
        self.save()

    def attach(self, name: str) -> None:
        self.cluster(name)
        self.attached = name
        self.save()

    def link(self, source: str, target: str) -> None:
        """One way: `source`'s pane of glass may switch to `target`, not the other way round."""
        self.cluster(target)
        if source == target:
            raise ConfigError(f"a cluster is not linked to itself ({source})")
        links = self.cluster(source).setdefault("links", [])
        if target not in links:
            links.append(target)
        self.save()

    def unlink(self, source: str, target: str) -> None:
        links = self.cluster(source).get("links", [])
        if target not in links:
            raise ConfigError(f"{source} is not linked to {target}; its links: {', '.join(links) or 'none'}")
        links.remove(target)
        self.save()

    def remove(self, name: str) -> None:
        self.cluster(name)
        del self.clusters[name]
        for spec in self.clusters.values():
            if name in spec.get("links", []):
                spec["links"].remove(name)
        if self.attached == name:
            self.attached = None
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        draft = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        draft.write_text(yaml.safe_dump({"attached": self.attached, "clusters": self.clusters}, sort_keys=False))
        draft.replace(self.path)


def load(path: Path | None = None) -> Registry:
    path = path or registry_path()
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        return Registry(path=path)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    clusters = data.get("clusters") or {}
    if not isinstance(clusters, dict) or not all(isinstance(spec, dict) and spec.get("profile")
                                                 for spec in clusters.values()):
        raise ConfigError(f"{path}: clusters must map each name to {{profile: NAME, links: [...]}}")
    attached = data.get("attached")
    if attached is not None and attached not in clusters:
        raise ConfigError(f"{path}: the attached cluster {attached} is not one of {', '.join(clusters)}")
    return Registry(clusters=clusters, attached=attached, path=path)


def attached_profile() -> str | None:
    """The attached cluster's profile, if a cluster is attached."""
    registry = load()
    return registry.profile_of(registry.attached) if registry.attached else None


def profile_of_cluster(name: str) -> str:
    return load().profile_of(name)
