"""The analytics job's results computed independently, in plain Python, from the producer's
ledger: what the Spark job must print, to the cent.

The definitions both sides follow (see agility/jobs/analytics.py for the SparkSQL):

- an order counts once (by order id); its amount is quantity × unit price, exact in cents;
- its hour is the UTC hour of its event time `ts`, shown as `YYYY-MM-DD HH:00`;
- revenue by region and hour: orders and revenue of each (region, hour) that has orders, the
  region's running revenue up to that hour, and the region's rank within the hour (RANK: ties
  share a rank, revenue descending);
- top customers: the 10 customers with the most revenue (ties by customer id), with their RANK,
  orders, revenue and favourite category (most revenue; ties by category name);
- hour over hour: every region × every hour from the first to the last event hour (0 where a
  region has no orders), with the previous hour's revenue and the z-score of the hour's revenue
  within its region (population standard deviation; none when it is 0), rounded to 4 places;
  an anomaly is |z| ≥ 2;
- basket pairs: a basket is what one customer ordered within one hour; the 10 product pairs
  found together in the most baskets (ties by product names), with the customers who bought
  them together and the lift, baskets(a,b) × baskets / (baskets(a) × baskets(b)).

Money is compared as strings with two decimals, z-scores rounded to 4 places, lift exactly.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import combinations

from agility.jobs import records

TOP = 10
ANOMALY_Z = 2.0
Z_PLACES = 4
TABLES = ("revenue_by_region_hour", "top_customers", "hour_over_hour", "basket_pairs")


def cents(value) -> str:
    return f"{Decimal(str(value)):.2f}"


def z_rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), Z_PLACES)


def hour_of(order: dict) -> datetime:
    return records.event_time(order).replace(minute=0, second=0, microsecond=0)


def hour_label(hour: datetime) -> str:
    return hour.strftime("%Y-%m-%d %H:00")


def amount(order: dict) -> Decimal:
    return order["quantity"] * Decimal(str(order["unit_price"]))


def unique_orders(orders: list[dict]) -> list[dict]:
    """One order per id (the last one seen)."""
    return list({order["order_id"]: order for order in orders}.values())


def compute(orders: list[dict]) -> dict:
    """Every table of the analytics job, from the orders themselves."""
    orders = unique_orders(orders)
    return {
        "orders": len(orders),
        "revenue_by_region_hour": revenue_by_region_hour(orders),
        "top_customers": top_customers(orders),
        "hour_over_hour": hour_over_hour(orders),
        "basket_pairs": basket_pairs(orders),
    }


def revenue_by_region_hour(orders: list[dict]) -> list[list]:
    cells: dict[tuple[str, datetime], list] = defaultdict(lambda: [0, Decimal(0)])
    for order in orders:
        cell = cells[(order["region"], hour_of(order))]
        cell[0] += 1
        cell[1] += amount(order)
    running: dict[str, Decimal] = defaultdict(Decimal)
    rows = {}
    for region, hour in sorted(cells, key=lambda key: key[1]):
        count, revenue = cells[(region, hour)]
        running[region] += revenue
        rank = 1 + sum(1 for (_, other_hour), (_, other) in cells.items() if other_hour == hour and other > revenue)
        rows[(hour, region)] = [region, hour_label(hour), count, cents(revenue), cents(running[region]), rank]
    return [rows[key] for key in sorted(rows)]


def top_customers(orders: list[dict]) -> list[list]:
    spend: dict[str, list] = {}
    by_category: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for order in orders:
        row = spend.setdefault(order["customer_id"], [order["customer_name"], 0, Decimal(0)])
        row[1] += 1
        row[2] += amount(order)
        by_category[order["customer_id"]][order["category"]] += amount(order)
    ordered = sorted(spend, key=lambda customer: (-spend[customer][2], customer))
    rows = []
    for customer in ordered[:TOP]:
        name, count, revenue = spend[customer]
        rank = 1 + sum(1 for other in spend.values() if other[2] > revenue)
        favourite = min(by_category[customer].items(), key=lambda item: (-item[1], item[0]))[0]
        rows.append([rank, customer, name, count, cents(revenue), favourite])
    return rows


def hour_over_hour(orders: list[dict]) -> list[list]:
    if not orders:
        return []
    hours_present = [hour_of(order) for order in orders]
    first, last = min(hours_present), max(hours_present)
    hours = [first + timedelta(hours=step) for step in range(int((last - first) / timedelta(hours=1)) + 1)]
    regions = sorted({order["region"] for order in orders})
    cells: dict[tuple[str, datetime], list] = {(region, hour): [0, Decimal(0)] for region in regions for hour in hours}
    for order in orders:
        cell = cells[(order["region"], hour_of(order))]
        cell[0] += 1
        cell[1] += amount(order)
    rows = []
    for region in regions:
        revenues = [float(cells[(region, hour)][1]) for hour in hours]
        mean = math.fsum(revenues) / len(revenues)
        deviation = math.sqrt(math.fsum((value - mean) ** 2 for value in revenues) / len(revenues))
        previous = None
        for hour, value in zip(hours, revenues, strict=True):
            count, revenue = cells[(region, hour)]
            z = (value - mean) / deviation if deviation > 0 else None
            rows.append([region, hour_label(hour), count, cents(revenue), previous, z_rounded(z)])
            previous = cents(revenue)
    return rows


def anomalies(hour_over_hour_rows: list[list]) -> list[list]:
    """The cells whose |z| ≥ 2, largest first."""
    flagged = [row for row in hour_over_hour_rows if row[5] is not None and abs(row[5]) >= ANOMALY_Z]
    return sorted(flagged, key=lambda row: (-abs(row[5]), row[0], row[1]))


def basket_pairs(orders: list[dict]) -> list[list]:
    baskets: dict[tuple[str, datetime], set[str]] = defaultdict(set)
    for order in orders:
        baskets[(order["customer_id"], hour_of(order))].add(order["product"])
    with_product: dict[str, int] = defaultdict(int)
    together: dict[tuple[str, str], list] = defaultdict(lambda: [0, set()])
    for (customer, _), products in baskets.items():
        for product in products:
            with_product[product] += 1
        for pair in combinations(sorted(products), 2):
            together[pair][0] += 1
            together[pair][1].add(customer)
    total = len(baskets)
    ordered = sorted(together, key=lambda pair: (-together[pair][0], pair))
    return [[a, b, together[(a, b)][0], len(together[(a, b)][1]),
             (together[(a, b)][0] * total) / (with_product[a] * with_product[b])]
            for a, b in ordered[:TOP]]


def normalise(results: dict) -> dict:
    """The tables in the form both sides are compared in: money as 2-decimal strings, z-scores
    rounded to 4 places, counts as ints, lift as the float it is."""
    money = {"revenue_by_region_hour": (3, 4), "top_customers": (4,), "hour_over_hour": (3, 4), "basket_pairs": ()}
    normal = {"orders": int(results["orders"])}
    for table in TABLES:
        rows = []
        for row in results[table]:
            row = list(row)
            for column in money[table]:
                row[column] = None if row[column] is None else cents(row[column])
            if table == "hour_over_hour":
                row[5] = z_rounded(row[5])
            rows.append(row)
        normal[table] = rows
    return normal


def differences(job: dict, reference: dict) -> list[str]:
    """Every way the job's results differ from the reference's: empty when they are equal."""
    ours, theirs = normalise(job), normalise(reference)
    found = []
    if ours["orders"] != theirs["orders"]:
        found.append(f"orders: job {ours['orders']}, reference {theirs['orders']}")
    for table in TABLES:
        if len(ours[table]) != len(theirs[table]):
            found.append(f"{table}: job {len(ours[table])} rows, reference {len(theirs[table])}")
        for number, (mine, expected) in enumerate(zip(ours[table], theirs[table], strict=False), 1):
            if mine != expected:
                found.append(f"{table} row {number}: job {mine}, reference {expected}")
    return found
