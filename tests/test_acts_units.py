"""The sandbox and Kafka acts' pure checks without a cluster: each passes on a right answer and
names what is wrong in a wrong one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from agility.checks.event_stream import partition_problems
from agility.checks.roundtrip import count_problems, name_problems
from agility.clients.edge_kafka import PartitionInfo

pytestmark = pytest.mark.unit

PROFILE = SimpleNamespace(nodes={"bastion": "", "master": "", "edge": "", "agent-1": ""}, edge="edge")


def test_every_node_named_by_itself():
    assert not name_problems({"master": "master", "edge": "edge"})
    assert name_problems({"master": "master", "edge": "master"}) == ["edge answers master"]


def test_count_on_the_workers():
    assert not count_problems(PROFILE, {"rows": 10, "even": 5, "executor_hosts": ["agent-1"]}, 10)
    assert len(count_problems(PROFILE, {"rows": 9, "even": 4, "executor_hosts": ["agent-1"]}, 10)) == 2
    assert count_problems(PROFILE, {"rows": 10, "even": 5, "executor_hosts": ["edge"]}, 10)
    assert count_problems(PROFILE, {"rows": 10, "even": 5, "executor_hosts": []}, 10)


def test_partitions_led_and_in_sync():
    runs = [SimpleNamespace(partitions=2)]
    healthy = [PartitionInfo(0, 1, [1, 2], [2, 1]), PartitionInfo(1, 2, [2, 1], [2, 1])]
    assert not partition_problems(healthy, runs)
    assert partition_problems(healthy[:1], runs) == ["kafka-topics shows 1 partitions, the producer made 2"]
    assert partition_problems([healthy[0], PartitionInfo(1, -1, [2, 1], [1])], runs) == [
        "partition 1: leader -1, replicas [2, 1], in sync [1]"]
