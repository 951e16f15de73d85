"""Chart values as people read them, in a real browser (plotly.js draws the ticks): money
axes in dollars, and the exam-rate ranking without the rate of a tiny sample on top.

The lake is tests/test_charts.exam_lake: January 2024, 71 entries of $1,000 each ($71k
a month); port 2704 has 60 entries and 3 exams, port 1001 one entry and one exam (100%),
port 2304 ten entries and none.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.browser.helpers import ServerHandle, assert_healthy, launch, stop
from tests.browser.look import open_drawn, themed_page
from tests.test_charts import exam_lake

pytestmark = pytest.mark.browser

CHART = '[data-testid="stPlotlyChart"]'
TEXT = "texts => texts.map(t => t.textContent)"  # SVG text has no innerText
USERS = "users:\n  - id: cbp\n    name: CBP analyst\n    role: cbp\n"


@pytest.fixture(scope="module")
def exam_dashboard(
    tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]
) -> Iterator[ServerHandle]:
    root = tmp_path_factory.mktemp("axes")
    users = root / "users.yaml"
    users.write_text(USERS)
    env = {**server_env, "ITRAC_LAKE": str(exam_lake(root / "lake")), "ITRAC_USERS": str(users)}
    server = launch(env, tmp_path_factory.mktemp("server"))
    yield server
    stop(server)


def test_money_ticks_read_as_dollars(browser: Browser, exam_dashboard: ServerHandle) -> None:
    with themed_page(browser, "light") as page:
        open_drawn(page, f"{exam_dashboard.url}/overview")
        assert_healthy(page, exam_dashboard)
        trend = page.locator(CHART).first
        ticks = trend.locator(".ytick text").evaluate_all(TEXT)
        (title,) = trend.locator(".g-ytitle text").evaluate_all(TEXT)
    assert title == "Entered Value (USD)"
    assert ticks == ["$0", "$10k", "$20k", "$30k", "$40k", "$50k", "$60k", "$70k"]


def test_exam_rates_rank_from_fifty_entries(browser: Browser, exam_dashboard: ServerHandle) -> None:
    with themed_page(browser, "light") as page:
        open_drawn(page, f"{exam_dashboard.url}/exams")  # its first tab: Exam rate
        assert_healthy(page, exam_dashboard)
        ports = page.locator(CHART).nth(1)
        names = ports.locator(".annotation-text").evaluate_all(TEXT)
        values = ports.locator("text.bartext").evaluate_all(TEXT)
        (title,) = ports.locator(".g-xtitle text").evaluate_all(TEXT)
    assert names[::-1] == ["2704 Los Angeles, CA", "Under 50 entries (2 more)"]  # top first
    assert values[::-1] == ["5.00%", "9.09%"]  # 3 of 60; 1 of 11
    assert title == "Exam Rate (ranked from 50 entries)"
