"""A presenter keeps `agility tunnel` open in a terminal and runs the jobs from a shell or the IDE:
each job uses the forwards already open and opens only what they lack (the pipeline behind the
demo, in the dev area, on the running sandbox)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from agility.checks import pipeline
from agility.clients.services import operator_clients
from agility.core.processes import is_alive
from agility.core.waiting import wait_until
from agility.jobs.ledger import Ledger
from agility.reach import tunnel

pytestmark = pytest.mark.pipeline


@pytest.fixture
def presenter_tunnel(request, platform, sole_tunnels):
    """`agility tunnel [--services ...]` as the presenter runs it in a terminal: the operator's."""
    services = request.param
    pid = tunnel.start_background(platform, platform.bastion.user, services)
    yield pid
    tunnel.stop_background(platform, platform.bastion.user, services)


def job(platform, module: str, *args: str) -> subprocess.CompletedProcess:
    """A job run from a shell: its own process, which finds the presenter's tunnel by itself."""
    return subprocess.run([sys.executable, "-m", module, *args, "--profile", platform.source], capture_output=True,
                          text=True, timeout=600)


@pytest.mark.parametrize("presenter_tunnel", [None, ("kafka",)], indirect=True,
                         ids=["every service", "only the brokers"])
def test_a_sink_job_uses_the_tunnel_already_open(platform, presenter_tunnel, fresh_dataset):
    dataset, area = fresh_dataset(), platform.area("dev")
    for step in (job(platform, "agility.cli", "provision", "area", "dev"),
                 job(platform, "agility.jobs.producer", "--area", "dev", "--dataset", dataset, "--count", "300")):
        assert step.returncode == 0, step.stdout + step.stderr
    sink = job(platform, "agility.jobs.sink_mysql", "--area", "dev", "--dataset", dataset)
    assert sink.returncode == 0, sink.stdout + sink.stderr
    assert "read 300 from" in sink.stdout, sink.stdout
    with operator_clients(platform) as clients:
        stored = pipeline.check_sink("mysql", clients, area, dataset, Ledger.for_dataset(platform.name, area, dataset))
    assert stored.ok, stored.summary()
    assert is_alive(presenter_tunnel), "the job closed the presenter's tunnel"


def test_a_tunnel_killed_outright_does_not_stop_the_next_run_opening_it(platform, sole_tunnels):
    """A run cut short (SIGKILL: CI's time out, a closed laptop) leaves its tunnel's published
    state behind, naming a pid that is gone: the next run opens the same tunnel at once."""
    user, services = platform.bastion.user, ("kafka",)
    killed = tunnel.start_background(platform, user, services)
    os.kill(killed, signal.SIGKILL)
    wait_until(lambda: not is_alive(killed), timeout=10, what=f"the tunnel (pid {killed}) to be gone")
    assert tunnel.state_file(platform, user, services).exists(), "a killed tunnel can remove nothing"
    with tunnel.shared_tunnel(platform, user, services):
        reopened = tunnel.running(platform, user, services)
        assert reopened and reopened["pid"] != killed, reopened
        assert tunnel.is_open(platform, user, services)
