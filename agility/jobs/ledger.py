"""What the broker acknowledged: the producer's record of every order and bad record it sent.

Sinks and reconciliation compare what they hold against this file, so a line is written only
after the broker acknowledged the record, with the partition and offset it got. One JSON line
per record:

    {"order": {...the full order...}, "partition": 1, "offset": 417}
    {"bad": "schema", "partition": 0, "offset": 52}

The file is append-only: a second producer run into the same dataset adds to it, just as it adds
to the topic. `reset()` empties it (use a fresh dataset name for a fresh start in tests).

Location: `STATE_DIR/ledgers/<profile>/<area>/<dataset>.jsonl`; `AGILITY_LEDGERS` replaces
`STATE_DIR/ledgers`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agility.config.areas import Area, check_dataset
from agility.core.errors import AgilityError
from agility.core.paths import STATE_DIR


def ledgers_dir() -> Path:
    # read at call time so that tests and the CLI can point it elsewhere after import
    return Path(os.environ.get("AGILITY_LEDGERS") or STATE_DIR / "ledgers")


def good_entry(order: dict, partition: int, offset: int) -> dict:
    return {"order": order, "partition": partition, "offset": offset}


def bad_entry(kind: str, partition: int, offset: int) -> dict:
    return {"bad": kind, "partition": partition, "offset": offset}


@dataclass(frozen=True)
class Ledger:
    path: Path

    @classmethod
    def for_dataset(cls, profile_name: str, area: Area | str, dataset: str) -> Ledger:
        area_name = area.name if isinstance(area, Area) else area
        return cls(ledgers_dir() / profile_name / area_name / f"{check_dataset(dataset)}.jsonl")

    # --- writing ----------------------------------------------------------------------------
    def append(self, entry: dict) -> None:
        """One acknowledged record: `good_entry(...)` or `bad_entry(...)`."""
        self.extend([entry])

    def extend(self, entries: Iterable[dict]) -> None:
        lines = "".join(json.dumps(entry, separators=(",", ":"), sort_keys=True) + "\n" for entry in entries)
        if not lines:
            return
        self._folder()
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(lines)

    def reset(self) -> None:
        self._folder()
        self.path.write_text("")

    def _folder(self) -> None:
        """The area's ledgers folder, readable by this account only: an area's orders are its own."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.parent.chmod(0o700)

    # --- reading ----------------------------------------------------------------------------
    def entries(self) -> list[dict]:
        """Every line, oldest first; no file yet means nothing was acknowledged."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        entries = []
        lines = text.split("\n")
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError as error:
                if number == len(lines):
                    # a producer killed mid-write leaves a torn last line without its newline;
                    # that record's acknowledgement was never completely recorded
                    break
                raise AgilityError(f"ledger {self.path}: line {number} is not JSON ({error})") from None
        return entries

    def order_entries(self) -> list[dict]:
        """Every acknowledged order with the partition and offset it got."""
        return [entry for entry in self.entries() if "order" in entry]

    def orders(self) -> list[dict]:
        return [entry["order"] for entry in self.order_entries()]

    def ids(self) -> list[str]:
        return [order["order_id"] for order in self.orders()]

    def bad(self) -> list[tuple[str, int, int]]:
        return [(entry["bad"], entry["partition"], entry["offset"]) for entry in self.entries() if "bad" in entry]

    def positions(self) -> list[tuple[int, int]]:
        """(partition, offset) of every acknowledged record, good or bad."""
        return [(entry["partition"], entry["offset"]) for entry in self.entries()]
