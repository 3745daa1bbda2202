"""The databases act: MySQL and Cassandra from the developer's workstation, each step one call
into the package. The orders come from the pipeline itself, once per module."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from agility.checks import database_answers as answers
from agility.checks.shared_dataset import SharedDataset
from agility.clients.workstation import Workstation, workstation

ORDERS = 1500
SEED = 4711


@pytest.fixture(scope="module")
def stores() -> SharedDataset:
    """The act's dataset in both stores, written by the cassandra and mysql sinks."""
    return SharedDataset("orders_db", SEED, sinks=("cassandra", "mysql"))


@pytest.fixture(scope="module")
def customer() -> answers.Customer:
    return answers.busiest_customer(SEED, ORDERS)


@pytest.fixture(scope="module")
def workstation_tools(connections) -> Workstation:
    """The developer's mariadb and cqlsh for the module; their option files go with it."""
    session = connections.open("dev")
    with workstation(session.clients, area=session.area) as tools:
        yield tools


@given("a fresh dev dataset of orders written by the cassandra and mysql sinks", target_fixture="developer")
def fresh_dataset_in_stores(platform, connections, stores, narrate):
    return answers.fill_stores(platform.name, connections.open("dev", narrate), stores, ORDERS, narrate)


# --- the tunnel and the MySQL client -----------------------------------------------------------
@when("I look at the stores tunnel of the dev area", target_fixture="stores_tunnel")
def stores_tunnel(platform, narrate):
    return answers.stores_tunnel(platform, narrate)


@then("it forwards the MySQL server to a local address on this host")
def forwards_mysql(platform, stores_tunnel, narrate):
    assert not answers.mysql_forward_problems(platform, stores_tunnel, narrate)


@then("the MySQL client's option file names that local address and the account, readable only by me")
def option_file(platform, workstation_tools, stores_tunnel, narrate):
    assert not answers.option_file_problems(platform, workstation_tools.mariadb, stores_tunnel, narrate)


@then("the mariadb client connects through the tunnel with no password on its command line")
def mariadb_connects(workstation_tools, narrate):
    assert not answers.mariadb_login_problems(workstation_tools.mariadb, narrate)


# --- SELECT ... WHERE with both command-line clients -------------------------------------------
@pytest.fixture
def mariadb_answer(workstation_tools, developer, stores, customer):
    """The MySQL client's answer, asked quietly when the scenario did not ask it (a step's own
    answer, its target fixture, takes this one's place)."""
    return answers.mariadb_customer(workstation_tools, developer.area, stores.name, customer, lambda line: None)


@when("I select one customer's orders with the mariadb client", target_fixture="mariadb_answer")
def mariadb_select(workstation_tools, developer, stores, customer, narrate):
    return answers.mariadb_customer(workstation_tools, developer.area, stores.name, customer, narrate)


@then("the MySQL client shows exactly that customer's orders")
def mariadb_shows_customer(mariadb_answer, customer):
    assert not answers.customer_answer_problems(mariadb_answer, customer)


@when("I select the same customer's orders with cqlsh", target_fixture="cqlsh_answer")
def cqlsh_select(workstation_tools, developer, stores, customer, narrate):
    return answers.cqlsh_customer(workstation_tools, developer.area, stores.name, customer, narrate)


@then("cqlsh shows the same orders as the MySQL client")
def cqlsh_same(cqlsh_answer, mariadb_answer, workstation_tools):
    assert not answers.same_answer_problems(cqlsh_answer, mariadb_answer, workstation_tools)


# --- the query job -----------------------------------------------------------------------------
@when("I run the query job for one customer's orders", target_fixture="queried")
def run_query_job(developer, stores, customer, narrate):
    return answers.query_customer(developer.clients, developer.area, stores.name, customer, narrate)


@then("MySQL and Cassandra return the same rows for that customer")
def same_rows(queried, customer):
    assert not answers.query_answer_problems(queried, customer)


@when(parsers.parse('I run the query job with the value "{first}" and then "{second}"'), target_fixture="attempts")
def injection_attempts(developer, stores, first, second, narrate):
    return answers.query_values(developer.clients, developer.area, stores.name, [first, second], narrate)


@then("both databases return no rows for either value")
def no_rows(attempts):
    assert not answers.rows_found_problems(attempts)


@then("a field name carrying SQL is refused before any statement is sent")
def field_refused(stores, narrate):
    assert not answers.field_refusal_problems(stores.name, narrate)


@then("both tables still hold every order")
def tables_intact(developer, stores, narrate):
    assert not answers.intact_problems(developer.clients, developer.area, stores.name, stores.orders, narrate)


# --- PySpark on the cluster --------------------------------------------------------------------
@when("I run the PySpark job on the Cassandra table on the edge node", target_fixture="spark_result")
def spark_on_cassandra(platform, developer, stores, narrate):
    return answers.spark_read(platform, developer.shell, "cassandra", developer.area, stores.name, narrate)


@when("I run the PySpark JDBC read of the MySQL table on the edge node", target_fixture="spark_result")
def spark_over_jdbc(platform, developer, stores, narrate):
    return answers.spark_read(platform, developer.shell, "mysql", developer.area, stores.name, narrate)


@then("its count, total amount and order ids equal CQL's own aggregate")
def spark_equals_cql(developer, stores, spark_result, narrate):
    assert not answers.spark_reference_problems(developer.clients, developer.area, stores.name, "cassandra",
                                                spark_result, stores.orders, narrate)


@then("its count, total amount and order ids equal what PyMySQL reads")
def spark_equals_pymysql(developer, stores, spark_result, narrate):
    assert not answers.spark_reference_problems(developer.clients, developer.area, stores.name, "mysql",
                                                spark_result, stores.orders, narrate)


# --- clear failures ----------------------------------------------------------------------------
@when(parsers.parse("I use {tool} with a wrong password"), target_fixture="failures")
def use_with_wrong_password(platform, developer, stores, tool, narrate):
    return answers.failures(tool, platform, developer.clients, developer.shell, developer.area, stores.name, narrate,
                            wrong_password=True)


@when(parsers.parse("I use {tool} on a table that does not exist"), target_fixture="failures")
def use_on_missing_table(platform, developer, unique, tool, narrate):
    return answers.failures(tool, platform, developer.clients, developer.shell, developer.area, unique("missing"),
                            narrate)


@then("it fails with a message about wrong credentials and no Java stack trace")
def clear_credentials_message(failures):
    assert not answers.credentials_message_problems(failures)


@then("it fails with a message about the missing table and no Java stack trace")
def clear_missing_message(failures):
    assert not answers.missing_table_message_problems(failures)
