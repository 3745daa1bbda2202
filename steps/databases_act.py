"""The databases act: MySQL and Cassandra from the developer's workstation, each step one call
into the package. The orders come from the pipeline itself, once per module."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
from pytest_bdd import given, parsers, then, when

from agility.checks import pipeline
from agility.clients import workstation as db_clients
from agility.config.profiles import Account, Secret
from agility.core import endpoints
from agility.core.errors import AgilityError
from agility.jobs import orders, producer, query, spark_cassandra
from agility.reach import connect, tunnel

ORDERS = 1500
SEED = 4711
SHOWN_FIELDS = ["order_id", "customer_name", "product", "quantity", "amount"]
WRONG_PASSWORD_ENV = "AGILITY_DEMO_WRONG_PASSWORD"


@dataclass
class Stores:
    """The act's dataset in both stores, and the clients that reach it."""

    dataset: str = ""
    developer: object = None
    customer: str = ""
    customer_orders: list[str] = field(default_factory=list)
    tools: db_clients.Workstation | None = None
    answers: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def stores():
    state = Stores()
    yield state
    if state.tools is not None:
        state.tools.files.__exit__(None, None, None)  # the option files go with the module


@given("a fresh dev dataset of orders written by the cassandra and mysql sinks", target_fixture="developer")
def fresh_dataset_in_stores(platform, connections, stores, narrate):
    developer = connections.open("dev", narrate)
    if not stores.dataset:
        stores.dataset = f"orders_db_{uuid.uuid4().hex[:8]}"
        narrate(producer.run(developer.clients, developer.area, stores.dataset, ORDERS, seed=SEED,
                             profile_name=platform.name, progress=False).summary())
        for sink in ("cassandra", "mysql"):
            narrate(pipeline.run_sink(sink, developer.clients, developer.area, stores.dataset).summary())
        stores.customer, stores.customer_orders = busiest_customer()
        stores.tools = db_clients.workstation(developer.clients).__enter__()
    narrate(f"dataset {stores.dataset}: MySQL {developer.area.database}.{stores.dataset}, "
            f"Cassandra {developer.area.keyspace}.{stores.dataset}, {ORDERS} orders")
    stores.developer = developer
    return developer


def busiest_customer() -> tuple[str, list[str]]:
    """The customer with the most orders in the produced stream, and their order ids."""
    made = orders.generate(SEED, ORDERS)
    customer = Counter(order["customer_id"] for order in made).most_common(1)[0][0]
    return customer, sorted(order["order_id"] for order in made if order["customer_id"] == customer)


# --- the tunnel and the MySQL client -----------------------------------------------------------
@when("I look at the stores tunnel of the dev area", target_fixture="stores_tunnel")
def stores_tunnel(platform, narrate):
    state = tunnel.running(platform, None, connect.STORES)
    assert state is not None, "no stores tunnel of the operator is running"
    narrate(f"{state['user']}@{platform.bastion.host}, pid {state['pid']}: "
            + ", ".join(f"{local} ⇢ {remote}" for remote, local in state["forwards"].items()))
    return state


@then("it forwards the MySQL server to a local address on this host")
def forwards_mysql(platform, stores_tunnel, narrate):
    local = stores_tunnel["forwards"].get(platform.mysql["address"])
    narrate(f"MySQL {platform.mysql['address']} is {local} on this host")
    assert local == endpoints.local_endpoint(platform.mysql["address"]) and local.startswith("127.")


@then("the MySQL client's option file names that local address and the account, readable only by me")
def option_file(stores, stores_tunnel, platform, narrate):
    client = stores.tools.mariadb
    narrate(f"{client.option_file} ({db_clients.mode_of(client.option_file)}): {client.option_file_shown()}")
    assert f"{client.host}:{client.port}" == stores_tunnel["forwards"][platform.mysql["address"]]
    assert db_clients.mode_of(client.option_file) == "0o600"
    assert db_clients.mode_of(client.option_file.parent) == "0o700"


@then("the mariadb client connects through the tunnel with no password on its command line")
def mariadb_connects(stores, narrate):
    client = stores.tools.mariadb
    answer = client.query("SELECT CURRENT_USER(), VERSION(), @@hostname")
    narrate(f"$ {answer.command}")
    narrate(f"{dict(zip(answer.columns, answer.rows[0], strict=True))} in {answer.seconds * 1000:.0f} ms")
    assert client.account.password.reveal() not in answer.command
    assert answer.rows[0][0].startswith(f"{client.account.user}@")


# --- SELECT ... WHERE with both command-line clients -------------------------------------------
def show(answer, narrate):
    """Narrate a client's command, its first rows and its count; return the answer."""
    narrate(f"$ {answer.command}")
    for row in answer.rows[:5]:
        narrate(" | ".join(row))
    narrate(f"({len(answer.rows)} rows, {answer.seconds * 1000:.0f} ms)")
    return answer


@when("I select one customer's orders with the mariadb client")
def mariadb_select(stores, developer, narrate):
    statement = db_clients.select_text(f"{developer.area.database}.{stores.dataset}", SHOWN_FIELDS,
                                       "customer_id", stores.customer)
    stores.answers["mariadb"] = show(stores.tools.mariadb.query(statement), narrate)


@then("the MySQL client shows exactly that customer's orders")
def mariadb_shows_customer(stores):
    answer = stores.answers["mariadb"]
    assert answer.columns == SHOWN_FIELDS
    assert sorted(row[0] for row in answer.rows) == stores.customer_orders


@when("I select the same customer's orders with cqlsh")
def cqlsh_select(stores, developer, narrate):
    statement = db_clients.select_text(f"{developer.area.keyspace}.{stores.dataset}", SHOWN_FIELDS,
                                       "customer_id", stores.customer, cql=True)
    stores.answers["cqlsh"] = show(stores.tools.cqlsh.query(statement), narrate)


@then("cqlsh shows the same orders as the MySQL client")
def cqlsh_same(stores, developer):
    answer = stores.answers["cqlsh"]
    if "mariadb" not in stores.answers:  # the scenario alone: ask MySQL too
        mariadb_select(stores, developer, lambda line: None)
    expected = stores.answers["mariadb"]
    assert answer.columns == SHOWN_FIELDS
    assert sorted(as_numbers(row) for row in answer.rows) == sorted(as_numbers(row) for row in expected.rows)
    assert stores.tools.cqlsh.account.password.reveal() not in answer.command


def as_numbers(row: list[str]) -> tuple:
    """A row of text with numbers compared as numbers (cqlsh prints 12.3 where MySQL prints 12.30)."""
    return tuple(query.plain(query.typed(name, cell)) if name in ("quantity", "amount") else cell
                 for name, cell in zip(SHOWN_FIELDS, row, strict=True))


# --- the query job -----------------------------------------------------------------------------
@when("I run the query job for one customer's orders", target_fixture="queried")
def run_query_job(stores, developer, narrate):
    result = query.run(developer.clients, developer.area,
                       query.build(stores.dataset, SHOWN_FIELDS, "customer_id", stores.customer))
    narrate(f"MySQL:     {result.sql}  ← ({stores.customer!r}, {result.query.limit})")
    narrate(f"Cassandra: {result.cql}  ← ({stores.customer!r},)")
    narrate(result.summary())
    return result


@then("MySQL and Cassandra return the same rows for that customer")
def same_rows(stores, queried):
    assert queried.same and len(queried.mysql_rows) == len(stores.customer_orders)
    assert [row[0] for row in queried.mysql_rows] == stores.customer_orders


@when(parsers.parse('I run the query job with the value "{first}" and then "{second}"'), target_fixture="attempts")
def injection_attempts(stores, developer, first, second, narrate):
    results = [query.run(developer.clients, developer.area, query.build(stores.dataset, SHOWN_FIELDS, "customer_id", value))
               for value in (first, second)]
    for result in results:
        narrate(result.summary())
    return results


@then("both databases return no rows for either value")
def no_rows(attempts):
    assert all(not result.mysql_rows and not result.cassandra_rows for result in attempts)


@then("a field name carrying SQL is refused before any statement is sent")
def field_refused(stores, narrate):
    with pytest.raises(AgilityError) as refused:
        query.build(stores.dataset, SHOWN_FIELDS, "customer_id = customer_id OR 1", "x")
    narrate(f"refused: {refused.value}")


@then("both tables still hold every order")
def tables_intact(stores, developer, narrate):
    mysql = spark_cassandra.mysql_summary(developer.clients, developer.area, stores.dataset)
    cql = spark_cassandra.cql_summary(developer.clients, developer.area, stores.dataset)
    narrate(f"MySQL {mysql['rows']} rows, Cassandra {cql['rows']} rows")
    assert mysql["rows"] == cql["rows"] == ORDERS


# --- PySpark on the cluster --------------------------------------------------------------------
@when(parsers.re(r"I run the PySpark (?P<what>job on the Cassandra table|JDBC read of the MySQL table) on the edge node"),
      target_fixture="spark_result")
def run_spark(platform, cluster_shell, stores, developer, what, narrate):
    source = "cassandra" if "Cassandra" in what else "jdbc"
    result = spark_cassandra.run_on_edge(cluster_shell, platform, source, developer.area, stores.dataset)
    narrate(f"{result['application_id']} on {platform.spark['master']}, driver on {platform.edge}: "
            f"{result['rows']} rows in {result['partitions']} partitions, amount {result['amount']}, "
            f"quantity {result['quantity']} ({result['seconds']:.1f} s)")
    narrate("by region (a GROUP BY that CQL cannot do): "
            + ", ".join(f"{region} {count}" for region, count in result["by_region"].items()))
    return result


@then(parsers.re(r"its count, total amount and order ids equal (?P<reference>CQL's own aggregate|what PyMySQL reads)"))
def spark_equals_reference(stores, developer, spark_result, reference, narrate):
    summarize = spark_cassandra.cql_summary if reference.startswith("CQL") else spark_cassandra.mysql_summary
    expected = summarize(developer.clients, developer.area, stores.dataset)
    narrate(f"{expected['statement']}: {expected['rows']} rows, amount {expected['amount']}, "
            f"quantity {expected['quantity']}; ids sha256 {expected['ids_sha256'][:16]}…")
    assert spark_cassandra.differences(spark_result, expected) == {}
    assert sum(spark_result["by_region"].values()) == spark_result["rows"] == ORDERS


# --- clear failures ----------------------------------------------------------------------------
def attempt(tool: str, platform, cluster_shell, stores, developer, dataset: str, wrong: bool):
    """Use one tool the way the act does, with a wrong password or on `dataset`; its AgilityError."""
    clients, area = developer.clients, developer.area
    mysql_account = Account(platform.account("mysql").user, Secret(env=WRONG_PASSWORD_ENV)) if wrong else None
    cassandra_account = Account(platform.account("cassandra").user, Secret(env=WRONG_PASSWORD_ENV)) if wrong else None
    try:
        if tool == "the mariadb client":
            with db_clients.workstation(clients, mysql_account, cassandra_account) as tools:
                tools.mariadb.query(f"SELECT order_id FROM {area.database}.{dataset} LIMIT 1")
        elif tool == "cqlsh":
            with db_clients.workstation(clients, mysql_account, cassandra_account) as tools:
                tools.cqlsh.query(f"SELECT order_id FROM {area.keyspace}.{dataset} LIMIT 1")
        elif tool == "the query job":
            return [query_failure(query.mysql_rows, clients, area, dataset, mysql_account),
                    query_failure(query.cassandra_rows, clients, area, dataset, cassandra_account)]
        else:
            source = "cassandra" if "connector" in tool else "jdbc"
            spark_cassandra.run_on_edge(cluster_shell, platform, source, area, dataset,
                                        account=cassandra_account if source == "cassandra" else mysql_account)
    except AgilityError as error:
        return [error]
    raise AssertionError(f"{tool} did not fail")


def query_failure(store_rows, clients, area, dataset, account) -> AgilityError:
    """The query job's failure in one store (each store's message shows, not only the first's)."""
    with pytest.raises(AgilityError) as failed:
        store_rows(clients, area, query.build(dataset, ["order_id"], "order_id", "o-1"), account)
    return failed.value


@when(parsers.parse("I use {tool} with a wrong password"), target_fixture="failures")
def use_with_wrong_password(platform, cluster_shell, stores, developer, tool, monkeypatch, narrate):
    monkeypatch.setenv(WRONG_PASSWORD_ENV, f"not-the-password-{uuid.uuid4().hex[:6]}")
    failures = attempt(tool, platform, cluster_shell, stores, developer, stores.dataset, wrong=True)
    for failure in failures:
        narrate(str(failure))
    return failures


@when(parsers.parse("I use {tool} on a table that does not exist"), target_fixture="failures")
def use_on_missing_table(platform, cluster_shell, stores, developer, tool, narrate):
    failures = attempt(tool, platform, cluster_shell, stores, developer, f"missing_{uuid.uuid4().hex[:8]}", wrong=False)
    for failure in failures:
        narrate(str(failure))
    return failures


@then("it fails with a message about wrong credentials and no Java stack trace")
def clear_credentials_message(failures):
    for failure in failures:
        assert "wrong credentials" in str(failure), failure
        assert_no_stack_trace(str(failure))


@then("it fails with a message about the missing table and no Java stack trace")
def clear_missing_message(failures):
    for failure in failures:
        assert "no such table" in str(failure) or "has no table" in str(failure), failure
        assert_no_stack_trace(str(failure))


def assert_no_stack_trace(message: str) -> None:
    assert "\tat " not in message and "Traceback" not in message and len(message.splitlines()) <= 2, message
