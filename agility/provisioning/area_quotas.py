"""`agility provision quotas` for one area, with what the services then report: the declared
Kafka byte rates and MariaDB limits applied, read back from the brokers and MariaDB, beside the
declaration (Spark's cap included, which jobs apply at submit); and the area's HDFS directory with
its declared namespace and space quotas, with the usage HDFS then reports."""

from __future__ import annotations

from dataclasses import dataclass

from agility.clients.services import Clients
from agility.config import declaration
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.provisioning import apply
from agility.provisioning.hdfs import Usage, ensure_area_quota, usage
from agility.provisioning.quotas import KAFKA_KEYS, MYSQL_COLUMNS, kafka_quotas_of, mysql_limits_of
from agility.provisioning.target import connect


@dataclass
class AreaQuotas:
    """An area's quotas: as declared, the changes a run made, and what the services report."""

    area: str
    declared: dict[str, dict[str, int]]  # service → limits (sizes in bytes)
    applied: list[str]
    reported: dict[str, dict[str, int]]  # kafka: the account's byte rates; mysql: its limits

    def differences(self) -> dict[str, tuple[dict, dict]]:
        """Service → (declared, reported) where the cluster disagrees with the declaration."""
        return {service: (self.declared.get(service, {}), reported)
                for service, reported in self.reported.items() if reported != self.declared.get(service, {})}


def apply_quotas(profile: Profile, area_name: str, declaration_file: str | None = None) -> AreaQuotas:
    """`agility provision quotas` (planned and applied), then one area's Kafka and MariaDB limits
    read back from the services."""
    with connect(profile, declaration_file) as target:
        applied = apply.plan(target, ["quotas"]).apply()
        area = target.area(area_name)
        reported = {"kafka": {key: value for key, value in kafka_quotas_of(target, area.kafka_account).items()
                              if key in KAFKA_KEYS},
                    "mysql": mysql_limits_of(target, profile.account("mysql", area_name).user)}
        declared = {service: target.declaration.quota(area_name, service) for service in ("kafka", "mysql", "spark")}
    # a limit the declaration does not give is none: MariaDB reports it as 0
    declared_mysql = {key: declared["mysql"].get(key, 0) for key in MYSQL_COLUMNS}
    return AreaQuotas(area_name, {**declared, "mysql": declared_mysql}, applied, reported)


@dataclass(frozen=True)
class HdfsQuotas:
    """The declared quotas of an area's directory, applied, and what HDFS then reports."""

    area: Area
    limits: dict  # the declaration's: namespace (names), space (raw bytes)
    changes: list[str]
    usage: Usage


def apply_hdfs_quotas(clients: Clients, area_name: str) -> HdfsQuotas:
    """The area's directory and its declared HDFS quotas, as `agility provision quotas` makes them."""
    profile = clients.profile
    area = profile.area(area_name)
    limits = declaration.load(profile).quota(area_name, "hdfs")
    if not limits:
        raise AgilityError(f"the provisioning declaration gives area {area_name} no HDFS quota")
    changes = ensure_area_quota(clients, area, limits)
    return HdfsQuotas(area, limits, changes, usage(clients, area.hdfs_root))
