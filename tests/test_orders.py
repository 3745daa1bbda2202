"""The seeded order generator, the bad records, the producer's sending plan and the ledger."""

from collections import Counter
from datetime import timedelta

import pytest

from agility.config import areas
from agility.core.errors import AgilityError
from agility.jobs import orders, records
from agility.jobs.ledger import Ledger, bad_entry, good_entry
from agility.jobs.producer import sending_plan

pytestmark = pytest.mark.unit


def test_same_seed_same_orders_and_a_longer_run_starts_with_a_shorter_one():
    assert orders.generate(42, 300) == orders.generate(42, 300)
    assert orders.generate(42, 1000)[:300] == orders.generate(42, 300)
    assert orders.generate(43, 50) != orders.generate(42, 50)


def test_order_ids_are_unique_and_name_seed_and_index():
    made = orders.generate(7, 5000)
    ids = [order["order_id"] for order in made]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "o-7-0000000" and ids[4321] == "o-7-0004321"
    assert not set(ids) & {order["order_id"] for order in orders.generate(8, 5000)}


def test_every_order_survives_encode_and_parse():
    for order in orders.generate(42, 3000):
        assert records.parse(records.encode(order)) == order


def test_orders_look_like_a_shop():
    made = orders.generate(42, 5000)
    catalogue = {(product, category): price for product, category, price in orders.PRODUCTS}
    customers = {customer_id: name for customer_id, name, _ in orders.CUSTOMERS}
    assert len(orders.PRODUCTS) == 40 and len(orders.CATALOGUE) == 8 and len(customers) == 200
    assert len(set(customers.values())) == 200  # no two customers share a name
    for order in made:
        assert catalogue[(order["product"], order["category"])] == order["unit_price"]
        assert customers[order["customer_id"]] == order["customer_name"]
        assert order["region"] in orders.REGIONS and order["currency"] == "EUR"
        assert 1 <= order["quantity"] <= 5
        assert round(order["unit_price"], 2) == order["unit_price"] > 0
    quantities = Counter(order["quantity"] for order in made)
    assert quantities[1] > quantities[2] > quantities[3] > quantities[5]  # mostly single items
    assert len({order["region"] for order in made}) == len(orders.REGIONS)
    assert len({order["category"] for order in made}) == len(orders.CATALOGUE)


def test_times_are_iso_millis_utc_increasing_and_span_hours():
    made = orders.generate(42, 2000)
    assert made[0]["ts"].startswith("2026-11-27T08:")
    assert all(len(order["ts"]) == len("2026-11-27T08:00:00.000Z") and order["ts"].endswith("Z") for order in made)
    times = [records.event_time(order) for order in made]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert all(timedelta(milliseconds=500) <= gap <= timedelta(seconds=20) for gap in gaps)
    assert times[-1] - times[0] > timedelta(hours=4)
    assert len({moment.hour for moment in times}) >= 5  # enough hours for per-hour analytics


@pytest.mark.parametrize("count", [3, 10, 31])
def test_bad_records_fail_parse_with_their_own_kind(count):
    bad = orders.bad_records(42, count)
    assert len(bad) == count and {kind for kind, _ in bad} == set(orders.BAD_KINDS)
    for kind, raw in bad:
        with pytest.raises(records.BadRecord) as error:
            records.parse(raw)
        assert error.value.kind == kind, (kind, error.value.detail, raw[:80])
    assert orders.bad_records(42, count) == bad


def test_schema_errors_cover_missing_field_wrong_type_and_range():
    details = []
    for kind, raw in orders.bad_records(5, 30):
        if kind == "schema":
            with pytest.raises(records.BadRecord) as error:
                records.parse(raw)
            details.append(error.value.detail)
    assert any("missing field" in detail for detail in details)
    assert any("has str" in detail for detail in details)
    assert any("out of range" in detail for detail in details)


def test_sending_plan_spreads_the_bad_records_deterministically():
    plan = list(sending_plan(42, 200, 7))
    keys = [key for key, _, _ in plan]
    assert len(plan) == 207 and keys == [key for key, _, _ in sending_plan(42, 200, 7)]
    bad_positions = [index for index, key in enumerate(keys) if key.startswith("bad-")]
    assert len(bad_positions) == 7 and bad_positions[-1] - bad_positions[0] > 50
    good_keys = [key for key in keys if not key.startswith("bad-")]
    assert good_keys == [order["order_id"] for order in orders.generate(42, 200)]


def test_ledger_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("AGILITY_LEDGERS", str(tmp_path))
    ledger = Ledger.for_dataset("sandbox", areas.get("dev"), "try_ledger")
    assert ledger.path == tmp_path / "sandbox" / "dev" / "try_ledger.jsonl"
    assert ledger.entries() == [] and ledger.ids() == [] and ledger.bad() == []  # no file yet
    made = orders.generate(1, 3)
    ledger.append(good_entry(made[0], 2, 10))
    ledger.extend([bad_entry("schema", 0, 4), good_entry(made[1], 1, 0), good_entry(made[2], 2, 11)])
    assert ledger.orders() == made
    assert ledger.ids() == ["o-1-0000000", "o-1-0000001", "o-1-0000002"]
    assert ledger.bad() == [("schema", 0, 4)]
    assert ledger.positions() == [(2, 10), (0, 4), (1, 0), (2, 11)]
    assert Ledger.for_dataset("sandbox", "dev", "try_ledger").ids() == ledger.ids()  # an area name works too
    ledger.reset()
    assert ledger.entries() == [] and ledger.path.exists()


def test_ledger_ignores_a_torn_last_line_but_not_a_corrupt_one(tmp_path):
    ledger = Ledger(tmp_path / "x.jsonl")
    ledger.append(bad_entry("oversized", 0, 1))
    with open(ledger.path, "a") as handle:
        handle.write('{"bad": "sch')
    assert ledger.bad() == [("oversized", 0, 1)]
    ledger.path.write_text('{"bad": "sch\n{"bad": "schema", "partition": 0, "offset": 2}\n')
    with pytest.raises(AgilityError, match="line 1 is not JSON"):
        ledger.entries()
