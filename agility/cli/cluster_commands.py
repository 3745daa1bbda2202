"""`agility cluster ...` and `agility dashboard`: the clusters an operator works with."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from tabulate import tabulate

from agility.cli.output import say
from agility.config import cluster_registry, profiles
from agility.core.errors import ConfigError
from agility.dashboard import server
from agility.dashboard.state import Board
from agility.reach import survey
from agility.sandbox import clusters as sandbox_clusters


def cmd_cluster_setup(args) -> int:
    if profiles.sandbox_cluster(args.profile) not in sandbox_clusters.load_all():
        profiles.load(args.profile)  # a sandbox cluster's may not exist yet; any other must be valid now
    registry = cluster_registry.load()
    registry.setup(args.name, args.profile)
    found = survey.reachability(args.profile)
    say(f"cluster {args.name} set up (profile {args.profile}): {found.status}"
           + ("" if found.status == survey.AVAILABLE else f" ({found.reason})")
           + ("; attached" if registry.attached == args.name else ""))
    return 0


def cmd_cluster_list(args) -> int:
    registry = cluster_registry.load()
    names = list(registry.clusters)
    with ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:  # an unreachable one costs its patience once
        found = dict(zip(names, pool.map(lambda name: survey.reachability(registry.profile_of(name)), names), strict=False))
    rows = [{"name": name, "attached": name == registry.attached, "profile": registry.profile_of(name),
             "status": found[name].status, "reason": found[name].reason, "links": registry.links_of(name)}
            for name in names]
    if args.json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        say("no clusters set up: `agility cluster setup NAME --profile P`")
    else:
        say(tabulate([["*" if row["attached"] else "", row["name"], row["profile"], row["status"],
                          ",".join(row["links"]) or "-"] for row in rows],
                        headers=["", "name", "profile", "status", "links to"], tablefmt="plain"))
    return 0


def cmd_cluster_attach(args) -> int:
    registry = cluster_registry.load()
    registry.attach(args.name)
    say(f"attached {args.name}: commands and the suite now run against profile {registry.profile_of(args.name)}")
    return 0


def cmd_cluster_link(args) -> int:
    registry = cluster_registry.load()
    if args.unlink:
        registry.unlink(args.source, args.target)
        say(f"unlinked {args.source} → {args.target}")
    else:
        registry.link(args.source, args.target)
        say(f"linked {args.source} → {args.target} (one way: {args.target} does not see {args.source})")
    return 0


def cmd_cluster_remove(args) -> int:
    cluster_registry.load().remove(args.name)
    say(f"cluster {args.name} removed")
    return 0


def cmd_cluster_nodes(args) -> int:
    """The nodes of a cluster (the attached one by default), each asked through its bastion."""
    registry = cluster_registry.load()
    name = args.name or registry.attached
    if name is None:
        raise ConfigError("no cluster attached: `agility cluster attach NAME`, or name one")
    profile = profiles.load(registry.profile_of(name))
    probe = survey.Survey(profile)
    try:
        probe.connect()
        rows = [{"node": node, "address": address, **dict(zip(("up", "detail"), probe.node_state(address), strict=False))}
                for node, address in profile.nodes.items()]
    finally:
        probe.close()
    if args.json:
        print(json.dumps({"cluster": name, "profile": profile.name, "nodes": rows}, indent=2))
    else:
        say(f"cluster {name} (profile {profile.name}):")
        say(tabulate([[row["node"], row["address"], "up" if row["up"] else "DOWN", row["detail"]] for row in rows],
                        headers=["node", "address", "state", "detail"], tablefmt="plain"))
    return 0 if all(row["up"] for row in rows) else 1


def cmd_dashboard(args) -> int:
    board = Board(args.cluster)
    server.serve(board, args.port, ready=lambda url: say(
        f"dashboard of {board.home} (switch to: {', '.join(board.switchable[1:]) or 'no linked cluster'}) at {url}; ^C stops it"))
    return 0
