"""The analytics reference (the independent computation the Spark job is checked against), on
small hand-made orders whose answers are known."""

import pytest

from agility.clients.edge_hdfs import failure_message, parse_ls_line
from agility.jobs import analytics_reference as ref
from agility.jobs.orders import generate

pytestmark = pytest.mark.unit


def order(number: int, customer: str, product: str, region: str, quantity: int, price: float, ts: str,
          category: str = "books") -> dict:
    return {"order_id": f"o-{number}", "customer_id": customer, "customer_name": f"name {customer}",
            "product": product, "category": category, "region": region, "quantity": quantity,
            "unit_price": price, "currency": "EUR", "ts": ts}


ORDERS = [
    order(1, "c-1", "cookbook", "north", 2, 27.50, "2026-11-27T08:05:00.000Z"),
    order(2, "c-1", "travel guide", "north", 1, 19.95, "2026-11-27T08:59:59.999Z"),
    order(3, "c-2", "cookbook", "south", 3, 0.10, "2026-11-27T08:30:00.000Z", category="kitchen"),
    order(4, "c-2", "travel guide", "south", 1, 0.20, "2026-11-27T08:31:00.000Z"),
    order(5, "c-3", "e-reader", "north", 1, 129.99, "2026-11-27T10:00:00.000Z", category="electronics"),
]


def test_money_is_exact_in_cents():
    # 3 × 0.10 + 0.20 is 0.5 exactly, not 0.5000000000000001
    rows = ref.revenue_by_region_hour(ORDERS)
    assert ["south", "2026-11-27 08:00", 2, "0.50", "0.50", 2] in rows


def test_revenue_by_region_hour_running_total_and_rank():
    assert ref.revenue_by_region_hour(ORDERS) == [
        ["north", "2026-11-27 08:00", 2, "74.95", "74.95", 1],
        ["south", "2026-11-27 08:00", 2, "0.50", "0.50", 2],
        ["north", "2026-11-27 10:00", 1, "129.99", "204.94", 1],
    ]


def test_top_customers_rank_and_favourite_category():
    assert ref.top_customers(ORDERS) == [
        [1, "c-3", "name c-3", 1, "129.99", "electronics"],
        [2, "c-1", "name c-1", 2, "74.95", "books"],
        [3, "c-2", "name c-2", 2, "0.50", "kitchen"],  # 0.30 kitchen beats 0.20 books
    ]


def test_hour_over_hour_fills_empty_hours_and_scores_within_the_region():
    rows = ref.hour_over_hour(ORDERS)
    north = [row for row in rows if row[0] == "north"]
    assert [row[1] for row in north] == ["2026-11-27 08:00", "2026-11-27 09:00", "2026-11-27 10:00"]
    assert [row[3] for row in north] == ["74.95", "0.00", "129.99"]
    assert [row[4] for row in north] == [None, "74.95", "0.00"]
    values = [74.95, 0.0, 129.99]
    mean = sum(values) / 3
    deviation = (sum((value - mean) ** 2 for value in values) / 3) ** 0.5
    assert [row[5] for row in north] == [round((value - mean) / deviation, 4) for value in values]


def test_anomalies_are_the_cells_two_deviations_out():
    rows = [["north", f"2026-11-27 {hour:02d}:00", 1, "10.00", None, z] for hour, z in
            enumerate([0.5, -2.1, 2.0, None, 1.99])]
    assert [row[5] for row in ref.anomalies(rows)] == [-2.1, 2.0]


def test_basket_pairs_count_baskets_customers_and_lift():
    # baskets: (c-1, 08h) {cookbook, travel guide}, (c-2, 08h) {cookbook, travel guide}, (c-3, 10h) {e-reader}
    assert ref.basket_pairs(ORDERS) == [["cookbook", "travel guide", 2, 2, (2 * 3) / (2 * 2)]]


def test_an_order_read_twice_counts_once():
    assert ref.compute(ORDERS + ORDERS[:2]) == ref.compute(ORDERS)


def test_generated_orders_agree_with_themselves_and_differences_are_named():
    orders = generate(42, 400)
    expected = ref.compute(orders)
    assert ref.differences(expected, ref.compute(list(reversed(orders)))) == []
    changed = {**expected, "top_customers": [list(row) for row in expected["top_customers"]]}
    changed["top_customers"][0][4] = "0.01"
    assert ref.differences(changed, expected) == [
        f"top_customers row 1: job {changed['top_customers'][0]}, reference {expected['top_customers'][0]}"]


def test_the_shell_says_a_missing_path_in_one_line():
    assert failure_message("ls: `/areas/dev/nope': No such file or directory\n") == "/areas/dev/nope does not exist"
    trace = ("Exception in thread \"main\" java.net.ConnectException: Connection refused\n"
             "\tat java.base/sun.nio.ch.Net.connect0(Native Method)\n")
    assert failure_message(trace) == "Connection refused"


def test_an_ls_line_is_parsed():
    entry = parse_ls_line("-rwxr-xr-x   1 root supergroup      25153 2026-11-28 07:50 /areas/dev/x/part-p0.jsonl")
    assert (entry.replication, entry.owner, entry.size, entry.path, entry.is_dir) == (
        1, "root", 25153, "/areas/dev/x/part-p0.jsonl", False)
    assert parse_ls_line("drwxr-xr-x   - root supergroup          0 2026-11-28 07:50 /areas/dev/x").is_dir
    assert parse_ls_line("Found 3 items") is None
