"""A provisioning plan: every change a run would make, found by reading the cluster first, shown
before it is applied (or instead, with --dry-run). An empty plan is what "no changes" means."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from agility.core.errors import AgilityError


@dataclass
class Action:
    target: str  # where the change happens: "kafka", "mysql", "node agent-1", "hdfs"
    description: str
    apply: Callable[[], None] = field(repr=False, compare=False)

    def line(self) -> str:
        return f"{self.target}: {self.description}"


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)

    def add(self, target: str, description: str, apply: Callable[[], None]) -> None:
        self.actions.append(Action(target, description, apply))

    def extend(self, actions: Iterable[Action]) -> Plan:
        self.actions.extend(actions)
        return self

    def __bool__(self) -> bool:
        return bool(self.actions)

    def lines(self) -> list[str]:
        return [action.line() for action in self.actions]

    def apply(self, progress: Callable[[str], None] = lambda line: None) -> list[str]:
        """Each action in order; stops at the first failure, saying which and what was done."""
        done: list[str] = []
        for action in self.actions:
            try:
                action.apply()
            except AgilityError as error:
                raise AgilityError(f"provisioning stopped at '{action.line()}': {error} "
                                   f"({len(done)} of {len(self.actions)} changes applied)") from None
            done.append(action.line())
            progress(f"  + {action.line()}")
        return done
