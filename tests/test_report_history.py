"""The Allure report stakeholders read, generated as `make report` does (the repository's
allurerc.yaml) from real runs of a small project of scenarios: the trend across runs, failures
split into the environment's and the platform's, an environment section naming what ran, and the
rendered report as a person sees it in a real (headless) browser."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from agility.checks import rendered_report

pytestmark = pytest.mark.report
REPO = Path(__file__).parents[1]
ALLURE = Path(os.environ.get("ALLURE", "/var/cache/agility/node/node_modules/.bin/allure"))  # make setup's
FEATURE = """\
    Feature: Report
      Scenario: A claim holds
        Given a claim that holds
      Scenario: A claim is false
        Given a claim that is false
      Scenario: The sandbox does not come up
        Given a sandbox that does not come up
    """
STEPS = """\
    from pytest_bdd import given, scenarios
    from agility.core.errors import AgilityError
    scenarios("report.feature")

    @given("a claim that holds")
    def holds(narrate):
        narrate("the topic holds 3 orders")
        narrate.keep("orders as a table", "order_id,amount\\no-1,12.30\\n", "text/csv")

    @given("a claim that is false")
    def false_claim():
        assert 3 == 4, "the topic holds 3 orders, not 4"

    @given("a sandbox that does not come up")
    def no_sandbox():
        raise AgilityError("the sandbox did not come up: kafka failed")
    """


PLAIN = """\
    import pytest

    @pytest.mark.unit
    def test_a_plain_check():
        assert sum([1, 2]) == 3
    """


@pytest.fixture
def project(tmp_path) -> Path:
    """A checkout-like folder: the repository's allurerc.yaml, the suite's reporting plugin, three scenarios."""
    assert ALLURE.exists(), f"the Allure command line is not at {ALLURE}: run `make setup`"
    shutil.copy(REPO / "allurerc.yaml", tmp_path)
    (tmp_path / "report.feature").write_text(textwrap.dedent(FEATURE))
    (tmp_path / "test_report.py").write_text(textwrap.dedent(STEPS))
    (tmp_path / "test_plain.py").write_text(textwrap.dedent(PLAIN))
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["fixtures.options", "fixtures.reporting", "fixtures.plain_tests"]\n')
    return tmp_path


def one_run(project: Path) -> None:
    """The scenarios run by pytest with Allure's pytest-bdd plugin, as `make test` runs them."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:allure_pytest",
                           "-c", "/dev/null", "--rootdir", str(project), "--alluredir", "reports/allure-results",
                           "--clean-alluredir", str(project)],
                          capture_output=True, text=True, timeout=300, cwd=project,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 1 and "2 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]


def generate(project: Path) -> Path:
    """`make report`: the report of the last run, from allurerc.yaml; the folder of its widgets."""
    shutil.rmtree(project / "reports" / "allure-report", ignore_errors=True)
    done = subprocess.run([str(ALLURE), "generate", "-c", "allurerc.yaml", "reports/allure-results"],
                          capture_output=True, text=True, timeout=300, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    return next((project / "reports" / "allure-report").glob("**/widgets/charts.json")).parent


def status_dynamics(widgets: Path) -> list[dict]:
    charts = json.loads((widgets / "charts.json").read_text())["general"].values()
    return next(chart for chart in charts if chart["type"] == "statusDynamics")["data"]


def test_a_second_run_shows_a_trend_of_two_runs(project):
    one_run(project)
    first = status_dynamics(generate(project))
    one_run(project)
    second = status_dynamics(generate(project))
    runs = [json.loads(line) for line in (project / "reports" / "history.jsonl").read_text().splitlines()]
    assert len(first) == 1 and len(runs) == 2, (first, runs)
    assert [point.get("id") for point in second] == [runs[0]["uuid"], "current"], second
    assert all(point["statistic"] == {"total": 4, "passed": 2, "failed": 1, "broken": 1} for point in second), second


def categorized(widgets: Path) -> dict[str, list[str]]:
    """The report's categories: each one's name → the names of the scenarios in it."""
    tree = json.loads(next(widgets.glob("**/categories.json")).read_text())
    nodes = tree["nodes"]

    def scenarios_under(node_id: str) -> list[str]:
        node = nodes[node_id]
        return [node["name"]] if node["type"] == "tr" else [
            name for child in node.get("childrenIds", []) for name in scenarios_under(child)]

    return {nodes[root]["name"]: scenarios_under(root) for root in tree["roots"]}


def test_failures_are_told_apart_as_the_environments_or_the_platforms(project):
    one_run(project)
    assert categorized(generate(project)) == {
        "Environment: a service did not come up, a download or an installation failed": ["The sandbox does not come up"],
        "Platform: a claim about the platform was false": ["A claim is false"],
    }


def test_the_report_names_the_profile_and_the_version_of_everything_that_ran(project):
    one_run(project)
    widgets = generate(project)
    shown = {item["name"]: item["values"][0] for item in json.loads((widgets / "allure_environment.json").read_text())}
    pinned = yaml.safe_load((REPO / "agility" / "sandbox" / "versions.yaml").read_text())["maven"]
    assert shown["profile"] and shown["kafka.kafka"] == pinned["kafka"]["kafka.version"], shown
    assert shown["cassandra.cassandra"] == pinned["cassandra"]["cassandra.version"], shown
    installed = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "mariadb-server"], capture_output=True, text=True)
    assert shown["debian.mariadb-server"] == installed.stdout.strip() and shown["python.pyspark"], shown


def test_a_check_that_is_not_a_scenario_is_reported_beside_the_scenarios(project):
    one_run(project)
    widgets = generate(project)
    tree = json.loads((widgets / "tree.json").read_text())
    groups = {group["name"]: group for group in tree["groupsById"].values()}
    module = groups["Checks that are not scenarios"]["groups"]
    assert [tree["groupsById"][group]["name"] for group in module] == ["test_plain"], groups
    leaf = tree["leavesById"][tree["groupsById"][module[0]]["leaves"][0]]
    assert (leaf["name"], leaf["status"], leaf.get("tags")) == ("test_a_plain_check", "passed", ["unit"]), leaf
    assert groups["Report"]["statistic"] == {"total": 3, "passed": 1, "failed": 1, "broken": 1}  # the scenarios too


def test_a_browser_sees_the_features_a_step_its_attachment_and_a_trend_of_two_runs(project):
    """What `make report` checks on every report (`agility report check`), here on two runs whose
    content is known: the check must see it all, and must see a trend of two."""
    one_run(project)
    generate(project)
    reports = project / "reports"
    first = rendered_report.look(reports / "allure-report", reports / "allure-results", reports / "history.jsonl")
    one_run(project)
    generate(project)
    seen = rendered_report.look(reports / "allure-report", reports / "allure-results", reports / "history.jsonl")
    assert first.trend_runs <= 1 and not first.problems, first  # one run: no trend drawn yet
    assert not seen.problems and seen.trend_runs == 2, seen
    assert "Report" in seen.features and seen.scenario == "A claim holds", seen
    assert seen.step == "Given a claim that holds" and ("orders as a table" in seen.attachment
                                                        or "narration" in seen.attachment), seen
    assert "profile" in seen.metadata, seen
