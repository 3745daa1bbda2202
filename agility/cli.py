"""The `agility` command line: the sandbox, tunnels, and (later) jobs and provisioning."""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from tabulate import tabulate

from agility import diagrams
from agility.checks import health, rendered_report, verdict
from agility.clients import hdfs_survey
from agility.clients.services import operator_clients
from agility.config import cluster_registry, declaration, profiles
from agility.config.developers import check_developer, registry
from agility.core.errors import AgilityError, ConfigError, exit_status
from agility.dashboard import server
from agility.dashboard.state import Board
from agility.diagrams import hdfs_datasets
from agility.provisioning import apply as run
from agility.provisioning import target
from agility.provisioning.area_accounts import provision_area
from agility.reach import survey, tunnel
from agility.sandbox import clusters as sandbox_clusters
from agility.sandbox.artifacts import fetch_all
from agility.sandbox.cluster import Sandbox


def _print(line: str) -> None:
    print(line, flush=True)


def cmd_fetch(args) -> int:

    _print("fetching the sandbox's artifacts (cached in /var/cache/agility)")
    fetch_all(_print)
    return 0


def _clusters(args) -> list[str]:
    names = sandbox_clusters.parse_names(args.clusters)
    if getattr(args, "topology", None) and len(names) > 1:
        raise ConfigError("--topology names one cluster's topology; with several clusters each runs its own "
                          "(agility/sandbox/clusters.yaml)")
    return names


def cmd_up(args) -> int:
    """One cluster after the other: on two cores, starting both at once only slows each down."""
    for name in _clusters(args):
        topology = args.topology or sandbox_clusters.get(name).topology
        kerberos = True if args.kerberos else None  # else as it runs, or as clusters.yaml says
        sandbox = Sandbox(topology, cluster=name, kerberos=kerberos)
        if args.fresh:
            sandbox.down(_print)
            sandbox.purge()
            sandbox = Sandbox(topology, cluster=name, kerberos=kerberos)
        sandbox.up(_print)
    return 0


def cmd_down(args) -> int:
    for name in (list(sandbox_clusters.load_all()) if args.all else _clusters(args)):
        sandbox = Sandbox(cluster=name)
        sandbox.down(_print)
        if args.purge:
            sandbox.purge()
            _print(f"sandbox '{name}': data removed")
    return 0


def cmd_status(args) -> int:

    rows = []
    profile_name = args.profile or profiles.sandbox_profile_name(args.cluster)
    if (cluster := profiles.sandbox_cluster(profile_name)) is not None:
        sandbox = Sandbox(cluster=cluster)
        if not sandbox.is_up():
            _print(f"sandbox cluster '{cluster}' is not up (run `agility sandbox up --clusters {cluster}`)")
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
            _print(_process_table(rows))
            _print("")
        for check in checks:
            mark = "✓" if check.ok else "✗"
            _print(f"{mark} {check.service:<10} {check.detail}  ({check.seconds:.2f} s)")
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
            _print(f"==> {service.instance(node)}: {service.log_path(node)}")
            _print(service.logs(node, args.lines))
    return 0


def cmd_tunnel(args) -> int:

    profile = profiles.load(args.profile)
    services = tuple(args.services.split(",")) if args.services else None
    tunnel.serve(profile, args.user, services)
    return 0


def cmd_cluster_setup(args) -> int:
    if profiles.sandbox_cluster(args.profile) not in sandbox_clusters.load_all():
        profiles.load(args.profile)  # a sandbox cluster's may not exist yet; any other must be valid now
    registry = cluster_registry.load()
    registry.setup(args.name, args.profile)
    found = survey.reachability(args.profile)
    _print(f"cluster {args.name} set up (profile {args.profile}): {found.status}"
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
        _print("no clusters set up: `agility cluster setup NAME --profile P`")
    else:
        _print(tabulate([["*" if row["attached"] else "", row["name"], row["profile"], row["status"],
                          ",".join(row["links"]) or "-"] for row in rows],
                        headers=["", "name", "profile", "status", "links to"], tablefmt="plain"))
    return 0


def cmd_cluster_attach(args) -> int:
    registry = cluster_registry.load()
    registry.attach(args.name)
    _print(f"attached {args.name}: commands and the suite now run against profile {registry.profile_of(args.name)}")
    return 0


def cmd_cluster_link(args) -> int:
    registry = cluster_registry.load()
    if args.unlink:
        registry.unlink(args.source, args.target)
        _print(f"unlinked {args.source} → {args.target}")
    else:
        registry.link(args.source, args.target)
        _print(f"linked {args.source} → {args.target} (one way: {args.target} does not see {args.source})")
    return 0


def cmd_cluster_remove(args) -> int:
    cluster_registry.load().remove(args.name)
    _print(f"cluster {args.name} removed")
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
        _print(f"cluster {name} (profile {profile.name}):")
        _print(tabulate([[row["node"], row["address"], "up" if row["up"] else "DOWN", row["detail"]] for row in rows],
                        headers=["node", "address", "state", "detail"], tablefmt="plain"))
    return 0 if all(row["up"] for row in rows) else 1


def cmd_dashboard(args) -> int:
    board = Board(args.cluster)
    server.serve(board, args.port, ready=lambda url: _print(
        f"dashboard of {board.home} (switch to: {', '.join(board.switchable[1:]) or 'no linked cluster'}) at {url}; ^C stops it"))
    return 0


def cmd_verify(args) -> int:
    asked = [act.strip() for act in args.acts.split(",") if act.strip()] if args.acts else None
    found = verdict.verify(args.profile, asked, Path(args.results).resolve(), _print)
    for line in found.lines():
        _print(line)
    return 0 if found.ready else 1


def cmd_diagram(args) -> int:
    read = {}
    if args.profile:  # what the cluster's HDFS holds: read from it, as the operator
        profile = profiles.load(args.profile)
        with operator_clients(profile) as clients:
            read[hdfs_datasets.NAME] = hdfs_datasets.build(profile.name, hdfs_survey.survey(clients.hdfs_client()))
    for path in diagrams.write_all(Path(args.out), read):
        _print(str(path))
    return 0


def cmd_report_check(args) -> int:
    seen = rendered_report.look(Path(args.report), Path(args.results), Path(args.history))
    _print(f"{args.report}/index.html in headless Chromium: {seen.summary()}")
    for problem in seen.problems:
        _print(f"  ✗ {problem}")
    return 1 if seen.problems else 0


def cmd_provision_area(args) -> int:

    profile = profiles.load(args.profile)
    area = profile.area(args.area)
    with operator_clients(profile) as clients:
        changes = provision_area(profile, clients, area)
    for change in changes:
        _print(f"  + {change}")
    _print(f"area {area.name}: {len(changes)} change(s)" if changes else f"area {area.name}: no changes")
    return 0


def _plan_and_apply(found, dry_run: bool, what: str) -> None:
    if not found:
        _print(f"{what}: no changes")
        return
    _print(f"{what}: {len(found.actions)} change(s) planned")
    for line in found.lines():
        _print(f"  ~ {line}")
    if dry_run:
        _print("dry run: nothing was changed")
        return
    _print("applying")
    found.apply(_print)
    _print(f"{what}: {len(found.actions)} change(s) applied")


def cmd_provision(args) -> int:

    profile = profiles.load(args.profile)
    parts = list(run.PARTS) if args.what == "all" else [args.what]
    total = 0
    with target.connect(profile, args.file) as cluster:
        _print(f"provisioning {', '.join(parts)} of profile {profile.name} as {cluster.declaration.source} declares")
        for part in parts:  # in order, each planned once the one before is applied
            found = run.plan(cluster, [part])
            total += len(found.actions)
            _plan_and_apply(found, args.dry_run, f"{part} on {profile.name}")
    done = "planned (dry run: nothing was changed)" if args.dry_run else "applied"
    _print(f"{args.what} on {profile.name}: " + (f"{total} change(s) {done}" if total else "no changes"))
    return 0


def cmd_provision_developer(args) -> int:

    check_developer(args.name)  # before anything is read or written under it
    profile = profiles.load(args.profile)
    groups = tuple(args.groups.split(",")) if args.groups else tuple(declaration.DEVELOPER_GROUPS)
    unknown = sorted(set(groups) - set(declaration.DEVELOPER_GROUPS))
    if unknown:
        raise AgilityError(f"unknown groups {unknown}; groups: {', '.join(declaration.DEVELOPER_GROUPS)}")
    public_key = open(args.public_key).read().strip() if args.public_key else None
    with target.connect(profile, args.file) as cluster:
        cluster.area(args.area)  # a wrong area name fails here, before anything is written
        known = registry(profile)
        taken = {user.uid for user in cluster.declaration.linux_users}
        if args.dry_run and args.name not in known.all():
            _print(f"dry run: developer {args.name} would be registered in the {args.area} area and created on "
                   f"{len(profile.nodes)} node(s), with a Kafka, Cassandra and MariaDB account")
            return 0
        developer = known.add(args.name, args.area, groups, public_key, taken)
        _plan_and_apply(run.plan_developer(cluster, developer), args.dry_run, f"developer {developer.name}")
    if not args.dry_run:
        _print_how_to_connect(profile, developer)
    return 0


def _print_how_to_connect(profile, developer) -> None:

    identity = profile.ssh_user(developer.name)
    known = registry(profile)
    _print(f"\ndeveloper {developer.name}: area {developer.area}, uid {developer.uid}, groups {', '.join(developer.groups)}")
    _print(f"  SSH key:     {identity.key}" if known.ssh_user(developer.name) else "  SSH key:     the public key given")
    _print(f"  password:    Kafka (SCRAM-SHA-512), Cassandra and MariaDB user '{developer.name}'; "
           f"in {known.secrets_file} under '{developer.name}'")
    _print(f"  tunnel:      agility tunnel --profile {profile.name} --user {developer.name} "
           f"--services {','.join(identity.services)}")
    _print(f"  shell:       ssh -i {identity.key} -J {developer.name}@{profile.bastion.host}:{profile.bastion.port} "
           f"{developer.name}@{profile.node_address(profile.edge)}")


def cmd_deprovision_developer(args) -> int:

    profile = profiles.load(args.profile)
    known = registry(profile)
    known.get(args.name)  # says which developers exist when the name is wrong
    with target.connect(profile) as cluster:
        _plan_and_apply(run.plan_deprovision(cluster, args.name), args.dry_run, f"deprovision {args.name}")
    if not args.dry_run:
        known.remove(args.name)
        _print(f"developer {args.name} removed from the registry of {profile.name}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="agility", description="An executable demo of a data platform.")
    commands = root.add_subparsers(dest="command", required=True)

    sandbox = commands.add_parser("sandbox", help="the embedded sandbox of real services")
    actions = sandbox.add_subparsers(dest="action", required=True)
    actions.add_parser("fetch", help="download the services' jars and packages (cached)").set_defaults(run=cmd_fetch)
    up = actions.add_parser("up", help="start every node and service")
    up.add_argument("--clusters", default=sandbox_clusters.DEFAULT_CLUSTER,
                    help="which clusters, e.g. shared,production (default: shared); see agility/sandbox/clusters.yaml")
    up.add_argument("--topology", default=None, help="small or ha, or a topology file (default: the cluster's own)")
    up.add_argument("--fresh", action="store_true", help="remove all data first")
    up.add_argument("--kerberos", action="store_true",
                    help="HDFS with Kerberos: a KDC on the NameNode's node, tickets for every HDFS client")
    up.set_defaults(run=cmd_up)
    down = actions.add_parser("down", help="stop everything, remove namespaces and links")
    down.add_argument("--purge", action="store_true", help="also remove the nodes' data")
    down.add_argument("--clusters", default=sandbox_clusters.DEFAULT_CLUSTER, help="which clusters (default: shared)")
    down.add_argument("--all", action="store_true", help="every sandbox cluster")
    down.set_defaults(run=cmd_down)
    status = actions.add_parser("status", help="processes, and health from a real request each")
    status.add_argument("--json", action="store_true")
    status.add_argument("--profile", default=None, help="check a remote cluster's health instead")
    status.add_argument("--cluster", default=sandbox_clusters.DEFAULT_CLUSTER, help="which sandbox cluster")
    status.set_defaults(run=cmd_status)
    logs = actions.add_parser("logs", help="the last lines of service logs")
    logs.add_argument("service", nargs="?")
    logs.add_argument("--node")
    logs.add_argument("--lines", type=int, default=40)
    logs.add_argument("--cluster", default=sandbox_clusters.DEFAULT_CLUSTER, help="which sandbox cluster")
    logs.set_defaults(run=cmd_logs)

    provision = commands.add_parser("provision", help="work areas, users and accounts")
    what = provision.add_subparsers(dest="what", required=True)
    area = what.add_parser("area", help="an area's Kafka developer: Linux user, SCRAM account + ACLs, client settings")
    area.add_argument("area", help="dev, test or prod")
    area.add_argument("--profile", default=None)
    area.set_defaults(run=cmd_provision_area)
    for part, text in (("users", "Linux users and groups on every node"),
                       ("accounts", "service accounts per service and area, and developers' own accounts"),
                       ("quotas", "the areas' quotas"), ("all", "users, accounts and quotas")):
        command = what.add_parser(part, help=text)
        command.add_argument("--profile", default=None)
        command.add_argument("--file", default=None, help="the provisioning declaration (default: the profile's)")
        command.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
        command.set_defaults(run=cmd_provision)
    developer = what.add_parser("developer", help="one developer end to end, and how they connect")
    developer.add_argument("name")
    developer.add_argument("--area", required=True, help="dev, test or prod")
    developer.add_argument("--groups", default=None, help="developer groups (default: all four)")
    developer.add_argument("--public-key", default=None, help="their public key file (default: one is generated)")
    developer.add_argument("--profile", default=None)
    developer.add_argument("--file", default=None)
    developer.add_argument("--dry-run", action="store_true")
    developer.set_defaults(run=cmd_provision_developer)

    deprovision = commands.add_parser("deprovision", help="remove what provisioning made")
    gone = deprovision.add_subparsers(dest="what", required=True)
    remove = gone.add_parser("developer", help="a developer's Linux user on every node and their accounts")
    remove.add_argument("name")
    remove.add_argument("--profile", default=None)
    remove.add_argument("--dry-run", action="store_true")
    remove.set_defaults(run=cmd_deprovision_developer)

    cluster = commands.add_parser("cluster", help="the clusters you work with: set up, list, attach, link")
    verbs = cluster.add_subparsers(dest="verb", required=True)
    setup = verbs.add_parser("setup", help="name a cluster by its profile")
    setup.add_argument("name")
    setup.add_argument("--profile", required=True)
    setup.set_defaults(run=cmd_cluster_setup)
    listing = verbs.add_parser("list", help="every cluster set up, the attached one marked *")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=cmd_cluster_list)
    attach = verbs.add_parser("attach", help="run commands and the suite against this cluster")
    attach.add_argument("name")
    attach.set_defaults(run=cmd_cluster_attach)
    for verb, text in (("link", "let SOURCE's pane of glass switch to TARGET (one way)"), ("unlink", "undo a link")):
        linking = verbs.add_parser(verb, help=text)
        linking.add_argument("source")
        linking.add_argument("target")
        linking.set_defaults(run=cmd_cluster_link, unlink=verb == "unlink")
    remove = verbs.add_parser("remove", help="forget a cluster")
    remove.add_argument("name")
    remove.set_defaults(run=cmd_cluster_remove)
    nodes = verbs.add_parser("nodes", help="a cluster's nodes, each asked through the bastion")
    nodes.add_argument("name", nargs="?")
    nodes.add_argument("--json", action="store_true")
    nodes.set_defaults(run=cmd_cluster_nodes)

    dashboard = commands.add_parser("dashboard", help="a web page over the attached cluster and its linked ones")
    dashboard.add_argument("--cluster", default=None, help="the home cluster (default: the attached one)")
    dashboard.add_argument("--port", type=int, default=8765, help="on 127.0.0.1 (0: any free port)")
    dashboard.set_defaults(run=cmd_dashboard)

    verify = commands.add_parser("verify", help="QA's verdict: run the acts that apply to a cluster; READY or NOT READY")
    verify.add_argument("--profile", default=None, help="the cluster's profile (default: the attached cluster's)")
    verify.add_argument("--acts", default=None, help="only these acts, e.g. sandbox,kafka (default: all that apply)")
    verify.add_argument("--results", default="reports/allure-results", help="where the run's Allure results go")
    verify.set_defaults(run=cmd_verify)

    diagram = commands.add_parser("diagram", help="the platform's diagrams (SVG, PNG, DOT) from its topology and area files")
    diagram.add_argument("--out", default="reports/diagrams", help="the folder to write them to")
    diagram.add_argument("--profile", default=None,
                         help="also the HDFS data sets, read from this cluster (e.g. sandbox): what its areas hold now")
    diagram.set_defaults(run=cmd_diagram)

    report = commands.add_parser("report", help="the Allure report as a stakeholder sees it")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    check = report_commands.add_parser("check", help="open the rendered report in headless Chromium: every feature, "
                                                     "a step and its attachment, the environment, the trend")
    check.add_argument("--report", default="reports/allure-report", help="the rendered report")
    check.add_argument("--results", default="reports/allure-results", help="the run's Allure results")
    check.add_argument("--history", default="reports/history.jsonl", help="the runs the trend holds")
    check.set_defaults(run=cmd_report_check)

    tunnel = commands.add_parser("tunnel", help="keep an SSH tunnel to a cluster open")
    tunnel.add_argument("--profile", default=None)
    tunnel.add_argument("--user", default=None, help="the SSH user (default: the profile's bastion user)")
    tunnel.add_argument("--services", default=None, help="only these services, e.g. kafka or cassandra,mysql")
    tunnel.set_defaults(run=cmd_tunnel)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return exit_status(lambda: args.run(args))


if __name__ == "__main__":
    sys.exit(main())
