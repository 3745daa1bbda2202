"""A resource several processes use at once (pytest-xdist workers, job processes, a presenter's
terminal): the first user starts it, later users join, the last one leaving stops it — unless it
was running before any of them came, in which case it is left as it was found.

Users are counted by process id, so a user that died without leaving (SIGKILL) no longer counts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from filelock import FileLock, Timeout

from agility.core.paths import STATE_DIR
from agility.core.processes import is_alive

LOCK_DIR = STATE_DIR / "locks"


class SharedResource:
    def __init__(self, name: str):
        LOCK_DIR.mkdir(parents=True, exist_ok=True)
        self.lock = FileLock(str(LOCK_DIR / f"{name}.lock"))
        self.ledger = LOCK_DIR / f"{name}.json"

    def _read(self) -> dict:
        try:
            state = json.loads(self.ledger.read_text())
        except (FileNotFoundError, ValueError):
            state = {}
        holders = [pid for pid in state.get("holders", []) if is_alive(pid)]
        return {"holders": holders, "started_by_us": bool(state.get("started_by_us"))}

    def _write(self, state: dict) -> None:
        self.ledger.write_text(json.dumps(state))

    def orphaned(self, patience: float = 5) -> bool:
        """Started by one of us, and every process that used it is gone. One whose lock somebody
        holds is in use right now (being started, joined or left; e.g. by the very process that
        is starting the caller): not orphaned."""
        try:
            with self.lock.acquire(timeout=patience):
                state = self._read()
                return state["started_by_us"] and not state["holders"]
        except Timeout:
            return False

    def acquire(self, is_running: Callable[[], bool], start: Callable[[], None], timeout: float = 900) -> bool:
        """Join the resource, starting it if nobody runs it; True if this call started it. Call
        `release` also when this raised: a start that failed half-way is then stopped."""
        with self.lock.acquire(timeout=timeout):
            state = self._read()
            if not is_running():
                # users still alive keep their place: they use what is started again. This user is
                # counted before the start, so that its release stops what a failed start left.
                self._write({"holders": [*state["holders"], os.getpid()], "started_by_us": True})
                start()
                return True
            if not state["holders"] and not state["started_by_us"]:
                state = {"holders": [], "started_by_us": False}  # someone else's: leave it running
            state["holders"].append(os.getpid())
            self._write(state)
            return False

    def release(self, stop: Callable[[], None], keep: bool = False) -> bool:
        """Leave; the last user stops it if one of us started it. True if it was stopped."""
        with self.lock.acquire(timeout=900):
            state = self._read()
            if os.getpid() in state["holders"]:
                state["holders"].remove(os.getpid())
            stopped = False
            if not state["holders"] and state["started_by_us"] and not keep:
                stop()
                stopped = True
            if state["holders"] or (state["started_by_us"] and not stopped):
                self._write(state)
            else:
                self.ledger.unlink(missing_ok=True)
            return stopped
