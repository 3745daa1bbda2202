"""The security act's verdicts, on answers a service could give: each says what is wrong, or nothing."""

import pytest

from agility.checks import access, isolation, security
from agility.core.errors import AgilityError

pytestmark = pytest.mark.unit


def test_password_login_must_be_refused_for_keys_only():
    assert security.keys_only_problems(security.KEYS_ONLY) == []
    assert security.keys_only_problems(None) == [f"the password login was answered 'ACCEPTED', not {security.KEYS_ONLY!r}"]
    assert security.keys_only_problems("authentication refused (Authentication failed.)")


def test_root_must_be_refused_by_permit_root_login():
    said = ["ROOT LOGIN REFUSED FROM 198.51.100.253 port 40000"]
    assert security.root_refused_problems(security.RootLogin("authentication refused", said)) == []
    assert security.root_refused_problems(security.RootLogin(None, said)) == ["root was let in"]
    # refused, but for another reason (not in AllowGroups): not what the scenario claims
    other = ["User root from 198.51.100.253 not allowed because none of user's groups are listed in AllowGroups"]
    assert security.root_refused_problems(security.RootLogin("authentication refused", other))


def test_direct_connection_must_fail_for_want_of_a_route():
    assert security.no_route_problems("OSError: No route to host") == []
    assert security.no_route_problems(None)
    assert security.no_route_problems("TimeoutError: timed out")  # a packet left and nothing came back


def test_every_forward_must_be_prohibited():
    assert security.forwards_refused_problems({"a:9042": "Administratively prohibited (code 1)"}) == []
    assert security.forwards_refused_problems({}) == ["no forward was asked for"]
    assert security.forwards_refused_problems({"a:9042": "Administratively prohibited (code 1)", "b:9042": None}) == [
        "b:9042: GRANTED"]


def test_no_leak_counts_only_when_the_jobs_were_seen():
    seen = security.ProcessScan(rounds=3, seen={name: 1 for name in security.JOB_PROCESSES})
    assert security.leak_problems(seen, []) == []
    assert security.leak_problems(security.ProcessScan(rounds=3), [])[0].startswith("the scan never saw these jobs run")
    leaked = security.ProcessScan(rounds=3, leaks={"pid 7 java: environment"}, seen=seen.seen)
    assert security.leak_problems(leaked, ["/x/log"]) == ["pid 7 java: environment shows a password",
                                                          "/x/log contains a password"]


def test_isolation_needs_a_denial():
    assert isolation.denied_problems("TopicAuthorizationFailedError: prod.isolation_check") == []
    assert isolation.denied_problems(None) == ["the other area's data was reachable"]


def test_wrong_password_refused_right_one_let_in():
    assert access.wrong_password_problems(access.PasswordLogins(wrong="(1045) Access denied", right=None)) == []
    assert access.wrong_password_problems(access.PasswordLogins(wrong=None, right=None)) == [
        "a wrong password was accepted"]
    assert access.wrong_password_problems(access.PasswordLogins(wrong="refused", right="refused")) == [
        "the right password was refused too: refused"]


def test_no_answer_is_neither_a_refusal_nor_a_login():
    assert access.no_answer_problems(access.no_answer("cassandra", "dev", "timed out")) == []
    assert access.no_answer_problems("AuthenticationFailed: bad credentials")
    assert access.no_answer_problems(None)
    assert access.no_answer_problems(AgilityError("cassandra: something else"))


def test_service_named_as_the_checks_spell_it():
    assert [access.service_named(words) for words in ("the event stream", "Cassandra", "MariaDB", "SSH")] == [
        "event stream", "cassandra", "mariadb", "ssh"]
