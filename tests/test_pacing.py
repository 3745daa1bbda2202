"""The presenter's pace (`--pace`, `--pause`), on a scenario of its own that needs no service: a
paced run holds each step at least that long before the next; the options refuse what they cannot do."""

import subprocess
import sys
import textwrap
from itertools import pairwise
from pathlib import Path

import pytest

from fixtures.pacing import pace_problem

pytestmark = pytest.mark.unit
REPO = Path(__file__).parents[1]


def paced_run(tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess, list[float]]:
    """A three-step scenario run with these options in a project of its own, each step writing when it ran."""
    (tmp_path / "steps.feature").write_text(textwrap.dedent("""\
        Feature: Paced
          Scenario: Three steps
            Given a step
            When a step
            Then a step
        """))
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["fixtures.pacing"]\n')
    stamps = tmp_path / "stamps.txt"
    (tmp_path / "test_paced.py").write_text(textwrap.dedent(f"""\
        import time
        from pytest_bdd import given, scenarios, then, when
        scenarios("steps.feature")

        @given("a step")
        @when("a step")
        @then("a step")
        def a_step():
            with open({str(stamps)!r}, "a") as out:
                out.write(f"{{time.monotonic()}}\\n")
        """))
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:allure_pytest",
                           "-q", "-c", "/dev/null", "--rootdir", str(tmp_path), *options, str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, start_new_session=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    times = [float(line) for line in stamps.read_text().split()] if stamps.exists() else []
    return done, times


def test_a_paced_run_holds_each_step_at_least_the_pace_before_the_next(tmp_path):
    done, times = paced_run(tmp_path, "--pace", "0.6")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(times) == 3 and all(later - earlier >= 0.6 for earlier, later in pairwise(times)), times


def test_pause_without_a_terminal_to_read_enter_from_is_refused_in_one_line(tmp_path):
    done, times = paced_run(tmp_path, "--pause")
    assert done.returncode == 4 and times == []  # pytest's usage error: nothing ran
    assert "--pause waits for Enter on the terminal" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("pace, pause, terminal, parallel, expected", [
    (3, False, False, False, None),
    (0, True, True, False, None),
    (-1, False, True, False, "give the seconds"),
    (2, False, True, True, "not with -n"),
    (0, True, False, False, "use --pace SECONDS"),
], ids=["pace-without-terminal", "pause-at-a-terminal", "negative", "parallel", "pause-without-terminal"])
def test_pace_options_are_checked_before_anything_runs(pace, pause, terminal, parallel, expected):
    problem = pace_problem(pace, pause, terminal, parallel)
    assert (problem is None) if expected is None else expected in problem
