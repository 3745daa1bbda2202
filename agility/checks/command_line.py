"""The `agility` command as an operator types it: what was run, its exit code and everything it
printed are said, and a command that does not exit 0 is an error naming its output, so a check
built on it never reads the output of a run that failed."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Protocol

from agility.checks.shared_dataset import Say
from agility.core.errors import AgilityError


class CommandRun(Protocol):
    command: str  # as typed, e.g. "agility provision all"
    exit_code: int
    output: str  # stdout and stderr, as a terminal shows them


# runs `agility ARGS...` against a profile (the suite's `agility_command` fixture)
AgilityCommand = Callable[..., CommandRun]


def run(agility_command: AgilityCommand, command: str, say: Say) -> CommandRun:
    """`command` ("agility ..."), run and said; AgilityError unless it exits 0."""
    args = shlex.split(command)
    if not args or args[0] != "agility":
        raise AgilityError(f"not an agility command: {command!r}")
    done = agility_command(*args[1:])
    say(f"$ {done.command}   (exit {done.exit_code})\n{done.output.rstrip()}")
    if done.exit_code != 0:
        raise AgilityError(f"{done.command} exited {done.exit_code}: {done.output.strip()}")
    return done
