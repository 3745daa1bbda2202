"""The pipeline checks' pure parts: the sink's command line both process checks start, and the
restart's proof against what the killed job had left. No services."""

import sys
from types import SimpleNamespace

import pytest

from agility.checks.pipeline import Killed, restart_problems
from agility.jobs.sink import ConsumeResult, command_line

pytestmark = pytest.mark.unit

AREA = SimpleNamespace(name="prod")


def test_the_sink_command_line_names_the_profile_it_was_loaded_from_and_only_the_options_asked():
    profile = SimpleNamespace(name="sandbox", source="/etc/agility/sandbox.yaml")
    assert command_line(profile, AREA, "orders_x", "hdfs", max_batch=100) == [
        sys.executable, "-m", "agility.jobs.sink_hdfs", "--profile", "/etc/agility/sandbox.yaml",
        "--area", "prod", "--dataset", "orders_x", "--max-batch", "100"]
    assert command_line(SimpleNamespace(name="sandbox", source=""), AREA, "orders_x", "mysql", max_batch=50,
                        store_retry_seconds=10, verbose=True)[3:] == [
        "--profile", "sandbox", "--area", "prod", "--dataset", "orders_x", "--max-batch", "50",
        "--store-retry-seconds", "10", "--verbose"]


@pytest.mark.parametrize(("read", "proven"), [(1800, True), (1799, False), (1900, False)])
def test_the_restart_must_read_exactly_what_the_killed_job_left(read, proven):
    said = []
    killed = Killed("mysql", 1, {0: 100, 1: 0}, {0: 1000, 1: 900})
    restarted = ConsumeResult("mysql", "prod.orders_x", "prod.orders_x.mysql", read=read)
    assert (restart_problems(killed, restarted, said.append) == []) is proven
    assert said == [f"restarted mysql: read {read}; the dead job had left 1800"]


def test_a_restart_after_a_job_that_left_nothing_proves_nothing():
    caught_up = Killed("mysql", 1, {0: 1000}, {0: 1000})
    assert restart_problems(caught_up, ConsumeResult("mysql", "t", "g", read=0), print)
