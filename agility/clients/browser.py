"""A real browser at the notebooks' hub: Debian's headless Chromium driven by Playwright, as a
person uses JupyterHub: the login form, the notebook opened in JupyterLab, Run → Run All Cells,
then a look at the chart it drew.

Playwright's own browser download is not reachable from here (and not wanted): it drives the
Chromium Debian ships. Chromium's background services (updates, metrics, sync, safe browsing)
are switched off, so that the only connection it opens is to the page it is sent to."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from agility.core.errors import AgilityError

CHROMIUM = Path("/usr/lib/chromium/chromium-headless-shell")  # Debian's chromium-headless-shell
QUIET = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
         "--disable-breakpad", "--metrics-recording-only", "--no-pings", "--disable-gpu"]
NOTEBOOK_PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# every cell has run or the run stopped at an error: nothing queued ([*]), the kernel idle, one cell run
FINISHED = """(panel) => {
  const prompts = [...document.querySelectorAll(panel + ' .jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim());
  const state = document.querySelector(panel + ' .jp-Notebook-ExecutionIndicator');
  return !prompts.includes('[*]:') && prompts.some(text => /^\\[\\d+\\]:$/.test(text))
    && state && state.dataset.status === 'idle';
}"""
STARTED = "(panel) => [...document.querySelectorAll(panel + ' .jp-CodeCell .jp-InputPrompt')].some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))"


@dataclass
class BrowserVisit:
    """What the browser went through, with the time each step took, and the pictures it took."""

    steps: list[tuple[str, float]] = field(default_factory=list)
    landed: str = ""  # the URL the login ended on
    images: int = 0  # rendered images in the notebook once it ran
    prompts: list[str] = field(default_factory=list)  # each code cell's prompt once it ran: [n]: when it did
    errors: list[str] = field(default_factory=list)  # the error outputs shown in the notebook
    chart: bytes = b""  # a screenshot of the first chart
    page: bytes = b""  # a screenshot of the window, the chart in view

    def lap(self, what: str, since: float) -> float:
        now = time.monotonic()
        self.steps.append((what, round(now - since, 1)))
        return now


@contextmanager
def chromium(executable: Path = CHROMIUM):
    """A headless Chromium page of 1280 × 900."""
    from playwright.sync_api import sync_playwright

    if not executable.exists():
        raise AgilityError(f"{executable} is missing: `make setup` installs Debian's chromium-headless-shell")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True, args=QUIET)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


def run_notebook_in_lab(page, hub_url: str, user: str, password: str, notebook: str, timeout: float = 600) -> BrowserVisit:
    """Log in with the form, open `notebook` in the user's JupyterLab, run all its cells, wait
    until every cell has run, and photograph the first chart."""
    visit, started = BrowserVisit(), time.monotonic()
    page.goto(f"{hub_url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(rf"/user/{re.escape(user)}/lab"), timeout=timeout * 1000)
    visit.landed, started = page.url, visit.lap("log in; the hub starts the server and opens JupyterLab", started)
    page.goto(f"{hub_url}/user/{user}/lab/tree/{notebook}?reset")
    page.wait_for_selector(f"{NOTEBOOK_PANEL} .jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_selector(f"{NOTEBOOK_PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
    started = visit.lap(f"open {notebook}, its kernel idle", started)
    run_all(page)
    page.wait_for_function(FINISHED, arg=NOTEBOOK_PANEL, timeout=timeout * 1000, polling=500)
    started = visit.lap("Run → Run All Cells, until every cell has run", started)
    visit.prompts = page.locator(f"{NOTEBOOK_PANEL} .jp-CodeCell .jp-InputPrompt").all_inner_texts()
    images = page.locator(f"{NOTEBOOK_PANEL} .jp-OutputArea-output.jp-RenderedImage img")
    visit.images = images.count()
    visit.errors = [text.strip().splitlines()[0] for text in page.locator(
        f"{NOTEBOOK_PANEL} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
        ).all_inner_texts() if "Traceback" in text or "Error" in text.split("\n", 1)[0]]
    if visit.images:
        first = images.first
        first.scroll_into_view_if_needed()
        page.wait_for_function("(image) => image.complete && image.naturalWidth > 0", arg=first.element_handle())
        visit.chart, visit.page = first.screenshot(), page.screenshot()
    visit.lap("photograph the first chart", started)
    return visit


def answer_dialog(page, patience_ms: int = 2_000) -> str | None:
    """A modal dialog JupyterLab opened over the notebook (the kernel to select, a lost
    connection found again) takes every click: answer it with its default button, as a person
    would; its text, or None when there was none."""
    dialog = page.locator(".jp-Dialog")
    try:
        dialog.first.wait_for(state="visible", timeout=patience_ms)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: no dialog
        return None
    text = " ".join(dialog.first.inner_text().split())
    dialog.first.locator(".jp-Dialog-button.jp-mod-accept").click()
    dialog.first.wait_for(state="hidden")
    return text


def run_all(page, attempts: int = 3) -> None:
    """Run → Run All Cells, until the notebook shows a cell queued or run (a click on a menu that
    JupyterLab is still laying out can come to nothing: then the menu is opened again)."""
    for attempt in range(1, attempts + 1):
        answer_dialog(page)
        page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=re.compile("^Run$")).click()
        item = page.locator(".lm-Menu-item[data-command='runmenu:run-all']")
        item.wait_for(state="visible")
        item.click()
        try:
            page.wait_for_function(STARTED, arg=NOTEBOOK_PANEL, timeout=5_000, polling=250)
            return
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: try the menu again
            if attempt == attempts:
                raise AgilityError(f"Run → Run All Cells started no cell in {attempts} tries") from None
