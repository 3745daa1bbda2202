"""The `agility` command line: the sandbox, the clusters, provisioning, tunnels, QA's verdict and
the report. This module is the parser alone; each command's code is in this package's module for
its group, imported when that command runs (`handler`)."""

from __future__ import annotations

import argparse
import importlib

from agility.core.errors import exit_status
from agility.sandbox import clusters as sandbox_clusters


def handler(module: str, function: str):
    """The command `function` of `agility.cli.<module>`, imported only when it runs. Importing every
    command's dependencies (Kafka, Cassandra and SSH clients, the checks, the dashboard) cost each
    `agility` process ~0.5 s of CPU before it did anything, and `make test` starts ~200 of them:
    the background tunnels and the commands the acts run."""

    def run(args) -> int:
        return getattr(importlib.import_module(f"agility.cli.{module}"), function)(args)

    return run


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="agility", description="An executable demo of a data platform.")
    commands = root.add_subparsers(dest="command", required=True)

    sandbox = commands.add_parser("sandbox", help="the embedded sandbox of real services")
    actions = sandbox.add_subparsers(dest="action", required=True)
    actions.add_parser("fetch", help="download the services' jars and packages (cached)").set_defaults(run=handler("sandbox_commands", "cmd_fetch"))
    up = actions.add_parser("up", help="start every node and service")
    up.add_argument("--clusters", default=sandbox_clusters.DEFAULT_CLUSTER,
                    help="which clusters, e.g. shared,production (default: shared); see agility/sandbox/clusters.yaml")
    up.add_argument("--topology", default=None, help="small or ha, or a topology file (default: the cluster's own)")
    up.add_argument("--fresh", action="store_true", help="remove all data first")
    up.add_argument("--kerberos", action="store_true",
                    help="HDFS with Kerberos: a KDC on the NameNode's node, tickets for every HDFS client")
    up.set_defaults(run=handler("sandbox_commands", "cmd_up"))
    down = actions.add_parser("down", help="stop everything, remove namespaces and links")
    down.add_argument("--purge", action="store_true", help="also remove the nodes' data")
    down.add_argument("--clusters", default=sandbox_clusters.DEFAULT_CLUSTER, help="which clusters (default: shared)")
    down.add_argument("--all", action="store_true", help="every sandbox cluster")
    down.set_defaults(run=handler("sandbox_commands", "cmd_down"))
    status = actions.add_parser("status", help="processes, and health from a real request each")
    status.add_argument("--json", action="store_true")
    status.add_argument("--profile", default=None, help="check a remote cluster's health instead")
    status.add_argument("--cluster", default=sandbox_clusters.DEFAULT_CLUSTER, help="which sandbox cluster")
    status.set_defaults(run=handler("sandbox_commands", "cmd_status"))
    logs = actions.add_parser("logs", help="the last lines of service logs")
    logs.add_argument("service", nargs="?")
    logs.add_argument("--node")
    logs.add_argument("--lines", type=int, default=40)
    logs.add_argument("--cluster", default=sandbox_clusters.DEFAULT_CLUSTER, help="which sandbox cluster")
    logs.set_defaults(run=handler("sandbox_commands", "cmd_logs"))

    provision = commands.add_parser("provision", help="work areas, users and accounts")
    what = provision.add_subparsers(dest="what", required=True)
    area = what.add_parser("area", help="an area's Kafka developer: Linux user, SCRAM account + ACLs, client settings")
    area.add_argument("area", help="dev, test or prod")
    area.add_argument("--profile", default=None)
    area.set_defaults(run=handler("provision_commands", "cmd_provision_area"))
    for part, text in (("users", "Linux users and groups on every node"),
                       ("accounts", "service accounts per service and area, and developers' own accounts"),
                       ("quotas", "the areas' quotas"), ("all", "users, accounts and quotas")):
        command = what.add_parser(part, help=text)
        command.add_argument("--profile", default=None)
        command.add_argument("--file", default=None, help="the provisioning declaration (default: the profile's)")
        command.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
        command.set_defaults(run=handler("provision_commands", "cmd_provision"))
    developer = what.add_parser("developer", help="one developer end to end, and how they connect")
    developer.add_argument("name")
    developer.add_argument("--area", required=True, help="dev, test or prod")
    developer.add_argument("--groups", default=None, help="developer groups (default: all four)")
    developer.add_argument("--public-key", default=None, help="their public key file (default: one is generated)")
    developer.add_argument("--profile", default=None)
    developer.add_argument("--file", default=None)
    developer.add_argument("--dry-run", action="store_true")
    developer.set_defaults(run=handler("provision_commands", "cmd_provision_developer"))

    deprovision = commands.add_parser("deprovision", help="remove what provisioning made")
    gone = deprovision.add_subparsers(dest="what", required=True)
    remove = gone.add_parser("developer", help="a developer's Linux user on every node and their accounts")
    remove.add_argument("name")
    remove.add_argument("--profile", default=None)
    remove.add_argument("--dry-run", action="store_true")
    remove.set_defaults(run=handler("provision_commands", "cmd_deprovision_developer"))

    cluster = commands.add_parser("cluster", help="the clusters you work with: set up, list, attach, link")
    verbs = cluster.add_subparsers(dest="verb", required=True)
    setup = verbs.add_parser("setup", help="name a cluster by its profile")
    setup.add_argument("name")
    setup.add_argument("--profile", required=True)
    setup.set_defaults(run=handler("cluster_commands", "cmd_cluster_setup"))
    listing = verbs.add_parser("list", help="every cluster set up, the attached one marked *")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=handler("cluster_commands", "cmd_cluster_list"))
    attach = verbs.add_parser("attach", help="run commands and the suite against this cluster")
    attach.add_argument("name")
    attach.set_defaults(run=handler("cluster_commands", "cmd_cluster_attach"))
    for verb, text in (("link", "let SOURCE's pane of glass switch to TARGET (one way)"), ("unlink", "undo a link")):
        linking = verbs.add_parser(verb, help=text)
        linking.add_argument("source")
        linking.add_argument("target")
        linking.set_defaults(run=handler("cluster_commands", "cmd_cluster_link"), unlink=verb == "unlink")
    remove = verbs.add_parser("remove", help="forget a cluster")
    remove.add_argument("name")
    remove.set_defaults(run=handler("cluster_commands", "cmd_cluster_remove"))
    nodes = verbs.add_parser("nodes", help="a cluster's nodes, each asked through the bastion")
    nodes.add_argument("name", nargs="?")
    nodes.add_argument("--json", action="store_true")
    nodes.set_defaults(run=handler("cluster_commands", "cmd_cluster_nodes"))

    dashboard = commands.add_parser("dashboard", help="a web page over the attached cluster and its linked ones")
    dashboard.add_argument("--cluster", default=None, help="the home cluster (default: the attached one)")
    dashboard.add_argument("--port", type=int, default=8765, help="on 127.0.0.1 (0: any free port)")
    dashboard.set_defaults(run=handler("cluster_commands", "cmd_dashboard"))

    verify = commands.add_parser("verify", help="QA's verdict: run the acts that apply to a cluster; READY or NOT READY")
    verify.add_argument("--profile", default=None, help="the cluster's profile (default: the attached cluster's)")
    verify.add_argument("--acts", default=None, help="only these acts, e.g. sandbox,kafka (default: all that apply)")
    verify.add_argument("--results", default="reports/allure-results", help="where the run's Allure results go")
    verify.set_defaults(run=handler("report_commands", "cmd_verify"))

    diagram = commands.add_parser("diagram", help="the platform's diagrams (SVG, PNG, DOT) from its topology and area files")
    diagram.add_argument("--out", default="reports/diagrams", help="the folder to write them to")
    diagram.add_argument("--profile", default=None,
                         help="also the HDFS data sets, read from this cluster (e.g. sandbox): what its areas hold now")
    diagram.set_defaults(run=handler("report_commands", "cmd_diagram"))

    report = commands.add_parser("report", help="the Allure report as a stakeholder sees it")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    check = report_commands.add_parser("check", help="open the rendered report in headless Chromium: every feature, "
                                                     "a step and its attachment, the environment, the trend")
    check.add_argument("--report", default="reports/allure-report", help="the rendered report")
    check.add_argument("--results", default="reports/allure-results", help="the run's Allure results")
    check.add_argument("--history", default="reports/history.jsonl", help="the runs the trend holds")
    check.set_defaults(run=handler("report_commands", "cmd_report_check"))

    tunnel = commands.add_parser("tunnel", help="keep an SSH tunnel to a cluster open")
    tunnel.add_argument("--profile", default=None)
    tunnel.add_argument("--user", default=None, help="the SSH user (default: the profile's bastion user)")
    tunnel.add_argument("--services", default=None, help="only these services, e.g. kafka or cassandra,mysql")
    tunnel.set_defaults(run=handler("tunnel_command", "cmd_tunnel"))
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return exit_status(lambda: args.run(args))
