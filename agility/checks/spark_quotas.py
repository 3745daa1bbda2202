"""Proof that an area's Spark cap holds: a job asking for more than the cap is refused before it
starts (the ResourceManager never sees it), one within it runs and YARN grants it no more than the
cap's cores and executor memory.

A run says what it saw through `say` (a step's narration, or print); the checks return what is
wrong: an empty list proves it. The grant is the ResourceManager's own view of the application
while it runs (its resources in use, less its application master's), the refusal the job's own
one-line message, the cap the provisioning declaration's."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from agility.checks import yarn_queues
from agility.checks.shared_dataset import Say
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.jobs import count_rows, spark_limits
from agility.reach.ssh import ClusterShell

YARN_STEP_MB = 128  # the ResourceManager rounds a container up to yarn.scheduler.minimum-allocation-mb
OVERHEAD = re.compile(r"^spark\.executor\.memoryOverhead\s+(\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Grant:
    """An application's executors as the ResourceManager showed them while it ran: what it held,
    less what its application master held."""

    vcores: int
    memory_mb: int

    @property
    def executors(self) -> int:  # the jobs' executors have one core each (spark_limits.EXECUTOR_CORES)
        return self.vcores // spark_limits.EXECUTOR_CORES

    @property
    def per_executor_mb(self) -> int:
        return self.memory_mb // self.executors if self.executors else 0


def grant(app: dict) -> Grant | None:
    """The executors' share of a running application (None before any executor ran)."""
    usage = next(iter(app.get("resourceInfo", {}).get("resourceUsagesByPartition", [])), {})
    used, master = usage.get("used", {}), usage.get("amUsed", {})
    vcores = used.get("vCores", 0) - master.get("vCores", 0)
    return Grant(vcores, used.get("memory", 0) - master.get("memory", 0)) if vcores > 0 else None


@dataclass
class SparkRun:
    app_name: str
    result: dict | None  # the job's own result line
    refusal: str | None  # the job's refusal (nothing started)
    seen: Grant | None  # the most the ResourceManager showed its executors holding while it ran
    listed_after: bool  # the ResourceManager knows an application of this name (running or ended)
    overhead_mb: int | None = None  # spark.executor.memoryOverhead in the edge's Spark settings (None: Spark's default)

    def summary(self) -> str:
        if self.refusal:
            return (f"{self.app_name}: refused at submit: {self.refusal}; the ResourceManager lists it: "
                    f"{self.listed_after}")
        seen = (f"{self.seen.executors} executor(s) of {self.seen.per_executor_mb} MB" if self.seen
                else "no executor")
        return (f"{self.app_name} ({(self.result or {}).get('application_id')}): the ResourceManager showed "
                f"{seen} while it ran; it counted {(self.result or {}).get('rows')} rows")


def spark_job(clients: Clients, shell: ClusterShell, area: Area, say: Say, cores: int | None = None,
              memory: str | None = None, timeout: float = 240) -> SparkRun:
    """The smallest Spark job (agility/jobs/count_rows.py) as the area's job on the edge node, with
    the ResourceManager's view of its executors taken while it runs."""
    name = f"agility-quota-{area.name}-{uuid.uuid4().hex[:8]}"
    outcome: dict = {}

    def submit() -> None:
        try:
            outcome["result"] = count_rows.run_on_edge(shell, clients.profile, area, cores=cores, memory=memory,
                                                       rows=2_000_000, app_name=name, timeout=timeout)
        except AgilityError as error:
            outcome["refusal"] = str(error)

    grants: list[Grant] = []
    yarn_queues.while_running(clients, name, submit, lambda running: grants.extend(
        seen for app in running if (seen := grant(app))), timeout)
    most = max(grants, key=lambda seen: (seen.vcores, seen.memory_mb), default=None)
    run = SparkRun(name, outcome.get("result"), outcome.get("refusal"), most,
                   bool(yarn_queues.applications_named(clients, name)), configured_overhead_mb(shell, clients.profile))
    say(run.summary())
    return run


def refusal_problems(profile: Profile, area_name: str, run: SparkRun) -> list[str]:
    """The job was refused at submit, in one line giving the area's cap and the request, and
    returned no result."""
    expected = f"{spark_limits.limits_for(profile, area_name).describe()}; asked for"
    return [problem for problem, wrong in (
        (f"not refused in one line with {expected!r}: {run.summary()}",
         not (run.refusal and expected in run.refusal and "\n" not in run.refusal)),
        (f"it returned a result: {run.result}", run.result is not None),
    ) if wrong]


def configured_overhead_mb(shell: ClusterShell, profile: Profile) -> int | None:
    """What the cluster's Spark settings on the edge node add to each executor's container."""
    folder = profile.spark.get("spark_conf_dir")
    if not folder:
        return None
    found = OVERHEAD.search(shell.run(profile.edge, ["cat", f"{folder}/spark-defaults.conf"], check=False).stdout)
    return spark_limits.mib(spark_limits.parse_size(found[1])) if found else None


def biggest_container_mb(memory_mb: int, overhead_mb: int | None) -> int:
    """An executor of `memory_mb` in its YARN container: the configured overhead, or Spark's
    default (10%, at least 384 MiB), rounded up to the ResourceManager's step."""
    overhead = overhead_mb if overhead_mb is not None else max(384, memory_mb // 10)
    return -(-(memory_mb + overhead) // YARN_STEP_MB) * YARN_STEP_MB


def within_cap_problems(profile: Profile, area_name: str, run: SparkRun, say: Say) -> list[str]:
    """The job ran and counted rows, and YARN gave it at least one and at most the cap's cores in
    executors, each executor's container no bigger than the cap's memory and the cluster's overhead."""
    limits = spark_limits.limits_for(profile, area_name)
    biggest = biggest_container_mb(spark_limits.mib(limits.memory), run.overhead_mb)
    say(f"{limits.describe()}: an executor's container of at most {biggest} MB")
    seen = run.seen or Grant(0, 0)
    return [problem for problem, wrong in (
        (f"it did not run: {run.summary()}", not (run.result and run.result["rows"] > 0)),
        (f"executor cores not within 1..{limits.cores}: {run.summary()}", not 0 < seen.vcores <= limits.cores),
        (f"an executor's container is bigger than the cap's memory and overhead ({biggest} MB): {run.summary()}",
         not 0 < seen.per_executor_mb <= biggest),
    ) if wrong]
