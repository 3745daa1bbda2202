"""The prod mysql sink against prod's MariaDB connection limit: one call into agility.checks.mariadb_sink_limit per step."""

from pytest_bdd import given, then, when

from agility.checks import mariadb_sink_limit


@given("every connection prod's MariaDB account may open is taken", target_fixture="held")
def connections_taken(request, developer, narrate):
    return mariadb_sink_limit.hold_every_connection(developer.clients, developer.area, narrate,
                                                    on_cleanup=request.addfinalizer)


@when("the prod mysql sink job runs as a process", target_fixture="job_exit")
def sink_process(developer, dataset, narrate):
    return mariadb_sink_limit.run_job(developer.clients, developer.area, dataset, narrate)


@then("MariaDB refuses it: the job stops in one line with the max_user_connections message")
def refused(job_exit, held):
    assert not mariadb_sink_limit.refusal_problems(job_exit, held)


@then("the refused sink stored nothing and committed nothing")
def nothing_done(developer, dataset, narrate):
    assert not mariadb_sink_limit.nothing_done_problems(developer.clients, developer.area, dataset, narrate)


@when("the taken connections are closed")
def connections_closed(held, narrate):
    mariadb_sink_limit.release(held, narrate)
