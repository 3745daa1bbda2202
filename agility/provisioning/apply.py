"""`agility provision users|accounts|quotas|all`: plan every part against the cluster, show the
plan, apply it (unless it is a dry run). A second run finds nothing to do."""

from __future__ import annotations

from collections.abc import Callable

from agility.config.developers import Developer, registry
from agility.config.profiles import Account
from agility.provisioning import hdfs, kafka, kerberos, linux, notebooks, people, quotas, stores
from agility.provisioning.plan import Action, Plan
from agility.provisioning.target import Target


def plan_users(target: Target, only: str | None = None) -> list[Action]:
    actions = []
    users = [user for user in people.linux_users(target) if only in (None, user.name)]
    hub = people.hub_node(target.profile)
    for node in target.profile.nodes:
        actions += linux.plan_node(target.shell, node, list(people.area_groups(target)), people.as_on_node(users, node, hub))
    for name, area in people.hub_users(target) if hub else []:
        if only in (None, name):
            actions += notebooks.plan_files(target.shell, hub, target.profile, name, target.area(area))
    return actions + kerberos.plan_people(target.profile, target.shell, users)


def _accounts(target: Target, service: str) -> list[tuple[Account, object]]:
    """(account, area) pairs of a service: each area's own, then each developer's."""
    pairs = [(target.profile.account(service, area.name), area) for area in target.areas_with(service)]
    known = registry(target.profile)
    pairs += [(known.account(d.name), target.area(d.area)) for d in known.all().values()]
    return pairs


def plan_kafka_accounts(target: Target) -> list[Action]:
    return [a for account, area in _accounts(target, "kafka") for a in kafka.plan_account(target.clients, account, area)]


def plan_cassandra_roles(target: Target) -> list[Action]:
    return [a for account, area in _accounts(target, "cassandra")
            for a in stores.plan_cassandra_role(target.clients, account, area)]


def plan_mysql_users(target: Target) -> list[Action]:
    return [a for account, area in _accounts(target, "mysql")
            for a in stores.plan_mysql_user(target.clients, account, area)]


PARTS: dict[str, list[Callable[[Target], list[Action]]]] = {
    "users": [plan_users],
    "accounts": [plan_kafka_accounts, plan_cassandra_roles, plan_mysql_users, hdfs.plan_accounts],
    "quotas": [quotas.plan_kafka_quotas, quotas.plan_mysql_limits, hdfs.plan_quotas],
}


def plan(target: Target, parts: list[str]) -> Plan:
    found = Plan()
    for part in parts:
        for planner in PARTS[part]:
            found.extend(planner(target))
    return found


def plan_developer(target: Target, developer: Developer) -> Plan:
    """One developer end to end: the Linux user on every node, its own account in each service."""
    found = Plan(plan_users(target, only=developer.name))
    account, area = registry(target.profile).account(developer.name), target.area(developer.area)
    found.extend(kafka.plan_account(target.clients, account, area))
    found.extend(stores.plan_cassandra_role(target.clients, account, area))
    return found.extend(stores.plan_mysql_user(target.clients, account, area))


def plan_deprovision(target: Target, name: str) -> Plan:
    found = Plan([a for node in target.profile.nodes for a in linux.plan_removal(target.shell, node, name)])
    found.extend(kerberos.plan_removal(target.profile, target.shell, name))
    found.extend(kafka.plan_removal(target.clients, name))
    return found.extend(stores.plan_removal(target.clients, name))
