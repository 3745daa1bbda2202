"""The Allure report as a stakeholder sees it: the rendered report served on loopback and opened in
headless Chromium, which must show every feature of the run, a scenario's steps with an
attachment, the metadata (environment), and a trend of as many runs as the history holds.

Run by `make report` after every generation (`agility report check`), and by `pytest -m report`
on reports of a small project."""

from __future__ import annotations

import functools
import glob
import http.server
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from agility.clients.browser import chromium

TIMEOUT_MS = 30_000
# the runs the "Status dynamics" chart draws: one column each (a stack of bars, one per status),
# each with the area a pointer hovers to see that run's numbers
TREND_RUNS = """() => {
  const heading = [...document.querySelectorAll('*')].find(e => e.childElementCount === 0 && e.textContent.trim() === 'Status dynamics');
  let card = heading;
  while (card && !card.querySelector('svg')) card = card.parentElement;
  return card ? card.querySelectorAll('[data-testid=hover-rect]').length : 0;
}"""


@dataclass
class Seen:
    features: list[str] = field(default_factory=list)  # the tree's sections, every one opened
    expected: list[str] = field(default_factory=list)  # the run's features, from its results
    scenario: str = ""
    step: str = ""
    attachment: str = ""  # the first attachment row of that step, as shown
    metadata: list[str] = field(default_factory=list)  # the environment's keys shown
    trend_runs: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.expected)} features of the run, each shown; scenario '{self.scenario}', step '{self.step}', attachment "
                f"'{self.attachment}'; metadata {', '.join(self.metadata[:3])}…; a trend of {self.trend_runs} runs")


def features_in(results: Path) -> list[str]:
    """The features the run's scenarios belong to, from Allure's result files."""
    found = set()
    for path in glob.glob(str(results / "*-result.json")):
        labels = {label["name"]: label["value"] for label in json.loads(Path(path).read_text()).get("labels", [])}
        if "feature" in labels:
            found.add(labels["feature"])
    return sorted(found)


def runs_in(history: Path) -> int:
    try:
        return sum(1 for line in history.read_text().splitlines() if line.strip())
    except FileNotFoundError:
        return 0


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def served(folder: Path):
    """The report over HTTP on loopback (its pages load their data with fetch, which file:// may not)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, name="report-server", daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


def look(report: Path, results: Path, history: Path) -> Seen:
    """Open the report and read what it shows; `problems` names what is missing."""
    expected, runs = features_in(results), runs_in(history)
    seen = Seen(expected=expected)
    if not (report / "index.html").exists():
        return Seen(problems=[f"{report}/index.html does not exist: generate the report first (make report)"])
    with served(report) as url, chromium() as page:
        page.goto(url)
        page.get_by_test_id("tree-section-title").first.wait_for(timeout=TIMEOUT_MS)
        seen.metadata = [key.strip() for key in page.get_by_test_id("metadata-item-key").all_inner_texts()]
        open_every_section(page)
        seen.features = [title.strip() for title in page.get_by_test_id("tree-section-title").all_inner_texts()]
        read_a_scenario(page, seen, expected[0] if expected else None)
        page.goto(url + "#charts")
        page.get_by_text("Status dynamics").first.wait_for(timeout=TIMEOUT_MS)
        if runs > 1:  # the chart draws nothing for a single run: there is no trend yet
            try:
                page.wait_for_function(f"() => ({TREND_RUNS})() >= {runs}", timeout=TIMEOUT_MS)
            except Exception:  # noqa: BLE001 - playwright's TimeoutError: the count below says what was drawn
                pass
        seen.trend_runs = page.evaluate(TREND_RUNS)
    missing = [feature for feature in expected if feature not in seen.features]
    seen.problems += [problem for problem, wrong in (
        (f"features of the run not shown: {', '.join(missing)}", bool(missing)),
        ("no feature of the run in the results", not expected),
        ("no environment shown (metadata: profile)", "profile" not in seen.metadata),
        (f"the trend shows {seen.trend_runs} runs, the history holds {runs}",
         seen.trend_runs != runs if runs > 1 else seen.trend_runs > 1),
    ) if wrong]
    return seen


CLOSED_SECTIONS = """() => [...document.querySelectorAll('[data-testid=tree-section]')].filter(
  section => !section.querySelector('[data-testid=tree-arrow] svg')?.getAttribute('class')?.includes('opened'))
  .map(section => section.querySelector('[data-testid=tree-section-title]')?.textContent ?? '')"""


# the index among all leaf titles of the first leaf after the section titled so (document order)
FIRST_LEAF_UNDER = """(title) => {
  const marks = [...document.querySelectorAll('[data-testid=tree-section-title], [data-testid=tree-leaf-title]')];
  const from = title ? marks.findIndex(e => e.dataset.testid === 'tree-section-title' && e.textContent.trim() === title) : -1;
  const leaf = marks.slice(from + 1).find(e => e.dataset.testid === 'tree-leaf-title');
  return leaf ? [...document.querySelectorAll('[data-testid=tree-leaf-title]')].indexOf(leaf) : 0;
}"""


def open_every_section(page, rounds: int = 6) -> None:
    """Open the tree's sections as a person would, a level at a time (the report shows them closed)."""
    for _ in range(rounds):
        closed = page.evaluate(CLOSED_SECTIONS)
        if not closed:
            return
        for title in closed:
            page.get_by_test_id("tree-section-title").filter(has_text=title).first.click()


def read_a_scenario(page, seen: Seen, feature: str | None) -> None:
    """The first scenario of `feature` (the first of the tree without one): its first step opened,
    the first attachment it shows."""
    leaf = page.locator("[data-testid=tree-leaf-title]").nth(page.evaluate(FIRST_LEAF_UNDER, feature or ""))
    seen.scenario = leaf.inner_text().strip()
    leaf.click()
    steps = page.get_by_test_id("test-result-step-title")
    try:
        steps.first.wait_for(timeout=TIMEOUT_MS)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: named as a problem
        seen.problems.append(f"scenario '{seen.scenario}': no step shown")
        return
    seen.step = steps.first.inner_text().strip()
    steps.first.click()
    attachment = page.get_by_test_id("test-result-attachment-header").first
    try:
        attachment.wait_for(timeout=TIMEOUT_MS)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: named as a problem
        seen.problems.append(f"scenario '{seen.scenario}': no attachment shown after opening its first step")
        return
    seen.attachment = " ".join(attachment.inner_text().split())
