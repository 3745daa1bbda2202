"""Deadline waits: every wait names what it waited for and stops early when the process died."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from agility.core.errors import ServiceNotReady


def tail(path: Path | None, lines: int = 20) -> str:
    if path is None or not path.exists():
        return "(no log)"
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 64 * 1024))
        text = handle.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])


def wait_until(
    condition: Callable[[], object],
    *,
    timeout: float,
    what: str,
    service: str = "",
    alive: Callable[[], bool] | None = None,
    log: Path | None = None,
    interval: float = 0.25,
) -> object:
    """Poll `condition` until it returns a truthy value; raise a ServiceNotReady that says
    which service, what was awaited, for how long, and the last lines of its log."""
    __tracebackhide__ = True
    started = time.monotonic()
    deadline = started + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = condition()
            if result:
                return result
        except Exception as error:  # noqa: BLE001 - the probe's failure is the reason we retry
            last_error = error
        if alive is not None and not alive():
            raise ServiceNotReady(_message(service, what, "its process exited", started, log, last_error))
        if time.monotonic() >= deadline:
            raise ServiceNotReady(_message(service, what, f"timed out after {timeout:.0f} s", started, log, last_error))
        time.sleep(interval)


def _message(service, what, reason, started, log, last_error) -> str:
    elapsed = time.monotonic() - started
    parts = [f"{service or 'condition'}: not ready ({reason}, {elapsed:.1f} s) while waiting for {what}"]
    if last_error is not None:
        parts.append(f"last probe error: {type(last_error).__name__}: {last_error}")
    if log is not None:
        parts.append(f"log: {log}\n--- last lines ---\n{tail(log)}")
    return "\n".join(parts)


class Pace:
    """At most `rate` steps a second, evenly spread: `wait(n)` returns once step n is due. A load
    that runs for a while at a steady rate (a fault can then land in the middle of it)."""

    def __init__(self, rate: float | None):
        self.interval = 1.0 / rate if rate else 0.0
        self.started = time.monotonic()

    def wait(self, step: int) -> None:
        if self.interval:
            due = self.started + step * self.interval
            if (ahead := due - time.monotonic()) > 0:
                time.sleep(ahead)
