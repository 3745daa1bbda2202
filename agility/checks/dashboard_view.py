"""The operator's dashboard as a person sees it: `agility dashboard` running as its own process,
its page in headless Chromium (`clients.browser`). What is read is what the page shows: the
switch control's entries, the cluster shown, each node row's health, the data flowing per area."""

from __future__ import annotations

import re
import sys
import time

from agility.checks.job_process import JobProcess
from agility.clients.services import operator_clients
from agility.core.errors import AgilityError
from agility.core.waiting import wait_until
from agility.provisioning.area_accounts import provision_area

URL = re.compile(r"http://127\.0\.0\.1:\d+/")


def start_dashboard(registry: str, started=lambda job: None) -> tuple[JobProcess, str]:
    """`agility dashboard --port 0` on the operator's clusters file; the process and its URL."""
    job = JobProcess("dashboard", [sys.executable, "-m", "agility.cli", "dashboard", "--port", "0"],
                     env={"AGILITY_CLUSTERS": registry}, grace=25)  # SIGTERM: it leaves its tunnels
    started(job)
    found = wait_until(lambda: URL.search(job.output()), timeout=60, what="the dashboard's URL on its output",
                       service="agility dashboard", alive=job.running, log=job.log)
    return job, found.group(0)


def provision_work_areas(profile) -> list[str]:
    """Each area the cluster hosts, provisioned by its operator as `agility provision area` does
    (accounts, keyspace, database, HDFS directory): the page has a source to read in each."""
    with operator_clients(profile) as clients:
        return [f"{area.name}: {'; '.join(provision_area(profile, clients, area)) or 'already in place'}"
                for area in profile.work_areas().values()]


def work_areas(profile) -> set[str]:
    """The areas the dashboard shows a cluster with: the ones it hosts, as the profile names them."""
    return set(profile.work_areas())


class DashboardPage:
    def __init__(self, page, url: str):
        self.page, self.url = page, url
        self.shots: list[tuple[str, bytes]] = []

    def open(self) -> str:
        self.page.goto(self.url)
        self.page.wait_for_function("() => document.body.dataset.cluster && "
                                    "document.querySelectorAll('#nodes tbody tr').length > 0", timeout=30_000)
        return self.shown()

    def listed(self) -> list[str]:
        return self.page.locator("#switch option").all_inner_texts()

    def shown(self) -> str:
        return self.page.evaluate("() => document.body.dataset.cluster")

    def switch_to(self, name: str) -> str:
        self.page.select_option("#switch", name)
        self.page.wait_for_function("(name) => document.body.dataset.cluster === name", arg=name, timeout=30_000)
        return self.shown()

    def node_health(self) -> dict[str, str]:
        return self.page.evaluate("() => Object.fromEntries([...document.querySelectorAll('#nodes tbody tr')]"
                                  ".map(row => [row.dataset.name, row.dataset.health]))")

    def wait_for_all_healthy(self, nodes: set[str], timeout: float = 30) -> dict[str, str]:
        """Until the page shows exactly `nodes`, each healthy."""
        wait_until(lambda: self.node_health() == dict.fromkeys(nodes, "healthy"), timeout=timeout,
                   what=f"the page to show {sorted(nodes)} healthy", service="dashboard", interval=0.5)
        return self.node_health()

    def seconds_until(self, node: str, health: str, since: float, within: float) -> float:
        """Seconds from `since` (a monotonic time: the fault, the restart) until the page shows the
        node with that health; an AgilityError when that takes more than `within`."""
        wait_until(lambda: self.node_health().get(node) == health, timeout=max(0.0, since + within - time.monotonic()),
                   what=f"the page to show {node} {health} within {within:.0f} s", service="dashboard", interval=0.25)
        return time.monotonic() - since

    def flow(self) -> dict[str, dict[str, str]]:
        """The "data flowing" table as shown: area → measure (topics, offsets, hdfs_files, ...) → its
        cell's text (a number, or why the source gave none)."""
        return self.page.evaluate(
            "() => { const found = {};"
            " for (const cell of document.querySelectorAll('#flow td[data-area][data-measure]')) {"
            "   (found[cell.dataset.area] ??= {})[cell.dataset.measure] = cell.textContent; }"
            " return found; }")

    def failed_cells(self) -> dict[str, dict[str, str]]:
        """The flow cells the page marks failed (a source that gave no number): area → measure → why."""
        return self.page.evaluate(
            "() => { const found = {};"
            " for (const cell of document.querySelectorAll('#flow td[data-area][data-measure][data-ok=failed]')) {"
            "   (found[cell.dataset.area] ??= {})[cell.dataset.measure] = cell.textContent; }"
            " return found; }")

    def wait_for_flow(self, areas: set[str], timeout: float = 60) -> dict[str, dict[str, str]]:
        """The data flowing, once the page shows a row for each area and every source answered in
        them; an AgilityError naming the cells still failed when that takes more than `timeout`."""

        def answered() -> dict | None:
            shown = self.flow()
            return shown if areas <= set(shown) and not self.failed_cells() else None

        try:
            return wait_until(answered, timeout=timeout, interval=0.5, service="dashboard",
                              what=f"the data flowing of areas {sorted(areas)}, every source answering")
        except AgilityError as error:
            raise AgilityError(f"{error}; shown: {self.flow()}; failed: {self.failed_cells()}") from None

    def photograph(self, name: str) -> None:
        self.shots.append((name, self.page.screenshot(full_page=True)))
