"""The prod area's own mysql sink job is held to prod's MariaDB limits: while every connection its
account may open (`max_user_connections`) is taken, MariaDB refuses the sink's own, and the job
stops at once with MariaDB's message — nothing stored, nothing committed, the exit status of a
failure. Once a connection is free, the same job run again stores the dataset.

The job runs as a process of its own, exactly as on the command line (`jobs.sink.command_line`);
what it stored and committed is read from MariaDB (by the admin: QA's read-back) and Kafka.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

from agility.checks.shared_dataset import Say
from agility.clients.edge_kafka import committed_offsets
from agility.clients.services import Clients
from agility.clients.sql import quoted
from agility.config import declaration
from agility.config.areas import Area
from agility.core.errors import AgilityError
from agility.jobs.sink import command_line

JOB_TIMEOUT_S = 120
EXTRA_TRIES = 3  # connections tried beyond the declared limit before calling the limit unenforced
NO_SUCH_TABLE = 1146


@dataclass
class HeldConnections:
    account: str
    limit: int
    connections: list = field(default_factory=list)

    def close_all(self) -> None:
        while self.connections:
            self.connections.pop().close()


@dataclass(frozen=True)
class JobExit:
    status: int
    said: str  # its last line on stderr (or stdout)


def hold_every_connection(clients: Clients, area: Area, say: Say,
                          on_cleanup: Callable[[Callable[[], None]], object]) -> HeldConnections:
    """Open connections as the area's account until MariaDB itself refuses one more: then every
    connection it may have (the declared max_user_connections) is taken, as the server counts them."""
    import pymysql  # the MariaDB driver, deferred like the other drivers

    limit = declaration.load(clients.profile).quota(area.name, "mysql").get("max_user_connections")
    if not limit:
        raise AgilityError(f"the provisioning declaration gives area {area.name} no max_user_connections")
    account = clients.profile.account("mysql", area.name)
    held = HeldConnections(account.user, limit)
    on_cleanup(held.close_all)
    for _ in range(limit + EXTRA_TRIES):
        try:
            held.connections.append(clients.mysql_connection(account))
        except pymysql.err.OperationalError as error:
            say(f"{account.user}: {len(held.connections)} connections open (max_user_connections {limit}); "
                f"MariaDB refused the next: {error.args[-1]}")
            return held
    raise AgilityError(f"MariaDB let {len(held.connections)} connections of {account.user} in, its "
                       f"max_user_connections being {limit}: the limit is not enforced, so nothing can be held")


def run_job(clients: Clients, area: Area, dataset: str, say: Say) -> JobExit:
    """The area's mysql sink as a process, as typed on the command line; how it ended."""
    done = subprocess.run(command_line(clients.profile, area, dataset, "mysql", max_batch=500),
                          capture_output=True, text=True, timeout=JOB_TIMEOUT_S)
    lines = (done.stderr.strip() or done.stdout.strip()).splitlines()
    ended = JobExit(done.returncode, lines[-1] if lines else "")
    say(f"the mysql sink exited {ended.status}: {ended.said}")
    return ended


def refusal_problems(ended: JobExit, held: HeldConnections) -> list[str]:
    """The job failed, in one line that is MariaDB's own max_user_connections refusal."""
    return [problem for problem, wrong in (
        (f"the sink exited {ended.status}, not as a failure", ended.status == 0),
        (f"not MariaDB's max_user_connections refusal of {held.account}: {ended.said}",
         "max_user_connections" not in ended.said or held.account not in ended.said),
        (f"a traceback, not one line: {ended.said}", "Traceback" in ended.said),
    ) if wrong]


def stored_rows(clients: Clients, area: Area, dataset: str) -> int:
    """The dataset's rows in MariaDB, read by the admin (no table: none)."""
    import pymysql  # deferred like the other drivers

    connection = clients.mysql_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {quoted(area.database)}.{quoted(dataset)}")
            return cursor.fetchone()[0]
    except pymysql.err.ProgrammingError as error:
        if error.args and error.args[0] == NO_SUCH_TABLE:
            return 0
        raise
    finally:
        connection.close()


def nothing_done_problems(clients: Clients, area: Area, dataset: str, say: Say) -> list[str]:
    """Kafka shows no commit of the sink's group, and MariaDB holds none of the dataset's orders."""
    admin = clients.kafka_admin(clients.kafka_account(area.name))
    try:
        committed = committed_offsets(admin, area.group(dataset, "mysql"), area.topic(dataset))
    finally:
        admin.close()
    rows = stored_rows(clients, area, dataset)
    say(f"committed offsets of the sink's group: {committed or 'none'}; rows in {area.database}.{dataset}: {rows}")
    return [problem for problem, wrong in (
        (f"the refused sink committed {committed}", any(committed.values())),
        (f"the refused sink stored {rows} rows", rows),
    ) if wrong]


def release(held: HeldConnections, say: Say) -> None:
    held.close_all()
    say(f"{held.account}: its {held.limit} connections closed")
