"""Provisioning repairs exactly what is missing and changes nothing twice: a developer's Linux user
removed from one node is named by testinfra on that node only and recreated there only; an area
provisioned again reports no changes; `agility provision all --dry-run` names the missing user
and leaves the node as it was, the real run creates it.

Whether a user exists is read from the node itself (`getent passwd` over SSH), never taken from
the plan. Each check says what it shows through `say` and returns what is wrong: an empty list
proves it."""

from __future__ import annotations

from dataclasses import dataclass

from agility.checks.command_line import CommandRun
from agility.checks.shared_dataset import Say
from agility.checks.users import UserCheck
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.provisioning.area_accounts import provision_area, provision_linux_user
from agility.provisioning.linux import remove_user
from agility.reach.ssh import ClusterShell


@dataclass
class Missing:
    """A user removed from one node on purpose."""

    node: str
    user: str


def exists(shell: ClusterShell, node: str, user: str) -> bool:
    return shell.run(node, ["getent", "passwd", user], check=False).ok


def remove_from_last_node(profile: Profile, shell: ClusterShell, area: Area, say: Say) -> str:
    """The area developer's Linux user removed from the cluster's last node; that node."""
    node = list(profile.nodes)[-1]
    say("; ".join(remove_user(shell, node, area.kafka_account)))
    return node


def only_node_problems(checks: list[UserCheck], node: str) -> list[str]:
    """testinfra found something wrong on `node` and on no other node."""
    failing = [check.node for check in checks if check.problems]
    return [] if failing == [node] else [f"the check failed on {failing or 'no node'}, expected on {node} only"]


def repair_problems(profile: Profile, area: Area, node: str, say: Say) -> list[str]:
    """Provisioning the area's Linux user again changes something, and only on `node`."""
    changes = provision_linux_user(profile, area)
    say("; ".join(changes))
    if not changes:
        return [f"provisioning changed nothing, though the user was missing on {node}"]
    return [f"changed elsewhere than {node}: {change}" for change in changes if not change.startswith(f"node {node}:")]


def provision_again(profile: Profile, clients: Clients, area: Area, say: Say) -> list[str]:
    """The area provisioned end to end once more; the changes it made."""
    changes = provision_area(profile, clients, area)
    say("; ".join(changes) or "no changes")
    return changes


def make_missing(profile: Profile, shell: ClusterShell, area_name: str, say: Say) -> Missing:
    """The area's developer missing on the last node, and nothing else of that user missing."""
    area = profile.area(area_name)
    missing = Missing(list(profile.nodes)[-1], area.kafka_account)
    provision_linux_user(profile, area)  # so that exactly this one user is what is missing
    say("; ".join(remove_user(shell, missing.node, missing.user)))
    return missing


def dry_run_problems(done: CommandRun, missing: Missing, shell: ClusterShell) -> list[str]:
    """The dry run's plan creates the missing user on its node, and the node still lacks it."""
    return [problem for problem, wrong in (
        (f"the plan does not create {missing.user} on {missing.node}",
         f"node {missing.node}: create user {missing.user} " not in done.output),
        ("the output does not say that nothing was changed", "dry run: nothing was changed" not in done.output),
        ("the dry run changed the node", exists(shell, missing.node, missing.user)),
    ) if wrong]


def back_problems(done: CommandRun, missing: Missing, shell: ClusterShell) -> list[str]:
    """The run says it created the user on its node, and the node has it."""
    return [problem for problem, wrong in (
        (f"the run does not say it created {missing.user} on {missing.node}",
         f"+ node {missing.node}: create user {missing.user} " not in done.output),
        (f"{missing.user} is still missing on {missing.node}", not exists(shell, missing.node, missing.user)),
    ) if wrong]
