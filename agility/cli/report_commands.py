"""`agility verify`, `agility diagram` and `agility report check`: what QA and stakeholders read."""

from __future__ import annotations

from pathlib import Path

from agility import diagrams
from agility.checks import rendered_report, verdict
from agility.cli.output import say
from agility.clients import hdfs_survey
from agility.clients.services import operator_clients
from agility.config import profiles
from agility.diagrams import hdfs_datasets


def cmd_verify(args) -> int:
    asked = [act.strip() for act in args.acts.split(",") if act.strip()] if args.acts else None
    found = verdict.verify(args.profile, asked, Path(args.results).resolve(), say)
    for line in found.lines():
        say(line)
    return 0 if found.ready else 1


def cmd_diagram(args) -> int:
    read = {}
    if args.profile:  # what the cluster's HDFS holds: read from it, as the operator
        profile = profiles.load(args.profile)
        with operator_clients(profile) as clients:
            read[hdfs_datasets.NAME] = hdfs_datasets.build(profile.name, hdfs_survey.survey(clients.hdfs_client()))
    for path in diagrams.write_all(Path(args.out), read):
        say(str(path))
    return 0


def cmd_report_check(args) -> int:
    seen = rendered_report.look(Path(args.report), Path(args.results), Path(args.history))
    say(f"{args.report}/index.html in headless Chromium: {seen.summary()}")
    for problem in seen.problems:
        say(f"  ✗ {problem}")
    return 1 if seen.problems else 0
