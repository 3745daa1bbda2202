"""A dataset an act's scenarios share, filled through the pipeline itself by the first scenario
that needs it: the producer's seeded orders (with a fresh ledger), then each sink's job. So every
act shows the stores as the pipeline left them, and each scenario can still run alone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from agility.checks import pipeline
from agility.config.areas import Area
from agility.core.errors import AgilityError
from agility.jobs import producer
from agility.jobs.ledger import Ledger

Say = Callable[[str], None]  # what a check says as it goes: a step's narration, or print


@dataclass
class SharedDataset:
    """`prefix_<random>`, filled with `orders` orders of `seed` by `sinks`; with `reconciled`
    each sink is also checked against the producer's ledger before any scenario uses it."""

    prefix: str
    seed: int
    sinks: tuple[str, ...]
    reconciled: bool = False
    name: str = ""
    orders: int = 0  # 0 until filled

    def __post_init__(self) -> None:
        self.name = self.name or f"{self.prefix}_{uuid.uuid4().hex[:8]}"

    def fill(self, profile_name: str, clients, area: Area, count: int, say: Say) -> str:
        """Produce `count` orders and run each sink over them, once (already filled with `count`:
        nothing to do); each job's summary said. The dataset's name."""
        if self.orders == count:
            return self.name
        say(producer.run(clients, area, self.name, count, seed=self.seed, profile_name=profile_name,
                         progress=False, fresh_ledger=True).summary())
        for sink in self.sinks:
            say(pipeline.run_sink(sink, clients, area, self.name).summary())
            if self.reconciled:
                checked = pipeline.check_sink(sink, clients, area, self.name,
                                              Ledger.for_dataset(profile_name, area, self.name))
                if not checked.ok:
                    raise AgilityError(checked.summary())
        self.orders = count
        return self.name
