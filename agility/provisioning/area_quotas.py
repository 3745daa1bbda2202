"""`agility provision quotas` for one area, with what the services then report: the declared
Kafka byte rates and MariaDB limits applied, read back from the brokers and MariaDB, beside the
declaration (Spark's cap included, which jobs apply at submit)."""

from __future__ import annotations

from dataclasses import dataclass

from agility.config.profiles import Profile
from agility.provisioning import apply
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
