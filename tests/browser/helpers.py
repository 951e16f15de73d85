"""Driving a real Streamlit page in chromium: waiting for runs, reading what is shown.

Streamlit marks its root element with `data-test-script-state` ("running" while the
script runs). A run can start a moment after the click that caused it, so "not running
right now" proves nothing; instead an init script counts the runs that *finished*
(running -> notRunning), and waiting means waiting for that count to grow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from subprocess import Popen

from playwright.sync_api import Locator, Page, expect

APP = '[data-testid="stApp"]'
EXCEPTION = '[data-testid="stException"]'
NAV_LINK = '[data-testid="stSidebarNav"] a'
MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'
RUN_TIMEOUT_MS = 30_000
SETTLE_MS = 150  # let the frontend draw the last deltas (charts, stale-element cleanup)

# Installed in every page before Streamlit loads (see the `page` fixture).
COUNT_RUNS = """
(() => {
  window.__itracRuns = 0;
  let last = null;
  const look = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute('data-test-script-state') : null;
    if (state === last) return;
    if (last === 'running' && state === 'notRunning') window.__itracRuns += 1;
    last = state;
  };
  new MutationObserver(look).observe(document, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['data-test-script-state'],
  });
})();
"""


@dataclass(frozen=True)
class ServerHandle:
    """A running `streamlit run dashboard.py`: its base URL (no trailing slash)."""

    url: str
    process: Popen


def finished_runs(page: Page) -> int:
    """How many script runs this page has seen finish so far."""
    return int(page.evaluate("window.__itracRuns ?? 0"))


def wait_for_app(page: Page, *, since: int = 0, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Wait until more than `since` runs finished, the app is idle and connected."""
    page.wait_for_function(
        """since => {
          const app = document.querySelector('[data-testid="stApp"]');
          return app !== null && window.__itracRuns > since
            && app.getAttribute('data-test-script-state') === 'notRunning'
            && app.getAttribute('data-test-connection-state') === 'CONNECTED'
            && document.querySelector('[data-testid="stStatusWidget"]') === null;
        }""",
        arg=since,
        timeout=timeout_ms,
    )
    page.wait_for_timeout(SETTLE_MS)


@contextmanager
def app_rerun(page: Page) -> Iterator[None]:
    """Wrap an action that makes Streamlit rerun; returns once that rerun finished."""
    before = finished_runs(page)
    yield
    wait_for_app(page, since=before)


def open_app(page: Page, url: str) -> None:
    """Load `url` in `page` and wait for its first run to finish."""
    page.goto(url)
    wait_for_app(page)


def assert_healthy(page: Page) -> None:
    """No exception box and no "Page not found" dialog on the page."""
    errors = page.locator(EXCEPTION)
    assert errors.count() == 0, f"exception shown on {page.url}:\n{errors.first.inner_text()}"
    assert page.get_by_text("Page not found").count() == 0, f"'Page not found' on {page.url}"


def widget(page: Page, testid: str, label: str) -> Locator:
    """The sidebar or main widget of kind `testid` (e.g. stMultiSelect) labelled `label`."""
    labelled = page.locator(f'[data-testid="{testid}"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)
    )
    expect(labelled).to_have_count(1)
    return labelled


def chosen(page: Page, label: str) -> list[str]:
    """The values shown as chosen in the multiselect labelled `label`."""
    tags = widget(page, "stMultiSelect", label).locator("span[data-tag]")
    return [tag.get_attribute("aria-label") or "" for tag in tags.all()]


def metric(page: Page, label: str) -> str:
    """The value of the KPI labelled exactly `label`."""
    label_box = page.locator('[data-testid="stMetricLabel"]').get_by_text(label, exact=True)
    box = page.locator('[data-testid="stMetric"]').filter(has=label_box)
    expect(box).to_have_count(1)
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def count_metric(page: Page, label: str) -> int:
    """A KPI shown as a count ("12,345") as an int."""
    return int(metric(page, label).replace(",", ""))


def nav_titles(page: Page) -> list[str]:
    """The page titles in the sidebar navigation, top to bottom."""
    return [
        link.locator('[data-testid="stMarkdownContainer"]').inner_text().strip()
        for link in page.locator(NAV_LINK).all()
    ]


def selectbox(page: Page, label: str) -> Locator:
    """The text box of the selectbox labelled `label`; its value is the shown choice."""
    return widget(page, "stSelectbox", label).get_by_role("combobox", name=label)


def pick(page: Page, label: str, option: str) -> None:
    """Choose `option` in the selectbox labelled `label` and wait for the rerun.

    `option` must differ from the current choice: choosing it again makes no rerun.
    """
    box = selectbox(page, label)
    box.click()
    with app_rerun(page):
        page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)
