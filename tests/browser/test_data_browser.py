"""The Data page in a real browser: a load survives reruns and shows its result.

A load ran inside the script run: changing a sidebar widget right after clicking Load
stopped that run at its next Streamlit call and dropped the transaction, silently. The
load now runs in a background job (ui/load_jobs.py) that later runs read back. The lake
is the test's own (an ES-003 file ingested into a fresh folder), so the load cannot
touch the lake other tests read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from data_access.access import CBP
from data_access.ingest import ingest
from tests.browser.conftest import StartDashboard
from tests.browser.helpers import MAIN, app_rerun, assert_healthy, open_app, pick, selectbox
from tests.ingest_files import es003_frame, lake_rows, write_es003

pytestmark = pytest.mark.browser

UPLOADED_ROWS = 60_000  # several seconds of loading: the sidebar change lands mid-load
RESULT_TIMEOUT_MS = 180_000
# A name Markdown would turn into bold text and a link: it must show as typed.
ODD_NAME = "Q1 **final** [v2](x).csv"


@pytest.fixture
def own_lake(tmp_path: Path) -> Path:
    first = tmp_path / "first.csv"
    es003_frame(8, start=900_000).write_csv(first, quote_style="non_numeric")
    [result] = ingest(tmp_path / "lake", [first], principal=CBP)
    assert result.rows_loaded == 8
    return tmp_path / "lake"


def _upload(page: Page, *files: Path) -> None:
    chooser = page.locator('[data-testid="stFileUploader"] input[type="file"]')
    with app_rerun(page):
        chooser.set_input_files([str(f) for f in files])
    for file in files:
        expect(page.get_by_role("button", name=f"Remove {file.name}", exact=True)).to_be_visible()


def test_a_load_survives_a_sidebar_change_and_shows_its_result(
    start_dashboard: StartDashboard, page: Page, own_lake: Path, tmp_path: Path
) -> None:
    export = write_es003(tmp_path / "es003 2024.csv", UPLOADED_ROWS)
    odd = tmp_path / ODD_NAME
    odd.write_text(
        "Entry Summary Number,Entry Summary Line Number,Entry Date\r\nnot-an-entry,1,x\r\n"
    )
    server = start_dashboard(env={"ITRAC_LAKE": str(own_lake)})
    open_app(page, f"{server.url}/data")
    # The uploader states the server's real limit (512 MB read "1GB per file").
    expect(page.get_by_test_id("stFileUploaderDropzoneInstructions")).to_contain_text(
        "500MB per file"
    )
    _upload(page, export, odd)
    period = selectbox(page, "Period").input_value()
    other = "Year to date" if period != "Year to date" else "Last 12 months"
    page.get_by_role("button", name="Load files").click()
    pick(page, "Period", other)  # right after the click: the run the click started stops
    main = page.locator(MAIN)
    expect(main.get_by_text("This load", exact=True)).to_be_visible(timeout=RESULT_TIMEOUT_MS)
    assert_healthy(page, server)
    expect(selectbox(page, "Period")).to_have_value(other)
    assert lake_rows(own_lake, "entry_lines").height == 8 + UPLOADED_ROWS
    # The odd name failed on its own, shown as typed (not bold, not a link).
    failure = main.locator('[data-testid="stAlertContentError"]')
    expect(failure).to_have_count(1)
    assert failure.inner_text().startswith(f"{ODD_NAME}: missing required columns")
    assert failure.locator("strong, a").count() == 0
