"""One developer end to end, through the `agility` command as an operator types it: provisioned,
the command says how to connect (without the password); the developer logs in to SSH, the event
stream, Cassandra and MariaDB; deprovisioned, each of them refuses the developer with its own
refusal (agility.checks.access: a timeout is no answer and fails) and testinfra finds the Linux
user on no node.

The generated key and password are copied aside when the developer is made, so that the logins
after deprovisioning try the very credentials that used to work. Each check says what it shows
through `say` and returns what is wrong: an empty list proves it."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agility.checks import access, command_line
from agility.checks.command_line import AgilityCommand
from agility.checks.shared_dataset import Say
from agility.checks.users import check_user
from agility.clients.services import Clients
from agility.config.developers import registry
from agility.config.profiles import Account, Profile, Secret
from agility.core.errors import AgilityError
from agility.provisioning.linux import LinuxUser

SERVICES_TEXT = "SSH, the event stream, Cassandra and MariaDB"  # access.SERVICES, as the feature says them


@dataclass
class NewDeveloper:
    name: str
    account: Account  # a copy of the generated password, usable after deprovisioning
    key: str  # a copy of the generated private key
    uid: int
    groups: tuple[str, ...]
    public_key: str
    output: str  # what `agility provision developer` printed


def provision(profile: Profile, agility_command: AgilityCommand, area_name: str, folder: Path, say: Say,
              on_cleanup: Callable[[Callable[[], object]], None]) -> NewDeveloper:
    """A developer of a fresh name provisioned in the area with `agility provision developer`; its
    key and password copied into `folder` (made root-only). `on_cleanup` is given, before anything
    is made, what deprovisions the developer if it is still registered then."""
    name = f"ada-{uuid.uuid4().hex[:6]}"
    known = registry(profile)
    on_cleanup(lambda: name in known.all() and agility_command("deprovision", "developer", name))
    done = command_line.run(agility_command, f"agility provision developer {name} --area {area_name}", say)
    developer = known.get(name)
    copies = folder / "copies"
    copies.mkdir(mode=0o700)
    key = shutil.copy(known.ssh_user(name).key, copies / "key")
    secrets = shutil.copy(known.secrets_file, copies / "secrets.yaml")
    return NewDeveloper(name, Account(name, Secret(file=str(secrets), key=name)), str(key), developer.uid,
                        developer.groups, developer.public_key, done.output)


def connect_problems(profile: Profile, new: NewDeveloper) -> list[str]:
    """The command's output names the developer's tunnel and login on the edge node, and not the
    password."""
    output = new.output
    return [problem for problem, wrong in (
        ("it does not say how to open the tunnel",
         f"agility tunnel --profile {profile.name} --user {new.name}" not in output),
        ("it does not say how to log in to the edge node", f"{new.name}@{profile.node_address(profile.edge)}" not in output),
        ("it prints the developer's password", new.account.password.reveal() in output),
    ) if wrong]


def logins(clients: Clients, new: NewDeveloper, services: str, say: Say) -> dict[str, str | None]:
    """The developer's login tried on each service: its refusal, or None where it was let in."""
    if services != SERVICES_TEXT:
        raise AgilityError(f"the check tries {SERVICES_TEXT}, not {services}")
    answers = {service: access.refusal(clients, service, new.account, new.key) for service in access.SERVICES}
    say("\n".join(f"{service}: {answer or 'let in'}" for service, answer in answers.items()))
    return answers


def let_in_problems(clients: Clients, new: NewDeveloper, services: str, say: Say) -> list[str]:
    """Every service lets the developer in."""
    answers = logins(clients, new, services, say)
    return [f"{service} refused: {answer}" for service, answer in answers.items() if answer is not None]


def refused_problems(clients: Clients, new: NewDeveloper, services: str, say: Say) -> list[str]:
    """Every service refuses the developer."""
    answers = logins(clients, new, services, say)
    return [f"{service} let the developer in" for service, answer in answers.items() if not answer]


def deprovision(agility_command: AgilityCommand, new: NewDeveloper, say: Say) -> None:
    command_line.run(agility_command, f"agility deprovision developer {new.name}", say)


def absent_problems(profile: Profile, new: NewDeveloper, say: Say) -> list[str]:
    """testinfra finds, on every node, only that the developer's user does not exist."""
    user = LinuxUser(new.name, new.uid, new.groups, new.public_key)
    checks = check_user(profile, user)
    say("\n".join(f"{check.node}: {'; '.join(check.problems) or 'PRESENT'}" for check in checks))
    gone = [f"user {user.name} does not exist"]
    return [f"{check.node}: {'; '.join(check.problems) or 'present'}" for check in checks if check.problems != gone]
