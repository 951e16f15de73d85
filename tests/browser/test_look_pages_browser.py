"""Every page as people see it, in a real browser: light and dark, wide and narrow.

The first test takes the screenshots (build/screenshots/<page>-<theme>-<width>.png; the
README's two come from there, `make screenshots`) and runs axe-core (from npm, see
tests/browser/look.py) on each wide page: no serious or critical violation and no
skipped heading level. The others hold what axe does not judge: chart text (inside SVG)
large with AA contrast, and the headline figures in a grid that wraps on a phone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.helpers import MAIN, SIDEBAR, ServerHandle, assert_healthy
from tests.browser.look import (
    NARROW,
    PAGES,
    ROOT,
    THEMES,
    WIDE,
    axe_violations,
    contrast,
    open_drawn,
    open_tab,
    page_tabs,
    rgb,
    shoot,
    themed_page,
)

pytestmark = pytest.mark.browser

SHOTS = ROOT / "build" / "screenshots"
BACKGROUND = {"light": (255, 255, 255), "dark": (14, 17, 23)}  # .streamlit/config.toml
CHART_TEXT = (  # ticks, axis titles, and the names above horizontal bars
    '[data-testid="stPlotlyChart"] :is(:is(.xtick, .ytick, .g-xtitle, .g-ytitle) text, '
    ".annotation-text)"
)
BAR_LABEL = '[data-testid="stPlotlyChart"] text.bartext-outside'  # a value beside its bar
STYLE = "texts => texts.map(t => [getComputedStyle(t).fontSize, getComputedStyle(t).fill])"
KPI = '[data-testid="stMain"] [data-testid="stMetric"]'
PHONE_SHARE = 0.6  # of the phone's width, at least, for a chart's plot area
# Where axe (and, on a phone, the plot widths) judge every tab of every page; elsewhere
# the page's first tab. Colours change with the theme, layout with the width: each tab is
# seen in both themes and at both widths, in 3 of the 4 passes (the 4th would add ~1.5 min
# on 2 cores for nothing new).
EVERY_TAB = {(WIDE, "light"), (WIDE, "dark"), (NARROW, "light")}


def plot_widths(page: Page) -> list[int]:
    """The width of every plot area (a cartesian subplot's drag box) of the charts shown."""
    return page.evaluate(PLOT_WIDTHS)


PLOT_WIDTHS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .filter(chart => chart.offsetParent !== null)
  .flatMap(chart => [...chart.querySelectorAll('.nsewdrag')])
  .map(box => Math.round(box.getBoundingClientRect().width))"""


def app_background(page: Page) -> tuple[float, float, float]:
    script = "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"
    return rgb(page.evaluate(script))


@pytest.mark.parametrize("theme", THEMES)
def test_every_page_wide_and_narrow_shot_and_axe_clean(
    browser: Browser, shared_dashboard: ServerHandle, theme: str
) -> None:
    found: dict[str, list[dict]] = {}
    squeezed: dict[str, list[int]] = {}
    for width in (WIDE, NARROW):
        with themed_page(browser, theme, width) as page:
            for path in PAGES:
                open_drawn(page, f"{shared_dashboard.url}/{path}")
                assert_healthy(page, shared_dashboard)
                assert app_background(page) == BACKGROUND[theme], f"{path}: not {theme}"
                assert shoot(page, SHOTS / f"{path}-{theme}-{width}.png").stat().st_size
                tabs = page_tabs(page) or [""]
                for tab in tabs if (width, theme) in EVERY_TAB else tabs[:1]:
                    if tab != tabs[0]:
                        open_tab(page, tab)
                        assert_healthy(page, shared_dashboard)
                    where = f"{path} {width} px" + (f", {tab}" if tab else "")
                    if violations := axe_violations(page):
                        found[where] = violations
                    narrow = [w for w in plot_widths(page) if w < PHONE_SHARE * NARROW]
                    if width == NARROW and narrow:
                        squeezed[where] = narrow
    assert found == {}, "\n".join(
        f"{where}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes'][:3]}"
        for where, violations in found.items()
        for v in violations
    )
    assert squeezed == {}, f"plot areas under {PHONE_SHARE:.0%} of {NARROW} px: {squeezed}"


@pytest.mark.parametrize("theme", THEMES)
def test_chart_text_is_large_and_has_aa_contrast(
    browser: Browser, shared_dashboard: ServerHandle, theme: str
) -> None:
    with themed_page(browser, theme) as page:
        open_drawn(page, f"{shared_dashboard.url}/overview")
        texts = page.locator(CHART_TEXT)
        assert texts.count() > 10  # three charts' ticks and axis titles
        styles = texts.evaluate_all(STYLE)
        labels = page.locator(BAR_LABEL)
        assert labels.count() >= 20  # two top-10-and-Other charts label every bar
        label_fills = {fill for _size, fill in labels.evaluate_all(STYLE)}
        background = app_background(page)
    sizes = {float(size.removesuffix("px")) for size, _fill in styles}
    ratios = {round(contrast(rgb(fill), background), 2) for _size, fill in styles}
    assert min(sizes) >= 14, f"chart text sizes {sorted(sizes)} px"
    assert min(ratios) >= 4.5, f"chart text contrast {sorted(ratios)} against {background}"
    label_ratios = {round(contrast(rgb(fill), background), 2) for fill in label_fills}
    assert min(label_ratios) >= 4.5, f"bar label contrast {sorted(label_ratios)}"


@pytest.mark.parametrize(("width", "rows", "per_row"), [(WIDE, 1, 6), (NARROW, 3, 2)])
def test_headline_figures_wrap_in_a_grid(
    browser: Browser, shared_dashboard: ServerHandle, width: int, rows: int, per_row: int
) -> None:
    with themed_page(browser, "light", width) as page:
        open_drawn(page, f"{shared_dashboard.url}/overview")
        expect(page.locator(KPI)).to_have_count(6)
        boxes = [kpi.bounding_box() for kpi in page.locator(KPI).all()]
        intro = page.locator('[data-testid="stMain"] [data-testid="stMarkdown"]').first
        expect(intro).to_contain_text("filters chosen in the sidebar")
    tops = sorted({round(box["y"]) for box in boxes if box})
    lefts = sorted({round(box["x"]) for box in boxes if box})
    assert (len(tops), len(lefts)) == (rows, per_row), f"KPI rows at {tops}, columns at {lefts}"
    if width == NARROW:  # the six fit in the phone's first screen, under the title
        assert max(box["y"] + box["height"] for box in boxes if box) < 844


# A page and tab whose charts had the least plot on a phone: Bond's sufficiency (legend on
# the right: 112 px), Cargo Release's stacked ports (64 px), the Overview's HTS chapters
# (names beside the bars, cut at the left edge: 64 px), Bond's sureties (names aslant: 87 px).
SQUEEZED = ("bond", "cargo_release", "overview", "bond?bond_tab=Single-transaction+bonds")


@pytest.mark.parametrize("address", SQUEEZED)
def test_charts_keep_the_width_on_a_phone(
    browser: Browser, shared_dashboard: ServerHandle, address: str
) -> None:
    with themed_page(browser, "light", NARROW) as page:
        open_drawn(page, f"{shared_dashboard.url}/{address}")
        widths = plot_widths(page)
    assert widths, f"{address}: no chart drawn"
    assert min(widths) >= PHONE_SHARE * NARROW, f"{address}: plot areas {widths} px of {NARROW}"


@pytest.mark.parametrize("width", [WIDE, NARROW])
def test_the_demo_notice_reads_whole(
    browser: Browser, shared_dashboard: ServerHandle, width: int
) -> None:
    with themed_page(browser, "light", width) as page:
        open_drawn(page, f"{shared_dashboard.url}/overview")
        if width == NARROW:  # the sidebar is behind » on a phone
            page.get_by_test_id("stExpandSidebarButton").click()
        badge = page.locator(f"{SIDEBAR} .stMarkdownBadge").filter(has_text="DEMO DATA")
        expect(badge).to_be_visible()
        try:  # once the sidebar has slid in (its badge is as wide as it gets)
            page.wait_for_function(WHOLE, arg=badge.element_handle(), timeout=5_000)
        except PlaywrightTimeout:
            shown, whole = badge.evaluate("b => [b.clientWidth, b.scrollWidth]")
            pytest.fail(f"the notice is cut: {whole} px of text in {shown} px")


WHOLE = "b => b.clientWidth > 100 && b.scrollWidth <= b.clientWidth"


@pytest.mark.parametrize("width", [WIDE, NARROW])
def test_the_download_buttons_sit_side_by_side(
    browser: Browser, shared_dashboard: ServerHandle, width: int
) -> None:
    """Under a table, CSV, XLSX and PARQUET in one row, close together: columns spread
    them over a wide page (336 px from the first to the last) and stacked them one a
    row on a phone."""
    with themed_page(browser, "light", width) as page:
        open_drawn(page, f"{shared_dashboard.url}/reconciliation")
        buttons = page.locator(f"{MAIN} [data-testid='stDownloadButton']")
        expect(buttons.first).to_be_visible()
        boxes = [button.bounding_box() for button in buttons.all()[:3]]
    tops = {round(box["y"]) for box in boxes if box}
    lefts = [round(box["x"]) for box in boxes if box]
    assert len(tops) == 1, f"the buttons are on rows at {sorted(tops)}"
    assert lefts[-1] - lefts[0] < 250, f"the buttons spread over {lefts}"
