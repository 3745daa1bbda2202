"""The presenter types `pytest -k kafka`: it must select exactly the six scenarios of the Kafka
act, in the demo's order, and nothing else (no test here may carry that word in its name)."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

DEMO_ORDER = [
    "test_establish_the_authenticated_ssh_tunnel_for_the_dev_kafka_user",
    "test_run_the_python_job_that_populates_the_kafka_topic",
    "test_run_the_kafka_commandline_tools_to_inspect_the_topic",
    "test_run_the_python_job_that_writes_the_events_to_cassandra",
    "test_run_the_python_job_that_writes_the_events_to_mysql",
    "test_run_the_python_job_that_batchwrites_the_events_to_hdfs",
]


def collected(*options: str) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", *options],
                          capture_output=True, text=True, timeout=120)
    return [line.split("::")[-1] for line in done.stdout.splitlines() if "::" in line]


def test_the_presenters_selection_is_exactly_the_demo_act_in_order():
    assert collected("-k", "kafka") == DEMO_ORDER


def test_the_demo_act_marker_selects_the_same_scenarios():
    assert collected("-m", "kafka") == DEMO_ORDER
