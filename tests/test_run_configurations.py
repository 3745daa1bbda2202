"""The shared IntelliJ/PyCharm run configurations point at job modules that exist and accept
their parameters."""

import shlex
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from itertools import takewhile
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
RUN_DIR = Path(__file__).resolve().parents[1] / ".run"


def configurations():
    for path in sorted(RUN_DIR.glob("*.run.xml")):
        options = {option.get("name"): option.get("value") for option in ElementTree.parse(path).iter("option")}
        yield pytest.param(options, id=path.stem)


@pytest.mark.parametrize("options", list(configurations()))
def test_run_configuration_runs_a_job_module_with_valid_arguments(options):
    assert options["MODULE_MODE"] == "true" and options["SDK_HOME"] == "/opt/agility/venv/bin/python"
    module = options["SCRIPT_NAME"]
    assert module.startswith("agility.")
    # --help parses the module's own argument parser: an unknown module or flag fails here
    words = shlex.split(options["PARAMETERS"])
    subcommands = list(takewhile(lambda word: not word.startswith("-"), words))
    done = subprocess.run([sys.executable, "-m", module, *subcommands, "--help"],
                          capture_output=True, text=True, timeout=60, cwd=RUN_DIR.parent)
    assert done.returncode == 0, done.stderr
    flags = [word for word in words if word.startswith("--")]
    assert all(flag in done.stdout for flag in flags), (flags, done.stdout)
