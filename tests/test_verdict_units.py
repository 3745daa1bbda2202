"""`agility verify`'s choice of acts and its verdict, as pure functions."""

import pytest

from agility.checks.verdict import ActResult, Verdict, choose_acts, declared_acts, tally
from agility.config import profiles
from agility.core.errors import ConfigError
from tests.test_profile_units import example

pytestmark = pytest.mark.unit


def remote(**changes) -> profiles.Profile:
    data = {**example(), **changes}
    return profiles.parse(data, source="lab.yaml")


def test_a_remote_cluster_is_verified_by_every_act_that_checks_it_and_harms_nothing():
    acts, left_out = choose_acts(remote(), None, declared_acts())
    assert {"sandbox", "kafka", "pipeline", "security", "provisioning", "hdfs", "mysql", "cassandra"} <= set(acts)
    assert {"unit", "report", "lifecycle", "destructive", "failure", "linked_clusters"} <= set(left_out)
    assert "kills parts of the cluster" in left_out["destructive"] and "second cluster" in left_out["failure"]


def test_acts_of_services_a_cluster_lacks_are_left_out_with_the_reason():
    data = example()
    data.pop("jupyterhub", None)
    data["spark"] = {**data["spark"], "master": "spark://master:7077"}
    acts, left_out = choose_acts(profiles.parse(data, source="lab.yaml"), None, declared_acts())
    assert "jupyterhub" not in acts and "names no JupyterHub" in left_out["jupyterhub"]
    assert "spark" not in acts and "YARN" in left_out["spark"]


def test_acts_asked_for_by_name_run_as_asked_and_an_unknown_one_lists_the_acts():
    assert choose_acts(remote(), ["failure"], declared_acts()) == (["failure"], {})
    with pytest.raises(ConfigError, match="unknown act.s. kafak; acts: sandbox, kafka"):
        choose_acts(remote(), ["kafak"], declared_acts())


def test_an_act_is_ready_only_when_a_check_ran_and_none_failed():
    outcomes = [{"name": "a", "markers": ["kafka"], "outcome": "passed", "message": ""},
                {"name": "b", "markers": ["kafka", "pipeline"], "outcome": "failed", "message": "call: lost 3"},
                {"name": "c", "markers": ["hdfs"], "outcome": "skipped", "message": ""},
                {"name": "d", "markers": ["hdfs"], "outcome": "passed", "message": ""}]
    acts = tally(["kafka", "pipeline", "hdfs", "mysql"], outcomes)
    assert [name for name, act in acts.items() if act.ready] == ["hdfs"]
    assert acts["kafka"].failed == ["b: call: lost 3"] and acts["hdfs"].skipped == ["c"]
    verdict = Verdict("lab", acts, {"unit": "checks no cluster"}, 1, "reports/allure-report/index.html")
    lines = verdict.lines()
    assert not verdict.ready and lines[0] == "NOT READY: profile lab, 1 of 4 acts ready"
    assert "  ✗ mysql: 0 passed (no check ran)" in lines and "      ✗ b: call: lost 3" in lines
    assert "  ✗ kafka: 1 passed, 1 failed" in lines and "  ✓ hdfs: 1 passed, 1 skipped" in lines


def test_every_act_ready_and_pytest_content_make_the_cluster_ready():
    ready = Verdict("lab", {"kafka": ActResult("kafka", passed=6)}, {}, 0, "r")
    assert ready.ready and ready.lines()[0] == "READY: profile lab, 1 of 1 acts ready"
    assert not Verdict("lab", {"kafka": ActResult("kafka", passed=6)}, {}, 2, "r").ready  # interrupted
