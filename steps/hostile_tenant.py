"""A hostile tenant on the edge node: one call into agility.checks.hostile_tenant per step."""

from pytest_bdd import given, parsers, then, when

from agility.checks import hostile_tenant


@given("the dev developer is logged in on the edge node", target_fixture="tenant")
def logged_in_on_edge(platform, developer, cluster_shell, narrate):
    return hostile_tenant.log_in(platform, developer.area, developer.shell, cluster_shell, developer.tools, narrate)


@when(parsers.parse("the dev developer tries {attempt}"), target_fixture="tried")
def tries(tenant, attempt, narrate):
    return hostile_tenant.attempt(tenant, attempt, narrate)


@then(parsers.parse("{refuser} refuses it in its own words"))
def refused(tried, refuser):
    assert not hostile_tenant.refusal_problems(tried, refuser)
