"""A resource several processes use at once (pytest-xdist workers, a presenter's terminal):
the first user starts it, later users join, the last user that joined stops it — unless it was
running before any of them came, in which case it is left as it was found."""

from __future__ import annotations

import json
from collections.abc import Callable

from filelock import FileLock

from agility.paths import STATE_DIR

LOCK_DIR = STATE_DIR / "locks"


class SharedResource:
    def __init__(self, name: str):
        LOCK_DIR.mkdir(parents=True, exist_ok=True)
        self.lock = FileLock(str(LOCK_DIR / f"{name}.lock"))
        self.ledger = LOCK_DIR / f"{name}.json"

    def _read(self) -> dict:
        try:
            return json.loads(self.ledger.read_text())
        except (FileNotFoundError, ValueError):
            return {"users": 0, "started_by_us": False}

    def acquire(self, is_running: Callable[[], bool], start: Callable[[], None], timeout: float = 900) -> bool:
        """Join the resource, starting it if nobody runs it; True if this call started it."""
        with self.lock.acquire(timeout=timeout):
            state = self._read()
            started = False
            if state["users"] == 0 or not is_running():
                if is_running():
                    state = {"users": 0, "started_by_us": False}
                else:
                    start()
                    state = {"users": 0, "started_by_us": True}
                    started = True
            state["users"] += 1
            self.ledger.write_text(json.dumps(state))
            return started

    def release(self, stop: Callable[[], None], keep: bool = False) -> bool:
        """Leave; the last user stops it if one of us started it. True if it was stopped."""
        with self.lock.acquire(timeout=900):
            state = self._read()
            state["users"] = max(0, state["users"] - 1)
            stopped = False
            if state["users"] == 0 and state["started_by_us"] and not keep:
                stop()
                stopped = True
            if state["users"] == 0:
                self.ledger.unlink(missing_ok=True)
            else:
                self.ledger.write_text(json.dumps(state))
            return stopped
