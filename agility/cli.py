"""The `agility` command line: the sandbox, tunnels, and (later) jobs and provisioning."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from agility.errors import AgilityError


def _print(line: str) -> None:
    print(line, flush=True)


def cmd_fetch(args) -> int:
    from agility.sandbox.artifacts import fetch_all

    _print("fetching the sandbox's artifacts (cached in /var/cache/agility)")
    fetch_all(_print)
    return 0


def cmd_up(args) -> int:
    from agility.sandbox.cluster import Sandbox

    sandbox = Sandbox(args.topology)
    if args.fresh:
        sandbox.down(_print)
        sandbox.purge()
        sandbox = Sandbox(args.topology)
    sandbox.up(_print)
    return 0


def cmd_down(args) -> int:
    from agility.sandbox.cluster import Sandbox

    sandbox = Sandbox()
    sandbox.down(_print)
    if args.purge:
        sandbox.purge()
        _print("sandbox data removed")
    return 0


def cmd_status(args) -> int:
    from agility import health, profiles
    from agility.connect import operator_clients

    rows = []
    profile_name = args.profile or "sandbox"
    if profile_name == "sandbox":
        from agility.sandbox.cluster import Sandbox

        sandbox = Sandbox()
        if not sandbox.is_up():
            _print("the sandbox is not up (run `agility sandbox up`)")
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
            _print(f"{'node':<9} {'service':<13} {'address':<15} {'ports':<22} {'pid':>7}  {'rss':>7}  program")
            for row in rows:
                ports = ",".join(str(port) for port in row["ports"].values())
                pid = row["pid"] or "-"
                rss = f"{row['rss_bytes'] / 2**20:.0f}M" if row["alive"] else "dead"
                _print(f"{row['node']:<9} {row['service']:<13} {row['address']:<15} {ports:<22} {pid:>7}  {rss:>7}  {row['program']}")
            _print("")
        for check in checks:
            mark = "✓" if check.ok else "✗"
            _print(f"{mark} {check.service:<10} {check.detail}  ({check.seconds:.2f} s)")
    dead = [row for row in rows if not row["alive"]]
    return 0 if all(check.ok for check in checks) and not dead else 1


def cmd_logs(args) -> int:
    from agility.sandbox.cluster import Sandbox

    sandbox = Sandbox()
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
    from agility import profiles, tunnel

    profile = profiles.load(args.profile)
    services = tuple(args.services.split(",")) if args.services else None
    tunnel.serve(profile, args.user, services)
    return 0


def cmd_provision_area(args) -> int:
    from agility import areas, profiles
    from agility.connect import operator_clients
    from agility.provisioning.areas import provision_kafka_area

    profile = profiles.load(args.profile)
    area = areas.get(args.area, profile.extra.get("areas"))
    with operator_clients(profile) as clients:
        changes = provision_kafka_area(profile, clients, area)
    for change in changes:
        _print(f"  + {change}")
    _print(f"area {area.name}: {len(changes)} change(s)" if changes else f"area {area.name}: no changes")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="agility", description="An executable demo of a data platform.")
    commands = root.add_subparsers(dest="command", required=True)

    sandbox = commands.add_parser("sandbox", help="the embedded sandbox of real services")
    actions = sandbox.add_subparsers(dest="action", required=True)
    actions.add_parser("fetch", help="download the services' jars and packages (cached)").set_defaults(run=cmd_fetch)
    up = actions.add_parser("up", help="start every node and service")
    up.add_argument("--topology", default="small", help="small (default) or ha, or a topology file")
    up.add_argument("--fresh", action="store_true", help="remove all data first")
    up.set_defaults(run=cmd_up)
    down = actions.add_parser("down", help="stop everything, remove namespaces and links")
    down.add_argument("--purge", action="store_true", help="also remove the nodes' data")
    down.set_defaults(run=cmd_down)
    status = actions.add_parser("status", help="processes, and health from a real request each")
    status.add_argument("--json", action="store_true")
    status.add_argument("--profile", default=None, help="check a remote cluster's health instead")
    status.set_defaults(run=cmd_status)
    logs = actions.add_parser("logs", help="the last lines of service logs")
    logs.add_argument("service", nargs="?")
    logs.add_argument("--node")
    logs.add_argument("--lines", type=int, default=40)
    logs.set_defaults(run=cmd_logs)

    provision = commands.add_parser("provision", help="work areas, users and accounts")
    what = provision.add_subparsers(dest="what", required=True)
    area = what.add_parser("area", help="an area's Kafka developer: Linux user, SCRAM account + ACLs, client settings")
    area.add_argument("area", help="dev, test or prod")
    area.add_argument("--profile", default=None)
    area.set_defaults(run=cmd_provision_area)

    tunnel = commands.add_parser("tunnel", help="keep an SSH tunnel to a cluster open")
    tunnel.add_argument("--profile", default=None)
    tunnel.add_argument("--user", default=None, help="the SSH user (default: the profile's bastion user)")
    tunnel.add_argument("--services", default=None, help="only these services, e.g. kafka or cassandra,mysql")
    tunnel.set_defaults(run=cmd_tunnel)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except AgilityError as error:
        print(f"agility: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
