"""`pytest -n 2` keeps each act on one worker: which unit of work each kind of test belongs to, and
the scheduler that keeps each unit on one worker."""

import configparser
import json
from pathlib import Path

import pytest

from fixtures.parallel import CLUSTER_UNDER_TEST, OWN_SANDBOXES, PRODUCTION, group_of

pytestmark = pytest.mark.unit


def test_acts_that_kill_or_link_the_production_cluster_share_its_worker():
    assert group_of({"failure", "destructive"}) == PRODUCTION
    assert group_of({"linked_clusters"}) == PRODUCTION


def test_acts_on_the_cluster_under_test_run_together_and_checks_without_services_anywhere():
    assert group_of({"pipeline"}) == group_of({"kafka"}) == group_of({"verify"}) == CLUSTER_UNDER_TEST
    assert group_of({"lifecycle"}) == OWN_SANDBOXES
    assert group_of({"unit"}) is None and group_of({"report"}) is None


def test_every_act_marker_of_the_suite_has_a_unit_of_work():
    ini = configparser.ConfigParser()
    ini.read(Path(__file__).parent.parent / "pytest.ini")
    markers = [line.split(":")[0].strip() for line in ini["pytest"]["markers"].strip().splitlines()]
    unplaced = [marker for marker in markers if group_of({marker}) is None]
    assert sorted(unplaced) == ["report", "unit"]


def test_the_scheduler_keeps_each_unit_of_work_together_and_spreads_the_rest(tmp_path):
    from types import SimpleNamespace

    from fixtures.act_scheduling import ActScheduling

    units = tmp_path / "units.json"
    units.write_text(json.dumps({"tests/test_kafka_act.py::test_a": CLUSTER_UNDER_TEST,
                                 "tests/test_two_clusters_act.py::test_b": PRODUCTION,
                                 "tests/test_units.py::test_c": None}))
    config = SimpleNamespace(getvalue=lambda name: ["popen", "popen"] if name == "tx" else None,
                             option=SimpleNamespace(numprocesses=2, tx=["popen", "popen"]))
    scheduler = ActScheduling(config, None, units)
    assert scheduler._split_scope("tests/test_kafka_act.py::test_a") == CLUSTER_UNDER_TEST
    assert scheduler._split_scope("tests/test_two_clusters_act.py::test_b") == PRODUCTION
    assert scheduler._split_scope("tests/test_units.py::test_c") == "tests/test_units.py::test_c"


def test_a_destructive_test_waits_for_the_others_then_runs_alone_and_none_starts_meanwhile(tmp_path):
    import threading
    import time

    from fixtures.parallel import alone_or_together

    events, released = [], threading.Event()

    def together(name, hold):
        with alone_or_together(False, tmp_path):
            events.append(f"{name} in")
            hold.wait(10)
            events.append(f"{name} out")

    def alone():
        with alone_or_together(True, tmp_path):
            events.append("alone in")
            time.sleep(0.3)
            events.append("alone out")

    first = threading.Thread(target=together, args=("first", released))
    first.start()
    time.sleep(0.2)
    lone = threading.Thread(target=alone)
    lone.start()
    time.sleep(0.2)  # the lone one now waits in the turnstile: a later test must not overtake it
    go_on = threading.Event()
    go_on.set()
    later = threading.Thread(target=together, args=("later", go_on))
    later.start()
    time.sleep(0.2)
    assert events == ["first in"]
    released.set()
    for thread in (first, lone, later):
        thread.join(15)
    assert events == ["first in", "first out", "alone in", "alone out", "later in", "later out"], events
