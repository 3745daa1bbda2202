"""Who gets in: an account's login tried against each service, the answer being the service's own
refusal, or None when it was let in. Used to prove that wrong passwords and deprovisioned
developers are turned away everywhere — each refusal is a real login attempt, and only the
service's refusal counts: Kafka's SASL authentication failure, Cassandra's AuthenticationFailed,
MariaDB's access-denied errors, sshd's authentication failure. A timeout, a connection error or
an unreachable host is no answer: AgilityError, and the check fails."""

from __future__ import annotations

import socket
from dataclasses import dataclass, replace

from agility.checks import security
from agility.checks.shared_dataset import Say
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.config.profiles import Account, Secret
from agility.core.errors import AgilityError
from agility.core.retry import StoreUnavailable
from agility.provisioning.kafka import login_refusal

SERVICES = ("ssh", "event stream", "cassandra", "mariadb")
# MariaDB's refusals of an account: no right on a database, wrong user or password, no right on a
# table or column, a privilege missing, a password required
MARIADB_DENIED = {1044, 1045, 1142, 1143, 1227, 1698}


def no_answer(service: str, user: str, error: BaseException | str) -> AgilityError:
    what = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return AgilityError(f"{service}: no answer to the login of {user} ({what}), so neither let in nor refused")


def cassandra_refusal(clients: Clients, account: Account) -> str | None:
    from cassandra import AuthenticationFailed
    from cassandra.cluster import NoHostAvailable

    try:
        session = clients.cassandra_session(account)
    except StoreUnavailable as error:  # no answer, even after the connection was tried again
        raise no_answer("cassandra", account.user, error.error) from None
    except NoHostAvailable as error:
        refusals = {str(reason).split("message=")[-1].strip("\"')}") for reason in error.errors.values()
                    if isinstance(reason, AuthenticationFailed)}
        if not refusals:
            raise no_answer("cassandra", account.user, "; ".join(map(str, error.errors.values()))[:300]) from None
        return "AuthenticationFailed: " + "; ".join(sorted(refusals))[:200]
    session.cluster.shutdown()
    return None


def mariadb_refusal(clients: Clients, account: Account) -> str | None:
    import pymysql

    try:
        connection = clients.mysql_connection(account)
    except StoreUnavailable as error:  # no answer, even after the connection was tried again
        raise no_answer("mariadb", account.user, error.error) from None
    except pymysql.err.MySQLError as error:
        code = error.args[0] if error.args else None
        if code not in MARIADB_DENIED:
            raise no_answer("mariadb", account.user, error) from None
        return f"({code}) {error.args[1]}"
    connection.close()
    return None


def login(clients: Clients, service: str, account: Account, key: str | None = None) -> str | None:
    """One login of `account` (SSH: with `key`): the service's refusal, or None if it let it in."""
    if service == "ssh":
        return security.login_refusal(clients.profile, account.user, key)
    checks = {"event stream": login_refusal, "cassandra": cassandra_refusal, "mariadb": mariadb_refusal}
    return checks[service](clients, account)


def refusal(clients: Clients, service: str, account: Account, key: str | None = None) -> str | None:
    """Why `service` refused the login of `account` (SSH: with `key`); None if it let it in. The
    same service first lets its admin in (the bastion: the operator), so that a refusal is about
    the account, not about a service that answers nobody."""
    profile = clients.profile
    admin = {"ssh": Account(profile.bastion.user, None), "event stream": profile.account("kafka"),
             "cassandra": profile.account("cassandra"), "mariadb": profile.account("mysql")}[service]
    refused = login(clients, service, admin, profile.bastion.key)
    if refused is not None:
        raise AgilityError(f"{service} refused its admin {admin.user} too ({refused}): a refusal would prove nothing")
    return login(clients, service, account, key)


def through_nowhere(clients: Clients) -> Clients:
    """The same clients, with the bastion and every tunnel forward moved to a port of this host that
    nothing listens on: what a login check meets when a tunnel died or a host is unreachable."""
    with socket.socket() as probe:  # a port that was free a moment ago: connections to it are refused
        probe.bind(("127.0.0.1", 0))
        nowhere = probe.getsockname()[1]
    profile = replace(clients.profile, bastion=replace(clients.profile.bastion, host="127.0.0.1", port=nowhere))
    return Clients(profile, {endpoint: f"127.0.0.1:{nowhere}" for endpoint in clients.forwards})


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


# --- the security act: a wrong password, and a login that meets no service -----------------------
def service_named(words: str) -> str:
    """The service a sentence names, as SERVICES spells it: "the event stream" → "event stream"."""
    return words.lower().removeprefix("the ")


@dataclass(frozen=True)
class PasswordLogins:
    wrong: str | None  # the service's refusal of the account with a wrong password; None: let in
    right: str | None  # its refusal of the same account with the right one; None: let in


def try_wrong_password(clients: Clients, service_words: str, area: str, say: Say) -> PasswordLogins:
    """The area's account logs in to the service named by `service_words` with a wrong password,
    then with the right one; both answers said."""
    service = service_named(service_words)
    account = area_account(clients, service, area)
    logins = PasswordLogins(wrong=refusal(clients, service, with_wrong_password(account)),
                            right=refusal(clients, service, account))
    say(f"{service_words}, {account.user} with a wrong password: {logins.wrong or 'LET IN'}; "
        f"with the right one: {logins.right or 'let in'}")
    return logins


def wrong_password_problems(logins: PasswordLogins) -> list[str]:
    """The wrong password was refused by the service, and the right one let in."""
    problems = [] if logins.wrong else ["a wrong password was accepted"]
    if logins.right is not None:
        problems.append(f"the right password was refused too: {logins.right}")
    return problems


def try_through_nowhere(clients: Clients, area: Area, service_words: str, say: Say) -> AgilityError | str | None:
    """The area's account (SSH: the area developer's Linux user, by key) logs in to the service
    named by `service_words` through forwards that lead nowhere; what the login check answered
    (the AgilityError it raised, a refusal, or None: let in), said."""
    service = service_named(service_words)
    user = area.kafka_account  # the area developer's Linux user
    account = Account(user, None) if service == "ssh" else area_account(clients, service, area.name)
    try:
        answer = login(through_nowhere(clients), service, account, clients.profile.ssh_user(user).key)
    except AgilityError as error:
        answer = error
    say(f"{service_words}, {account.user} through nowhere: {answer}")
    return answer


def no_answer_problems(answer: AgilityError | str | None) -> list[str]:
    """The login check failed, saying the service did not answer: no answer is neither a refusal nor a login."""
    if not isinstance(answer, AgilityError):
        return [f"taken for a refusal or a login: {answer!r}"]
    return [] if "no answer" in str(answer) else [f"the check failed without saying 'no answer': {answer}"]
