"""The frame in a real browser against a real server.

A page module under pages/ is also a legacy Streamlit page: on a fresh server a deep
link can run it directly, skipping the frame (sign-in, filters). These tests make the
first request to a fresh server a deep link and check the frame was there.
Expected figures come from DuckDB over the lake's Parquet, not from the app's reports.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import pytest
from playwright.sync_api import Page, expect

import dashboard
from data_access import codes
from data_access.access import Principal
from tests.browser.conftest import StartDashboard
from tests.browser.helpers import (
    EXCEPTION,
    MAIN,
    NAV_LINK,
    SIDEBAR,
    ServerHandle,
    app_rerun,
    assert_healthy,
    chosen,
    count_metric,
    nav_titles,
    open_app,
    pick,
    selectbox,
    widget,
)

pytestmark = pytest.mark.browser

TIMELINE_TITLE = "ITRAC to ACE Reports transition"


def _lines(lake: Path) -> str:
    return (
        f"read_parquet('{lake / 'entry_lines' / 'year=*' / '*.parquet'}', hive_partitioning=true)"
    )


def one_row(query: str, **params: object) -> tuple:
    """The single row `query` answers (DuckDB 2 relations keep no result: fetchall)."""
    (row,) = duckdb.connect().sql(query, params=params or None).fetchall()
    return row


def entries(lake: Path, where: str = "true", **params: object) -> int:
    """Distinct entries among the lake's entry lines matching `where` (bound params)."""
    return int(
        one_row(f"SELECT count(DISTINCT entry_number) FROM {_lines(lake)} WHERE {where}", **params)[
            0
        ]
    )


def entries_seen_by(lake: Path, principal: Principal) -> int:
    if principal.role == "cbp":
        return entries(lake)
    if principal.role == "importer":
        return entries(lake, "list_contains($ids, importer_number)", ids=principal.importer_numbers)
    where = "list_contains($filers, filer_code)"
    if principal.importer_numbers:
        where += " AND list_contains($ids, importer_number)"
        return entries(lake, where, filers=principal.filer_codes, ids=principal.importer_numbers)
    return entries(lake, where, filers=principal.filer_codes)


def lake_dates(lake: Path) -> tuple[date, date]:
    query = f"SELECT min(entry_date), max(entry_date) FROM {_lines(lake)}"
    first, last = one_row(query)
    return first, last


def expected_titles(principal: Principal) -> list[str]:
    return [
        title
        for _, title, _, _, table in dashboard.PAGES
        if table is None or principal.can_see(table)
    ]


def first_of_role(principals: dict[str, Principal], role: str) -> Principal:
    return next(p for p in principals.values() if p.role == role)


def view_as_label(principal: Principal) -> str:
    return f"{principal.name} ({principal.role})"


def assert_frame_drawn(page: Page) -> None:
    sidebar = page.locator(SIDEBAR)
    expect(sidebar.get_by_text("DEMO DATA", exact=False)).to_be_visible()
    expect(widget(page, "stSelectbox", "View as")).to_be_visible()
    expect(sidebar.get_by_role("heading", name="Filters")).to_be_visible()
    expect(widget(page, "stMultiSelect", "Country of origin")).to_be_visible()


def test_deep_link_on_a_fresh_server_goes_through_the_frame(
    start_dashboard: StartDashboard, page: Page, demo_principals: dict[str, Principal]
) -> None:
    server = start_dashboard()
    open_app(page, f"{server.url}/timeline")  # the server's very first session
    assert_frame_drawn(page)
    expect(page.locator(MAIN).locator("h1")).to_have_text(TIMELINE_TITLE)
    current = page.locator(f'{NAV_LINK}[aria-current="page"]')
    expect(current).to_contain_text("Transition timeline")
    first = next(iter(demo_principals.values()))
    assert nav_titles(page) == expected_titles(first)
    assert page.url == f"{server.url}/timeline"
    assert_healthy(page, server)


def test_filter_deep_link_on_a_fresh_server(
    start_dashboard: StartDashboard, page: Page, browser_lake: Path, tmp_path: Path
) -> None:
    first, _ = lake_dates(browser_lake)
    start, end = date(first.year, 1, 1), date(first.year, 12, 31)
    in_year = "entry_date BETWEEN $start AND $end"
    query = (
        f"SELECT country_of_origin FROM {_lines(browser_lake)} WHERE {in_year} "
        "GROUP BY 1 ORDER BY count(DISTINCT entry_number) DESC, 1 LIMIT 1"
    )
    (country,) = one_row(query, start=start, end=end)
    expected = entries(
        browser_lake, f"{in_year} AND country_of_origin = $c", start=start, end=end, c=country
    )
    assert 0 < expected < entries(browser_lake, in_year, start=start, end=end)  # it narrows

    label = f"{country} {codes.country_name(country)}"  # how the filter bar shows a code
    bound = [("period", "Custom"), ("start", start), ("end", end), ("country", label)]
    server = start_dashboard()
    open_app(page, f"{server.url}/overview?{urlencode(bound)}")
    assert_frame_drawn(page)
    assert chosen(page, "Country of origin") == [label]
    expect(page.locator(MAIN).locator("h1")).to_have_text("Overview")
    assert count_metric(page, "Entries") == expected
    assert not page.locator(EXCEPTION).count(), server.log_tail()
    page.screenshot(path=str(tmp_path / "overview.png"))
    print(f"overview screenshot: {tmp_path / 'overview.png'}")


@pytest.mark.parametrize("role", ["cbp", "importer", "broker"])
def test_every_page_opens_for_each_role(
    shared_dashboard: ServerHandle, page: Page, demo_principals: dict[str, Principal], role: str
) -> None:
    principal = first_of_role(demo_principals, role)
    open_app(page, f"{shared_dashboard.url}/?{urlencode({'view_as': view_as_label(principal)})}")
    expect(selectbox(page, "View as")).to_have_value(view_as_label(principal))
    titles = nav_titles(page)
    assert titles == expected_titles(principal)
    hidden = [
        title for _, title, _, _, table in dashboard.PAGES if table and not principal.can_see(table)
    ]
    assert not set(hidden) & set(titles)
    for title in titles:
        link = page.locator(NAV_LINK).filter(has=page.get_by_text(title, exact=True))
        if link.get_attribute("aria-current") != "page":
            with app_rerun(page):
                link.click()
        expect(link).to_have_attribute("aria-current", "page")
        assert_healthy(page, shared_dashboard)
        expect(page.locator(MAIN).locator("h1").first, f"{title} has no title").to_be_visible()


def test_view_as_changes_the_figures_in_the_same_session(
    shared_dashboard: ServerHandle,
    page: Page,
    browser_lake: Path,
    demo_principals: dict[str, Principal],
) -> None:
    first, last = lake_dates(browser_lake)
    cbp = first_of_role(demo_principals, "cbp")
    bound = {"period": "Custom", "start": first, "end": last, "view_as": view_as_label(cbp)}
    open_app(page, f"{shared_dashboard.url}/?{urlencode(bound)}")
    expect(selectbox(page, "View as")).to_have_value(view_as_label(cbp))
    seen = {"cbp": count_metric(page, "Entries")}
    assert seen["cbp"] == entries_seen_by(browser_lake, cbp)
    for role in ("importer", "broker"):
        principal = first_of_role(demo_principals, role)
        pick(page, "View as", view_as_label(principal))
        seen[role] = count_metric(page, "Entries")
        assert seen[role] == entries_seen_by(browser_lake, principal), role
        assert_healthy(page, shared_dashboard)
    assert seen["importer"] < seen["cbp"]


def test_overview_url_path_is_a_known_page(shared_dashboard: ServerHandle, page: Page) -> None:
    open_app(page, f"{shared_dashboard.url}/overview")
    expect(page.locator(MAIN).locator("h1")).to_have_text("Overview")
    assert_healthy(page, shared_dashboard)
