"""Kafka accounts of the work areas: a SCRAM user per area whose ACLs allow only the area's
topics and consumer groups (by prefix). Applying twice changes nothing the second time."""

from __future__ import annotations

from dataclasses import dataclass, field

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

from agility.areas import Area
from agility.clients import Clients
from agility.errors import AgilityError

MECHANISM = ScramMechanism.SCRAM_SHA_512


@dataclass
class Changes:
    applied: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.applied)


def area_acls(user: str, area: Area) -> list[ACL]:
    """Everything on the area's topics and groups; nothing else (no cluster-wide rights)."""
    principal = f"User:{user}"
    return [
        ACL(principal, "*", ACLOperation.ALL, ACLPermissionType.ALLOW,
            ResourcePattern(resource, area.kafka_prefix, ACLResourcePatternType.PREFIXED))
        for resource in (ResourceType.TOPIC, ResourceType.GROUP)
    ]


def ensure_area_account(clients: Clients, area: Area) -> Changes:
    """The area's SCRAM user exists with the profile's password, and exactly its ACLs."""
    account = clients.kafka_account(area.name)
    if account.user != area.kafka_account:
        raise AgilityError(
            f"profile {clients.profile.name}: kafka.accounts.{area.name} is user '{account.user}', "
            f"but area {area.name} expects '{area.kafka_account}'"
        )
    changes = Changes()
    admin = clients.kafka_admin()
    try:
        if not _can_log_in(clients, area.name):
            errors = admin.alter_user_scram_credentials(
                [UserScramCredentialUpsertion(account.user, MECHANISM, account.password.reveal())]
            )
            if errors.get(account.user):
                raise AgilityError(f"kafka: could not set the SCRAM credential of {account.user}: {errors[account.user]}")
            changes.applied.append(f"kafka: SCRAM-SHA-512 credential for {account.user}")
        existing, _ = admin.describe_acls(
            ACLFilter(f"User:{account.user}", None, ACLOperation.ANY, ACLPermissionType.ANY,
                      ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
        )
        missing = [acl for acl in area_acls(account.user, area) if acl not in existing]
        if missing:
            result = admin.create_acls(missing)
            if result.get("failed"):
                raise AgilityError(f"kafka: could not create ACLs for {account.user}: {result['failed']}")
            changes.applied += [f"kafka: allow {account.user} ALL on {acl.resource_pattern.resource_type.name.lower()}s "
                                f"prefixed '{area.kafka_prefix}'" for acl in missing]
    finally:
        admin.close()
    return changes


def _can_log_in(clients: Clients, area: str) -> bool:
    try:
        # a refused SCRAM login shows in kafka-python only as a bootstrap timeout: keep it short
        probe = clients.kafka_admin(clients.kafka_account(area), bootstrap_timeout_ms=6000)
    except KafkaError:
        return False
    probe.close()
    return True


def topics_seen_by(clients: Clients, account) -> list[str]:
    """The topics a Kafka account may see (Describe permission), as the broker answers it."""
    admin = clients.kafka_admin(account)
    try:
        return sorted(topic for topic in admin.list_topics() if not topic.startswith("__"))
    finally:
        admin.close()
