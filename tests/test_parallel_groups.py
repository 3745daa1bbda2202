"""`pytest -n 2` keeps each act on one worker: which unit of work each kind of test belongs to, and
the scheduler that keeps each unit on one worker."""

import configparser
import json
from pathlib import Path

import pytest

from fixtures.parallel import (
    CLUSTER_UNDER_TEST,
    FLOATING_LANE,
    KERBERIZED,
    LANES,
    OWN_SANDBOXES,
    PRODUCTION,
    TWIN,
    TWIN_ACTS,
    group_of,
)

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


def test_on_twin_clusters_the_acts_on_the_cluster_under_test_split_in_two_lanes_one_per_worker():
    assert group_of({"kafka"}, twins=True) == group_of({"pipeline"}, twins=True) == CLUSTER_UNDER_TEST
    assert group_of({"hdfs"}, twins=True) == group_of({"sandbox"}, twins=True) == CLUSTER_UNDER_TEST
    assert group_of({"jupyterhub"}, twins=True) == group_of({"cassandra", "mysql"}, twins=True) == TWIN
    assert group_of({"hdfs", "provisioning", "quotas"}, twins=True) == TWIN  # the HDFS quotas act: the quotas'
    assert group_of({"quotas", "spark"}, twins=True) == CLUSTER_UNDER_TEST  # YARN's queues: for balance
    assert group_of({"kerberos"}, twins=True) == KERBERIZED
    assert group_of({"failure", "destructive"}, twins=True) == PRODUCTION
    assert group_of({"lifecycle"}, twins=True) == OWN_SANDBOXES and group_of({"unit"}, twins=True) is None
    assert LANES[CLUSTER_UNDER_TEST] == LANES[PRODUCTION] != LANES[TWIN] == LANES[KERBERIZED] == LANES[OWN_SANDBOXES]


def two_workers():
    from types import SimpleNamespace

    config = SimpleNamespace(getvalue=lambda name: ["popen", "popen"] if name == "tx" else None,
                             option=SimpleNamespace(numprocesses=2, tx=["popen", "popen"], loadscopereorder=False))
    sent = {}

    class Worker:  # what the scheduler uses of xdist's WorkerController
        def __init__(self, name):
            self.gateway, self.shutting_down = SimpleNamespace(id=name), False

        def send_runtest_some(self, indexes):
            sent.setdefault(self.gateway.id, []).extend(indexes)

        def shutdown(self):
            self.shutting_down = True

    return config, [Worker("gw0"), Worker("gw1")], sent


def scheduled(tmp_path, collection: list[str], units: dict, lanes: dict, floating: str | None = None):
    """The scheduler after its first distribution of `collection` to two workers: it, the workers, what each was sent."""
    from fixtures.act_scheduling import ActScheduling

    path = tmp_path / "units.json"
    path.write_text(json.dumps({"units": units, "lanes": lanes, "floating": floating}))
    config, workers, sent = two_workers()
    scheduler = ActScheduling(config, None, path)
    for node in workers:
        scheduler.add_node(node)
        scheduler.add_node_collection(node, collection)
    scheduler.schedule()
    return scheduler, workers, sent


def test_the_scheduler_keeps_each_unit_of_work_together_and_spreads_the_rest(tmp_path):
    from fixtures.act_scheduling import ActScheduling

    units = tmp_path / "units.json"
    units.write_text(json.dumps({"units": {"tests/test_kafka_act.py::test_a": CLUSTER_UNDER_TEST,
                                           "tests/test_two_clusters_act.py::test_b": PRODUCTION,
                                           "tests/test_units.py::test_c": None}, "lanes": {}}))
    config = two_workers()[0]
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


def test_a_unit_pinned_to_a_lane_goes_to_that_worker_only_and_a_worker_with_nothing_left_stops(tmp_path):
    first_lane = [f"tests/test_kafka_act.py::test_{n}" for n in range(4)]
    collection = ["tests/test_databases_act.py::test_twin", *first_lane,
                  "tests/test_two_clusters_act.py::test_production", "tests/test_units.py::test_anywhere"]
    units = {collection[0]: TWIN, **dict.fromkeys(first_lane, CLUSTER_UNDER_TEST), collection[5]: PRODUCTION,
             collection[6]: None}
    scheduler, (first, second), sent = scheduled(tmp_path, collection, units, LANES)
    assert sent == {"gw0": [1, 2, 3, 4], "gw1": [0, 6]}  # the twin's act, and the unit test nobody was pinned to
    for index in (0, 6):
        scheduler.mark_test_complete(second, index)
    assert second.shutting_down and not first.shutting_down  # production's act is pinned to the first worker
    for index in (1, 2, 3):
        scheduler.mark_test_complete(first, index)
    assert sent["gw0"] == [1, 2, 3, 4, 5] and not scheduler.workqueue


def test_with_a_floating_lane_the_tests_that_need_no_cluster_never_wait_behind_the_first_lane(tmp_path):
    """The second worker busy with the twin's act while the first nears the end of its lane: xdist
    hands the first the next unit ahead of time, and without a floating lane that is the test
    that needs no cluster, which then waits behind the production act."""
    twin = [f"tests/test_databases_act.py::test_{n}" for n in range(6)]
    first_lane = [f"tests/test_kafka_act.py::test_{n}" for n in range(3)]
    collection = [*twin, *first_lane, "tests/test_two_clusters_act.py::test_production",
                  "tests/test_report_history.py::test_anywhere"]
    units = {**dict.fromkeys(twin, TWIN), **dict.fromkeys(first_lane, CLUSTER_UNDER_TEST), collection[9]: PRODUCTION,
             collection[10]: None}
    scheduler, (first, second), sent = scheduled(tmp_path, collection, units, LANES, FLOATING_LANE)
    for index in (6, 7, 8):
        scheduler.mark_test_complete(first, index)
    assert sent["gw0"] == [6, 7, 8, 9]  # its lane, then production's act, and not the test that needs no cluster
    for index in range(6):
        scheduler.mark_test_complete(second, index)
    assert sent["gw1"] == [0, 1, 2, 3, 4, 5, 10] and not scheduler.workqueue


def test_without_lanes_any_worker_takes_the_next_unit(tmp_path):
    collection = ["tests/test_kafka_act.py::test_a", "tests/test_two_clusters_act.py::test_b"]
    sent = scheduled(tmp_path, collection, {collection[0]: CLUSTER_UNDER_TEST, collection[1]: PRODUCTION}, {})[2]
    assert sent == {"gw0": [0], "gw1": [1]}


def test_on_three_workers_the_production_cluster_has_a_lane_of_its_own():
    from fixtures.parallel import lanes_for

    three = lanes_for(3)
    assert three.pinned[PRODUCTION] == three.pinned[KERBERIZED] == "gw2"
    assert three.pinned[TWIN] == "gw1" and three.pinned[CLUSTER_UNDER_TEST] == three.floating == "gw0"
    assert three.pinned[OWN_SANDBOXES] == "gw0"  # the lane that ends first
    assert group_of({"verify"}, twins=True, twin_acts=three.twin_acts) == CLUSTER_UNDER_TEST  # QA's verdict on shared
    assert group_of({"quotas"}, twins=True, twin_acts=three.twin_acts) == TWIN
    two = lanes_for(2)
    assert (two.pinned, two.floating, two.twin_acts) == (LANES, FLOATING_LANE, TWIN_ACTS)


def test_a_test_stopping_a_store_waits_for_those_reading_every_store_and_they_for_it(tmp_path):
    import threading
    import time
    from types import SimpleNamespace

    from fixtures.parallel import stores_held

    cluster, events = SimpleNamespace(name="sandbox"), []

    def reading(name, seconds):
        with stores_held(cluster, stopping=False, folder=tmp_path):
            events.append(f"{name} in")
            time.sleep(seconds)
            events.append(f"{name} out")

    def stopping():
        with stores_held(cluster, stopping=True, folder=tmp_path):
            events.append("stop in")
            time.sleep(0.2)
            events.append("stop out")

    first, second = threading.Thread(target=reading, args=("a", 0.4)), threading.Thread(target=reading, args=("b", 0.2))
    first.start()
    second.start()
    time.sleep(0.1)
    stopper = threading.Thread(target=stopping)
    stopper.start()
    for thread in (first, second, stopper):
        thread.join(10)
    assert events.index("stop in") > max(events.index("a out"), events.index("b out")), events
    assert events.index("b in") < events.index("a out")  # the readers together

