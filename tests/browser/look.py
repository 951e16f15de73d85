"""What the look tests share: the pages, the themes, waiting until a page is drawn,
axe-core's verdict on it, and WCAG contrast.

axe-core comes from the npm registry (package.json; `make assets` runs `npm ci`); it is
injected into the page as it is and run there, as its own docs describe.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page

import dashboard
from tests.browser.helpers import COUNT_RUNS, RUN_TIMEOUT_MS, app_rerun, open_app

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PAGES = tuple(url for _module, _title, _icon, url, _table in dashboard.PAGES)
THEMES = ("light", "dark")  # the browser's colour scheme: the app follows it (System)
WIDE, NARROW = 1440, 390  # a laptop, a phone (iPhone 12-15)
HEIGHT = {WIDE: 900, NARROW: 844}
BLOCKING = ("serious", "critical")
ALSO_BLOCKING = ("heading-order",)  # moderate, but a skipped level misleads screen readers

# Drawn: no skeleton left (Streamlit shows one while an element's code loads, after the
# run finished) and every plotly chart in an open tab has its SVG.
DRAWN = """() => document.querySelectorAll('[data-testid="stSkeleton"]').length === 0
  && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
       .filter(chart => chart.offsetParent !== null)
       .every(chart => chart.querySelector('.main-svg') !== null)"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => `${n.target.join(' ')}: ${n.failureSummary.replace(/\\s+/g, ' ')}`),
  }));
}"""


@contextmanager
def themed_page(browser: Browser, theme: str, width: int = WIDE) -> Iterator[Page]:
    """A page in a fresh context whose browser prefers `theme`, `width` px wide."""
    context = browser.new_context(
        viewport={"width": width, "height": HEIGHT.get(width, 900)}, color_scheme=theme
    )
    context.set_default_timeout(15_000)
    context.add_init_script(COUNT_RUNS)
    try:
        yield context.new_page()
    finally:
        context.close()


def open_drawn(page: Page, url: str) -> None:
    """Open `url`, wait for its run, then until everything it drew is on screen."""
    open_app(page, url)
    page.wait_for_function(DRAWN, polling=100, timeout=RUN_TIMEOUT_MS)


def page_tabs(page: Page) -> list[str]:
    """The names of the page's own tabs (ui.widgets.lazy_tabs: keyed, in the address), not
    the Chart / Table tabs under each heading; [] for a page without tabs."""
    bar = page.locator(TAB_BAR)
    if not bar.count():
        return []
    return [name.strip() for name in _own_tabs(page).all_inner_texts()]


def open_tab(page: Page, name: str) -> None:
    """Click the page's tab `name`, wait for the run it starts, then until it is drawn."""
    with app_rerun(page):
        _own_tabs(page).filter(has_text=name).first.click()
    page.wait_for_function(DRAWN, polling=100, timeout=RUN_TIMEOUT_MS)


def _own_tabs(page: Page) -> Locator:
    return page.locator(TAB_BAR).first.locator('[role="tablist"]').first.get_by_role("tab")


TAB_BAR = '[data-testid="stMain"] [data-testid="stTabs"][class*="st-key-"]'


def axe_violations(page: Page) -> list[dict]:
    """axe-core's serious and critical violations (and skipped heading levels) on the page
    as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets` (npm ci)")
    if not page.evaluate("typeof axe !== 'undefined'"):  # once a page load, not a tab
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(AXE_RUN)
    return [v for v in found if v["impact"] in BLOCKING or v["id"] in ALSO_BLOCKING]


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0-255 channels)."""

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: tuple[float, float, float], other: tuple[float, float, float]) -> float:
    """WCAG 2 contrast ratio (1 to 21)."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rgb(css: str) -> tuple[float, float, float]:
    """'rgb(1, 2, 3)' or 'rgba(1, 2, 3, 1)' as a tuple (an opaque colour is expected)."""
    inside = css[css.index("(") + 1 : css.index(")")].replace("/", ",").split(",")
    r, g, b = (float(part) for part in inside[:3])
    return (r, g, b)


def shoot(page: Page, path: Path) -> Path:
    """A screenshot of the whole page: Streamlit scrolls inside its main area, so the
    window is made as tall as what the main area and the sidebar hold, then put back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": WIDE, "height": HEIGHT[WIDE]}
    tall = page.evaluate(TALLEST)
    page.set_viewport_size({"width": size["width"], "height": max(tall, size["height"])})
    try:
        page.wait_for_function(QUIET, arg=QUIET_MS, polling=100, timeout=RUN_TIMEOUT_MS)
        page.wait_for_function(DRAWN, polling=100, timeout=RUN_TIMEOUT_MS)
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(size)
    return path


TALLEST = """() => Math.ceil(Math.max(...['stMain', 'stSidebarContent']
  .map(id => document.querySelector(`[data-testid="${id}"]`))
  .filter(part => part && part.getBoundingClientRect().right > 0)  // a closed sidebar: no
  .map(part => part.scrollHeight)))"""
QUIET = "quietMs => performance.now() - window.__itracChanged > quietMs"
QUIET_MS = 400  # plotly redraws its charts a moment after the window grew
