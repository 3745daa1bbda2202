"""One row per measured figure, for `make bench`'s table (bench/all.py) and each script run alone:
what was measured, against what reference measured in the same run (or the target itself, for a
time with no reference), the ratio and the target, and whether the target is met."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    what: str
    value: float
    unit: str
    reference: str  # what it is compared with
    reference_value: float
    target: str  # e.g. "≥ 0.50" (a ratio), "≤ 20 s" (a time)
    met: bool

    @property
    def ratio(self) -> float:
        return self.value / self.reference_value if self.reference_value else float("nan")


def at_least(what: str, value: float, unit: str, reference: str, reference_value: float, wanted: float | None) -> Figure:
    """A rate against a reference rate of the same run; the ratio should be at least `wanted` (None: no target)."""
    ratio = value / reference_value if reference_value else 0.0
    return Figure(what, value, unit, reference, reference_value, f"≥ {wanted:.2f}" if wanted else "-",
                  wanted is None or ratio >= wanted)


def failed(what: str, why: str) -> Figure:
    """A benchmark that could not measure: its row says so, and the table is NOT MET."""
    return Figure(f"{what}: FAILED ({why[:80]})", float("nan"), "", "-", float("nan"), "-", False)


def compared(what: str, value: float, unit: str, reference: str, reference_value: float) -> Figure:
    """A figure shown beside its reference, with no target of its own."""
    return Figure(what, value, unit, reference, reference_value, "-", True)


def within(what: str, seconds: float, target_seconds: float) -> Figure:
    """A time against its target: the ratio should be at most 1."""
    return Figure(what, seconds, "s", "its target", target_seconds, f"≤ {target_seconds:g} s", seconds <= target_seconds)


def table(figures: list[Figure]) -> str:
    header = ("figure", "measured", "reference (same run)", "ratio", "target", "")
    rows = [(figure.what, f"{figure.value:,.1f} {figure.unit}", f"{figure.reference} {figure.reference_value:,.1f}",
             f"{figure.ratio:.2f}", figure.target, "met" if figure.met else "NOT MET") for figure in figures]
    widths = [max(len(row[index]) for row in (header, *rows)) for index in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in (header, *rows))
