"""The prod area's quotas on the event stream, MariaDB and Spark: one call into the package per step."""

import pytest
from pytest_bdd import given, parsers, then, when

from agility.checks import declared_quotas, kafka_quotas, mariadb_quotas, spark_quotas
from agility.checks.kafka_quotas import MiB


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
    return declared_quotas.in_place(platform, "prod", narrate)


# --- byte rates ----------------------------------------------------------------------------------
@when(parsers.parse("the prod account produces to a fresh prod topic as fast as it can for {seconds:d} seconds"),
      target_fixture="measured")
def prod_produces(developer, seconds, narrate):
    return kafka_quotas.produced_fast(developer.clients, developer.area, developer.clients.kafka_account("prod"),
                                      seconds, narrate)


@then(parsers.parse("its rate is between {low:f} and {high:f} times its {which} byte rate, and the broker throttled it"))
def near_the_quota(prod_quotas, measured, low, high, which, narrate):
    assert not kafka_quotas.throttled_problems(measured, prod_quotas.declared["kafka"][f"{which}_byte_rate"],
                                               low, high, narrate)


@then("the dev account, which has no quota, produces the same bytes unthrottled and faster")
def dev_produces_faster(connections, measured, narrate):
    dev = connections.open("dev", narrate)
    assert not kafka_quotas.unthrottled_producer_problems(dev.clients, dev.area, dev.clients.kafka_account("dev"),
                                                          measured, narrate)


@when(parsers.parse("the prod producer job sends {orders:d} orders to a fresh prod dataset"), target_fixture="measured")
def prod_producer_job(developer, orders, narrate):
    return kafka_quotas.producer_job_rate(developer.clients, developer.area, orders, narrate)


@then(parsers.parse("the dev producer job sends the same {orders:d} orders to a fresh dev dataset, unthrottled and faster"))
def dev_producer_job_faster(connections, measured, orders, narrate):
    dev = connections.open("dev", narrate)
    assert not kafka_quotas.unthrottled_job_problems(dev.clients, dev.area, orders, measured, narrate)


@given(parsers.parse("a fresh prod topic holding {size:d} MiB written by the admin"), target_fixture="full_topic")
def full_topic(developer, quota_topics, size, narrate):
    return kafka_quotas.filled_topic(developer.clients, developer.area, size * MiB, quota_topics, narrate)


@when(parsers.parse("the prod account reads it from the beginning as fast as it can for {seconds:d} seconds"),
      target_fixture="measured")
def prod_consumes(developer, full_topic, seconds, narrate):
    return kafka_quotas.consumed_fast(developer.clients, developer.clients.kafka_account("prod"), full_topic,
                                      seconds, narrate)


@then("the admin, who has no quota, reads the same bytes unthrottled and faster")
def admin_consumes_faster(developer, full_topic, measured, narrate):
    assert not kafka_quotas.unthrottled_consumer_problems(developer.clients, full_topic, measured, narrate)


# --- MariaDB -------------------------------------------------------------------------------------
@when("the prod MariaDB account opens connections until one is refused", target_fixture="connections_proof")
def open_connections(platform, developer, prod_quotas, narrate):
    return mariadb_quotas.connections_until_refused(developer.clients, platform.account("mysql", "prod"),
                                                    prod_quotas.declared["mysql"]["max_user_connections"], narrate)


@then(parsers.parse("the connection after the {limit:d}th is refused with MariaDB's max_user_connections message"))
def connection_refused(prod_quotas, connections_proof, limit):
    assert not mariadb_quotas.connections_refusal_problems(connections_proof, limit, prod_quotas.declared["mysql"])


@then(parsers.parse("the {limit:d} open connections still answer, and none is left open once they are closed"))
def connections_answer(connections_proof, limit):
    assert not mariadb_quotas.still_open_problems(connections_proof, limit)


@when("the prod MariaDB account inserts into a fresh table in one transaction until a statement is refused",
      target_fixture="queries_proof")
def insert_until_refused(platform, developer, prod_quotas, narrate):
    return mariadb_quotas.queries_until_refused(developer.clients, platform.account("mysql", "prod"),
                                                developer.area.database,
                                                prod_quotas.declared["mysql"]["max_queries_per_hour"], narrate)


@then(parsers.parse("the refusal is MariaDB's max_queries_per_hour message, after at most {limit:d} statements"))
def queries_refused(prod_quotas, queries_proof, limit):
    assert not mariadb_quotas.queries_refusal_problems(queries_proof, limit, prod_quotas.declared["mysql"])


@then("the refused transaction's rows are gone: none is left in the table")
def nothing_half_written(queries_proof, narrate):
    assert not mariadb_quotas.half_written_problems(queries_proof, narrate)


@then("once the admin resets the counters the prod MariaDB account works again")
def works_after_reset(queries_proof):
    assert queries_proof.works_after_reset, queries_proof.summary()


# --- Spark ---------------------------------------------------------------------------------------
@when(parsers.re(r"a prod Spark job asks for (?P<cores>\d+) cores?(?: and (?P<memory>\w+) per executor)?"),
      target_fixture="spark_run")
def prod_spark_job(developer, cores, memory, narrate):
    return spark_quotas.spark_job(developer.clients, developer.shell, developer.area, narrate, cores=int(cores),
                                  memory=memory)


@then("it is refused at submit in one line that gives the prod cap and the request")
def spark_refused(platform, spark_run):
    assert not spark_quotas.refusal_problems(platform, "prod", spark_run)


@then("the ResourceManager never saw the application")
def never_started(spark_run):
    assert not spark_run.listed_after, spark_run.summary()


@then("it runs, and YARN granted it no more than the cap's cores and executor memory")
def spark_within_cap(platform, spark_run, narrate):
    assert not spark_quotas.within_cap_problems(platform, "prod", spark_run, narrate)
