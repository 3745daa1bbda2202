"""Spark quotas on YARN (`pytest -m spark --verbose`, on a profile whose spark.master is yarn): a
queue per area, its maximum share and its submit ACL, each proven by YARN's own answers; and the
pure functions behind them (marked unit)."""

import dataclasses

import pytest
from pytest_bdd import scenarios

from agility.checks.yarn_queues import QueueSample, acl_members
from agility.config import areas
from agility.core.errors import AgilityError, ConfigError
from agility.sandbox.services import yarn

scenarios("yarn_queues.feature")


@pytest.mark.unit
def test_capacity_scheduler_has_a_queue_per_area_with_its_shares_and_submitters():
    text = yarn.queue_settings(areas.load_all())
    assert "<name>yarn.scheduler.capacity.root.queues</name><value>dev,test,prod</value>" in text
    assert "<name>yarn.scheduler.capacity.root.prod.maximum-capacity</name><value>50</value>" in text
    assert "<name>yarn.scheduler.capacity.root.prod.acl_submit_applications</name><value>prod_hdfs prod-area</value>" in text
    assert "<name>yarn.scheduler.capacity.root.acl_submit_applications</name><value> </value>" in text
    assert "<name>yarn.scheduler.capacity.root.dev.user-limit-factor</name><value>4</value>" in text  # 30% → 100%


@pytest.mark.unit
def test_capacities_that_do_not_add_up_to_100_are_refused_in_one_line():
    declared = areas.load_all()
    declared["prod"] = dataclasses.replace(declared["prod"], queue_capacity=60)
    with pytest.raises(AgilityError, match="must add up to 100.*not 110"):
        yarn.queue_settings(declared)


@pytest.mark.unit
@pytest.mark.parametrize("override", [{"queue_capacity": "half"}, {"queue_maximum_capacity": 101},
                                      {"queue_capacity": 80}, {"spark_queue": "Prod Queue"}])
def test_bad_queue_settings_are_refused(override):
    with pytest.raises(ConfigError, match="area prod"):
        areas.load_all({"prod": override})


@pytest.mark.unit
def test_acl_members():
    assert acl_members("prod_hdfs prod-area") == ({"prod_hdfs"}, {"prod-area"})
    assert acl_members(" ") == (set(), set())
    assert acl_members("*") == ({"*"}, set())


@pytest.mark.unit
def test_a_container_is_held_by_the_queue_only_when_the_cluster_had_room():
    full_queue = QueueSample(used_mb=1024, max_mb=1024, used_percent=50, max_percent=50, pending=1,
                             available_mb=1024, pending_mb=640)
    assert full_queue.held_by_queue()
    assert not dataclasses.replace(full_queue, available_mb=512).held_by_queue()  # the cluster was full
    assert not dataclasses.replace(full_queue, used_mb=384).held_by_queue()  # the queue had room
    assert not dataclasses.replace(full_queue, pending=0, pending_mb=0).held_by_queue()  # nothing waited
