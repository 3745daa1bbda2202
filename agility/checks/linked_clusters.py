"""What `agility cluster list --json` and `agility cluster nodes --json` printed, against what a
scenario claims (`pytest -m linked_clusters`). Each returns what is wrong: empty proves it."""

from __future__ import annotations

import socket
from pathlib import Path

import yaml

TRACEBACK = "Traceback (most recent call last)"


def listing_row(listing: list[dict], name: str) -> dict | None:
    return next((row for row in listing or [] if row.get("name") == name), None)


def status_problems(listing: list[dict], name: str, status: str) -> list[str]:
    row = listing_row(listing, name)
    if row is None:
        return [f"{name} is not listed: {[found.get('name') for found in listing or []]}"]
    if row["status"] != status:
        return [f"{name} is {row['status']}, not {status} ({row['reason']})"]
    return []


def attached_problems(listing: list[dict], name: str) -> list[str]:
    marked = [row["name"] for row in listing or [] if row.get("attached")]
    return [] if marked == [name] else [f"the attached cluster is {marked or 'none'}, not {name}"]


def link_problems(listing: list[dict], source: str, expected: list[str]) -> list[str]:
    row = listing_row(listing, source)
    if row is None:
        return [f"{source} is not listed"]
    return [] if row["links"] == expected else [f"{source} links to {row['links'] or 'nothing'}, not {expected or 'nothing'}"]


def node_problems(survey: dict, profile, network_prefix: str) -> list[str]:
    """Every node of the profile answered through the cluster's own bastion, from its own range."""
    problems = []
    answered = {row["node"]: row for row in survey.get("nodes", [])}
    if set(answered) != set(profile.nodes):
        problems.append(f"nodes listed {sorted(answered)}, the cluster has {sorted(profile.nodes)}")
    for name, row in answered.items():
        if not row["up"]:
            problems.append(f"{name} ({row['address']}) did not answer: {row['detail']}")
        elif not row["detail"].startswith("SSH-"):
            problems.append(f"{name} answered {row['detail']!r}, not an SSH banner")
        if not row["address"].startswith(network_prefix):
            problems.append(f"{name} is at {row['address']}, outside {network_prefix}*")
    return problems


def plain_output_problems(output: str) -> list[str]:
    return [f"the command printed a traceback:\n{output[-800:]}"] if TRACEBACK in output else []


def refused_port() -> int:
    """A loopback port nothing listens on: a connection to it is refused by this host's kernel."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again on return: nothing listens there


def profile_with_bastion(source: str, name: str, host: str, port: int, folder: Path) -> Path:
    """A copy of the profile at `source`, named `name`, whose bastion is host:port."""
    data = yaml.safe_load(Path(source).read_text())
    data.pop("sandbox", None)  # not a sandbox cluster: its bastion is dialed like a remote one
    data.update(name=name, description=f"{data.get('name')} behind a bastion at {host}:{port}")
    data["bastion"] = {**data["bastion"], "host": host, "port": port}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
