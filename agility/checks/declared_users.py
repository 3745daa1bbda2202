"""Every Linux user of the provisioning declaration is right on every node: provisioned first (the
declaration's users part, as `agility provision users` plans it), then each one checked with
testinfra on each node — uid, groups, home, shell and authorized key. Each check says what it
shows through `say` and returns what is wrong: an empty list proves it."""

from __future__ import annotations

from agility.checks.shared_dataset import Say
from agility.checks.users import UserCheck, check_users
from agility.config.profiles import Profile
from agility.provisioning import apply, people, target
from agility.provisioning.linux import LinuxUser
from agility.provisioning.plan import Plan


def provision(profile: Profile, say: Say) -> list[LinuxUser]:
    """The declaration's Linux users on every node (what is missing made); the declared users."""
    with target.connect(profile) as cluster:
        changes = Plan(apply.plan_users(cluster)).apply()
        users = people.linux_users(cluster)
    say("; ".join(changes) or f"{len(users)} users already in place on {len(profile.nodes)} nodes")
    return users


def check(profile: Profile, users: list[LinuxUser], say: Say) -> list[UserCheck]:
    """testinfra on every node for each user; one line per user and node."""
    checks = check_users(profile, users)
    say("\n".join(f"{check.node}: {check.user} uid {check.uid}, {'; '.join(check.problems) or 'ok'}"
                  for check in checks))
    return checks


def problems(profile: Profile, users: list[LinuxUser], checks: list[UserCheck]) -> list[str]:
    """One check per user and node, none of them with anything wrong."""
    expected = len(users) * len(profile.nodes)
    if len(checks) != expected:
        return [f"{len(checks)} checks, expected {expected} ({len(users)} users × {len(profile.nodes)} nodes)"]
    return [f"{c.node}: {c.user}: {problem}" for c in checks for problem in c.problems]
