"""A Spark job's executor host lost mid-job (`pytest -m failure`): the prod area's job on YARN,
the NodeManager of its executor's agent killed with SIGKILL together with every process of its
containers while the executor computes, and the job still finishing with the exact answer.

The job is count_rows with Python work (the squares of 0..N-1 summed in the executors' Python
workers), whose answer is known in closed form. The kill lands when the ResourceManager runs the
application and the NodeManagers' own process trees show its application master on one agent
and its executor (the prod area's cap is one core: one executor) computing in Python workers on
another; the victim is the executor's agent, never the master's (one attempt is all YARN gives an
application master here). The ResourceManager declares the NodeManager LOST and the job's lost
tasks run again in a new executor (on an agent that is left, or on the restarted one: prod holds
the whole of this pure-production cluster's YARN), and it finishes with the exact answer.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

from agility.checks.faults import Fault, SandboxFaults
from agility.checks.shared_dataset import Say
from agility.checks.yarn_queues import applications_named
from agility.config.areas import Area
from agility.core.errors import AgilityError
from agility.core.waiting import wait_until
from agility.jobs import count_rows

ROWS = 1_000_000
PYTHON_ROWS = 100_000_000  # half a minute or so of Python work for a one-core executor of this machine
PARTITIONS = 24  # many small tasks: those the lost executor had not finished are run again on the new one
JOB_TIMEOUT_S = 600
# the area's cap: its container (with 128m overhead) leaves no room beside the application master's
# 384 MiB on a 1024 MiB NodeManager, so the executor runs on an agent of its own
EXECUTOR_MEMORY = "768m"


@dataclass
class SparkJob:
    """The job, running on the edge node in a thread of its own until `result()`."""

    name: str
    thread: threading.Thread | None = None
    answer: dict | None = None
    error: BaseException | None = None
    application_id: str | None = None
    finished_at: float | None = None
    placed: list[tuple[str, str, int]] = field(default_factory=list)  # (node, kind, pid) of its containers' processes

    def result(self, timeout: float = JOB_TIMEOUT_S) -> dict:
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AgilityError(f"the Spark job {self.name} did not finish within {timeout:.0f} s")
        if self.error is not None:
            raise AgilityError(f"the Spark job {self.name} failed: {self.error}") from None
        return self.answer


def start_job(clients, shell, area: Area, say: Say) -> SparkJob:
    """count_rows with Python work, as `area`'s job on YARN, submitted by the shell's user."""
    job = SparkJob(f"agility-failure-{area.name}-{uuid.uuid4().hex[:8]}")

    def submit() -> None:
        try:
            job.answer = count_rows.run_on_edge(shell, clients.profile, area, rows=ROWS, memory=EXECUTOR_MEMORY, app_name=job.name,
                                                master="yarn", python_rows=PYTHON_ROWS, partitions=PARTITIONS,
                                                timeout=JOB_TIMEOUT_S)
        except BaseException as error:  # noqa: BLE001 - handed to the caller by result()
            job.error = error
        job.finished_at = time.monotonic()

    job.thread = threading.Thread(target=submit, name=job.name, daemon=True)
    job.thread.start()
    say(f"{job.name}: {PYTHON_ROWS:,} squares summed in Python workers over {PARTITIONS} partitions, as "
        f"{shell.user} in queue {area.queue}")
    return job


def computing(faults: SandboxFaults, clients, job: SparkJob, say: Say, timeout: float = 240) -> list[tuple]:
    """Wait until the application runs with its master on one agent and an executor computing in
    Python workers on another; its containers' processes (node, kind, pid)."""

    def placed() -> list[tuple] | None:
        running = [app for app in applications_named(clients, job.name) if app.get("state") == "RUNNING"]
        if not running:
            return None
        job.application_id = running[0]["id"]
        found = job.placed = faults.containers(job.application_id)
        masters = {node for node, kind, _ in found if kind == "application master"}
        busy = {node for node, kind, _ in found if kind == "executor"} & {node for node, kind, _ in found
                                                                          if kind == "python worker"}
        return found if masters and busy - masters else None

    try:
        wait_until(placed, timeout=timeout, interval=0.5, service="yarn", alive=job.thread.is_alive,
                   what=f"{job.name} running with its application master, and an executor computing in Python "
                        "workers on another agent")
    except AgilityError as error:
        ended = "" if job.thread.is_alive() else f"; the job ended: {job.error or job.answer}"
        raise AgilityError(f"{error}; last seen: {job.application_id or 'not running'} {job.placed}{ended}") from None
    say(f"{job.application_id}: " + "; ".join(sorted({f"{kind} on {node}" for node, kind, _ in job.placed})))
    return job.placed


def executor_host(job: SparkJob) -> str:
    """The agent running the job's executor, not its application master."""
    masters = {node for node, kind, _ in job.placed if kind == "application master"}
    return next(node for node, kind, _ in job.placed if kind == "executor" and node not in masters)


def kill_executor_host(faults: SandboxFaults, job: SparkJob, say: Say) -> Fault:
    fault = faults.kill_with_children("nodemanager", executor_host(job))
    say(f"SIGKILL nodemanager@{fault.node} and its containers (pids {fault.pids}) while {job.name} computes")
    return fault


def new_executor(faults: SandboxFaults, job: SparkJob, fault: Fault, say: Say, timeout: float = 180) -> str:
    """The job's new executor, as the NodeManagers' process trees show it (or, if the job was
    quicker than a look, its end)."""

    def started() -> str | None:
        fresh = [(node, pid) for node, kind, pid in faults.containers(job.application_id)
                 if kind == "executor" and pid not in fault.pids]
        if fresh:
            return f"a new executor of {job.application_id} on {fresh[0][0]} (pid {fresh[0][1]})"
        return None if job.thread.is_alive() else f"{job.name} ended before a look found its new executor"

    found = wait_until(started, timeout=timeout, interval=0.5, service="yarn",
                       what=f"a new executor of {job.application_id} after {fault.node}'s was killed")
    say(found)
    return found


def answer_problems(job: SparkJob, fault: Fault, say: Say) -> list[str]:
    """The job's own answer is exact, and it finished after the kill."""
    answer = job.result()
    expected_squares = (PYTHON_ROWS - 1) * PYTHON_ROWS * (2 * PYTHON_ROWS - 1) // 6
    say(f"{answer['application_id']}: {answer['rows']} rows counted, sum of squares {answer['square_sum']} "
        f"(exactly {expected_squares}), last tasks on {answer['executor_hosts']}, "
        f"finished {job.finished_at - fault.at:.1f} s after the kill")
    problems = []
    if answer["rows"] != ROWS or answer["even"] != ROWS // 2:
        problems.append(f"counted {answer['rows']} rows ({answer['even']} even), not {ROWS} ({ROWS // 2})")
    if answer["square_sum"] != expected_squares:
        problems.append(f"sum of squares {answer['square_sum']}, not {expected_squares}")
    if job.finished_at < fault.at:
        problems.append("the job finished before the kill")
    return problems


def declared_lost(faults: SandboxFaults, fault: Fault, say: Say, timeout: float = 90) -> str:
    """The ResourceManager's own word that the NodeManager is gone."""
    state = wait_until(lambda: faults.yarn_nodes().get(fault.node) == "LOST" and "LOST", timeout=timeout,
                       interval=1, service="resourcemanager",
                       what=f"the ResourceManager to declare the NodeManager of {fault.node} LOST")
    found = f"the ResourceManager lists {fault.node} {state}, {time.monotonic() - fault.at:.1f} s after the kill"
    say(found)
    return found


def recovery_report(fault: Fault, job: SparkJob) -> str:
    return f"{fault.timeline()}; the Spark job finished {job.finished_at - fault.at:.1f} s after the kill"
