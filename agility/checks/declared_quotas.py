"""Proof that an area's declared quotas are in place before a scenario goes past them: `agility
provision quotas` applied, the declaration gives the area Kafka byte rates, MariaDB limits and a
Spark cap, and the brokers and MariaDB report exactly the declared rates and limits (Spark's cap
is applied by the jobs at submit, so only the declaration has it)."""

from __future__ import annotations

from agility.checks.shared_dataset import Say
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.provisioning.area_quotas import AreaQuotas, apply_quotas

SERVICES = ("kafka", "mysql", "spark")  # each scenario of the quotas act exceeds one of these


def in_place(profile: Profile, area_name: str, say: Say) -> AreaQuotas:
    """The area's quotas applied and read back; AgilityError if the declaration lacks one or a
    service reports other limits than declared (a precondition: nothing is proven past it)."""
    state = apply_quotas(profile, area_name)
    say("; ".join(state.applied) or "already in place: nothing to change")
    say(f"declared for {area_name}: {state.declared}; the services report: {state.reported}")
    missing = [service for service in SERVICES if not state.declared[service]]
    if missing:
        raise AgilityError(f"the provisioning declaration gives area {area_name} no {' and no '.join(missing)} quota")
    if state.differences():
        raise AgilityError(f"area {area_name}: the services disagree with the declaration "
                           f"(service: (declared, reported)): {state.differences()}")
    return state
