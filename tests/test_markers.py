"""Every test says what it needs: `unit` (no service at all: `make unit`) or the marker of the act
it belongs to (a cluster). So `pytest -m unit` runs everything that needs no service, and nothing
that would start or touch one."""

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).parents[1]


def declared_markers() -> list[str]:
    ini = configparser.ConfigParser()
    ini.read(ROOT / "pytest.ini")
    return [line.split(":")[0].strip() for line in ini["pytest"]["markers"].strip().splitlines()]


def collected(expression: str) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", "-m", expression],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 5), done.stdout[-2000:] + done.stderr[-2000:]  # 5: nothing collected
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_every_test_is_a_unit_test_or_belongs_to_an_act():
    markers = declared_markers()
    assert "unit" in markers and "lifecycle" in markers
    assert collected(f"not ({' or '.join(markers)})") == []


def test_no_unit_test_also_needs_a_cluster():
    acts = [marker for marker in declared_markers() if marker != "unit"]
    assert collected(f"unit and ({' or '.join(acts)})") == []
