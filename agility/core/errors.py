"""Errors that carry a message meant for a person; the CLI prints them without a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


class AgilityError(Exception):
    """An expected failure with a clear, complete message."""


class ConfigError(AgilityError):
    """A profile, topology or provisioning file is invalid."""


class ServiceNotReady(AgilityError):
    """A service did not become ready before its deadline, or died while starting."""


class SandboxUnavailable(AgilityError):
    """The embedded sandbox cannot run on this machine (not Linux, not root, ...)."""


def exit_status(command: Callable[[], int]) -> int:
    """Run a command-line entry point the way a person should see it fail: an AgilityError prints
    its message (exit 2); anything unforeseen, e.g. a service's driver failing in a way we did not
    expect, prints one line (exit 1; AGILITY_DEBUG=1 shows the stack); ^C exits 130."""
    try:
        return command()
    except AgilityError as error:
        print(f"agility: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - the one place that turns a traceback into a line
        if os.environ.get("AGILITY_DEBUG"):
            raise
        first = str(error).splitlines()[0][:400] if str(error) else ""
        print(f"agility: {type(error).__name__}: {first} (AGILITY_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1
