"""`make run THEME=dark`: the dark theme on every page and after every reload, even in a
browser that prefers light (Streamlit 1.67 forgets its menu's choice on a reload of
another page: scripts/theme_flags.py), and axe-clean there too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from scripts.theme_flags import theme_flags
from tests.browser.conftest import StartDashboard
from tests.browser.helpers import assert_healthy, wait_for_app
from tests.browser.look import axe_violations, open_drawn, rgb, themed_page

pytestmark = pytest.mark.browser

DARK_BACKGROUND = (14, 17, 23)  # [theme.dark] backgroundColor, .streamlit/config.toml
BACKGROUND = "getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor"


def test_theme_dark_holds_on_every_page_and_reload(
    browser: Browser, start_dashboard: StartDashboard
) -> None:
    server = start_dashboard(args=theme_flags("dark"))
    with themed_page(browser, "light") as page:
        seen = {}
        for path in ("overview", "exams"):
            open_drawn(page, f"{server.url}/{path}")
            assert_healthy(page, server)
            seen[path] = rgb(page.evaluate(BACKGROUND))
        page.reload()
        wait_for_app(page)
        seen["exams, reloaded"] = rgb(page.evaluate(BACKGROUND))
        assert axe_violations(page) == []
    assert seen == dict.fromkeys(seen, DARK_BACKGROUND)
