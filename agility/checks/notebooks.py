"""The JupyterHub act's checks: the data scientist's login, their server as the hub started it,
the production notebook run on its kernel against the stores read on their own, and the prod area's
borders as the services draw them.

Everything a check believes it reads from a service: the hub's login page and REST API, the edge
node's processes (through the operator's SSH), the ResourceManager, and the stores as an
administrator reads them (agility.checks.reconcile). Each check says what it shows through `say`
and returns what is wrong: an empty list proves it."""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from agility.checks import reconcile, yarn_queues
from agility.checks.shared_dataset import Say
from agility.clients.browser import BrowserVisit, chromium, run_notebook_in_lab
from agility.clients.edge_jobs import EdgeJobRun
from agility.clients.hub import Hub, Kernel, Login
from agility.clients.notebook_runner import PNG, NotebookRun, code_cells, with_parameters
from agility.clients.notebook_runner import run as run_cells
from agility.clients.services import Clients
from agility.config.areas import Area
from agility.core.errors import AgilityError
from agility.core.paths import REPO_DIR
from agility.jobs import count_rows
from agility.provisioning.people import hub_node
from agility.reach.ssh import ClusterShell

__all__ = ["hub_node"]  # the node a check looks at the users' servers on

NOTEBOOK = REPO_DIR / "notebooks" / "production_queries.ipynb"
SMALLEST_CHART = 1000  # bytes: a PNG of a drawn figure, not an empty canvas
# what the kernel runs to open the person's workspace (the notebook's own first lines)
OPEN_WORKSPACE = "from agility.jobs import notebook\nwork = notebook.open_workspace()\n"


@dataclass
class HubUser:
    """A person of the hub: their name, their password (never shown) and the hub through the tunnel."""

    name: str
    password: str
    hub: Hub
    provisioned: tuple[str, ...] = ()  # what provisioning changed to let them in (nothing: all was in place)

    def __repr__(self) -> str:
        return f"HubUser({self.name})"


# --- logging in -----------------------------------------------------------------------------
def login(user: HubUser, wrong: bool, say: Say) -> Login:
    password = user.password + "-not-it" if wrong else user.password
    answer = user.hub.login(user.name, password)
    say(f"POST {user.hub.url}/hub/login as {user.name} ({'a wrong' if wrong else 'their'} password): "
        f"HTTP {answer.status}{' → ' + answer.location if answer.location else ''} in {answer.seconds} s; "
        f"cookies {', '.join(answer.cookies) or 'none'}")
    return answer


def refused_problems(answer: Login, say: Say) -> list[str]:
    """The hub itself refused: its 403 and its own message, no session."""
    if answer.refusal:
        say(f"the hub answered: {answer.refusal}")
    return [problem for problem, wrong in (
        (f"not the hub's refusal: HTTP {answer.status}, page without “Invalid username or password”",
         answer.refusal is None),
        ("a session cookie was set anyway", answer.let_in),
    ) if wrong]


def let_in_problems(answer: Login) -> list[str]:
    """A session, and the way on to the user's own server."""
    return [problem for problem, wrong in (
        (f"not let in: HTTP {answer.status}, cookies {answer.cookies}", not answer.let_in),
        (f"sent to {answer.location!r}, not on to the spawn page or the user's server",
         not re.search(rf"^/hub/spawn|/user/{re.escape(answer.user)}/", answer.location)),
    ) if wrong]


# --- the user's server ----------------------------------------------------------------------
SERVER_PROCESSES = r"""
for pid in $(sudo -n pgrep --ns $$ --nslist net -u "$1" -f jupyterhub-singleuser); do
  limit=$(sudo -n awk '/^Max address space/ {print $4 " " $5}' /proc/$pid/limits)
  given=$(sudo -n cat /proc/$pid/environ | tr '\0' '\n' | sed -n 's/^MEM_LIMIT=//p')
  printf '%s\t%s\t%s\t%s\n' "$pid" "$(ps -o user= -p $pid)" "$limit" "$given"
done
"""


def start_server(user: HubUser, say: Say) -> dict:
    server = user.hub.start_server(user.name)
    say(f"the hub says {user.name}'s server is ready at {server.get('url')} (started {server.get('started')})")
    return server


def server_problems(shell: ClusterShell, node: str, user: HubUser, say: Say) -> list[str]:
    """On the hub's node: the server's process belongs to the user, with an address-space limit
    (soft = hard) equal to the memory limit the hub handed it."""
    found = shell.run(node, ["sh", "-c", SERVER_PROCESSES, "server", user.name]).stdout.splitlines()
    rows = [line.split("\t") for line in found if line.strip()]
    for pid, owner, limit, given in rows:
        say(f"{node}: pid {pid} jupyterhub-singleuser as {owner}; address space limit (soft hard) {limit}; "
            f"the hub's MEM_LIMIT {given or 'none'}")
    return [problem for problem, wrong in (
        (f"no jupyterhub-singleuser process of {user.name} on {node}", not rows),
        *((f"pid {pid} runs as {owner}, not {user.name}", owner != user.name) for pid, owner, _, _ in rows),
        *((f"pid {pid}: address space limit {limit!r}, not the hub's {given!r} as soft and hard limit",
           not given or limit != f"{given} {given}") for pid, _, limit, given in rows),
    ) if wrong]


# --- the notebook -----------------------------------------------------------------------------
def run_notebook(user: HubUser, dataset: str, say: Say, path: Path = NOTEBOOK) -> NotebookRun:
    """Upload the notebook to the user's server and run it there, cell by cell, on a new kernel."""
    user.hub.start_server(user.name)
    notebook = with_parameters(path, {"DATASET": dataset})
    where = user.hub.upload(user.name, path.name, notebook)
    kernel = user.hub.kernel(user.name)
    try:
        done = run_cells(kernel, path.name, notebook)
    finally:
        kernel.close()
    say(f"{where} on {user.name}'s server: {len(done.cells)} of {done.code_cells} code cells run in "
        f"{done.seconds} s on kernel {kernel.id}; {len(done.charts())} image(s)")
    return done


def cell_problems(done: NotebookRun, say: Say) -> list[str]:
    failed = done.failed
    if failed:
        say(f"cell {failed.index} failed: {failed.cell.error}\n{failed.source}")
    return [problem for problem, wrong in (
        (f"cell {failed and failed.index} failed: {failed and failed.cell.error}", failed is not None),
        (f"only {len(done.cells)} of {done.code_cells} code cells ran", len(done.cells) != done.code_cells),
    ) if wrong]


def store_figures(clients: Clients, area: Area, dataset: str) -> dict:
    """The notebook's figures computed from the stores, each read on its own as an administrator."""
    def money(value) -> str:
        return str(Decimal(value).quantize(Decimal("0.01")))

    def totals(rows) -> dict:
        unique = {row["order_id"]: row for row in rows}.values()
        return {"orders": len(unique), "revenue": money(sum(row["quantity"] * Decimal(row["unit_price"]) for row in unique))}

    mysql = reconcile.mysql_rows(clients, area, dataset).rows
    cassandra = reconcile.cassandra_rows(clients, area, dataset).rows
    revenue: Counter = Counter()
    for row in mysql:
        revenue[row["product"]] += row["quantity"] * row["unit_price"]
    top = sorted(revenue.items(), key=lambda item: (-item[1], item[0]))[:10]
    return {"hdfs": totals(reconcile.hdfs_rows(clients, area, dataset).rows), "mysql": totals(mysql),
            "cassandra": totals(cassandra), "top_products": [[product, money(value)] for product, value in top],
            "orders_per_region": dict(sorted(Counter(row["region"] for row in cassandra).items()))}


def figures_problems(done: NotebookRun, clients: Clients, area: Area, dataset: str, say: Say) -> list[str]:
    """Each store's figures in the notebook equal the store's own, read here on their own."""
    found = done.last_json()
    if found is None:
        return ["the notebook printed no figures"]
    wanted = store_figures(clients, area, dataset)
    for store in ("hdfs", "mysql", "cassandra"):
        say(f"{store}: notebook {found.get(store)}, the store {wanted[store]}")
    say(f"top product: notebook {found['top_products'][:1]}, MySQL {wanted['top_products'][:1]}; orders per region "
        f"(Cassandra) {wanted['orders_per_region']}")
    return [f"{key}: the notebook found {found.get(key)}, the stores hold {value}"
            for key, value in wanted.items() if found.get(key) != value]


def chart_problems(done: NotebookRun) -> list[str]:
    """Every cell that shows a figure gave at least one PNG with something drawn in it."""
    problems = []
    for run in done.cells:
        if run.draws and not any(image.startswith(PNG) and len(image) > SMALLEST_CHART for image in run.cell.images):
            problems.append(f"cell {run.index} shows a figure but gave no drawn PNG "
                            f"({[len(image) for image in run.cell.images]} bytes)")
    drawing = [run for run in done.cells if run.draws]
    return problems + (["no cell of the notebook draws a chart"] if not drawing else [])


def application_problems(clients: Clients, done: NotebookRun, area: Area, say: Say) -> list[str]:
    """The ResourceManager's record of the notebook's Spark application: the area's queue, the
    area's HDFS account."""
    spark = (done.last_json() or {}).get("spark") or {}
    if not spark.get("application"):
        return ["the notebook reported no Spark application"]
    app = yarn_queues.resourcemanager(clients, f"apps/{spark['application']}").get("app") or {}
    say(f"the ResourceManager: {app.get('id')} “{app.get('name')}” by {app.get('user')} in {app.get('queue')}, "
        f"{app.get('state')}/{app.get('finalStatus')}")
    return [f"the ResourceManager shows {app.get('user')} in {app.get('queue')}, not {area.hdfs_account} in "
            f"root.{area.queue}"] if (app.get("user"), app.get("queue")) != (area.hdfs_account, f"root.{area.queue}") else []


# --- the area's borders -----------------------------------------------------------------------
def foreign_queries(other: Area, dataset: str) -> dict[str, str]:
    """What the kernel tries on another area's data: per service, one query of the workspace."""
    return {
        "MySQL": f"work.mysql('SELECT COUNT(*) FROM `{other.database}`.`{dataset}`')",
        "Cassandra": f"work.cassandra('SELECT COUNT(*) FROM {other.keyspace}.{dataset}')",
        "HDFS": f"work.hdfs().list('{other.hdfs_path(dataset)}')",
    }


# each service's own refusal of an account without rights there (a timeout or a missing table is not one)
REFUSALS = {
    "MySQL": re.compile(r"OperationalError: \((?:1044|1142), [\"'](.*denied to user .*)[\"']\)"),
    "Cassandra": re.compile(r"Unauthorized: .*(User \S+ has no SELECT permission on [^\"]+)"),
    "HDFS": re.compile(r"HdfsError: (Permission denied: user=\S+, access=\S+, inode=\S+)"),
}


def foreign_refusals(user: HubUser, other: Area, dataset: str, say: Say) -> dict[str, str | None]:
    """Each query on the other area's data, run on a new kernel of the user's server: the service's
    refusal (its own words), or None when it answered."""
    user.hub.start_server(user.name)
    kernel = user.hub.kernel(user.name)
    answers = {}
    try:
        opened = kernel.execute(OPEN_WORKSPACE)
        if opened.error:
            raise AgilityError(f"the workspace did not open on {user.name}'s kernel: {opened.error}")
        for service, code in foreign_queries(other, dataset).items():
            cell = kernel.execute(f"print({code})")
            found = REFUSALS[service].search(cell.error or "")
            answers[service] = found.group(1) if found else None
            say(f"{service}: {code} → {cell.error or cell.stdout.strip()[:200]}")
    finally:
        kernel.close()
    return answers


def refusal_problems(answers: dict[str, str | None]) -> list[str]:
    return [f"{service} gave no refusal of its own" for service, refusal in answers.items() if not refusal]


def spark_beyond_queue(clients: Clients, user: HubUser, area: Area, say: Say, timeout: float = 600) -> yarn_queues.YarnJob:
    """From a kernel of the user's server: a Spark session of the user's own (no cap of agility's,
    Spark's usual executors) in the area's queue, counting enough rows to hold its containers,
    while the ResourceManager's view of the queue is sampled."""
    job = yarn_queues.YarnJob(f"agility-notebook-{area.name}-{uuid.uuid4().hex[:8]}", user.name, area.queue)
    args = ["--master", "yarn", "--rows", str(yarn_queues.ROWS), "--app-name", job.name, "--queue", area.queue]
    user.hub.start_server(user.name)
    kernel: Kernel = user.hub.kernel(user.name)

    def submit() -> None:
        cell = kernel.execute(f"from agility.jobs import count_rows\ncount_rows.main({json.dumps(args)})", timeout)
        result = next((json.loads(line) for line in reversed(cell.stdout.splitlines()) if line.startswith("{")), None)
        job.run = EdgeJobRun(count_rows.MODULE, f"the Spark job {job.name}", "the notebook's kernel",
                             0 if cell.reply == "ok" else 1, result, cell.stdout, cell.error or "", cell.seconds)

    def look(running: list[dict]) -> None:
        if (seen := yarn_queues.sample(clients, area.queue)) is not None:
            job.samples.append(seen)

    try:
        yarn_queues.while_running(clients, job.name, submit, look, timeout, interval=0.5)
    finally:
        kernel.close()
    if job.run is None:
        raise AgilityError(f"the Spark job {job.name} on {user.name}'s kernel gave no answer")
    job.application = next(iter(yarn_queues.applications_named(clients, job.name)), None)
    say(job.summary())
    return job


def charts(path: Path) -> int:
    """How many figures the notebook shows."""
    return sum("plt.show()" in source for _, source in code_cells(json.loads(path.read_text())))


# --- a real browser -----------------------------------------------------------------------------
def browser_run(user: HubUser, dataset: str, say: Say, path: Path = NOTEBOOK) -> BrowserVisit:
    """The notebook (its dataset given) put in the user's home, then logged into, opened and run
    in JupyterLab by headless Chromium; the user's server stopped first, so the login starts it."""
    user.hub.start_server(user.name)
    user.hub.upload(user.name, path.name, with_parameters(path, {"DATASET": dataset}))
    user.hub.stop_server(user.name)
    with chromium() as page:
        visit = run_notebook_in_lab(page, user.hub.url, user.name, user.password, path.name)
    say("; ".join(f"{what}: {seconds} s" for what, seconds in visit.steps))
    say(f"landed on {visit.landed}; {visit.images} chart(s) rendered; errors shown: {visit.errors or 'none'}")
    return visit


def browser_problems(visit: BrowserVisit) -> list[str]:
    """JupyterLab showed every chart and no error, and the screenshots are pictures."""
    return [problem for problem, wrong in (
        (f"the login ended on {visit.landed}, not the user's JupyterLab", "/lab" not in visit.landed),
        (f"the notebook showed errors: {visit.errors}", bool(visit.errors)),
        (f"not every cell ran: prompts {visit.prompts}",
         not visit.prompts or not all(re.fullmatch(r"\[\d+\]:", prompt.strip()) for prompt in visit.prompts)),
        (f"{visit.images} chart(s) rendered, the notebook draws {charts(NOTEBOOK)}", visit.images < charts(NOTEBOOK)),
        ("the chart's screenshot is not a picture", not (visit.chart.startswith(PNG) and len(visit.chart) > SMALLEST_CHART)),
        ("the window's screenshot is not a picture", not visit.page.startswith(PNG)),
    ) if wrong]


# --- a developer's hub access -------------------------------------------------------------------
def developer(new, hub: Hub) -> HubUser:
    """A developer `agility provision developer` made (developer_lifecycle.NewDeveloper) at the hub,
    with the copy of their generated password."""
    return HubUser(new.name, new.account.password.reveal(), hub)


def processes_left(shell: ClusterShell, node: str, uid: int, say: Say) -> list[str]:
    """The processes of `uid` on the hub's node (its network namespace: on the sandbox the nodes
    share one process table)."""
    found = shell.run(node, ["sh", "-c", 'sudo -n pgrep --ns $$ --nslist net -U "$1" -a || true', "left", str(uid)])
    left = [line for line in found.stdout.splitlines() if line.strip()]
    say(f"{node}: processes of uid {uid}: {left or 'none'}")
    return [f"{node}: still running as uid {uid}: {line}" for line in left]
