"""`agility sandbox ...`: fetch, up, down, status and logs of the embedded sandbox."""

from __future__ import annotations

import json
from dataclasses import asdict

from tabulate import tabulate

from agility.checks import health
from agility.cli.output import say
from agility.clients.services import operator_clients
from agility.config import profiles
from agility.core.errors import AgilityError, ConfigError
from agility.sandbox import clusters as sandbox_clusters
from agility.sandbox.artifacts import fetch_all
from agility.sandbox.cluster import Sandbox


def _clusters(args) -> list[str]:
    names = sandbox_clusters.parse_names(args.clusters)
    if getattr(args, "topology", None) and len(names) > 1:
        raise ConfigError("--topology names one cluster's topology; with several clusters each runs its own "
                          "(agility/sandbox/clusters.yaml)")
    return names


def cmd_fetch(args) -> int:
    say("fetching the sandbox's artifacts (cached in /var/cache/agility)")
    fetch_all(say)
    return 0


def cmd_up(args) -> int:
    """One cluster after the other: on two cores, starting both at once only slows each down."""
    for name in _clusters(args):
        topology = args.topology or sandbox_clusters.get(name).topology
        kerberos = True if args.kerberos else None  # else as it runs, or as clusters.yaml says
        sandbox = Sandbox(topology, cluster=name, kerberos=kerberos)
        if args.fresh:
            sandbox.down(say)
            sandbox.purge()
            sandbox = Sandbox(topology, cluster=name, kerberos=kerberos)
        sandbox.up(say)
    return 0


def cmd_down(args) -> int:
    for name in (list(sandbox_clusters.load_all()) if args.all else _clusters(args)):
        sandbox = Sandbox(cluster=name)
        sandbox.down(say)
        if args.purge:
            sandbox.purge()
            say(f"sandbox '{name}': data removed")
    return 0


def cmd_status(args) -> int:
    rows = []
    profile_name = args.profile or profiles.sandbox_profile_name(args.cluster)
    if (cluster := profiles.sandbox_cluster(profile_name)) is not None:
        sandbox = Sandbox(cluster=cluster)
        if not sandbox.is_up():
            say(f"sandbox cluster '{cluster}' is not up (run `agility sandbox up --clusters {cluster}`)")
            return 3
        rows = [asdict(row) for row in sandbox.processes()]
    profile = profiles.load(profile_name)
    with operator_clients(profile) as clients:
        checks = health.check_all(clients)
    if args.json:
        print(json.dumps({"profile": profile.name, "processes": rows, "health": [asdict(check) for check in checks]},
                         indent=2))
    else:
        if rows:
            say(_process_table(rows))
            say("")
        for check in checks:
            mark = "✓" if check.ok else "✗"
            say(f"{mark} {check.service:<10} {check.detail}  ({check.seconds:.2f} s)")
    dead = [row for row in rows if not row["alive"]]
    return 0 if all(check.ok for check in checks) and not dead else 1


def _process_table(rows: list[dict]) -> str:
    """`sandbox status`'s table: one line per service instance, pid and RSS aligned right."""
    lines = [[row["node"], row["service"], row["address"], ",".join(str(port) for port in row["ports"].values()),
              row["pid"] or "-", f"{row['rss_bytes'] / 2**20:.0f}M" if row["alive"] else "dead", row["program"]]
             for row in rows]
    return tabulate(lines, headers=["node", "service", "address", "ports", "pid", "rss", "program"], tablefmt="plain",
                    colalign=("left", "left", "left", "left", "right", "right", "left"), disable_numparse=True)


def cmd_logs(args) -> int:
    sandbox = Sandbox(cluster=args.cluster)
    names = [args.service] if args.service else list(sandbox.services)
    for name in names:
        if name not in sandbox.services:
            raise AgilityError(f"no service '{name}' in this sandbox; services: {', '.join(sandbox.services)}")
        service = sandbox.services[name]
        for node in service.nodes:
            if args.node and node.name != args.node:
                continue
            say(f"==> {service.instance(node)}: {service.log_path(node)}")
            say(service.logs(node, args.lines))
    return 0
