"""A server with no sign-in configured, in a real browser: only the notice.

Before the frame's st.navigation runs, Streamlit lists the files of pages/ in the sidebar
by their raw names ("dashboard, bond, cargo release..."). A server that serves no data
must show its notice and no page names, on its first request and on a deep link (the
legacy pages/ runner hands the deep link to the frame, ui.handoff).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import StartDashboard
from tests.browser.helpers import EXCEPTION, MAIN, SIDEBAR, assert_healthy, open_app

pytestmark = pytest.mark.browser

NOTICE = "This server has no sign-in configured, so it serves no data."
PAGE_NAMES = ("dashboard", "bond", "cargo release", "entry summary", "overview", "timeline")


@pytest.mark.parametrize("path", ["/", "/bond", "/cargo_release?importer=12-3456789AB"])
def test_no_sign_in_shows_only_the_notice(
    start_dashboard: StartDashboard, page: Page, path: str
) -> None:
    server = start_dashboard(env={"ITRAC_DEMO": ""})  # no OIDC, no proxy, no demo
    open_app(page, server.url + path)  # the fresh server's first session
    expect(page.locator(MAIN).get_by_text(NOTICE)).to_be_visible()
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
    expect(page.locator(SIDEBAR)).to_have_count(0)
    shown = page.locator("body").inner_text().lower()
    assert [name for name in PAGE_NAMES if name in shown] == []
    assert page.locator(EXCEPTION).count() == 0, server.log_tail()
    assert_healthy(page, server)
