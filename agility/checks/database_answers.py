"""The developer's tools on both stores give the same answers: the `mariadb` client and `cqlsh`
on the workstation through the stores tunnel (no password on a command line), the query job
with bound parameters (an injection attempt finds nothing and harms nothing), PySpark on the
cluster reading Cassandra through the connector and MySQL over JDBC; and each tool, with a wrong
password or on a missing table, fails with one clear line, never a Java stack trace.

Each check says what it shows through `say` and returns what is wrong: an empty list proves it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from agility.checks.access import with_wrong_password
from agility.checks.shared_dataset import Say, SharedDataset
from agility.clients.services import Clients
from agility.clients.workstation import Answer, MariaDbClient, Workstation, mode_of, select_text, workstation
from agility.config.areas import Area
from agility.config.profiles import Account, Profile
from agility.core import endpoints
from agility.core.errors import AgilityError
from agility.core.narration import keep_table
from agility.jobs import orders, query, spark_cassandra
from agility.reach import connect, tunnel
from agility.reach.ssh import ClusterShell

SHOWN_FIELDS = ["order_id", "customer_name", "product", "quantity", "amount"]
WHERE = "customer_id"
# the Spark job's source for each store, and how to read the same summary without Spark
SPARK_SOURCES = {"cassandra": "cassandra", "mysql": "jdbc"}
SUMMARIES = {"cassandra": spark_cassandra.cql_summary, "mysql": spark_cassandra.mysql_summary}


class AreaDeveloper(Protocol):
    """An area's developer as an act holds it: the area, and clients connected as its accounts."""

    area: Area
    clients: Clients


@dataclass(frozen=True)
class Customer:
    """Whom the act asks about: the customer with the most orders in the produced stream."""

    id: str
    order_ids: list[str]


def busiest_customer(seed: int, count: int) -> Customer:
    made = orders.generate(seed, count)
    customer = Counter(order["customer_id"] for order in made).most_common(1)[0][0]
    return Customer(customer, sorted(order["order_id"] for order in made if order["customer_id"] == customer))


def fill_stores(profile_name: str, developer: AreaDeveloper, stores: SharedDataset, count: int,
                say: Say) -> AreaDeveloper:
    """The act's dataset in both stores, written by their sinks as the area's developer (once per
    module); the developer, who works on it."""
    area = developer.area
    stores.fill(profile_name, developer.clients, area, count, say)
    say(f"dataset {stores.name}: MySQL {area.database}.{stores.name}, "
        f"Cassandra {area.keyspace}.{stores.name}, {stores.orders} orders")
    return developer


# --- the tunnel and the MySQL client -------------------------------------------------------------
def stores_tunnel(profile: Profile, say: Say) -> dict:
    """The operator's stores tunnel running on this host: its user, pid and forwards."""
    state = tunnel.running(profile, None, connect.STORES)
    if state is None:
        raise AgilityError("no stores tunnel of the operator is running")
    say(f"{state['user']}@{profile.bastion.host}, pid {state['pid']}: "
        + ", ".join(f"{local} ⇢ {remote}" for remote, local in state["forwards"].items()))
    return state


def mysql_forward_problems(profile: Profile, state: dict, say: Say) -> list[str]:
    """The tunnel forwards the MySQL server from its local address on this host (127.b.c.d)."""
    local = state["forwards"].get(profile.mysql["address"])
    say(f"MySQL {profile.mysql['address']} is {local} on this host")
    expected = endpoints.local_endpoint(profile.mysql["address"])
    return [] if local == expected and local.startswith("127.") else [
        f"MySQL is forwarded from {local}, not from {expected}"]


def option_file_problems(profile: Profile, client: MariaDbClient, state: dict, say: Say) -> list[str]:
    """The client's option file names the tunnel's local end of MySQL; only its owner reads it."""
    say(f"{client.option_file} ({mode_of(client.option_file)}): {client.option_file_shown()}")
    return [problem for problem, wrong in (
        (f"the option file names {client.host}:{client.port}, the tunnel forwards "
         f"{state['forwards'][profile.mysql['address']]}",
         f"{client.host}:{client.port}" != state["forwards"][profile.mysql["address"]]),
        (f"the option file's mode is {mode_of(client.option_file)}", mode_of(client.option_file) != "0o600"),
        (f"its folder's mode is {mode_of(client.option_file.parent)}", mode_of(client.option_file.parent) != "0o700"),
    ) if wrong]


def mariadb_login_problems(client: MariaDbClient, say: Say) -> list[str]:
    """mariadb logs in through the tunnel as the account, with no password on its command line."""
    answer = client.query("SELECT CURRENT_USER(), VERSION(), @@hostname")
    say(f"$ {answer.command}")
    say(f"{dict(zip(answer.columns, answer.rows[0], strict=True))} in {answer.seconds * 1000:.0f} ms")
    return [problem for problem, wrong in (
        ("the password is on mariadb's command line", client.account.password.reveal() in answer.command),
        (f"mariadb logged in as {answer.rows[0][0]}", not answer.rows[0][0].startswith(f"{client.account.user}@")),
        (f"the developer's mariadb is the admin's ({answer.rows[0][0]})",
         answer.rows[0][0].startswith(f"{client.profile.account('mysql').user}@")),
    ) if wrong]


# --- SELECT ... WHERE with both command-line clients ---------------------------------------------
def shown(answer: Answer, say: Say) -> Answer:
    """Say a client's command, its first rows and its count; the answer."""
    say(f"$ {answer.command}")
    for row in answer.rows[:5]:
        say(" | ".join(row))
    say(f"({len(answer.rows)} rows, {answer.seconds * 1000:.0f} ms)")
    keep_table(say, f"{answer.command.split()[0]}: {len(answer.rows)} rows", answer.columns, answer.rows)
    return answer


def mariadb_customer(tools: Workstation, area: Area, dataset: str, customer: Customer, say: Say) -> Answer:
    """The customer's orders, as typed into the mariadb client."""
    statement = select_text(f"{area.database}.{dataset}", SHOWN_FIELDS, WHERE, customer.id)
    return shown(tools.mariadb.query(statement), say)


def cqlsh_customer(tools: Workstation, area: Area, dataset: str, customer: Customer, say: Say) -> Answer:
    """The customer's orders, as typed into cqlsh."""
    statement = select_text(f"{area.keyspace}.{dataset}", SHOWN_FIELDS, WHERE, customer.id, cql=True)
    return shown(tools.cqlsh.query(statement), say)


def customer_answer_problems(answer: Answer, customer: Customer) -> list[str]:
    """The client shows the fields asked for, and exactly the customer's orders."""
    ids = sorted(row[0] for row in answer.rows)
    return [problem for problem, wrong in (
        (f"columns {answer.columns}, not {SHOWN_FIELDS}", answer.columns != SHOWN_FIELDS),
        (not_the_customers(ids, customer), ids != customer.order_ids),
    ) if wrong]


def not_the_customers(ids: list[str], customer: Customer) -> str:
    differing = sorted(set(ids) ^ set(customer.order_ids))
    return (f"{len(ids)} orders, not the customer's {len(customer.order_ids)}: e.g. {differing[:5]} in one "
            f"and not the other" if differing else f"the customer's orders, not once each and in order: {ids[:10]}…")


def same_answer_problems(cqlsh_answer: Answer, mariadb_answer: Answer, tools: Workstation) -> list[str]:
    """cqlsh shows the rows the MySQL client shows (numbers as numbers), with no password on its
    command line."""
    found = sorted(as_numbers(row) for row in cqlsh_answer.rows)
    expected = sorted(as_numbers(row) for row in mariadb_answer.rows)
    return [problem for problem, wrong in (
        (f"columns {cqlsh_answer.columns}, not {SHOWN_FIELDS}", cqlsh_answer.columns != SHOWN_FIELDS),
        (f"cqlsh shows {found[:3]}…, the MySQL client {expected[:3]}…", found != expected),
        ("the password is on cqlsh's command line", tools.cqlsh.account.password.reveal() in cqlsh_answer.command),
    ) if wrong]


def as_numbers(row: list[str]) -> tuple:
    """A row of text with numbers compared as numbers (cqlsh prints 12.3 where MySQL prints 12.30)."""
    return tuple(query.plain(query.typed(name, cell)) if name in ("quantity", "amount") else cell
                 for name, cell in zip(SHOWN_FIELDS, row, strict=True))


# --- the query job ---------------------------------------------------------------------------------
def query_customer(clients, area: Area, dataset: str, customer: Customer, say: Say) -> query.QueryResult:
    """The query job for the customer's orders: both statements with their bound values said."""
    result = query.run(clients, area, query.build(dataset, SHOWN_FIELDS, WHERE, customer.id))
    say(f"MySQL:     {result.sql}  ← ({customer.id!r}, {result.query.limit})")
    say(f"Cassandra: {result.cql}  ← ({customer.id!r},)")
    say(result.summary())
    keep_table(say, f"query job, MySQL: {len(result.mysql_rows)} rows", SHOWN_FIELDS, result.mysql_rows)
    keep_table(say, f"query job, Cassandra: {len(result.cassandra_rows)} rows", SHOWN_FIELDS, result.cassandra_rows)
    return result


def query_answer_problems(result: query.QueryResult, customer: Customer) -> list[str]:
    """Both stores return the same rows, exactly the customer's orders."""
    ids = [row[0] for row in result.mysql_rows]
    return [problem for problem, wrong in (
        ("MySQL and Cassandra return different rows", not result.same),
        (not_the_customers(ids, customer), ids != customer.order_ids),
    ) if wrong]


def query_values(clients, area: Area, dataset: str, values: list[str], say: Say) -> list[query.QueryResult]:
    """The query job once per value (e.g. injection attempts), each summary said."""
    results = [query.run(clients, area, query.build(dataset, SHOWN_FIELDS, WHERE, value)) for value in values]
    for result in results:
        say(result.summary())
    return results


def rows_found_problems(results: list[query.QueryResult]) -> list[str]:
    """Neither store returned a row for any of the values."""
    return [f"{result.query.value!r}: MySQL {len(result.mysql_rows)} rows, Cassandra {len(result.cassandra_rows)}"
            for result in results if result.mysql_rows or result.cassandra_rows]


def field_refusal_problems(dataset: str, say: Say) -> list[str]:
    """A field name carrying SQL is refused before any statement is sent."""
    try:
        query.build(dataset, SHOWN_FIELDS, f"{WHERE} = {WHERE} OR 1", "x")
    except AgilityError as refused:
        say(f"refused: {refused}")
        return []
    return ["the query job accepted a field name carrying SQL"]


def intact_problems(clients, area: Area, dataset: str, count: int, say: Say) -> list[str]:
    """Both tables still hold every order."""
    mysql = spark_cassandra.mysql_summary(clients, area, dataset)
    cql = spark_cassandra.cql_summary(clients, area, dataset)
    say(f"MySQL {mysql['rows']} rows, Cassandra {cql['rows']} rows")
    return [] if mysql["rows"] == cql["rows"] == count else [f"expected {count} rows in each table"]


# --- PySpark on the cluster ----------------------------------------------------------------------
def spark_read(profile: Profile, shell: ClusterShell, store: str, area: Area, dataset: str, say: Say) -> dict:
    """The PySpark job on the edge node reading `store` (cassandra: the connector, mysql: JDBC)."""
    result = spark_cassandra.run_on_edge(shell, profile, SPARK_SOURCES[store], area, dataset)
    say(f"{result['application_id']} on {profile.spark['master']}, driver on {profile.edge}: "
        f"{result['rows']} rows in {result['partitions']} partitions, amount {result['amount']}, "
        f"quantity {result['quantity']} ({result['seconds']:.1f} s)")
    say("by region (a GROUP BY that CQL cannot do): "
        + ", ".join(f"{region} {count}" for region, count in result["by_region"].items()))
    return result


def spark_reference_problems(clients, area: Area, dataset: str, store: str, result: dict, count: int,
                             say: Say) -> list[str]:
    """Spark's count, total amount, quantity and ids equal the store's own aggregate (CQL, or
    PyMySQL), and its rows by region add up to every order."""
    expected = SUMMARIES[store](clients, area, dataset)
    say(f"{expected['statement']}: {expected['rows']} rows, amount {expected['amount']}, "
        f"quantity {expected['quantity']}; ids sha256 {expected['ids_sha256'][:16]}…")
    differences = spark_cassandra.differences(result, expected)
    return [problem for problem, wrong in (
        (f"Spark and {store} differ (Spark, {store}): {differences}", differences != {}),
        (f"by region {sum(result['by_region'].values())}, rows {result['rows']}, expected {count}",
         not sum(result["by_region"].values()) == result["rows"] == count),
    ) if wrong]


# --- clear failures --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attempt:
    """Uses of the act's tools the way the act uses them, on `dataset`, with the accounts given
    (None: the profile's): each a call that is expected to fail."""

    profile: Profile
    clients: object
    shell: ClusterShell
    area: Area
    dataset: str
    mysql: Account | None = None
    cassandra: Account | None = None

    def mariadb(self) -> None:
        with workstation(self.clients, self.mysql, self.cassandra) as tools:
            tools.mariadb.query(f"SELECT order_id FROM {self.area.database}.{self.dataset} LIMIT 1")

    def cqlsh(self) -> None:
        with workstation(self.clients, self.mysql, self.cassandra) as tools:
            tools.cqlsh.query(f"SELECT order_id FROM {self.area.keyspace}.{self.dataset} LIMIT 1")

    def query_mysql(self) -> None:
        query.mysql_rows(self.clients, self.area, self.probe(), self.mysql)

    def query_cassandra(self) -> None:
        query.cassandra_rows(self.clients, self.area, self.probe(), self.cassandra)

    def spark_connector(self) -> None:
        spark_cassandra.run_on_edge(self.shell, self.profile, "cassandra", self.area, self.dataset, account=self.cassandra)

    def spark_jdbc(self) -> None:
        spark_cassandra.run_on_edge(self.shell, self.profile, "jdbc", self.area, self.dataset, account=self.mysql)

    def probe(self) -> query.Query:
        return query.build(self.dataset, ["order_id"], "order_id", "o-1")


# each tool as the act names it, and its uses: the query job's per store, so each store's message shows
TOOLS = {"the mariadb client": (Attempt.mariadb,), "cqlsh": (Attempt.cqlsh,),
         "the query job": (Attempt.query_mysql, Attempt.query_cassandra),
         "the PySpark connector": (Attempt.spark_connector,), "the PySpark JDBC read": (Attempt.spark_jdbc,)}


def failures(tool: str, profile: Profile, clients, shell: ClusterShell, area: Area, dataset: str, say: Say,
             wrong_password: bool = False) -> list[AgilityError]:
    """Use `tool` on `dataset`, with a wrong password if asked: the errors it fails with, each said."""
    if tool not in TOOLS:
        raise AgilityError(f"no tool '{tool}' to try; tools: {', '.join(TOOLS)}")
    attempt = Attempt(profile, clients, shell, area, dataset,
                      *((with_wrong_password(profile.account("mysql")), with_wrong_password(profile.account("cassandra")))
                        if wrong_password else ()))
    found = [failure_of(partial(use, attempt), tool) for use in TOOLS[tool]]
    for failure in found:
        say(str(failure))
    return found


def failure_of(use: Callable[[], object], tool: str) -> AgilityError:
    try:
        use()
    except AgilityError as error:
        return error
    raise AgilityError(f"{tool} did not fail")


def credentials_message_problems(found: list[AgilityError]) -> list[str]:
    """Each failure says the credentials were wrong, in at most two lines and no stack trace."""
    return [problem for failure in found for problem in (
        ([] if "wrong credentials" in str(failure) else [f"no 'wrong credentials' in: {failure}"])
        + stack_trace_problems(str(failure)))]


def missing_table_message_problems(found: list[AgilityError]) -> list[str]:
    """Each failure says the table is missing, in at most two lines and no stack trace."""
    return [problem for failure in found for problem in (
        ([] if "no such table" in str(failure) or "has no table" in str(failure)
         else [f"no 'no such table' in: {failure}"]) + stack_trace_problems(str(failure)))]


def stack_trace_problems(message: str) -> list[str]:
    return [] if "\tat " not in message and "Traceback" not in message and len(message.splitlines()) <= 2 else [
        f"a stack trace or more than two lines: {message!r}"]
