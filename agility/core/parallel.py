"""Round trips side by side: many small waits on the network (one per node, store or file) take
about as long as the longest of them instead of their sum."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


def side_by_side(ask: Callable[[Item], Answer], items: Iterable[Item], at_most: int = 8) -> list[Answer]:
    """`ask(item)` for every item, at most `at_most` at a time; the answers in the items' order.
    The first error is raised once every item has been asked."""
    items = list(items)
    if len(items) <= 1:
        return [ask(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(at_most, len(items))) as pool:
        return list(pool.map(ask, items))
