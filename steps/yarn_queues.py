"""Thin steps for the YARN queues (features/yarn_queues.feature): the proofs are agility/checks/yarn_queues.py."""

from pytest_bdd import given, then, when

from agility.checks import yarn_queues


@given("the cluster runs Spark on YARN")
def runs_yarn(platform, narrate):
    yarn_queues.runs_on_yarn(platform, narrate)


@given("the ResourceManager has a queue per area with the declared shares and submit ACLs")
def queues_declared(platform, connections, narrate):
    assert not yarn_queues.queue_problems(connections.open("prod", narrate).clients, platform, narrate)


@when("the prod developer starts their own Spark session in the prod queue, asking for more than the queue may have",
      target_fixture="yarn_job")
def prod_job(developer, narrate):
    return yarn_queues.yarn_job(developer.clients, developer.shell, developer.area, narrate, own_session=True)


@then("it runs, and the ResourceManager kept the prod queue within its maximum while a container waited")
def within_maximum(platform, yarn_job, narrate):
    assert not yarn_queues.cap_problems(platform, "prod", yarn_job, narrate)


@when("the dev developer submits a prod Spark job to YARN", target_fixture="yarn_job")
def dev_into_prod(platform, developer, narrate):
    return yarn_queues.yarn_job(developer.clients, developer.shell, platform.area("prod"), narrate,
                                rows=yarn_queues.FEW_ROWS)


@then("the ResourceManager refuses it: the dev developer may not submit to the prod queue")
def refused(yarn_job, narrate):
    assert not yarn_queues.refusal_problems(yarn_job, narrate)


@then("the dev developer's own dev job runs in the dev queue")
def own_queue(developer, narrate):
    assert not yarn_queues.admitted_problems(yarn_queues.yarn_job(developer.clients, developer.shell, developer.area,
                                                                  narrate, rows=yarn_queues.FEW_ROWS))
