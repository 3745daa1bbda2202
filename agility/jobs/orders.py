"""Realistic retail orders, and deliberately bad records, that are the same for the same seed.

Every random choice comes from a `random.Random` owned by the caller's seed, never from the global
generator, so a run can be repeated exactly and a test can predict what a sink must hold.

- `generate(seed, count)`: the first `count` orders of the seed's stream (a longer run starts with
  the same orders as a shorter one). Order ids are `o-<seed>-<index:07d>`.
- `bad_records(seed, count)`: (kind, raw bytes) pairs that `records.parse` rejects with exactly
  that kind; the kinds take turns so that three or more cover all of them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice

from agility.jobs import records

BAD_KINDS = ("malformed-json", "schema", "oversized")
CURRENCY = "EUR"
# The window of seed s starts at 08:00 UTC on one of seven days from 27 November 2026, so
# different seeds land on different days of the same week (seed 42 → 2026-11-27).
FIRST_DAY = datetime(2026, 11, 27, 8, tzinfo=UTC)
GAP_MS = (500, 20_000)  # between two orders: about 10 s on average, so 2000 orders span ~6 hours
QUANTITY_WEIGHTS = {1: 55, 2: 22, 3: 12, 4: 7, 5: 4}

REGIONS = ("north", "south", "east", "west", "central", "islands")

# category → (product, unit price in EUR)
CATALOGUE: dict[str, tuple[tuple[str, float], ...]] = {
    "electronics": (("wireless earbuds", 59.90), ("usb-c charger 65w", 34.99), ("bluetooth speaker", 79.00),
                    ("e-reader", 129.99), ("smartwatch", 199.00)),
    "books": (("paperback novel", 12.99), ("cookbook", 27.50), ("travel guide", 19.95),
              ("children's picture book", 9.99), ("graphic novel", 16.90)),
    "kitchen": (("chef's knife", 49.00), ("cast-iron pan", 39.95), ("coffee grinder", 64.50),
                ("glass storage set", 24.99), ("electric kettle", 44.00)),
    "clothing": (("merino t-shirt", 45.00), ("rain jacket", 119.00), ("wool socks (3 pairs)", 18.50),
                 ("denim jeans", 69.90), ("knit beanie", 22.00)),
    "sports": (("yoga mat", 29.99), ("running shoes", 109.95), ("water bottle 1l", 14.90),
               ("resistance bands", 19.99), ("cycling gloves", 27.00)),
    "home": (("desk lamp", 36.90), ("linen bedding set", 89.00), ("scented candle", 14.50),
             ("throw blanket", 42.00), ("wall clock", 31.99)),
    "garden": (("pruning shears", 21.90), ("seed collection", 8.99), ("watering can", 17.50),
               ("solar garden lights", 33.00), ("terracotta pot set", 26.95)),
    "toys": (("building blocks set", 54.99), ("jigsaw puzzle 1000", 15.99), ("plush bear", 19.90),
             ("board game", 34.50), ("remote-control car", 47.00)),
}

FIRST_NAMES = (
    "Anna", "Lukas", "Marie", "Jonas", "Sofia", "Mateo", "Emma", "Noah", "Lea", "Elias", "Clara", "Luca",
    "Ines", "Hugo", "Alice", "Leon", "Julia", "Tomas", "Chiara", "Oskar", "Eva", "Milan", "Nora", "Pablo",
    "Ida", "Finn", "Zoe", "Samuel", "Greta", "Arthur", "Laura", "David", "Maja", "Adam", "Lucia", "Felix",
)
LAST_NAMES = (
    "Schmidt", "Dubois", "Rossi", "Garcia", "Novak", "Jansen", "Nielsen", "Kowalski", "Silva", "Muller",
    "Lambert", "Ferrari", "Lopez", "Horvat", "de Vries", "Andersen", "Nowak", "Costa", "Weber", "Martin",
    "Bianchi", "Fernandez", "Svoboda", "Bakker", "Larsen", "Wojcik", "Santos", "Fischer", "Moreau", "Romano",
)
CUSTOMER_COUNT = 200
CUSTOMER_POOL_SEED = 20261127  # the pool is the same for every seed: customers are master data


def _customers() -> tuple[tuple[str, str, str], ...]:
    """(customer_id, customer_name, home region) of a fixed pool of distinct customers."""
    rng = random.Random(CUSTOMER_POOL_SEED)
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    chosen = rng.sample(names, CUSTOMER_COUNT)
    return tuple((f"c-{number:04d}", name, rng.choice(REGIONS)) for number, name in enumerate(chosen, 1))


CUSTOMERS = _customers()
PRODUCTS = tuple((product, category, price) for category, items in CATALOGUE.items() for product, price in items)
# A few customers and products are much more popular than the rest, as in any shop.
_CUSTOMER_WEIGHTS = tuple(1 / (rank + 20) for rank in range(len(CUSTOMERS)))
_PRODUCT_WEIGHTS = tuple(1 / (rank % 13 + 2) for rank in range(len(PRODUCTS)))


def order_id(seed: int, index: int) -> str:
    return f"o-{seed}-{index:07d}"


def start_time(seed: int) -> datetime:
    return FIRST_DAY + timedelta(days=seed % 7)


def iso_millis(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iter_orders(seed: int) -> Iterator[dict]:
    """The endless stream of orders of `seed`; each order takes the same number of draws, so the
    n-th order does not depend on how many are asked for."""
    rng = random.Random(seed)
    moment = start_time(seed)
    quantities, quantity_weights = tuple(QUANTITY_WEIGHTS), tuple(QUANTITY_WEIGHTS.values())
    index = 0
    while True:
        moment += timedelta(milliseconds=rng.randint(*GAP_MS))
        customer_id, customer_name, home = rng.choices(CUSTOMERS, weights=_CUSTOMER_WEIGHTS)[0]
        product, category, price = rng.choices(PRODUCTS, weights=_PRODUCT_WEIGHTS)[0]
        # most customers order for delivery at home; some send a gift elsewhere
        region = home if rng.random() < 0.85 else rng.choice(REGIONS)
        yield {
            "order_id": order_id(seed, index),
            "customer_id": customer_id,
            "customer_name": customer_name,
            "product": product,
            "category": category,
            "region": region,
            "quantity": rng.choices(quantities, weights=quantity_weights)[0],
            "unit_price": price,
            "currency": CURRENCY,
            "ts": iso_millis(moment),
        }
        index += 1


def generate(seed: int, count: int) -> list[dict]:
    return list(islice(iter_orders(seed), count))


def bad_records(seed: int, count: int) -> list[tuple[str, bytes]]:
    """`count` records that every sink must reject, as (kind, raw); kinds take turns."""
    # a stream of its own, so asking for bad records does not shift the good orders of the seed
    rng = random.Random(f"bad-{seed}")
    templates = generate(seed + 1_000_003, count)  # realistic content, ids of a stream nobody produces
    made = []
    for number, order in enumerate(templates):
        kind = BAD_KINDS[number % len(BAD_KINDS)]
        order["order_id"] = f"bad-{seed}-{number:07d}"
        if kind == "malformed-json":
            raw = records.encode(order)
            raw = raw[: rng.randint(len(raw) // 2, len(raw) - 1)]  # a strict prefix of an object is never JSON
        elif kind == "schema":
            raw = records.encode(_break_schema(order, number // len(BAD_KINDS), rng))
        else:
            order["customer_name"] += " " + "x" * (records.MAX_RECORD_BYTES + rng.randint(1, 4096))
            raw = records.encode(order)
        made.append((kind, raw))
    return made


def _break_schema(order: dict, variant: int, rng: random.Random) -> dict:
    """Valid JSON that breaks the schema in one of three ways, taking turns."""
    if variant % 3 == 0:
        del order[rng.choice(sorted(records.FIELDS))]
    elif variant % 3 == 1:
        order["quantity"] = str(order["quantity"])  # "2" instead of 2
    else:
        order["quantity"] = rng.choice((0, -1, 10_001, 250_000))
    return order


def describe(order: dict) -> str:
    """One line for a person: `o-42-0000001 Anna Rossi 2 × cookbook (27.50 EUR) north @ ...`."""
    return (f"{order['order_id']} {order['customer_name']} {order['quantity']} × {order['product']} "
            f"({order['unit_price']:.2f} {order['currency']}) {order['region']} @ {order['ts']}")
