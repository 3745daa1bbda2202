"""Proofs that an area's MariaDB limits hold, each by exceeding one as the area's account: one
connection more than `max_user_connections` is refused while the open ones keep working, and the
statement past `max_queries_per_hour` is refused with MariaDB's own message, the refused
transaction's rows gone with it.

Each proof says what it saw through `say` (a step's narration, or print); the checks return what
is wrong: an empty list proves it. Refusals are MariaDB's own error messages, counts are read by
the admin from the server."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from agility.checks.shared_dataset import Say
from agility.clients.services import Clients
from agility.config.profiles import Account
from agility.core.waiting import wait_until
from agility.reach.tunnel import split


def _mysql_error(error) -> str:
    code, message = (error.args + ("",))[:2] if error.args else (0, str(error))
    return f"({code}) {message}"


# --- max_user_connections ------------------------------------------------------------------------
@dataclass
class ConnectionsProof:
    account: str
    opened: int  # connections open when one more was refused
    refusal: str | None  # MariaDB's message for the one too many
    answered: int  # of the open ones, how many still answered a query after the refusal
    left_open: int = -1  # the account's sessions on the server after all were closed

    def summary(self) -> str:
        return (f"{self.account}: {self.opened} connections open, the next one refused: {self.refusal}; "
                f"{self.answered} of {self.opened} still answered; {self.left_open} left open after closing")


def connections_until_refused(clients: Clients, account: Account, limit: int, say: Say) -> ConnectionsProof:
    """Open connections as the account until one is refused (at most limit + 2 tries), query each
    open one again, close them all, and count the account's sessions the server still has."""
    import pymysql  # the MariaDB driver, deferred like the other drivers: importing this module needs none

    held = []
    refusal = None
    try:
        for _ in range(limit + 2):
            try:
                held.append(clients.mysql_connection(account))
            except pymysql.err.OperationalError as error:
                refusal = _mysql_error(error)
                break
        answered = 0
        for connection in held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT CONNECTION_ID()")
                answered += cursor.fetchone() is not None
        proof = ConnectionsProof(account.user, len(held), refusal, answered)
    finally:
        for connection in held:
            connection.close()
    proof.left_open = _wait_sessions_closed(clients, account.user)
    say(proof.summary())
    return proof


def connections_refusal_problems(proof: ConnectionsProof, limit: int, declared: dict) -> list[str]:
    """`limit` (the declared max_user_connections) connections opened, and the next one refused
    with MariaDB's max_user_connections message."""
    return [problem for problem, wrong in (
        (f"{limit} is not the declared max_user_connections {declared['max_user_connections']}",
         limit != declared["max_user_connections"]),
        (f"{proof.opened} connections opened, not {limit}: {proof.summary()}", proof.opened != limit),
        (f"not refused with the max_user_connections message: {proof.summary()}",
         not (proof.refusal and "'max_user_connections'" in proof.refusal)),
    ) if wrong]


def still_open_problems(proof: ConnectionsProof, limit: int) -> list[str]:
    """The `limit` open connections answered after the refusal, and the server has none of the
    account's sessions left once they were closed."""
    return [problem for problem, wrong in (
        (f"{proof.answered} of {limit} open connections answered: {proof.summary()}", proof.answered != limit),
        (f"{proof.left_open} sessions left open: {proof.summary()}", proof.left_open != 0),
    ) if wrong]


def _sessions(clients: Clients, user: str) -> int:
    return _admin_count(clients, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = %s", (user,))


def _wait_sessions_closed(clients: Clients, user: str, timeout: float = 20) -> int:
    """The account's sessions on the server once they are gone (the server ends a closed
    connection's thread a moment after the client leaves)."""
    wait_until(lambda: _sessions(clients, user) == 0, timeout=timeout, what=f"{user}'s sessions to end",
               service="mariadb")
    return _sessions(clients, user)


# --- max_queries_per_hour ------------------------------------------------------------------------
@dataclass
class QueriesProof:
    account: str
    table: str
    accepted: int  # statements of the account that ran before the refusal (this run's)
    refusal: str | None
    uncommitted: int = -1  # the transaction's rows, seen by the admin (READ UNCOMMITTED) after the refusal
    rows_after: int = -1  # rows in the table once the refused transaction is gone
    works_after_reset: bool = False

    def summary(self) -> str:
        return (f"{self.account}: {self.accepted} statements ran in one transaction on {self.table}, the next was "
                f"refused: {self.refusal}; {self.uncommitted} uncommitted rows while it was open, "
                f"{self.rows_after} once it was closed")


def queries_until_refused(clients: Clients, account: Account, database: str, limit: int, say: Say,
                          batch: int = 1000) -> QueriesProof:
    """In one transaction, insert into a fresh table as the account, `batch` statements per packet
    (multi-statements), until MariaDB refuses one (at most limit + batch statements). The refused
    transaction cannot even be rolled back by a statement (that would be one more query), so the
    connection is closed, which rolls it back. The admin counts the table's rows twice: with the
    refused transaction still open (READ UNCOMMITTED: what it had written) and after it closed.
    The table is created and dropped by the admin; the counters are reset with FLUSH USER_RESOURCES."""
    import pymysql  # deferred, as in connections_until_refused

    table = f"quota_check_{uuid.uuid4().hex[:10]}"
    qualified = f"`{database}`.`{table}`"
    _admin(clients, f"CREATE TABLE {qualified} (id INT PRIMARY KEY, note VARCHAR(16)) ENGINE=InnoDB")
    proof = QueriesProof(account.user, qualified, 0, None)
    try:
        connection = _transaction_connection(clients, account, database)
        try:
            with connection.cursor() as cursor:
                cursor.execute("START TRANSACTION")
                proof.accepted = 1
                next_id = 0
                while proof.accepted <= limit + batch:
                    statements = "".join(f"INSERT INTO {qualified} VALUES ({next_id + i}, 'half written');"
                                         for i in range(batch))
                    next_id += batch
                    try:
                        cursor.execute(statements)
                        proof.accepted += 1
                        while cursor.nextset():
                            proof.accepted += 1
                    except pymysql.err.OperationalError as error:
                        proof.refusal = _mysql_error(error)
                        break
            proof.uncommitted = _count_rows(clients, qualified, uncommitted=True)
        finally:
            connection.close()  # the server rolls the open transaction back
        proof.rows_after = _count_rows(clients, qualified)
    finally:
        _admin(clients, f"DROP TABLE IF EXISTS {qualified}", "FLUSH USER_RESOURCES")
    proof.works_after_reset = _answers(clients, account)
    say(proof.summary())
    return proof


def queries_refusal_problems(proof: QueriesProof, limit: int, declared: dict) -> list[str]:
    """A statement was refused with MariaDB's max_queries_per_hour message after at most `limit`
    (the declared max_queries_per_hour) statements."""
    return [problem for problem, wrong in (
        (f"{limit} is not the declared max_queries_per_hour {declared['max_queries_per_hour']}",
         limit != declared["max_queries_per_hour"]),
        (f"not refused with the max_queries_per_hour message: {proof.summary()}",
         not (proof.refusal and "'max_queries_per_hour'" in proof.refusal)),
        # the hour's counter may already hold some of the account's statements: this run gets the rest
        (f"not between 1 and {limit} statements ran: {proof.summary()}", not 0 < proof.accepted <= limit),
    ) if wrong]


def half_written_problems(proof: QueriesProof, say: Say) -> list[str]:
    """The refused transaction had written a row per accepted INSERT (all but START TRANSACTION),
    and none of them is left in the table once it is gone."""
    say(f"{proof.uncommitted} rows written and not committed when the statement was refused; "
        f"{proof.rows_after} in the table once the transaction was gone")
    return [problem for problem, wrong in (
        (f"{proof.uncommitted} uncommitted rows, not {proof.accepted - 1}: {proof.summary()}",
         proof.uncommitted != proof.accepted - 1),
        (f"{proof.rows_after} rows left in the table: {proof.summary()}", proof.rows_after != 0),
    ) if wrong]


def _transaction_connection(clients: Clients, account: Account, database: str):
    """The account's connection for one long transaction: no autocommit, many statements per packet
    (Clients.mysql_connection autocommits and sends one statement at a time)."""
    import pymysql  # deferred, as in connections_until_refused
    from pymysql.constants import CLIENT

    host, port = split(clients.local(clients.profile.mysql["address"]))
    return pymysql.connect(host=host, port=port, user=account.user, password=account.password.reveal(),
                           database=database, connect_timeout=15, autocommit=False,
                           client_flag=CLIENT.MULTI_STATEMENTS)


def _count_rows(clients: Clients, qualified: str, uncommitted: bool = False) -> int:
    """The table's rows as the admin sees them: committed ones, or also another session's open
    transaction's (READ UNCOMMITTED)."""
    return _admin_count(clients, f"SELECT COUNT(*) FROM {qualified}", uncommitted=uncommitted)


def _answers(clients: Clients, account: Account) -> bool:
    connection = clients.mysql_connection(account)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    finally:
        connection.close()


# --- as the admin --------------------------------------------------------------------------------
def _admin(clients: Clients, *statements: str) -> None:
    admin = clients.mysql_connection()
    try:
        with admin.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        admin.close()


def _admin_count(clients: Clients, query: str, params: tuple | None = None, uncommitted: bool = False) -> int:
    """The number a COUNT(*) query gives the admin; with `uncommitted`, other sessions' open
    transactions' rows are counted too (READ UNCOMMITTED)."""
    admin = clients.mysql_connection()
    try:
        with admin.cursor() as cursor:
            if uncommitted:
                cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED")
            cursor.execute(query, params)
            return int(cursor.fetchone()[0])
    finally:
        admin.close()
