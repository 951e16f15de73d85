"""Accessibility and legibility in a real browser, in the light and the dark theme.

axe-core (from npm, see tests/browser/look.py) finds no serious or critical violation
and no skipped heading level on any page; chart text is large and has AA contrast
against the page behind it (axe does not judge text inside SVG).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.helpers import ServerHandle, assert_healthy
from tests.browser.look import (
    PAGES,
    THEMES,
    axe_violations,
    contrast,
    open_drawn,
    rgb,
    themed_page,
)

pytestmark = pytest.mark.browser

BACKGROUND = {"light": (255, 255, 255), "dark": (14, 17, 23)}  # .streamlit/config.toml
CHART_TEXT = '[data-testid="stPlotlyChart"] :is(.xtick, .ytick, .g-xtitle, .g-ytitle) text'


def app_background(page: Page) -> tuple[float, float, float]:
    script = "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
    return rgb(page.evaluate(script))


@pytest.mark.parametrize("theme", THEMES)
def test_no_serious_or_critical_axe_violation_on_any_page(
    browser: Browser, shared_dashboard: ServerHandle, theme: str
) -> None:
    found: dict[str, list[dict]] = {}
    with themed_page(browser, theme) as page:
        for path in PAGES:
            open_drawn(page, f"{shared_dashboard.url}/{path}")
            assert_healthy(page, shared_dashboard)
            assert app_background(page) == BACKGROUND[theme], f"{path} not in the {theme} theme"
            if violations := axe_violations(page):
                found[path] = violations
    assert found == {}, "\n".join(
        f"{path}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes'][:3]}"
        for path, violations in found.items()
        for v in violations
    )


@pytest.mark.parametrize("theme", THEMES)
def test_chart_text_is_large_and_has_aa_contrast(
    browser: Browser, shared_dashboard: ServerHandle, theme: str
) -> None:
    with themed_page(browser, theme) as page:
        open_drawn(page, f"{shared_dashboard.url}/overview")
        texts = page.locator(CHART_TEXT)
        assert texts.count() > 10  # three charts' ticks and axis titles
        styles = texts.evaluate_all(
            "texts => texts.map(t => [getComputedStyle(t).fontSize, getComputedStyle(t).fill])"
        )
        background = app_background(page)
    sizes = {float(size.removesuffix("px")) for size, _fill in styles}
    ratios = {round(contrast(rgb(fill), background), 2) for _size, fill in styles}
    assert min(sizes) >= 14, f"chart text sizes {sorted(sizes)} px"
    assert min(ratios) >= 4.5, f"chart text contrast {sorted(ratios)} against {background}"
