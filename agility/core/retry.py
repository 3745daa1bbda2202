"""Bounded retries of a call into a store: a transient failure (the store closed the connection,
timed out, went away) is tried again with exponential backoff for at most `seconds`; a failure
that lasts longer becomes one StoreUnavailable line naming the store and its last error.

Not `waiting.wait_until`: that one retries every error at a fixed pace until a condition holds.
Here only the failures the caller calls transient are retried (a store's refusal, such as a quota
or a denied grant, must stop the job at once), and the pace backs off so that a store that is
restarting is not hammered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from agility.core.errors import AgilityError

T = TypeVar("T")
FIRST_DELAY = 0.5  # seconds before the first retry; doubled each time up to MAX_DELAY
MAX_DELAY = 8.0
MESSAGE_LIMIT = 300  # characters of the store's error kept in the one line


class StoreUnavailable(AgilityError):
    """A store kept failing with transient errors for longer than the retries allow."""

    def __init__(self, store: str, error: BaseException, attempts: int, seconds: float, why: str = "", note: str = ""):
        self.store, self.error, self.attempts = store, error, attempts
        why = why or f"did not answer for {seconds:.0f} s"
        super().__init__(f"{store} {why} ({attempts} attempt{'s' if attempts != 1 else ''}), "
                         f"last error {describe(error)}{f'; {note}' if note else ''}")


def describe(error: BaseException) -> str:
    """`Type: message` on one line, shortened: what a person needs, not a stack trace."""
    text = " ".join(str(error).split()) or "(no message)"
    if len(text) > MESSAGE_LIMIT:
        text = text[:MESSAGE_LIMIT - 1] + "…"
    return f"{type(error).__name__}: {text}"


def retrying(action: Callable[[], T], *, store: str, transient: Callable[[BaseException], bool], seconds: float,
             recover: Callable[[], None] | None = None, log: Callable[[str], None] | None = None,
             interrupted: Callable[[], str | None] | None = None, note: str = "") -> T:
    """`action()`, retried while it fails transiently and for at most `seconds` after its first
    failure. `recover` runs before each retry (e.g. drop and reopen the connection; its own
    transient failures count as a failed attempt); `interrupted` returning a reason (a signal)
    stops the waiting early; `note` ends the give-up message. Any other error is raised as it is.
    `seconds` bounds the waiting: no attempt starts after it, but one under way ends only at the
    client's own timeout (the Cassandra driver's connect timeout is 15 s)."""
    attempts, first_failure = 0, None
    while True:
        try:
            if attempts and recover is not None:
                recover()
            return action()
        except Exception as error:  # noqa: BLE001 - classified right below; the rest is raised unchanged
            if not transient(error):
                raise
            attempts += 1
            now = time.monotonic()
            first_failure = first_failure or now
            delay = min(MAX_DELAY, FIRST_DELAY * 2 ** (attempts - 1))
            if now - first_failure + delay > seconds:
                raise StoreUnavailable(store, error, attempts, now - first_failure, note=note) from None
            if interrupted is not None and (reason := interrupted()):
                raise StoreUnavailable(store, error, attempts, now - first_failure,
                                       why=f"was not answering when {reason} stopped the job", note=note) from None
            if log is not None:
                log(f"{store}: {describe(error)}; retry {attempts} in {delay:.1f} s")
            time.sleep(delay)  # the backoff itself: bounded by `seconds` above
