"""Reconciliation of a sink against the ledger, and of the ledger against the brokers' offsets:
pure functions, no services."""

from datetime import datetime
from decimal import Decimal

import pytest

from agility.checks import reconcile
from agility.checks.pipeline import Killed
from agility.checks.reconcile import Stored, file_line, ledger_against_topic, table_row
from agility.jobs import orders
from agility.jobs.ledger import good_entry

pytestmark = pytest.mark.unit

UNIQUE = "the table's primary key is (order_id)"


def entries(count: int = 4) -> list[dict]:
    return [good_entry(order, index % 2, index // 2) for index, order in enumerate(orders.generate(5, count))]


def test_a_table_row_is_the_order_with_its_amount_event_time_and_position():
    order = {**orders.generate(5, 1)[0], "quantity": 3, "unit_price": 12.99, "ts": "2026-11-28T09:15:02.071Z"}
    row = table_row(good_entry(order, 2, 41))
    assert row["amount"] == Decimal("38.97") and row["unit_price"] == Decimal("12.99")
    assert row["event_time"] == datetime(2026, 11, 28, 9, 15, 2, 71000)
    assert (row["kafka_partition"], row["kafka_offset"]) == (2, 41)
    assert file_line(good_entry(order, 2, 41))["folder"] == "date=2026-11-28/hour=09"


def test_every_row_equal_reconciles():
    expected = [table_row(entry) for entry in entries()]
    result = reconcile.reconcile(expected, Stored([dict(row) for row in expected], "t", UNIQUE), sink="t",
                                 dead_lettered=[], expected_bad=[])
    assert result.ok, result.summary()
    assert "duplicates cannot occur (the table's primary key is (order_id))" in result.summary()
    assert result.fields == 14


@pytest.mark.parametrize("name, wrong", [("amount", Decimal("1.00")), ("quantity", 99), ("unit_price", Decimal("0.5")),
                                         ("event_time", datetime(2000, 1, 1)), ("customer_id", "c-9999"),
                                         ("region", "nowhere"), ("kafka_offset", 10**6)],
                         ids=lambda value: "offset" if value == "kafka_offset" else None)  # -k kafka is the demo
def test_a_row_with_the_right_id_and_a_wrong_value_fails(name, wrong):
    expected = [table_row(entry) for entry in entries()]
    stored = [dict(row) for row in expected]
    stored[1][name] = wrong
    result = reconcile.reconcile(expected, Stored(stored, "t", UNIQUE), sink="t")
    assert not result.ok
    assert list(result.differences) == [expected[1]["order_id"]]
    assert f"{name}: store {wrong}" in result.summary()


def test_a_column_the_store_lacks_is_a_difference():
    expected = [table_row(entry) for entry in entries()]
    stored = [{key: value for key, value in row.items() if key != "amount"} for row in expected]
    result = reconcile.reconcile(expected, Stored(stored, "t", UNIQUE), sink="t")
    assert len(result.differences) == len(expected) and "amount: store (absent)" in result.summary()


def test_missing_unexpected_and_counted_duplicates_in_files():
    expected = [file_line(entry) for entry in entries(4)]
    stored = [expected[0], expected[1], dict(expected[1]), {**expected[3], "order_id": "o-5-9999999"}]
    result = reconcile.reconcile(expected, Stored(stored, "files"), sink="hdfs")
    assert not result.ok
    assert result.missing == sorted([expected[2]["order_id"], expected[3]["order_id"]])
    assert result.unexpected == ["o-5-9999999"] and result.duplicates == {expected[1]["order_id"]: 2}
    assert "duplicates 1 (counted)" in result.summary()


def test_a_record_dead_lettered_twice_or_not_at_all_fails():
    expected = [table_row(entry) for entry in entries()]
    stored = Stored([dict(row) for row in expected], "t", UNIQUE)
    bad = [("schema", 0, 7), ("oversized", 1, 3)]
    twice = reconcile.reconcile(expected, stored, sink="t", dead_lettered=[*bad, bad[0]], expected_bad=bad)
    assert not twice.ok and twice.dead_lettered == 2 and twice.dead_letter_duplicates == {bad[0]: 2}
    once = reconcile.reconcile(expected, stored, sink="t", dead_lettered=bad[:1], expected_bad=bad)
    assert not once.ok and once.dead_letter_mismatch == [bad[1]]


def test_the_ledger_must_hold_every_offset_the_brokers_hold_exactly_once():
    offsets = {0: (0, 3), 1: (0, 2)}
    assert ledger_against_topic([(0, 0), (1, 0), (0, 1), (1, 1), (0, 2)], offsets) == []
    problems = ledger_against_topic([(0, 0), (0, 0), (1, 0), (1, 1), (1, 5), (2, 0)], offsets)
    assert problems == [
        "the ledger names partition 2, which the topic does not have",
        "partition 0 [0, 3): 2 offsets held by the brokers but not in the ledger, e.g. 1, 2",
        "partition 0 [0, 3): 1 offsets in the ledger twice, e.g. 0",
        "partition 1 [0, 2): 1 offsets in the ledger but not held by the brokers, e.g. 5",
    ]


def test_killed_mid_stream_only_with_a_commit_short_of_the_end():
    assert Killed("mysql", 1, {0: 100, 1: 0}, {0: 1000, 1: 900}).mid_stream
    assert Killed("mysql", 1, {0: 100}, {0: 1000, 1: 900}).uncommitted == 1800  # a partition never committed
    assert not Killed("mysql", 1, {0: 1000, 1: 900}, {0: 1000, 1: 900}).mid_stream  # caught up before the kill
    assert not Killed("mysql", 1, {}, {0: 1000}).mid_stream  # killed before any commit
