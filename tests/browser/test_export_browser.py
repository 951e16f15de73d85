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
