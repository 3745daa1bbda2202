"""The provisioning act: one call into agility.provisioning (or the `agility` command) per step."""

import shlex
import shutil
import uuid
from dataclasses import dataclass

from pytest_bdd import given, parsers, then, when

from agility.checks import access
from agility.checks.users import check_user, check_users
from agility.config.developers import registry
from agility.config.profiles import Account, Secret
from agility.provisioning import apply as run
from agility.provisioning import people, target
from agility.provisioning.area_accounts import kafka_developer, provision_area, provision_linux_user
from agility.provisioning.linux import LinuxUser, remove_user
from agility.provisioning.plan import Plan


@when("testinfra checks the dev developer's Linux user on every node", target_fixture="checks")
def testinfra_checks(platform, developer, narrate):
    checks = check_user(platform, kafka_developer(platform, developer.area))
    for check in checks:
        narrate(f"{check.node}: uid {check.uid}, " + ("; ".join(check.problems) or "ok"))
    return checks


@then("the user, groups, home, shell and authorized key are right on every node")
def all_right(platform, checks):
    assert [check.node for check in checks] == list(platform.nodes)
    assert all(not check.problems for check in checks), [(check.node, check.problems) for check in checks]


@when("the dev developer's Linux user is removed from the last node only", target_fixture="removed_from")
def remove_on_last_node(platform, developer, cluster_shell, narrate):
    node = list(platform.nodes)[-1]
    narrate("; ".join(remove_user(cluster_shell, node, developer.area.kafka_account)))
    return node


@then("the check fails for the last node and for no other")
def fails_on_that_node(checks, removed_from):
    assert [check.node for check in checks if check.problems] == [removed_from]


@then("provisioning the dev area again recreates the user on that node only")
def repaired(platform, developer, removed_from, narrate):
    changes = provision_linux_user(platform, developer.area)
    narrate("; ".join(changes))
    assert changes and all(change.startswith(f"node {removed_from}:") for change in changes)


@when("I provision the dev area again", target_fixture="changes")
def provision_again(platform, developer, narrate):
    changes = provision_area(platform, developer.clients, developer.area)
    narrate("; ".join(changes) or "no changes")
    return changes


@then("it reports no changes")
def no_changes(changes):
    assert changes == []


# --- `agility provision` as an operator types it -----------------------------------------------
@dataclass
class Missing:
    node: str
    user: str


def _exists(shell, node: str, user: str) -> bool:
    return shell.run(node, ["getent", "passwd", user], check=False).ok


@given(parsers.parse("the {area_name} area's developer is missing on the last node"), target_fixture="missing")
def user_missing(platform, cluster_shell, area_name, narrate):
    area = platform.area(area_name)
    missing = Missing(list(platform.nodes)[-1], area.kafka_account)
    provision_linux_user(platform, area)  # so that exactly this one user is what is missing
    narrate("; ".join(remove_user(cluster_shell, missing.node, missing.user)))
    return missing


def _run(agility_command, narrate, command: str):
    args = shlex.split(command)
    assert args[0] == "agility", command
    done = agility_command(*args[1:])
    narrate(f"$ {done.command}   (exit {done.exit_code})\n{done.output.rstrip()}")
    assert done.exit_code == 0, done.output
    return done


@when(parsers.parse('I run "{command}"'), target_fixture="command_run")
def run_command(agility_command, narrate, command):
    return _run(agility_command, narrate, command)


@then("the plan names the missing user on that node, and the user is still missing")
def dry_run_plan(command_run, missing, cluster_shell):
    assert f"node {missing.node}: create user {missing.user} " in command_run.output
    assert "dry run: nothing was changed" in command_run.output
    assert not _exists(cluster_shell, missing.node, missing.user), "the dry run changed the node"


@then("the user is back on that node")
def user_back(command_run, missing, cluster_shell):
    assert f"+ node {missing.node}: create user {missing.user} " in command_run.output
    assert _exists(cluster_shell, missing.node, missing.user)


@then(parsers.parse('running "{command}" again prints "{text}"'))
def runs_again(agility_command, narrate, command, text):
    assert text in _run(agility_command, narrate, command).output


# --- one developer, end to end -------------------------------------------------------------------
@dataclass
class NewDeveloper:
    name: str
    account: Account  # a copy of the generated password, usable after deprovisioning
    key: str  # a copy of the generated private key
    uid: int
    groups: tuple[str, ...]
    public_key: str
    output: str


@when(parsers.parse("I provision a new developer in the {area_name} area"), target_fixture="new_developer")
def provision_developer(request, platform, agility_command, area_name, tmp_path, narrate):
    name = f"ada-{uuid.uuid4().hex[:6]}"
    known = registry(platform)
    request.addfinalizer(lambda: name in known.all() and agility_command("deprovision", "developer", name))
    done = _run(agility_command, narrate, f"agility provision developer {name} --area {area_name}")
    developer = known.get(name)
    copies = tmp_path / "copies"
    copies.mkdir(mode=0o700)
    key = shutil.copy(known.ssh_user(name).key, copies / "key")
    secrets = shutil.copy(known.secrets_file, copies / "secrets.yaml")
    return NewDeveloper(name, Account(name, Secret(file=str(secrets), key=name)), str(key), developer.uid,
                        developer.groups, developer.public_key, done.output)


@then("the command prints how the developer connects")
def prints_how_to_connect(new_developer, platform):
    output = new_developer.output
    assert f"agility tunnel --profile {platform.name} --user {new_developer.name}" in output
    assert f"{new_developer.name}@{platform.node_address(platform.edge)}" in output
    assert new_developer.account.password.reveal() not in output


SERVICES_TEXT = "SSH, the event stream, Cassandra and MariaDB"


def _logins(developer, new_developer, narrate) -> dict:
    answers = {service: access.refusal(developer.clients, service, new_developer.account, new_developer.key)
               for service in access.SERVICES}
    narrate("\n".join(f"{service}: {answer or 'let in'}" for service, answer in answers.items()))
    return answers


@then(parsers.parse("the developer logs in to {services}"))
def logs_in(developer, new_developer, narrate, services):
    assert services == SERVICES_TEXT
    answers = _logins(developer, new_developer, narrate)
    assert all(answer is None for answer in answers.values()), answers


@when("I deprovision the developer")
def deprovision(agility_command, narrate, new_developer):
    _run(agility_command, narrate, f"agility deprovision developer {new_developer.name}")


@then(parsers.parse("{services} all refuse the developer"))
def all_refuse(developer, new_developer, narrate, services):
    assert services == SERVICES_TEXT
    answers = _logins(developer, new_developer, narrate)
    assert all(answers.values()), {service: answer for service, answer in answers.items() if not answer}


@then("testinfra finds the developer on no node")
def on_no_node(platform, new_developer, narrate):
    user = LinuxUser(new_developer.name, new_developer.uid, new_developer.groups, new_developer.public_key)
    checks = check_user(platform, user)
    narrate("\n".join(f"{check.node}: {'; '.join(check.problems) or 'PRESENT'}" for check in checks))
    assert all(check.problems == [f"user {user.name} does not exist"] for check in checks)


@given("the Linux users of the provisioning declaration are provisioned", target_fixture="declared_users")
def declared_users_provisioned(platform, narrate):
    with target.connect(platform) as cluster:
        changes = Plan(run.plan_users(cluster)).apply()
        users = people.linux_users(cluster)
    narrate("; ".join(changes) or f"{len(users)} users already in place on {len(platform.nodes)} nodes")
    return users


@when("testinfra checks every declared Linux user on every node", target_fixture="checks")
def check_declared(platform, declared_users, narrate):
    checks = check_users(platform, declared_users)
    narrate("\n".join(f"{check.node}: {check.user} uid {check.uid}, {'; '.join(check.problems) or 'ok'}"
                      for check in checks))
    return checks


@then("each one's uid, groups, home, shell and authorized key are right on every node")
def each_right(platform, declared_users, checks):
    assert len(checks) == len(declared_users) * len(platform.nodes)
    assert [(c.node, c.user, c.problems) for c in checks if c.problems] == []
