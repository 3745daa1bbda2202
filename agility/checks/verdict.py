"""`agility verify`: QA's one verdict before an event. The suite's acts that apply to the profile
run against its cluster in one pytest run; each act is READY when every one of its checks passed
(skips are listed, a failure or error fails the act, an act of which no check ran fails too), and
the cluster is READY when every act is.

Which acts apply is data: never the ones that are no check of a cluster (unit, report), that
start sandboxes of their own (lifecycle) or that kill parts of it (destructive: never before an
event, unless asked for by name); the two-cluster acts only where the sandbox runs them; the
notebooks only on a cluster with a hub; the YARN queues only where Spark runs on YARN."""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from agility.config import profiles
from agility.core.errors import ConfigError
from agility.core.paths import CACHE_DIR, REPO_DIR

Progress = Callable[[str], None]
NEVER = {"unit": "checks no cluster", "report": "checks no cluster", "lifecycle": "starts sandboxes of its own",
         "destructive": "kills parts of the cluster", "verify": "is this command's own check"}
NESTED = "AGILITY_VERIFYING"  # set in the run verify starts: a verify inside it would start runs without end
ALLURE = Path(os.environ.get("ALLURE", CACHE_DIR / "node" / "node_modules" / ".bin" / "allure"))


def declared_acts(ini: Path = REPO_DIR / "pytest.ini") -> list[str]:
    """The suite's markers, in pytest.ini's order: each act's, and the few that are not acts."""
    parser = configparser.ConfigParser()
    parser.read(ini)
    return [line.split(":")[0].strip() for line in parser["pytest"]["markers"].strip().splitlines()]


def why_not(act: str, profile: profiles.Profile) -> str | None:
    """Why `act` does not apply to the profile's cluster, or None when it does."""
    if act in NEVER:
        return NEVER[act]
    on_sandbox = profiles.sandbox_cluster(profile.name) is not None
    if act in ("failure", "linked_clusters") and not on_sandbox:
        return "needs the sandbox's second cluster (`sandbox up --clusters shared,production`)"
    if act == "failure":
        return NEVER["destructive"]
    if act == "jupyterhub" and not profile.jupyterhub:
        return "the profile names no JupyterHub"
    if act == "kerberos" and not on_sandbox and not profile.hdfs.get("kerberos"):
        return "its HDFS does not use Kerberos (the act needs a KDC and keytabs: hdfs.kerberos in the profile)"
    if act == "spark" and profile.spark.get("master") != "yarn":
        return "Spark does not run on YARN here"
    return None


def choose_acts(profile: profiles.Profile, asked: list[str] | None, declared: list[str]) -> tuple[list[str], dict[str, str]]:
    """The acts to run, and those left out with the reason. Acts named by the caller run as asked."""
    if asked:
        unknown = [act for act in asked if act not in declared]
        if unknown:
            raise ConfigError(f"unknown act(s) {', '.join(unknown)}; acts: {', '.join(declared)}")
        return asked, {}
    left_out = {act: reason for act in declared if (reason := why_not(act, profile))}
    return [act for act in declared if act not in left_out], left_out


@dataclass
class ActResult:
    act: str
    passed: int = 0
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "test: first line of what went wrong"

    @property
    def ready(self) -> bool:
        return not self.failed and self.passed > 0


@dataclass
class Verdict:
    profile: str
    acts: dict[str, ActResult]
    left_out: dict[str, str]
    pytest_status: int
    report: str

    @property
    def ready(self) -> bool:
        return self.pytest_status == 0 and bool(self.acts) and all(act.ready for act in self.acts.values())

    def lines(self) -> list[str]:
        ready = [name for name, act in self.acts.items() if act.ready]
        found = [f"{'READY' if self.ready else 'NOT READY'}: profile {self.profile}, "
                 f"{len(ready)} of {len(self.acts)} acts ready"]
        for name, act in self.acts.items():
            mark = "✓" if act.ready else "✗"
            extra = (f", {len(act.failed)} failed" if act.failed else "") + (
                f", {len(act.skipped)} skipped" if act.skipped else "")
            found.append(f"  {mark} {name}: {act.passed} passed{extra}"
                         + ("" if act.passed or act.failed else " (no check ran)"))
            found += [f"      ✗ {failure}" for failure in act.failed]
        if self.pytest_status not in (0, 1):
            found.append(f"  pytest itself exited {self.pytest_status} (2: interrupted, 3: internal error, "
                         f"4: usage, 5: no tests)")
        found += [f"  – {act}: not run, {reason}" for act, reason in self.left_out.items()]
        found.append(f"report: {self.report}")
        return found


def tally(acts: list[str], outcomes: list[dict]) -> dict[str, ActResult]:
    """Each act's outcome from the run's records (a test of several acts counts in each)."""
    results = {act: ActResult(act) for act in acts}
    for record in outcomes:
        for act in set(record["markers"]) & set(results):
            result = results[act]
            if record["outcome"] == "passed":
                result.passed += 1
            elif record["outcome"] == "skipped":
                result.skipped.append(record["name"])
            else:
                result.failed.append(f"{record['name']}: {record['message']}")
    return results


def verify(profile_name: str | None, asked: list[str] | None, results_dir: Path, progress: Progress) -> Verdict:
    if os.environ.get(NESTED):
        raise ConfigError("agility verify runs no verify inside its own run (this run was started by one)")
    profile = profiles.load(profile_name)
    acts, left_out = choose_acts(profile, asked, declared_acts())
    selection = f"({' or '.join(acts)})" + ("" if asked else " and not destructive")
    progress(f"verifying profile {profile.name}: {', '.join(acts)}")
    with tempfile.TemporaryDirectory(prefix="agility-verify-") as scratch:
        records = Path(scratch) / "outcomes.json"
        # the suite's own pytest.ini, named: a path among the arguments would otherwise move pytest's rootdir
        command = [sys.executable, "-m", "pytest", "-c", str(REPO_DIR / "pytest.ini"), f"--rootdir={REPO_DIR}",
                   "-m", selection, f"--profile={profiles.reference(profile)}", f"--alluredir={results_dir}",
                   f"--verdict-file={records}", "-q", "--tb=no"]  # the failures: in the verdict and the report
        if profile.hdfs.get("kerberos"):  # the Kerberos act on the cluster itself, not the sandbox's own
            command.append(f"--kerberos-profile={profiles.reference(profile)}")
        with subprocess.Popen(command, cwd=REPO_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, NESTED: "1"}) as run:
            for line in run.stdout:
                progress(line.rstrip())
        outcomes = json.loads(records.read_text()) if records.exists() else []
    return Verdict(profile.name, tally(acts, outcomes), left_out, run.returncode, render_report(results_dir, progress))


def render_report(results_dir: Path, progress: Progress) -> str:
    """The Allure report of the run, next to its results (the results alone when the Allure
    command line is not installed: `make setup` installs it)."""
    if not ALLURE.exists():
        return f"{results_dir} (raw results: the Allure command line is not at {ALLURE})"
    output = results_dir.parent / "allure-report"
    # the repository's settings, with a history of verify's own runs beside its results: a QA
    # verdict is not one more point in the trend of `make test`'s runs
    settings = yaml.safe_load((REPO_DIR / "allurerc.yaml").read_text())
    settings.update(output=str(output), historyPath=str(results_dir.parent / "verify-history.jsonl"))
    config = results_dir.parent / "allurerc.verify.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(yaml.safe_dump(settings, allow_unicode=True))
    done = subprocess.run([str(ALLURE), "generate", "-c", str(config), str(results_dir)],
                          cwd=REPO_DIR, capture_output=True, text=True)
    if done.returncode != 0:
        progress(f"the Allure report could not be generated: {(done.stdout + done.stderr).strip()[-500:]}")
        return str(results_dir)
    return str(output / "index.html")
