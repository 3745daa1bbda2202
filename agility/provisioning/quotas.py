"""The areas' quotas in the services that enforce them: Kafka byte rates on the area's account
(user-level client quotas, set with Kafka's own `kafka-configs` on the edge node as the admin) and
MariaDB per-user limits. Spark's per-area cap is not on the cluster: jobs apply it when they
submit (agility/jobs/spark_limits.py). Planned from what the services report; the declaration is
the whole truth for the keys it manages, so a limit it does not declare is removed."""

from __future__ import annotations

import re

from agility.clients.edge_kafka import EdgeKafkaTools
from agility.config.declaration import QUOTA_KEYS
from agility.core.errors import AgilityError
from agility.provisioning.plan import Action, Plan
from agility.provisioning.target import Target

KAFKA_KEYS = tuple(QUOTA_KEYS["kafka"])
QUOTA_LINE = re.compile(r"^Quota configs for user-principal '(?P<user>[^']+)' are (?P<configs>.*)$")
# MariaDB's column for each declared limit (mysql.user; 0 means no limit)
MYSQL_COLUMNS = {"max_user_connections": "max_user_connections", "max_queries_per_hour": "max_questions"}
MYSQL_CLAUSES = {"max_user_connections": "MAX_USER_CONNECTIONS", "max_queries_per_hour": "MAX_QUERIES_PER_HOUR"}


# --- Kafka ---------------------------------------------------------------------------------------
class EdgeKafkaConfigs:
    """`kafka-configs` (ConfigCommand) on the edge node as the Kafka admin: the admin's SASL
    settings go into the operator's own 0600 client file over SSH stdin, never on a command line."""

    def __init__(self, target: Target):
        profile = target.profile
        self.tools = EdgeKafkaTools(profile, target.shell, profile.account("kafka"))  # its `configs` command
        self.installed = False

    def run(self, *args: str) -> str:
        if not self.installed:
            self.tools.install_client_config()
            self.installed = True
        done = self.tools.shell.run(self.tools.edge, self.tools.command("configs", *args), timeout=120, check=False)
        if not done.ok:
            said = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
            raise AgilityError(f"kafka-configs {' '.join(args[:2])} on {self.tools.edge} failed "
                               f"(exit {done.exit_status}): {said[0][:300] if said else 'no message'}")
        return done.stdout

    def user_quotas(self) -> dict[str, dict[str, int]]:
        """Every user's client quotas as the brokers report them (users without any are absent)."""
        return parse_user_quotas(self.run("--describe", "--entity-type", "users"))

    def alter_user(self, user: str, add: dict[str, int] | None = None, delete: tuple[str, ...] = ()) -> None:
        args = ["--alter", "--entity-type", "users", "--entity-name", user]
        if add:
            args += ["--add-config", ",".join(f"{key}={value}" for key, value in add.items())]
        if delete:
            args += ["--delete-config", ",".join(delete)]
        self.run(*args)


def parse_user_quotas(output: str) -> dict[str, dict[str, int]]:
    """`Quota configs for user-principal 'prod-kafka' are consumer_byte_rate=2097152.0, ...` lines
    (SCRAM credential lines and others are left out) → {user: {key: value}}."""
    found: dict[str, dict[str, int]] = {}
    for line in output.splitlines():
        match = QUOTA_LINE.match(line.strip())
        if not match:
            continue
        values = {}
        for pair in match["configs"].split(","):
            key, _, value = pair.strip().partition("=")
            if key and value:
                values[key] = int(float(value))
        if values:
            found[match["user"]] = values
    return found


def plan_kafka_quotas(target: Target) -> list[Action]:
    """Each area's Kafka account has exactly the declared byte rates (bytes/s per broker)."""
    configs = EdgeKafkaConfigs(target)
    present = configs.user_quotas()
    plan = Plan()
    for area in target.areas_with("kafka"):
        wanted = target.declaration.quota(area.name, "kafka")
        user = area.kafka_account
        current = present.get(user, {})
        for key in KAFKA_KEYS:
            now = current.get(key)
            if key in wanted and now != wanted[key]:
                plan.add("kafka", f"set {key}={wanted[key]} on {user} (now: {now if now is not None else 'none'})",
                         lambda user=user, key=key, value=wanted[key]: configs.alter_user(user, add={key: value}))
            elif key not in wanted and now is not None:
                plan.add("kafka", f"remove {key} from {user} (now: {now}; the declaration has none)",
                         lambda user=user, key=key: configs.alter_user(user, delete=(key,)))
    return plan.actions


def kafka_quotas_of(target: Target, user: str) -> dict[str, int]:
    """What the brokers report for one user: the byte-rate quotas in force."""
    return EdgeKafkaConfigs(target).user_quotas().get(user, {})


# --- MariaDB -------------------------------------------------------------------------------------
def mysql_limits_of(target: Target, user: str) -> dict[str, int] | None:
    """The account's limits as MariaDB reports them (0: no limit); None when there is no such account."""
    connection = target.clients.mysql_connection()
    try:
        with connection.cursor() as cursor:
            columns = ", ".join(MYSQL_COLUMNS.values())
            if not cursor.execute(f"SELECT {columns} FROM mysql.user WHERE user = %s AND host = '%%'", (user,)):
                return None
            row = cursor.fetchone()
    finally:
        connection.close()
    return {key: int(value) for key, value in zip(MYSQL_COLUMNS, row, strict=True)}


def set_mysql_limit(target: Target, user: str, key: str, value: int) -> None:
    connection = target.clients.mysql_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER USER %s@'%%' WITH {MYSQL_CLAUSES[key]} {int(value)}", (user,))
    finally:
        connection.close()


def plan_mysql_limits(target: Target) -> list[Action]:
    """Each area's MariaDB account has exactly the declared limits (undeclared ones: 0, none)."""
    plan = Plan()
    for area in target.areas_with("mysql"):
        wanted = target.declaration.quota(area.name, "mysql")
        user = target.profile.account("mysql", area.name).user
        # an account still to be made (by the accounts part, which runs first) starts with none
        current = mysql_limits_of(target, user) or dict.fromkeys(MYSQL_COLUMNS, 0)
        for key in MYSQL_COLUMNS:
            value = wanted.get(key, 0)
            if current[key] != value:
                what = f"set {MYSQL_CLAUSES[key]} {value} on {user}" if value else f"remove {MYSQL_CLAUSES[key]} from {user}"
                plan.add("mysql", f"{what} (now: {current[key] or 'none'})",
                         lambda user=user, key=key, value=value: set_mysql_limit(target, user, key, value))
    return plan.actions
