"""The provisioning act: one call into agility.provisioning per step."""

from pytest_bdd import then, when

from agility.provisioning.areas import kafka_developer, provision_kafka_account, provision_linux_user
from agility.provisioning.linux import remove_user
from agility.provisioning.verify import check_user


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
    assert changes and all(change.startswith(f"{removed_from}:") for change in changes)


@when("I provision the dev area again", target_fixture="changes")
def provision_again(platform, developer, narrate):
    changes = provision_linux_user(platform, developer.area) + provision_kafka_account(platform, developer.clients,
                                                                                        developer.area)
    narrate("; ".join(changes) or "no changes")
    return changes


@then("it reports no changes")
def no_changes(changes):
    assert changes == []
