"""Kafka accounts of the work areas: a SCRAM user per area (and per developer) whose ACLs allow only
the area's topics and consumer groups (by prefix). Planned from what the brokers report."""

from __future__ import annotations

import logging
import secrets

from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    ScramMechanism,
    UserScramCredentialUpsertion,
)
from kafka.errors import KafkaError

from agility.clients.services import Clients
from agility.config.areas import Area
from agility.config.profiles import Account
from agility.core.errors import AgilityError
from agility.provisioning.plan import Action, Plan

MECHANISM = ScramMechanism.SCRAM_SHA_512


def area_acls(user: str, area: Area) -> list[ACL]:
    """Everything on the area's topics and groups; nothing else (no cluster-wide rights)."""
    principal = f"User:{user}"
    return [
        ACL(principal, "*", ACLOperation.ALL, ACLPermissionType.ALLOW,
            ResourcePattern(resource, area.kafka_prefix, ACLResourcePatternType.PREFIXED))
        for resource in (ResourceType.TOPIC, ResourceType.GROUP)
    ]


def _acls_of(admin, user: str) -> list[ACL]:
    found, _ = admin.describe_acls(
        ACLFilter(f"User:{user}", None, ACLOperation.ANY, ACLPermissionType.ANY,
                  ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)))
    return found


def plan_account(clients: Clients, account: Account, area: Area) -> list[Action]:
    """The SCRAM user exists with the account's password, and has the area's ACLs."""
    plan = Plan()
    admin = clients.kafka_admin()
    try:
        described = admin.describe_user_scram_credentials([account.user]).get(account.user, {})
        exists = not described.get("error") and described.get("credential_infos")
        if not exists:
            plan.add("kafka", f"SCRAM-SHA-512 credential for {account.user}", lambda: _upsert(clients, account))
        elif not can_log_in(clients, account):
            plan.add("kafka", f"reset the SCRAM credential of {account.user} (its password does not match)",
                     lambda: _upsert(clients, account))
        present = _acls_of(admin, account.user)
    finally:
        admin.close()
    missing = [acl for acl in area_acls(account.user, area) if acl not in present]
    for acl in missing:
        plan.add("kafka", f"allow {account.user} ALL on {acl.resource_pattern.resource_type.name.lower()}s "
                          f"prefixed '{area.kafka_prefix}'", lambda acl=acl: _create_acls(clients, [acl]))
    return plan.actions


def plan_removal(clients: Clients, user: str) -> list[Action]:
    plan = Plan()
    admin = clients.kafka_admin()
    try:
        described = admin.describe_user_scram_credentials([user]).get(user, {})
        if not described.get("error") and described.get("credential_infos"):
            # Not a deletion: on Kafka 4.1.1 a restart after a RemoveUserScramCredential record
            # left the admin's own credential refused (seen: "invalid credentials" for admin until
            # the data was wiped). A password nobody knows locks the account just as well.
            plan.add("kafka", f"lock the SCRAM credential of {user} (a random password nobody holds)",
                     lambda: _lock_credential(clients, user))
        if _acls_of(admin, user):
            plan.add("kafka", f"delete the ACLs of {user}", lambda: _delete_acls(clients, user))
    finally:
        admin.close()
    return plan.actions


def _admin_call(clients: Clients, call):
    admin = clients.kafka_admin()
    try:
        return call(admin)
    finally:
        admin.close()


def _upsert(clients: Clients, account: Account) -> None:
    errors = _admin_call(clients, lambda admin: admin.alter_user_scram_credentials(
        [UserScramCredentialUpsertion(account.user, MECHANISM, account.password.reveal())]))
    if errors.get(account.user):
        raise AgilityError(f"kafka: could not set the SCRAM credential of {account.user}: {errors[account.user]}")


def _lock_credential(clients: Clients, user: str) -> None:
    errors = _admin_call(clients, lambda admin: admin.alter_user_scram_credentials(
        [UserScramCredentialUpsertion(user, MECHANISM, secrets.token_urlsafe(32))]))
    if errors.get(user):
        raise AgilityError(f"kafka: could not lock the SCRAM credential of {user}: {errors[user]}")


def _create_acls(clients: Clients, acls: list[ACL]) -> None:
    result = _admin_call(clients, lambda admin: admin.create_acls(acls))
    if result.get("failed"):
        raise AgilityError(f"kafka: could not create ACLs: {result['failed']}")


def _delete_acls(clients: Clients, user: str) -> None:
    every = ACLFilter(f"User:{user}", None, ACLOperation.ANY, ACLPermissionType.ANY,
                      ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
    for _, _, error in _admin_call(clients, lambda admin: admin.delete_acls([every])):
        if error is not None and error.errno:
            raise AgilityError(f"kafka: could not delete the ACLs of {user}: {error}")


class _BrokerRefusals(logging.Handler):
    """kafka-python 3 retries a bootstrap the broker refused until its deadline, then raises only
    a timeout: the broker's SaslAuthenticationFailedError reaches only the arguments of its
    "Bootstrap connection ... failed" log records. Collected here, as the exceptions themselves."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.refusals: list[Exception] = []

    def emit(self, record: logging.LogRecord) -> None:
        from kafka.errors import SaslAuthenticationFailedError

        args = record.args if isinstance(record.args, tuple) else ()
        self.refusals += [arg for arg in args if isinstance(arg, SaslAuthenticationFailedError)]


def login_refusal(clients: Clients, account: Account) -> str | None:
    """The brokers' answer to a SCRAM login of `account`: None when let in, else their refusal
    (SaslAuthenticationFailedError, in the brokers' words). No answer at all (a timeout, a lost
    tunnel) is no refusal: AgilityError."""
    bootstrap_log = logging.getLogger("kafka.net.manager")
    seen, level = _BrokerRefusals(), bootstrap_log.level
    bootstrap_log.addHandler(seen)
    bootstrap_log.setLevel(logging.WARNING)
    try:
        probe = clients.kafka_admin(account, bootstrap_timeout_ms=8000)
    except KafkaError as error:
        if seen.refusals:
            return f"{type(seen.refusals[-1]).__name__}: {str(seen.refusals[-1]).split(': ')[-1]}"
        raise AgilityError(f"kafka: no answer to the SCRAM login of {account.user} ({type(error).__name__}: {error}), "
                           "so neither let in nor refused") from None
    finally:
        bootstrap_log.removeHandler(seen)
        bootstrap_log.setLevel(level)
    probe.close()
    return None


def can_log_in(clients: Clients, account: Account) -> bool:
    return login_refusal(clients, account) is None


def ensure_area_account(clients: Clients, area: Area) -> list[str]:
    """The area's SCRAM user and ACLs, applied at once; the changes made."""
    account = clients.kafka_account(area.name)
    if account.user != area.kafka_account:
        raise AgilityError(
            f"profile {clients.profile.name}: kafka.accounts.{area.name} is user '{account.user}', "
            f"but area {area.name} expects '{area.kafka_account}'")
    return Plan(plan_account(clients, account, area)).apply()


def topics_seen_by(clients: Clients, account) -> list[str]:
    """The topics a Kafka account may see (Describe permission), as the broker answers it."""
    admin = clients.kafka_admin(account)
    try:
        return sorted(topic for topic in admin.list_topics() if not topic.startswith("__"))
    finally:
        admin.close()
