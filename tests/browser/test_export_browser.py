"""Exports in a real browser: the downloaded file holds the whole filtered result."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page

from data_access import codes
from tests.browser.helpers import MAIN, ServerHandle, assert_healthy, open_app
from tests.browser.test_frame_browser import entries, lake_dates, one_row

pytestmark = pytest.mark.browser


def test_exported_header_csv_has_the_filtered_row_count(
    shared_dashboard: ServerHandle, page: Page, browser_lake: Path, tmp_path: Path
) -> None:
    first, last = lake_dates(browser_lake)
    start, end = date(first.year + 1, 1, 1), last
    lines = f"read_parquet('{browser_lake}/entry_lines/year=*/*.parquet')"
    (country,) = one_row(
        f"SELECT country_of_origin FROM {lines} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    expected = entries(
        browser_lake,
        "entry_date BETWEEN $start AND $end AND country_of_origin = $c",
        start=start,
        end=end,
        c=country,
    )
    assert expected > 100  # more than one page of the table: the export is not the page
    label = f"{country} {codes.country_name(country)}"
    bound = [("period", "Custom"), ("start", start), ("end", end), ("country", label)]
    open_app(page, f"{shared_dashboard.url}/entry_summary?{urlencode(bound)}")
    assert_healthy(page, shared_dashboard)
    assert page.locator(MAIN).get_by_text(f"of {expected:,}.").count() == 1
    with page.expect_download() as download:
        page.locator(MAIN).locator('[data-testid="stDownloadButton"]').get_by_text(
            "CSV"
        ).first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "entry-summary-header.csv"
    with saved.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == expected
    assert {r["entry_date"] >= start.isoformat() for r in rows} == {True}


@pytest.fixture(scope="module")
def large_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo lake whose ES-003 table is past ui.exports.QUICK_DATA_CELLS for CBP."""
    from data_access.synth import build_demo_lake

    where = tmp_path_factory.mktemp("large") / "lake"
    build_demo_lake(where, lines=400_000, seed=7)
    return where


def test_a_large_csv_is_built_in_the_background_then_downloaded_whole(
    start_dashboard, page: Page, large_lake: Path, tmp_path: Path
) -> None:
    from ui import exports

    server = start_dashboard(env={"ITRAC_LAKE": str(large_lake)})
    open_app(page, f"{server.url}/entry_summary?{urlencode({'es_tab': 'Line tariff details'})}")
    assert_healthy(page, server)
    main = page.locator(MAIN)
    caption = main.get_by_text("Rows 1–100 of ").first.inner_text()
    total = int(caption.removeprefix("Rows 1–100 of ").removesuffix(".").replace(",", ""))
    assert total * 33 > exports.QUICK_DATA_CELLS  # 33 ES-003 columns: built in the background
    assert main.locator('[data-testid="stDownloadButton"]').get_by_text("CSV").count() == 0
    main.get_by_role("button", name="Build CSV").click()
    ready = main.locator('[data-testid="stDownloadButton"]').get_by_text("CSV")
    ready.wait_for(timeout=240_000)  # the build's progress bar, then the download
    assert_healthy(page, server)
    with page.expect_download() as got:
        ready.click()
    saved = tmp_path / got.value.suggested_filename
    got.value.save_as(saved)
    assert saved.name == "entry-summary-line-tariff-details.csv"
    with saved.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = sum(1 for _ in reader)
    assert header[:3] == ["entry_number", "line_number", "tariff_ordinal"]  # stable names
    assert rows == total
