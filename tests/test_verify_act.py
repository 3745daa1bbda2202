"""QA's verdict (`agility verify`) on real clusters: the sandbox act against the running sandbox
is READY; the same act against a cluster whose bastion cannot be reached (nothing listens there,
and its key is in no known_hosts), or against the sandbox with one service stopped, is NOT READY,
naming the act and each failed check, with a non-zero exit status. Each run is a pytest run of its own, with its own results."""

import subprocess
import sys
from pathlib import Path

import pytest

from agility.checks.linked_clusters import profile_with_bastion, refused_port
from agility.checks.outage import SandboxStores

pytestmark = pytest.mark.verify  # not `sandbox`: the run verify starts selects that act


def verify(*args: str, results: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agility.cli", "verify", *args, "--results", str(results)],
                          capture_output=True, text=True, timeout=900, cwd=Path(__file__).parents[1])


def test_the_running_sandbox_is_ready_by_its_act(platform, tmp_path):
    suite_history = Path(__file__).parents[1] / "reports" / "history.jsonl"
    before = suite_history.read_text() if suite_history.exists() else ""
    done = verify("--profile", platform.name, "--acts", "sandbox", results=tmp_path / "allure-results")
    print(done.stdout[-3000:])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"READY: profile {platform.name}, 1 of 1 acts ready" in done.stdout
    assert "  ✓ sandbox:" in done.stdout and list((tmp_path / "allure-results").glob("*-result.json"))
    # its report keeps a history of verify's runs beside its results, not in the suite's trend
    assert (tmp_path / "allure-report" / "index.html").exists() and (tmp_path / "verify-history.jsonl").exists()
    assert (suite_history.read_text() if suite_history.exists() else "") == before


def test_a_cluster_whose_bastion_cannot_be_reached_is_not_ready_and_says_which_checks_failed(platform, tmp_path):
    profile = profile_with_bastion(platform.source, "refusing", "127.0.0.1", refused_port(), tmp_path)
    done = verify("--profile", str(profile), "--acts", "sandbox", results=tmp_path / "allure-results")
    print(done.stdout[-3000:])
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert "NOT READY: profile refusing, 0 of 1 acts ready" in done.stdout and "  ✗ sandbox: 0 passed" in done.stdout
    verdict = done.stdout.split("NOT READY")[-1]
    assert "      ✗ test_every_node_answers_over_ssh: call: ServiceNotReady: SSH tunnel" in verdict, verdict
    assert "Traceback" not in verdict and "report: " in verdict


@pytest.fixture
def stores(platform, stores_stopping):
    """The sandbox's stores a test stops; whatever is still stopped is started again afterwards."""
    stopped = SandboxStores(platform)
    yield stopped
    stopped.restore()


def test_one_service_stopped_makes_its_act_not_ready_naming_the_check_it_failed(platform, stores, tmp_path):
    print(stores.stop("mysql"))  # MariaDB, the relational database of the sandbox act
    done = verify("--profile", platform.name, "--acts", "sandbox", results=tmp_path / "allure-results")
    print(done.stdout[-3000:])
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    verdict = done.stdout.split("NOT READY")[-1]
    assert f": profile {platform.name}, 0 of 1 acts ready" in verdict and "  ✗ sandbox: 5 passed, 1 failed" in verdict
    assert "      ✗ test_the_relational_database_keeps_a_row: call:" in verdict, verdict
    assert "Traceback" not in verdict
