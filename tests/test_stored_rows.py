"""An order's row in the tables: one list of columns (records.STORED_COLUMNS) that both sinks
store and the query job checks names against, and the values each sink binds for them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from agility.clients.sql import quoted
from agility.core.errors import ConfigError
from agility.jobs import query, records, sink_cassandra, sink_mysql
from agility.jobs.sink import Record

pytestmark = pytest.mark.unit
ORDER = {"order_id": "o-1", "customer_id": "c-7", "customer_name": "Ada", "product": "tea", "category": "food",
         "region": "EU", "quantity": 3, "unit_price": 0.1, "currency": "EUR", "ts": "2025-01-02T03:04:05.250Z"}
RECORD = Record(ORDER, "dev.orders", 2, 41)


def test_both_tables_have_the_stored_columns_in_the_same_order():
    assert list(sink_mysql.COLUMNS) == list(records.STORED_COLUMNS) == list(sink_cassandra.COLUMNS)


def test_the_cassandra_row_is_exact_and_in_utc():
    assert sink_cassandra.row(RECORD) == (
        "o-1", "c-7", "Ada", "tea", "food", "EU", 3, Decimal("0.1"), "EUR", "2025-01-02T03:04:05.250Z",
        datetime(2025, 1, 2, 3, 4, 5, 250_000, tzinfo=UTC), Decimal("0.3"), 2, 41)


def test_the_mysql_row_holds_the_event_time_in_utc_without_a_zone():
    cassandra, mysql = sink_cassandra.row(RECORD), sink_mysql.row(RECORD)
    assert mysql[10] == datetime(2025, 1, 2, 3, 4, 5, 250_000) and mysql[10].tzinfo is None
    assert mysql[:10] + mysql[11:] == cassandra[:10] + cassandra[11:]


def test_the_query_job_knows_the_stored_columns_and_types_values_by_them():
    assert query.build("orders", ["order_id", "amount"], "kafka_offset", "41").value == 41
    assert query.build("orders", ["order_id"], "amount", "0.30").value == Decimal("0.30")
    with pytest.raises(Exception, match="unknown column 'price'; the orders tables have: order_id, customer_id"):
        query.build("orders", ["price"], "order_id", "o-1")


def test_an_sql_identifier_is_checked_then_backquoted():
    assert quoted("orders_x") == "`orders_x`"
    with pytest.raises(ConfigError):
        quoted("orders`; DROP TABLE x")
