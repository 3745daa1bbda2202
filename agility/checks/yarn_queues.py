"""Proof that YARN holds each area to its own queue: the ResourceManager runs a queue per area with
the declared shares and submit ACL, a prod job asking for more than the prod queue's maximum gets
no more (while the cluster had room), and a dev account submitting to the prod queue is refused by
the ResourceManager itself.

Everything is YARN's own answer: the queues, their use and what waits come from the
ResourceManager's REST API (/ws/v1/cluster/scheduler, /apps, /metrics, through the operator's
tunnel), the refusal is the RemoteException the ResourceManager sent back to spark-submit. The
jobs are the smallest Spark job (agility/jobs/count_rows.py) on the edge node, as an area's job
(spark_limits.session_settings puts it in the area's queue). Checks return what is wrong: an
empty list proves it; they say what they saw through `say`.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from agility.checks.shared_dataset import Say
from agility.clients import edge_jobs
from agility.clients.services import Clients
from agility.config import areas
from agility.config.profiles import Profile
from agility.core.errors import AgilityError
from agility.core.waiting import wait_until
from agility.jobs import count_rows
from agility.reach.ssh import ClusterShell

ROWS = 1_000_000  # enough work for the job to hold its containers while the ResourceManager is watched
FEW_ROWS = 50_000  # a job that only has to be admitted (or refused)
SLACK = 0.01  # percent: the ResourceManager's floats (30.000002)


def yarn_ui(profile: Profile) -> str:
    """The ResourceManager's web endpoint: `spark.yarn_ui` beside a standalone master, or `spark.ui`
    when YARN is the profile's Spark master."""
    if profile.spark.get("yarn_ui"):
        return profile.spark["yarn_ui"]
    if profile.spark.get("master") == "yarn":
        return profile.spark["ui"]
    raise AgilityError(f"profile {profile.name} has no YARN: spark.master is {profile.spark.get('master')} and "
                       "spark.yarn_ui names no ResourceManager")


def runs_on_yarn(profile: Profile, say: Say) -> str:
    """The ResourceManager the profile names (or a one-line error that it names none)."""
    found = yarn_ui(profile)
    say(f"spark.master {profile.spark['master']}; YARN's ResourceManager at {found}")
    return found


def resourcemanager(clients: Clients, path: str) -> dict:
    """One answer of the ResourceManager's REST API, through the tunnel (the profile's yarn_ui)."""
    url = f"http://{clients.local(yarn_ui(clients.profile))}/ws/v1/cluster/{path}"
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def scheduler(clients: Clients) -> dict:
    return resourcemanager(clients, "scheduler")["scheduler"]["schedulerInfo"]


def leaf_queues(info: dict) -> dict[str, dict]:
    return {queue["queueName"]: queue for queue in (info.get("queues") or {}).get("queue", [])}


def acls(queue: dict) -> dict[str, str]:
    return {acl["accessType"]: acl["accessControlList"] for acl in queue.get("queueAcls", {}).get("queueAcl", [])}


def acl_members(text: str) -> tuple[set[str], set[str]]:
    """A Hadoop ACL "user1,user2 group1,group2" as (users, groups); " " is nobody."""
    users, _, groups = text.partition(" ")
    return {user for user in users.split(",") if user}, {group for group in groups.split(",") if group}


def declared_areas(profile: Profile) -> dict[str, areas.Area]:
    return profile.work_areas()


# --- the queues as the ResourceManager runs them ----------------------------------------------
def queue_problems(clients: Clients, profile: Profile, say: Say) -> list[str]:
    """The CapacityScheduler, a root queue nobody may submit to or administer, and a queue per area
    with the declared guaranteed and maximum shares, whose submit ACL is exactly the area's HDFS
    account and Linux group."""
    info = scheduler(clients)
    problems = []
    if info.get("type") != "capacityScheduler":
        problems.append(f"the ResourceManager runs {info.get('type')!r}, not the CapacityScheduler")
    root = acls(info)
    for access in ("SUBMIT_APP", "ADMINISTER_QUEUE"):
        if acl_members(root.get(access, "*")) != (set(), set()):
            problems.append(f"the root queue's {access} ACL is {root.get(access, '(none: *)')!r}: every queue inherits it")
    queues = leaf_queues(info)
    for area in declared_areas(profile).values():
        queue = queues.get(area.queue)
        if queue is None:
            problems.append(f"no queue root.{area.queue} for area {area.name}; queues: {', '.join(queues)}")
            continue
        submit = acls(queue).get("SUBMIT_APP", "")
        say(f"root.{area.queue}: {queue['absoluteCapacity']:.0f}% of the cluster guaranteed, at most "
            f"{queue['absoluteMaxCapacity']:.0f}%; may submit: {submit!r}")
        for what, seen, declared in (("guaranteed share", queue["absoluteCapacity"], area.queue_capacity),
                                     ("maximum share", queue["absoluteMaxCapacity"], area.queue_maximum_capacity)):
            if abs(seen - declared) > SLACK:
                problems.append(f"root.{area.queue}: {what} {seen}% on the ResourceManager, declared {declared}%")
        if acl_members(submit) != ({area.hdfs_account}, {area.linux_group}):
            problems.append(f"root.{area.queue}: submit ACL {submit!r}, expected "
                            f"'{area.hdfs_account} {area.linux_group}'")
    return problems


# --- a job on YARN, watched ---------------------------------------------------------------------
@dataclass(frozen=True)
class QueueSample:
    """The job's queue and the cluster, as the ResourceManager showed them while the job ran."""

    used_mb: int
    max_mb: int  # the queue's maximum in memory (its maximum share of the cluster)
    used_percent: float  # absoluteUsedCapacity: of the whole cluster
    max_percent: float  # absoluteMaxCapacity
    pending: int  # containers the queue's applications asked for and did not get
    available_mb: int  # free in the cluster
    pending_mb: int  # asked for and not granted, in the cluster

    @property
    def container_mb(self) -> int:
        return self.pending_mb // self.pending if self.pending else 0

    def held_by_queue(self) -> bool:
        """A container waits that the cluster had room for, and the queue's maximum had not."""
        return 0 < self.container_mb <= self.available_mb and self.used_mb + self.container_mb > self.max_mb

    def describe(self, queue: str) -> str:
        return (f"root.{queue} used {self.used_mb} MB ({self.used_percent:.1f}% of the cluster) of its maximum "
                f"{self.max_mb} MB ({self.max_percent:.0f}%); {self.pending} container(s) of {self.container_mb} MB "
                f"waiting; {self.available_mb} MB free in the cluster")


@dataclass
class YarnJob:
    name: str
    user: str  # the Linux user who submitted (the driver's)
    queue: str
    run: edge_jobs.EdgeJobRun | None = None
    samples: list[QueueSample] = field(default_factory=list)
    application: dict | None = None  # the ResourceManager's record of it, once it ended (None: it never had one)

    def reason(self) -> str:
        """The job's own reason for failing ("" when it did not fail)."""
        return self.run.reason() if self.run and not self.run.ok else ""

    @property
    def rows(self) -> int:
        return ((self.run.result if self.run else None) or {}).get("rows", 0)

    def summary(self) -> str:
        app = self.application or {}
        ran = (f"the ResourceManager lists {app.get('id')} by {app.get('user')} in {app.get('queue')}: "
               f"{app.get('state')}/{app.get('finalStatus')}") if app else "the ResourceManager lists no such application"
        exit_status = self.run.exit_status if self.run else "none"
        return f"{self.name} (as {self.user}, queue {self.queue}): exit {exit_status}, counted {self.rows} rows; {ran}"


def while_running(clients: Clients, name: str, submit: Callable[[], None], look: Callable[[list[dict]], None],
                  timeout: float, interval: float = 0.3) -> None:
    """`submit` (a job that ends by itself) in a thread; until it ends, the ResourceManager's
    running applications called `name` handed to `look` every `interval`. Raises if it outlives
    `timeout`."""
    worker = threading.Thread(target=submit, name=name, daemon=True)
    worker.start()

    def watch() -> bool:
        if running := [app for app in applications_named(clients, name) if app.get("state") == "RUNNING"]:
            look(running)
        return not worker.is_alive()

    try:
        wait_until(watch, timeout=timeout, what=f"the Spark job {name} on YARN to end", service="yarn",
                   interval=interval)
    finally:
        worker.join(timeout)
    if worker.is_alive():
        raise AgilityError(f"the Spark job {name} did not finish within {timeout:.0f} s")


def applications_named(clients: Clients, name: str) -> list[dict]:
    return [app for app in (resourcemanager(clients, "apps").get("apps") or {}).get("app", []) if app.get("name") == name]


def sample(clients: Clients, queue: str) -> QueueSample | None:
    found = leaf_queues(scheduler(clients)).get(queue)
    if found is None:
        return None
    metrics = resourcemanager(clients, "metrics")["clusterMetrics"]
    return QueueSample(found["resourcesUsed"]["memory"], found["maxEffectiveCapacity"]["memory"],
                       found["absoluteUsedCapacity"], found["absoluteMaxCapacity"], found["pendingContainers"],
                       metrics["availableMB"], metrics["pendingMB"])


def yarn_job(clients: Clients, shell: ClusterShell, area: areas.Area, say: Say, timeout: float = 600,
             rows: int = ROWS, own_session: bool = False) -> YarnJob:
    """count_rows in `area`'s queue, submitted by the shell's user from the edge node, with the
    ResourceManager's view of the queue sampled while the application runs. As `area`'s job it
    keeps to the area's Spark cap; an `own_session` is what a developer starts with pyspark
    directly: no cap of the package's (two executors, Spark's usual), only YARN's queue."""
    profile = clients.profile
    job = YarnJob(f"agility-yarn-{area.name}-{uuid.uuid4().hex[:8]}", shell.user, area.queue)
    whose = ["--queue", area.queue] if own_session else ["--area", area.name, "--profile", profile.name]
    args = ["--master", "yarn", "--rows", str(rows), "--app-name", job.name, *whose]

    def submit() -> None:
        job.run = edge_jobs.run_module(shell, count_rows.MODULE, args, what=f"the Spark job {job.name}",
                                       timeout=timeout, node=profile.edge)

    def look(running: list[dict]) -> None:
        if (seen := sample(clients, area.queue)) is not None:
            job.samples.append(seen)

    while_running(clients, job.name, submit, look, timeout, interval=0.5)
    if job.run is None:
        raise AgilityError(f"the Spark job {job.name} ended without a result: its SSH session failed")
    job.application = next(iter(applications_named(clients, job.name)), None)
    say(job.summary())
    return job


def cap_problems(profile: Profile, area_name: str, job: YarnJob, say: Say) -> list[str]:
    """The job ran; while it did, the ResourceManager kept its queue at or under the declared maximum
    share, and at least once held back a container the cluster had room for, because the queue was
    at its maximum (the job asked for more than the queue may have, and got no more)."""
    declared = declared_areas(profile)[area_name]
    fullest = max(job.samples, key=lambda seen: seen.used_percent, default=None)
    held = [seen for seen in job.samples if seen.held_by_queue()]
    say(f"{len(job.samples)} look(s) at the ResourceManager while it ran; declared maximum of root.{job.queue}: "
        f"{declared.queue_maximum_capacity}%")
    if fullest:
        say(f"fullest: {fullest.describe(job.queue)}")
    if held:
        say(f"held back by the queue: {held[-1].describe(job.queue)}")
    over = [seen for seen in job.samples if seen.used_percent > declared.queue_maximum_capacity + SLACK
            or abs(seen.max_percent - declared.queue_maximum_capacity) > SLACK]
    return [problem for problem, wrong in (
        (f"it did not run: {job.summary()}; {job.reason()}", job.rows <= 0),
        ("the ResourceManager was never seen running it", not job.samples),
        (f"root.{job.queue} went past the declared {declared.queue_maximum_capacity}%: "
         f"{max(over, key=lambda seen: seen.used_percent).describe(job.queue) if over else ''}", bool(over)),
        (f"no container was ever held back by root.{job.queue}'s maximum while the cluster had room: the job "
         "did not ask for more than the queue may have, or got it", not held),
    ) if wrong]


# --- a submission to another area's queue ---------------------------------------------------------
REFUSAL = re.compile(r"RemoteException\(org\.apache\.hadoop\.yarn\.exceptions\.YarnException\): "
                     r"org\.apache\.hadoop\.security\.AccessControlException: "
                     r"(User (?P<user>\S+) does not have permission to submit (?P<app>application_\d+_\d+) "
                     r"to queue (?P<queue>\S+))")


def refusal(job: YarnJob) -> re.Match | None:
    """The ResourceManager's own refusal in what spark-submit printed (a RemoteException is the
    server's answer, passed on; a timeout or a lost connection has none)."""
    return REFUSAL.search(job.run.stderr) if job.run else None


def refusal_problems(job: YarnJob, say: Say) -> list[str]:
    """The submission failed with the ResourceManager's refusal naming this user and the queue, and
    YARN ran nothing of it."""
    found = refusal(job)
    if found:
        say(f"the ResourceManager answered: {found.group(1)}")
    return [problem for problem, wrong in (
        (f"no refusal from the ResourceManager in what the job printed: {job.summary()}; "
         f"{job.reason()}", found is None),
        (f"the refusal names user {found and found['user']} and queue {found and found['queue']}, not "
         f"{job.user} and {job.queue}", found is not None and (found["user"], found["queue"]) != (job.user, job.queue)),
        (f"it ran anyway: {job.summary()}", job.rows > 0 or (job.application or {}).get("state") == "FINISHED"),
    ) if wrong]


def admitted_problems(job: YarnJob) -> list[str]:
    """The job ran in its own queue, as its own user, and YARN says it succeeded."""
    app = job.application or {}
    return [problem for problem, wrong in (
        (f"it did not run: {job.summary()}; {job.reason()}", job.rows <= 0),
        (f"the ResourceManager does not show it succeeded in root.{job.queue} as {job.user}: {job.summary()}",
         (app.get("queue"), app.get("user"), app.get("finalStatus")) != (f"root.{job.queue}", job.user, "SUCCEEDED")),
    ) if wrong]
