"""A scenario's dataset, removed when it is done: gone from every service, as each service answers
(the pipeline behind the demo, in the prod area, on the running sandbox)."""

from __future__ import annotations

import pytest

from agility.checks import pipeline
from agility.jobs import datasets

pytestmark = pytest.mark.pipeline

PLACES = ("kafka topic", "kafka group", "cassandra table", "mysql table", "hdfs folder", "the producer's ledger")


def kinds(found: list[str]) -> dict[str, int]:
    return {kind: sum(line.startswith(kind) for line in found) for kind in PLACES}


def test_a_removed_dataset_is_in_no_store_and_a_second_removal_finds_nothing(platform, connections, fresh_dataset):
    developer = connections.open("prod")
    clients, area = developer.clients, developer.area
    dataset = pipeline.fresh_orders(platform.name, clients, area, fresh_dataset(), 40, 2, print, cleanup=lambda _: None)
    pipeline.run_every_sink(clients, area, dataset, print)
    # the dataset's topic and its dead letters', a group and a place per sink, and the ledger
    expected = {"kafka topic": 2, "kafka group": 3, "cassandra table": 1, "mysql table": 1, "hdfs folder": 1,
                "the producer's ledger": 1}
    assert kinds(datasets.present(clients, area, dataset)) == expected
    assert kinds(datasets.remove(clients, area, dataset)) == expected
    assert datasets.present(clients, area, dataset) == []
    assert datasets.remove(clients, area, dataset) == []
