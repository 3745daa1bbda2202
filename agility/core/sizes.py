"""Sizes as a person reads them (the dashboard's cells, the diagrams' boxes)."""

from __future__ import annotations

UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def size(count: int) -> str:
    """Bytes as a person reads them: 0 B, 512 B, 1.5 KiB, 20.0 MiB."""
    value = float(count)
    for unit in UNITS[:-1]:
        if abs(value) < 1024:
            return f"{count} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} {UNITS[-1]}"
