"""The prod area's quotas on the event stream, MariaDB and Spark: one call into the package per step."""

import pytest
from pytest_bdd import given, parsers, then, when

from agility.checks import kafka_quotas, mariadb_quotas, spark_quotas
from agility.checks.kafka_quotas import MiB
from agility.jobs import spark_limits
from agility.provisioning.area_quotas import apply_quotas


@pytest.fixture
def quota_topics(developer):
    """Topics a scenario filled; deleted when it ends."""
    made: list[str] = []
    yield made
    if made:
        kafka_quotas.delete_topics(developer.clients, *made)


# --- the declaration, applied --------------------------------------------------------------------
@given("the prod area's byte rates, MariaDB limits and Spark cap are applied as declared", target_fixture="prod_quotas")
def quotas_applied(platform, narrate):
    state = apply_quotas(platform, "prod")
    narrate("; ".join(state.applied) or "already in place: nothing to change")
    narrate(f"declared for prod: {state.declared}; the services report: {state.reported}")
    assert state.declared["kafka"] and state.declared["mysql"] and state.declared["spark"], state.declared
    assert state.differences() == {}
    return state


# --- byte rates ----------------------------------------------------------------------------------
@when(parsers.parse("the prod account produces to a fresh prod topic as fast as it can for {seconds:d} seconds"),
      target_fixture="measured")
def prod_produces(developer, seconds, narrate):
    measured = kafka_quotas.produce_to_fresh_topic(developer.clients, developer.area,
                                                   developer.clients.kafka_account("prod"), seconds=seconds)
    narrate(measured.summary())
    return measured


@then(parsers.parse("its rate is between {low:f} and {high:f} times its {which} byte rate, and the broker throttled it"))
def near_the_quota(prod_quotas, measured, low, high, which, narrate):
    quota = prod_quotas.declared["kafka"][f"{which}_byte_rate"]
    narrate(measured.summary(quota))
    assert low * quota <= measured.rate <= high * quota, measured.summary(quota)
    assert measured.throttle_max_ms > 0, measured.summary(quota)


@then("the dev account, which has no quota, produces the same bytes unthrottled and faster")
def dev_produces_faster(platform, developer, measured, narrate):
    dev = kafka_quotas.produce_to_fresh_topic(developer.clients, platform.area("dev"),
                                              developer.clients.kafka_account("dev"), total_bytes=measured.bytes)
    narrate(dev.summary())
    # the quota is what slows prod down: without one the broker never throttles, and the rate
    # is not held to the quota (how much faster depends on the machine, so no factor is asserted)
    assert dev.throttle_max_ms == 0 and dev.rate > measured.rate, (dev.summary(), measured.summary())


@given(parsers.parse("a fresh prod topic holding {size:d} MiB written by the admin"), target_fixture="full_topic")
def full_topic(developer, quota_topics, size, narrate):
    topic, written = kafka_quotas.fresh_topic_with(developer.clients, developer.area, size * MiB)
    quota_topics.append(topic)
    narrate(f"{topic}: {written.summary()}")
    return topic


@when(parsers.parse("the prod account reads it from the beginning as fast as it can for {seconds:d} seconds"),
      target_fixture="measured")
def prod_consumes(developer, full_topic, seconds, narrate):
    measured = kafka_quotas.consume(developer.clients, developer.clients.kafka_account("prod"), full_topic, seconds)
    narrate(measured.summary())
    return measured


@then("the admin, who has no quota, reads the same bytes unthrottled and faster")
def admin_consumes_faster(developer, full_topic, measured, narrate):
    admin = kafka_quotas.consume(developer.clients, developer.clients.kafka_account(None), full_topic, 60,
                                 total_bytes=measured.bytes)
    narrate(admin.summary())
    assert admin.bytes >= measured.bytes and admin.throttle_max_ms == 0 and admin.rate > measured.rate, (
        admin.summary(), measured.summary())


# --- MariaDB -------------------------------------------------------------------------------------
@when("the prod MariaDB account opens connections until one is refused", target_fixture="connections_proof")
def open_connections(platform, developer, prod_quotas, narrate):
    proof = mariadb_quotas.connections_until_refused(developer.clients, platform.account("mysql", "prod"),
                                                     prod_quotas.declared["mysql"]["max_user_connections"])
    narrate(proof.summary())
    return proof


@then(parsers.parse("the connection after the {limit:d}th is refused with MariaDB's max_user_connections message"))
def connection_refused(prod_quotas, connections_proof, limit):
    assert limit == prod_quotas.declared["mysql"]["max_user_connections"]
    assert connections_proof.opened == limit, connections_proof.summary()
    assert connections_proof.refusal and "'max_user_connections'" in connections_proof.refusal, connections_proof.summary()


@then(parsers.parse("the {limit:d} open connections still answer, and none is left open once they are closed"))
def connections_answer(connections_proof, limit):
    assert connections_proof.answered == limit and connections_proof.left_open == 0, connections_proof.summary()


@when("the prod MariaDB account inserts into a fresh table in one transaction until a statement is refused",
      target_fixture="queries_proof")
def insert_until_refused(platform, developer, prod_quotas, narrate):
    proof = mariadb_quotas.queries_until_refused(developer.clients, platform.account("mysql", "prod"),
                                                 developer.area.database,
                                                 prod_quotas.declared["mysql"]["max_queries_per_hour"])
    narrate(proof.summary())
    return proof


@then(parsers.parse("the refusal is MariaDB's max_queries_per_hour message, after at most {limit:d} statements"))
def queries_refused(prod_quotas, queries_proof, limit):
    assert limit == prod_quotas.declared["mysql"]["max_queries_per_hour"]
    assert queries_proof.refusal and "'max_queries_per_hour'" in queries_proof.refusal, queries_proof.summary()
    # the hour's counter may already hold some of the account's statements: this run gets the rest
    assert 0 < queries_proof.accepted <= limit, queries_proof.summary()


@then("the refused transaction's rows are gone: none is left in the table")
def nothing_half_written(queries_proof, narrate):
    narrate(f"{queries_proof.uncommitted} rows written and not committed when the statement was refused; "
            f"{queries_proof.rows_after} in the table once the transaction was gone")
    assert queries_proof.uncommitted == queries_proof.accepted - 1 and queries_proof.rows_after == 0, \
        queries_proof.summary()


@then("once the admin resets the counters the prod MariaDB account works again")
def works_after_reset(queries_proof):
    assert queries_proof.works_after_reset


# --- Spark ---------------------------------------------------------------------------------------
@when(parsers.re(r"a prod Spark job asks for (?P<cores>\d+) cores?(?: and (?P<memory>\w+) per executor)?"),
      target_fixture="spark_run")
def prod_spark_job(developer, cores, memory, narrate):
    run = spark_quotas.spark_job(developer.clients, developer.shell, developer.area, cores=int(cores), memory=memory)
    narrate(run.summary())
    return run


@then("it is refused at submit in one line that gives the prod cap and the request")
def spark_refused(platform, spark_run):
    limits = spark_limits.limits_for(platform, "prod")
    expected = f"{limits.describe()}; asked for"
    assert spark_run.refusal and expected in spark_run.refusal and "\n" not in spark_run.refusal, spark_run.summary()
    assert spark_run.result is None


@then("the Spark master never saw the application")
def never_started(spark_run):
    assert not spark_run.listed_after, spark_run.summary()


@then("it runs, and the Spark master showed it with at most the cap's cores and executor memory")
def spark_within_cap(platform, spark_run, narrate):
    limits = spark_limits.limits_for(platform, "prod")
    narrate(limits.describe())
    assert spark_run.result and spark_run.result["rows"] > 0, spark_run.summary()
    seen = spark_run.seen or {}
    assert 0 < seen.get("cores", 0) <= limits.cores, spark_run.summary()
    assert 0 < seen.get("memoryperexecutor", 0) <= spark_limits.mib(limits.memory), spark_run.summary()
