"""The CI definitions run the README's test command and keep what a run leaves: `.ci/run` and
`.gitlab-ci.yml` (its report kept and published, its history carried between pipelines, pytest's
JUnit XML for the merge request's widget)."""

import configparser
import re
import shlex
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit
REPO = Path(__file__).parents[1]


def readme_test_command() -> str:
    """The README's test command: the `make ...` line of the two commands that runs the whole suite."""
    block = re.search(r"## The two commands\n.*?```bash\n(.*?)```", (REPO / "README.md").read_text(), re.DOTALL)
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    return next(command for command in commands if command == "make test")


def pytest_option(name: str) -> str:
    ini = configparser.ConfigParser()
    ini.read(REPO / "pytest.ini")
    options = shlex.split(ini["pytest"]["addopts"])
    return next(option.split("=", 1)[1] for option in options if option.startswith(f"--{name}="))


def test_both_ci_definitions_run_the_readmes_test_command_and_nothing_else():
    command = readme_test_command()
    run = [line for line in (REPO / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert run[-1] == f"exec {command}"
    gitlab = yaml.safe_load((REPO / ".gitlab-ci.yml").read_text())
    assert gitlab["test"]["script"] == [command]


def test_gitlab_keeps_the_report_carries_its_history_and_publishes_it():
    gitlab = yaml.safe_load((REPO / ".gitlab-ci.yml").read_text())
    allure = yaml.safe_load((REPO / "allurerc.yaml").read_text())
    report, history = Path(allure["output"]).as_posix().lstrip("./"), Path(allure["historyPath"]).as_posix()
    kept = gitlab["test"]["artifacts"]
    assert kept["when"] == "always" and f"{report}/" in kept["paths"] and "reports/allure-results/" in kept["paths"]
    assert kept["reports"]["junit"] == pytest_option("junitxml") in kept["paths"]
    assert [cache["paths"] for cache in gitlab["test"]["cache"]] == [[history]]
    assert f"cp -r {report}/. public/" in " ".join(gitlab["pages"]["script"])
    assert gitlab["pages"]["artifacts"]["paths"] == ["public"]
    assert gitlab["stages"] == [gitlab["test"]["stage"], gitlab["pages"]["stage"]]
