"""The provisioning act: one call into agility.checks (or the `agility` command) per step."""

from pytest_bdd import given, parsers, then, when

from agility.checks import command_line, declared_users, developer_lifecycle, repeatable_provisioning, users


@when("testinfra checks the dev developer's Linux user on every node", target_fixture="checks")
def testinfra_checks(platform, developer, narrate):
    return users.check_area_developer(platform, developer.area, narrate)


@then("the user, groups, home, shell and authorized key are right on every node")
def all_right(platform, checks):
    assert not users.right_everywhere_problems(platform, checks)


@when("the dev developer's Linux user is removed from the last node only", target_fixture="removed_from")
def remove_on_last_node(platform, developer, cluster_shell, narrate):
    return repeatable_provisioning.remove_from_last_node(platform, cluster_shell, developer.area, narrate)


@then("the check fails for the last node and for no other")
def fails_on_that_node(checks, removed_from):
    assert not repeatable_provisioning.only_node_problems(checks, removed_from)


@then("provisioning the dev area again recreates the user on that node only")
def repaired(platform, developer, removed_from, narrate):
    assert not repeatable_provisioning.repair_problems(platform, developer.area, removed_from, narrate)


@when("I provision the dev area again", target_fixture="changes")
def provision_again(platform, developer, narrate):
    return repeatable_provisioning.provision_again(platform, developer.clients, developer.area, narrate)


@then("it reports no changes")
def no_changes(changes):
    assert changes == []


# --- `agility provision` as an operator types it -----------------------------------------------
@given(parsers.parse("the {area_name} area's developer is missing on the last node"), target_fixture="missing")
def user_missing(platform, cluster_shell, area_name, narrate):
    return repeatable_provisioning.make_missing(platform, cluster_shell, area_name, narrate)


@when(parsers.parse('I run "{command}"'), target_fixture="command_run")
def run_command(agility_command, narrate, command):
    return command_line.run(agility_command, command, narrate)


@then("the plan names the missing user on that node, and the user is still missing")
def dry_run_plan(command_run, missing, cluster_shell):
    assert not repeatable_provisioning.dry_run_problems(command_run, missing, cluster_shell)


@then("the user is back on that node")
def user_back(command_run, missing, cluster_shell):
    assert not repeatable_provisioning.back_problems(command_run, missing, cluster_shell)


@then(parsers.parse('running "{command}" again prints "{text}"'))
def runs_again(agility_command, narrate, command, text):
    assert text in command_line.run(agility_command, command, narrate).output


# --- one developer, end to end -------------------------------------------------------------------
@when(parsers.parse("I provision a new developer in the {area_name} area"), target_fixture="new_developer")
def provision_developer(request, platform, agility_command, area_name, tmp_path, narrate):
    return developer_lifecycle.provision(platform, agility_command, area_name, tmp_path, narrate, request.addfinalizer)


@then("the command prints how the developer connects")
def prints_how_to_connect(new_developer, platform):
    assert not developer_lifecycle.connect_problems(platform, new_developer)


@then(parsers.parse("the developer logs in to {services}"))
def logs_in(developer, new_developer, narrate, services):
    assert not developer_lifecycle.let_in_problems(developer.clients, new_developer, services, narrate)


@when("I deprovision the developer")
def deprovision(agility_command, narrate, new_developer):
    developer_lifecycle.deprovision(agility_command, new_developer, narrate)


@then(parsers.parse("{services} all refuse the developer"))
def all_refuse(developer, new_developer, narrate, services):
    assert not developer_lifecycle.refused_problems(developer.clients, new_developer, services, narrate)


@then("testinfra finds the developer on no node")
def on_no_node(platform, new_developer, narrate):
    assert not developer_lifecycle.absent_problems(platform, new_developer, narrate)


@given("the Linux users of the provisioning declaration are provisioned", target_fixture="declared")
def declared_users_provisioned(platform, narrate):
    return declared_users.provision(platform, narrate)


@when("testinfra checks every declared Linux user on every node", target_fixture="checks")
def check_declared(platform, declared, narrate):
    return declared_users.check(platform, declared, narrate)


@then("each one's uid, groups, home, shell and authorized key are right on every node")
def each_right(platform, declared, checks):
    assert not declared_users.problems(platform, declared, checks)
