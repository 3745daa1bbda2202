"""Who gets in: an account's login tried against each service, the answer being why it was
refused, or None when it was let in. Used to prove that wrong passwords and deprovisioned
developers are turned away everywhere — each refusal is a real login attempt."""

from __future__ import annotations

from dataclasses import dataclass

from agility import security
from agility.clients import Clients
from agility.errors import AgilityError
from agility.profiles import Account, Secret
from agility.provisioning.kafka import can_log_in

SERVICES = ("ssh", "event stream", "cassandra", "mariadb")


def event_stream_refusal(clients: Clients, account: Account) -> str | None:
    if can_log_in(clients, account):
        return None
    if not can_log_in(clients, clients.kafka_account()):
        return "no broker answered the admin either: the refusal proves nothing"
    return f"SCRAM-SHA-512 login of {account.user} refused by every broker (the admin logs in)"


def cassandra_refusal(clients: Clients, account: Account) -> str | None:
    from cassandra.cluster import NoHostAvailable

    try:
        session = clients.cassandra_session(account)
    except NoHostAvailable as error:
        reasons = {str(reason).split("message=")[-1].strip("\"')}") for reason in error.errors.values()}
        return "; ".join(sorted(reasons))[:200]
    session.cluster.shutdown()
    return None


def mariadb_refusal(clients: Clients, account: Account) -> str | None:
    import pymysql

    try:
        connection = clients.mysql_connection(account)
    except pymysql.err.OperationalError as error:
        return str(error.args[1])
    connection.close()
    return None


def refusal(clients: Clients, service: str, account: Account, key: str | None = None) -> str | None:
    """Why `service` refused the login of `account` (SSH: with `key`); None if it let it in."""
    if service == "ssh":
        return security.login_refusal(clients.profile, account.user, key)
    checks = {"event stream": event_stream_refusal, "cassandra": cassandra_refusal, "mariadb": mariadb_refusal}
    return checks[service](clients, account)


@dataclass(frozen=True)
class WrongPassword:
    """Certainly not the account's password: the real one with a suffix (never printed)."""

    right: Secret

    def reveal(self) -> str:
        return self.right.reveal() + "-wrong"

    def __repr__(self) -> str:
        return "WrongPassword(...)"


def with_wrong_password(account: Account) -> Account:
    return Account(account.user, WrongPassword(account.password))


def area_account(clients: Clients, service: str, area: str) -> Account:
    """The area's own account in `service` (as the profile references it)."""
    names = {"event stream": "kafka", "cassandra": "cassandra", "mariadb": "mysql"}
    if service not in names:
        raise AgilityError(f"no password login to try on '{service}'; services: {', '.join(names)}")
    return clients.profile.account(names[service], area)
