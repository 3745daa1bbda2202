"""Provisioning never writes through a link a user planted: a user of the edge node replaces their
`~/.ssh/authorized_keys` with a link to /etc/shadow, provisioning installs the user's key again,
and it must refuse — with /etc/shadow on the node exactly as it was (content, owner, mode), read
from the node itself.

Root writing the key through the link would overwrite /etc/shadow and `chown` would then hand
it to the user: the two ways the old provisioning failed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from agility.core.errors import AgilityError
from agility.provisioning.linux import LinuxUser, plan_user, remove_user
from agility.provisioning.plan import Plan
from agility.reach.ssh import ClusterShell

Say = Callable[[str], None]
TARGET = "/etc/shadow"
PLANTER_UID = 3990  # above the declaration's and the developers' ranges; the user lives for one scenario
UNUSED_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH1ue5JvZ1N1bGw0bm90QWtleUZvckxvZ2luc0p1c3RCeXRlcw planter"


@dataclass
class PlantedLink:
    shell: ClusterShell  # the operator's
    node: str
    user: LinuxUser
    target_before: str

    @property
    def link(self) -> str:
        return f"/home/{self.user.name}/.ssh/authorized_keys"


def target_fingerprint(shell: ClusterShell, node: str) -> str:
    """What /etc/shadow is on `node`: its checksum, owner, group and mode, as the node reports them."""
    checksum = shell.run(node, ["sudo", "-n", "sha256sum", TARGET]).stdout.split()[0]
    about = shell.run(node, ["sudo", "-n", "stat", "-c", "%U:%G %a", TARGET]).stdout.strip()
    return f"sha256 {checksum[:16]}…, {about}"


def plant(shell: ClusterShell, node: str, say: Say, on_cleanup: Callable[[Callable[[], object]], object]) -> PlantedLink:
    """A fresh user on `node` who, in their own shell, swaps their key file for a link to /etc/shadow;
    `on_cleanup` (a test's finalizer) is handed what removes the user again."""
    user = LinuxUser(f"planter-{uuid.uuid4().hex[:6]}", PLANTER_UID, (), UNUSED_KEY)
    try:
        Plan(plan_user(shell, node, user)).apply()
        as_user = ["sudo", "-n", "-u", user.name, "sh", "-c"]
        shell.run(node, [*as_user, f'rm -f ~/.ssh/authorized_keys && ln -s {TARGET} ~/.ssh/authorized_keys'])
    except AgilityError:
        remove_user(shell, node, user.name)  # the scenario's cleanup only starts once this returns
        raise
    planted = PlantedLink(shell, node, user, target_fingerprint(shell, node))
    on_cleanup(lambda: remove(planted))
    link = shell.run(node, ["sudo", "-n", "stat", "-c", "%N", planted.link]).stdout.strip()
    say(f"{node}: {user.name} planted {link}; {TARGET} is {planted.target_before}")
    return planted


def provision_again(planted: PlantedLink, say: Say) -> str:
    """Provisioning's own plan for the user applied again; what it answered (empty: it wrote)."""
    try:
        changes = Plan(plan_user(planted.shell, planted.node, planted.user)).apply()
    except AgilityError as error:
        say(f"provisioning answered: {error}")
        return str(error)
    say(f"provisioning applied: {'; '.join(changes) or 'nothing'}")
    return ""


def refusal_problems(planted: PlantedLink, answer: str) -> list[str]:
    if not answer:
        return [f"provisioning wrote {planted.user.name}'s key without refusing the link at {planted.link}"]
    if "refusing to write through the link" not in answer or planted.link not in answer:
        return [f"provisioning failed, but not by refusing the link: {answer}"]
    return []


def target_problems(planted: PlantedLink, say: Say) -> list[str]:
    now = target_fingerprint(planted.shell, planted.node)
    say(f"{planted.node}: {TARGET} is {now}")
    return [] if now == planted.target_before else [f"{TARGET} changed: {planted.target_before} → {now}"]


def remove(planted: PlantedLink) -> None:
    remove_user(planted.shell, planted.node, planted.user.name)
