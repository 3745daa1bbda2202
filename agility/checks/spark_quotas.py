"""Proof that an area's Spark cap holds: a job asking for more than the cap is refused before it
starts (the master never sees it), one within it runs and the master grants it no more than the
cap's cores and executor memory.

A run says what it saw through `say` (a step's narration, or print); the checks return what is
wrong: an empty list proves it. The grant is the master's own view (its JSON state), the refusal
the job's own one-line message, the cap the provisioning declaration's."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from agility.checks.shared_dataset import Say
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.core.waiting import wait_until
from agility.jobs import count_rows, spark_limits
from agility.reach.ssh import ClusterShell


@dataclass
class SparkRun:
    app_name: str
    result: dict | None  # the job's own result line
    refusal: str | None  # the job's refusal (nothing started)
    seen: dict | None  # the application as the master showed it while it ran (cores, memoryperexecutor MiB)
    listed_after: bool  # the master knows an application of this name (running or completed)

    def summary(self) -> str:
        if self.refusal:
            return f"{self.app_name}: refused at submit: {self.refusal}; the master lists it: {self.listed_after}"
        seen = self.seen or {}
        return (f"{self.app_name} ({(self.result or {}).get('application_id')}): the master showed "
                f"{seen.get('cores')} core(s), {seen.get('memoryperexecutor', seen.get('memoryperslave'))} MiB per "
                f"executor while it ran; it counted {(self.result or {}).get('rows')} rows")


def _applications(clients: Clients, name: str) -> list[dict]:
    state = clients.spark_master_state()
    return [app for app in state.get("activeapps", []) + state.get("completedapps", []) if app.get("name") == name]


def spark_job(clients: Clients, shell: ClusterShell, area: Area, say: Say, cores: int | None = None,
              memory: str | None = None, timeout: float = 240) -> SparkRun:
    """The smallest Spark job (agility/jobs/count_rows.py) as the area's job on the edge node, with
    the master's view of it taken while it runs: its granted cores and executor memory."""
    name = f"agility-quota-{area.name}-{uuid.uuid4().hex[:8]}"
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = count_rows.run_on_edge(shell, clients.profile, area, cores=cores, memory=memory,
                                                       rows=2_000_000, app_name=name, timeout=timeout)
        except AgilityError as error:
            outcome["refusal"] = str(error)

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    seen = None

    def running() -> dict | None:
        for app in _applications(clients, name):
            if app.get("state") == "RUNNING" and app.get("cores", 0) > 0:
                return app
        return None

    try:
        seen = wait_until(lambda: running() or not worker.is_alive(), timeout=timeout, what=f"{name} to run",
                          service="spark", interval=0.2)
    finally:
        worker.join(timeout)
    if worker.is_alive():
        raise AgilityError(f"the Spark job {name} did not finish within {timeout:.0f} s")
    run = SparkRun(name, outcome.get("result"), outcome.get("refusal"), seen if isinstance(seen, dict) else None,
                   bool(_applications(clients, name)))
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


def within_cap_problems(profile: Profile, area_name: str, run: SparkRun, say: Say) -> list[str]:
    """The job ran and counted rows, and the master granted it at least one and at most the cap's
    cores, and at most the cap's executor memory."""
    limits = spark_limits.limits_for(profile, area_name)
    say(limits.describe())
    seen = run.seen or {}
    return [problem for problem, wrong in (
        (f"it did not run: {run.summary()}", not (run.result and run.result["rows"] > 0)),
        (f"cores not within 1..{limits.cores}: {run.summary()}", not 0 < seen.get("cores", 0) <= limits.cores),
        (f"executor memory not within the cap: {run.summary()}",
         not 0 < seen.get("memoryperexecutor", 0) <= spark_limits.mib(limits.memory)),
    ) if wrong]
