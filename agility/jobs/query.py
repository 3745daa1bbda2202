"""Query an area's orders in MySQL and in Cassandra with the same question, from the workstation:

    python -m agility.jobs.query --area dev --dataset orders --where customer_id=c-0042 \\
        --fields order_id,product,amount

The value is always a bound parameter (PyMySQL escapes it, Cassandra binds it to a prepared
statement), never formatted into the SQL or CQL: a value such as `x' OR '1'='1` is just a string
that matches no order. Identifiers cannot be parameters, so fields are checked against the
table's columns and dataset names against the area's naming rule before they reach a statement.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from agility.clients.services import area_clients
from agility.config import profiles
from agility.config.areas import Area, check_dataset
from agility.config.profiles import Account
from agility.core.errors import AgilityError
from agility.jobs.records import STORED_COLUMNS

DEFAULT_FIELDS = ("order_id", "customer_name", "product", "quantity", "amount")
KEY = "order_id"  # the primary key in both stores


@dataclass
class Query:
    dataset: str
    fields: tuple[str, ...]
    where: str
    value: object  # typed for the column
    limit: int = 1000

    def sql(self, database: str) -> str:
        names = ", ".join(f"`{name}`" for name in self.fields)
        return (f"SELECT {names} FROM `{database}`.`{self.dataset}` WHERE `{self.where}` = %s "
                f"ORDER BY `{KEY}` LIMIT %s")

    def cql(self, keyspace: str) -> str:
        # A column other than the key needs ALLOW FILTERING: Cassandra scans the table for it. No
        # LIMIT: Cassandra returns rows in token order and cannot sort by the key across
        # partitions, so the rows are sorted here and then cut to the limit, as in the SQL.
        filtering = "" if self.where == KEY else " ALLOW FILTERING"
        return f"SELECT {', '.join(self.fields)} FROM {keyspace}.{self.dataset} WHERE {self.where} = ?{filtering}"


@dataclass
class QueryResult:
    query: Query
    sql: str
    cql: str
    mysql_rows: list[tuple]
    cassandra_rows: list[tuple]
    mysql_seconds: float
    cassandra_seconds: float

    @property
    def same(self) -> bool:
        return self.mysql_rows == self.cassandra_rows

    def summary(self) -> str:
        return (f"WHERE {self.query.where} = {self.query.value!r}: MySQL {len(self.mysql_rows)} rows in "
                f"{self.mysql_seconds * 1000:.0f} ms, Cassandra {len(self.cassandra_rows)} rows in "
                f"{self.cassandra_seconds * 1000:.0f} ms, {'the same rows' if self.same else 'DIFFERENT rows'}")


def build(dataset: str, fields: list[str] | tuple[str, ...], where: str, value: str, limit: int = 1000) -> Query:
    """A query whose identifiers are known columns and whose value has the column's type."""
    check_dataset(dataset)
    unknown = [name for name in (*fields, where) if name not in STORED_COLUMNS]
    if unknown:
        raise AgilityError(f"unknown column {unknown[0]!r}; the orders tables have: {', '.join(STORED_COLUMNS)}")
    if not fields:
        raise AgilityError("name at least one field to select")
    if not 1 <= limit <= 100_000:
        raise AgilityError(f"limit must be 1-100000, not {limit}")
    return Query(dataset, tuple(dict.fromkeys(fields)), where, typed(where, value), limit)


def typed(column: str, text: str):
    kind = STORED_COLUMNS[column]
    try:
        if kind in ("int", "bigint"):
            return int(text)
        if kind == "decimal":
            return Decimal(text)
        if kind == "timestamp":
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, InvalidOperation):
        raise AgilityError(f"column {column} holds {kind} values: {text!r} is not one") from None
    return text


def plain(value) -> object:
    """One form for a value from either store: decimals without trailing zeros, times in ISO."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="milliseconds")
    return value


def mysql_rows(clients, area: Area, query: Query, account: Account | None = None) -> list[tuple]:
    import pymysql

    value = query.value.replace(tzinfo=None) if isinstance(query.value, datetime) else query.value
    account = account or clients.profile.account("mysql", area.name)  # the area's own, never the admin
    try:
        connection = clients.mysql_connection(account)
    except pymysql.err.OperationalError as error:
        raise AgilityError(mysql_failure(clients, account, error)) from None
    try:
        with connection.cursor() as cursor:
            cursor.execute(query.sql(area.database), (value, query.limit))
            return [tuple(plain(cell) for cell in row) for row in cursor.fetchall()]
    except pymysql.err.ProgrammingError as error:
        if error.args and error.args[0] == 1146:
            raise AgilityError(f"MySQL has no table {area.database}.{query.dataset}: run the mysql sink for "
                               f"dataset '{query.dataset}' first ({error.args[1]})") from None
        raise AgilityError(f"MySQL refused the query: {error.args[-1]}") from None
    finally:
        connection.close()


def mysql_failure(clients, account: Account, error) -> str:
    user = account.user
    code, message = (error.args + ("",))[:2]
    if code == 1045:
        return f"MySQL refused {user}: wrong credentials ({message})"
    return f"cannot connect to MySQL as {user} through the tunnel: {message or error}"


def cassandra_rows(clients, area: Area, query: Query, account: Account | None = None) -> list[tuple]:
    from cassandra import ConsistencyLevel, InvalidRequest
    from cassandra.cluster import NoHostAvailable

    account = account or clients.profile.account("cassandra", area.name)  # the area's own, never the admin
    user = account.user
    try:
        session = clients.cassandra_session(account)
    except NoHostAvailable as error:
        reasons = " ".join(str(reason) for reason in error.errors.values())
        if "AuthenticationFailed" in repr(error.errors) or "Bad credentials" in reasons:
            raise AgilityError(f"Cassandra refused {user}: wrong credentials "
                               f"({reasons.split('message=', 1)[-1].strip(chr(34) + ')')})") from None
        raise AgilityError(f"cannot connect to Cassandra as {user} through the tunnel: {reasons or error}") from None
    try:
        statement = session.prepare(query.cql(area.keyspace))
        statement.consistency_level = ConsistencyLevel.QUORUM  # as the sink writes
        statement.fetch_size = 1000  # paged: a filtering scan may match many rows
        rows = session.execute(statement, (query.value,))
        found = [tuple(plain(cell) for cell in row) for row in rows]
    except InvalidRequest as error:
        message = str(error).split('message="', 1)[-1].rstrip('"')
        if "does not exist" in message or "unconfigured table" in message:
            raise AgilityError(f"Cassandra has no table {area.keyspace}.{query.dataset}: run the cassandra sink "
                               f"for dataset '{query.dataset}' first ({message})") from None
        raise AgilityError(f"Cassandra refused the query: {message}") from None
    finally:
        session.cluster.shutdown()
    # Cassandra returns rows in token order: sort by the key like the SQL does
    position = query.fields.index(KEY) if KEY in query.fields else None
    ordered = sorted(found, key=lambda row: row[position] if position is not None else json.dumps(row, default=str))
    return ordered[:query.limit]


def run(clients, area: Area, query: Query, mysql_account: Account | None = None,
        cassandra_account: Account | None = None) -> QueryResult:
    started = time.monotonic()
    from_mysql = mysql_rows(clients, area, query, mysql_account)
    middle = time.monotonic()
    from_cassandra = cassandra_rows(clients, area, query, cassandra_account)
    if KEY not in query.fields:
        from_mysql = sorted(from_mysql, key=lambda row: json.dumps(row, default=str))
    return QueryResult(query, query.sql(area.database), query.cql(area.keyspace), from_mysql, from_cassandra,
                       middle - started, time.monotonic() - middle)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=os.environ.get("AGILITY_PROFILE") or "sandbox")
    parser.add_argument("--area", default="dev")
    parser.add_argument("--dataset", default="orders")
    parser.add_argument("--fields", default=",".join(DEFAULT_FIELDS), help="comma-separated columns")
    parser.add_argument("--where", required=True, metavar="FIELD=VALUE", help="e.g. customer_id=c-0042")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--json", action="store_true", help="one JSON line instead of a table")
    args = parser.parse_args(argv)


    try:
        field_name, separator, value = args.where.partition("=")
        if not separator:
            raise AgilityError(f"--where takes FIELD=VALUE, not {args.where!r}")
        query = build(args.dataset, [name.strip() for name in args.fields.split(",") if name.strip()],
                      field_name.strip(), value, args.limit)
        profile = profiles.load(args.profile)
        area = profile.area(args.area)
        with area_clients(profile, area) as clients:
            result = run(clients, area, query)
    except AgilityError as error:
        print(f"agility: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"sql": result.sql, "cql": result.cql, "fields": list(query.fields),
                          "mysql": result.mysql_rows, "cassandra": result.cassandra_rows, "same": result.same}))
    else:
        print(f"MySQL:     {result.sql}\nCassandra: {result.cql}\nvalue:     {query.value!r}")
        for store, rows in (("MySQL", result.mysql_rows), ("Cassandra", result.cassandra_rows)):
            print(f"-- {store}: {len(rows)} rows")
            print("  " + " | ".join(query.fields))
            for row in rows:
                print("  " + " | ".join(str(cell) for cell in row))
        print(result.summary())
    return 0 if result.same else 1


if __name__ == "__main__":
    sys.exit(main())
