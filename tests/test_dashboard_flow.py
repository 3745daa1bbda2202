"""The dashboard's data flow: raw answers of each source turned into the page's cells."""

from __future__ import annotations

import pytest

from agility.config.areas import load_all
from agility.core.errors import AgilityError
from agility.dashboard import flow

pytestmark = pytest.mark.unit

AREAS = load_all()


def texts(cells: dict[str, flow.Cell]) -> dict[str, str]:
    return {measure: cell.text for measure, cell in cells.items()}


def test_the_broker_cells_count_only_the_areas_topics_and_sum_their_end_offsets():
    ends = flow.topic_ends({("dev.orders", 0): 10, ("dev.orders", 1): 5, ("dev.orders.dlq", 0): 2,
                            ("prod.orders", 0): 100, ("__consumer_offsets", 0): 999})
    assert texts(flow.kafka_cells(AREAS["dev"], ends)) == {"topics": "2", "offsets": "17"}
    assert texts(flow.kafka_cells(AREAS["test"], ends)) == {"topics": "0", "offsets": "0"}


def test_hdfs_files_bytes_and_quota_from_the_content_summary():
    summary = {"directoryCount": 3, "fileCount": 7, "length": 3 * 1024 * 1024, "spaceConsumed": 9 * 1024 * 1024,
               "quota": 2000, "spaceQuota": 64 * 1024 * 1024}
    assert texts(flow.hdfs_cells("/areas/prod", summary)) == {
        "hdfs_files": "7", "hdfs_bytes": "3.0 MiB", "hdfs_quota": "9.0 MiB of 64.0 MiB (14%)"}
    assert flow.hdfs_cells("/areas/dev", {**summary, "spaceQuota": -1})["hdfs_quota"].text == "no quota"


def test_mysql_rows_are_exact_where_counted_and_marked_when_estimated():
    assert texts(flow.mysql_cells([("orders", 90, 100), ("sink_offsets", 2, 2)])) == {"mysql_rows": "102 in 2 tables"}
    assert texts(flow.mysql_cells([("big", 2_000_000, None), ("small", 1, 1)])) == {"mysql_rows": "~2000001 in 2 tables"}
    assert texts(flow.mysql_cells([])) == {"mysql_rows": "0 (no tables)"}


def test_cassandra_names_the_tables_it_could_not_count():
    assert texts(flow.cassandra_cells({"orders": 40, "events": 2})) == {"cassandra_rows": "42 in 2 tables"}
    partly = flow.cassandra_cells({"orders": 40, "huge": "no count within 3 s"})["cassandra_rows"]
    assert (partly.text, partly.ok) == ("40 in 2 tables (not counted: huge)", False)
    none = flow.cassandra_cells({"huge": "no count within 3 s"})["cassandra_rows"]
    assert (none.text, none.ok) == ("cassandra: huge: no count within 3 s", False)


def test_yarn_queue_use_and_a_missing_queue():
    queues = {"prod": {"usedCapacity": 50.0, "absoluteUsedCapacity": 12.5, "numApplications": 2,
                       "numActiveApplications": 1}}
    assert texts(flow.yarn_cells("prod", queues)) == {"yarn_used": "50.0% of queue, 12.5% of cluster",
                                                      "yarn_apps": "2 (1 running)"}
    missing = flow.yarn_cells("dev", queues)
    assert not missing["yarn_used"].ok and missing["yarn_apps"].text == "yarn: no queue root.dev (queues: prod)"


@pytest.mark.parametrize(("error", "text"), ids=["timeout", "no-forward", "refused", "reset", "no-broker", "long",
                                                 "deadline"], argvalues=[
    (TimeoutError("timed out"), "kafka: no answer"),
    (AgilityError("no tunnel forward for 1.2.3.4:9093;\n forwards: none"),
     "kafka: no tunnel forward for 1.2.3.4:9093; forwards: none"),
    (ConnectionRefusedError(111, "Connection refused"), "kafka: connection refused"),
    (ConnectionResetError(104, "Connection reset by peer"), "kafka: connection lost"),
    (type("NoBrokersAvailable", (Exception,), {})("NoBrokersAvailable"), "kafka: no broker answers"),
    (ValueError("x" * 500), "kafka: ValueError: " + "x" * 148),
    ("no answer within 5 s", "kafka: no answer within 5 s"),
])
def test_a_failing_source_gives_cells_saying_why(error, text):
    cells = flow.failed_cells("kafka", error)
    assert set(cells) == {"topics", "offsets"}
    assert all(cell.text == text and not cell.ok for cell in cells.values())


def test_every_measure_belongs_to_one_source():
    assert len(flow.MEASURES) == len(set(flow.MEASURES)) == 9


@pytest.mark.parametrize(("count", "text"), [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (5 * 2**30, "5.0 GiB")])
def test_sizes(count, text):
    assert flow.size(count) == text
