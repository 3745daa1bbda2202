"""The order event: its JSON form, the one validation every sink applies before writing, and the
row the tables store for it.

A record that fails here is never written to a sink and never lost: the sink sends it to the
area's dead-letter topic with the reason (`kind` and `detail`) in its headers.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

MAX_RECORD_BYTES = 16 * 1024

# field → accepted Python types after json.loads
FIELDS: dict[str, tuple[type, ...]] = {
    "order_id": (str,),
    "customer_id": (str,),
    "customer_name": (str,),
    "product": (str,),
    "category": (str,),
    "region": (str,),
    "quantity": (int,),
    "unit_price": (int, float),
    "currency": (str,),
    "ts": (str,),
}


class BadRecord(Exception):
    """Why a record cannot be written: kind is one of malformed-json, schema, oversized."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def encode(order: dict) -> bytes:
    return json.dumps(order, separators=(",", ":"), sort_keys=True).encode()


def parse(raw: bytes | None) -> dict:
    """The order in `raw`, or BadRecord saying exactly what is wrong with it."""
    if raw is None:
        raise BadRecord("malformed-json", "empty record (no value)")
    if len(raw) > MAX_RECORD_BYTES:
        raise BadRecord("oversized", f"{len(raw)} bytes > {MAX_RECORD_BYTES}")
    try:
        order = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRecord("malformed-json", str(error)) from None
    if not isinstance(order, dict):
        raise BadRecord("schema", f"expected a JSON object, got {type(order).__name__}")
    for field, types in FIELDS.items():
        if field not in order:
            raise BadRecord("schema", f"missing field '{field}'")
        value = order[field]
        if isinstance(value, bool) or not isinstance(value, types):
            raise BadRecord("schema", f"field '{field}' has {type(value).__name__} {value!r:.40}")
    if not order["order_id"] or len(order["order_id"]) > 64:
        raise BadRecord("schema", "field 'order_id' must be 1-64 characters")
    if not 1 <= order["quantity"] <= 10_000:
        raise BadRecord("schema", f"field 'quantity' out of range: {order['quantity']}")
    if not 0 < order["unit_price"] < 1_000_000:
        raise BadRecord("schema", f"field 'unit_price' out of range: {order['unit_price']}")
    event_time(order)
    return order


def event_time(order: dict) -> datetime:
    try:
        moment = datetime.fromisoformat(order["ts"].replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord("schema", f"field 'ts' is not an ISO-8601 time: {order['ts']!r:.40}") from None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def amount(order: dict) -> float:
    return round(order["quantity"] * order["unit_price"], 2)


# The columns of an order's row in the tables (Cassandra's, MariaDB's) and their kind, named as CQL
# names its types: the order's fields, its event time and amount, and where in Kafka it was read.
# The sinks create their tables from these; the query job checks names and types values by them.
STORED_COLUMNS: dict[str, str] = {
    "order_id": "text", "customer_id": "text", "customer_name": "text", "product": "text", "category": "text",
    "region": "text", "quantity": "int", "unit_price": "decimal", "currency": "text", "ts": "text",
    "event_time": "timestamp", "amount": "decimal", "kafka_partition": "int", "kafka_offset": "bigint",
}


def stored_row(order: dict, partition: int, offset: int) -> dict:
    """A valid order's row, column by column in STORED_COLUMNS' order (decimals exact, the event time in UTC)."""
    return {
        "order_id": order["order_id"], "customer_id": order["customer_id"], "customer_name": order["customer_name"],
        "product": order["product"], "category": order["category"], "region": order["region"],
        "quantity": order["quantity"], "unit_price": Decimal(str(order["unit_price"])), "currency": order["currency"],
        "ts": order["ts"], "event_time": event_time(order), "amount": Decimal(str(amount(order))),
        "kafka_partition": partition, "kafka_offset": offset,
    }
