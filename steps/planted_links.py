"""Provisioning and a link a user planted in their home: one call into agility.checks.planted_links per step."""

from pytest_bdd import given, then, when

from agility.checks import planted_links


@given("a user of the edge node who swapped their authorized keys for a link to /etc/shadow", target_fixture="planted")
def planted_link(request, platform, cluster_shell, narrate):
    return planted_links.plant(cluster_shell, platform.edge, narrate, on_cleanup=request.addfinalizer)


@when("provisioning installs that user's key again", target_fixture="provisioning_answer")
def provision_again(planted, narrate):
    return planted_links.provision_again(planted, narrate)


@then("provisioning refuses to write through the link")
def refuses_link(planted, provisioning_answer):
    assert not planted_links.refusal_problems(planted, provisioning_answer)


@then("/etc/shadow on the edge node is unchanged")
def target_unchanged(planted, narrate):
    assert not planted_links.target_problems(planted, narrate)
