"""The page's export buttons: stable names or ACE headers, Excel built in the background
with its progress, and CSV/Parquet offered with the reason past the Excel budget."""

from __future__ import annotations

import importlib
import io
import threading
from pathlib import Path

import fastexcel
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_access import export
from data_access.access import Principal
from data_access.engines import get_engine
from data_access.reports import REPORTS, Scope
from tests.test_security_properties import ACME, build_tables, write_lake
from ui import export_jobs, exports
from ui import labels as ui_labels

MEDIA: list[object] = []  # the app's media file manager, kept by the script
ES003 = "entry_summary.line_tariff_details"
ACME_ONLY = f"importer:{ACME}"


def es003_page(lake_dir: str, principal_text: str) -> None:
    from pathlib import Path

    from streamlit.runtime import Runtime

    from data_access.access import Principal
    from data_access.filters import Filters
    from tests import test_export_page
    from ui.data import View
    from ui.paged_table import detail_table

    view = View(Path(lake_dir), "duckdb", Principal.parse(principal_text), Filters())
    detail_table(view, "entry_summary.line_tariff_details", key="es003", options={"recon": "all"})
    test_export_page.MEDIA[:] = [Runtime.instance().media_file_mgr]


@pytest.fixture(scope="module")
def page_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lake(tmp_path_factory.mktemp("export-page") / "lake", build_tables())


@pytest.fixture(autouse=True)
def no_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no files built (AppTest's session id is the same in all)."""
    monkeypatch.setattr(export_jobs, "_JOBS", {})


@pytest.fixture
def acme_rows(page_lake: Path) -> pl.DataFrame:
    scope = Scope(get_engine(page_lake, "duckdb"), Principal.parse(ACME_ONLY))
    return REPORTS[ES003](scope, recon="all")


def page(page_lake: Path) -> AppTest:
    at = AppTest.from_function(es003_page, args=(str(page_lake), ACME_ONLY), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def downloaded(at: AppTest, key: str) -> bytes:
    """What the browser gets on clicking download button `key`."""
    (button,) = [b for b in at.download_button if b.key == key]
    media = importlib.import_module("tests.test_export_page").MEDIA[0]
    url = media.execute_deferred(button.proto.deferred_file_id)  # type: ignore[attr-defined]
    return media.read_file(url.rsplit("/", 1)[1]).content  # type: ignore[attr-defined]


def excel(data: bytes) -> pl.DataFrame:
    return fastexcel.read_excel(data).load_sheet(0).to_polars()


def test_page_files_keep_stable_names_unless_ace_headers_are_picked(
    page_lake: Path, acme_rows: pl.DataFrame
) -> None:
    at = page(page_lake)
    stable = pl.read_csv(io.BytesIO(downloaded(at, "es003-csv")), infer_schema=False)
    assert stable.columns == acme_rows.columns  # entry_number, line_number, ...
    assert stable["entry_number"].to_list() == acme_rows["entry_number"].to_list()
    assert stable.height == 7  # ACME's tariff rows only: the principal's rows
    at.segmented_control(key="es003-headers").set_value("ACE headers").run()
    ace_names = [ui_labels.label(c, "entry_lines") for c in acme_rows.columns]
    assert ace_names[:3] == ["Entry Summary Number", "Entry Summary Line Number",
                             "Tariff Ordinal Number"]  # fmt: skip
    ace = pl.read_csv(io.BytesIO(downloaded(at, "es003-csv")), infer_schema=False)
    assert ace.columns == ace_names
    assert ace["Entry Summary Number"].to_list() == acme_rows["entry_number"].to_list()
    book = excel(downloaded(at, "es003-xlsx"))  # small: built on the click
    assert book.columns == ace_names
    assert book["Entry Summary Number"].to_list() == acme_rows["entry_number"].to_list()
    parquet = pl.read_parquet(io.BytesIO(downloaded(at, "es003-parquet")))
    assert parquet.columns == ace_names


def test_past_the_excel_budget_the_page_says_why_and_offers_csv_and_parquet(
    page_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "EXCEL_OFFER_CELLS", 100)  # 7 rows x 33 columns is past it
    at = page(page_lake)
    reason = export.excel_refusal(7, 33)  # ES-003 with the full HTS description
    assert reason is not None and reason.startswith("An Excel file of 7 rows of 33 columns")
    (xlsx,) = [b for b in at.button if b.key == "es003-xlsx"]
    assert xlsx.proto.disabled and xlsx.proto.help == reason  # type: ignore[attr-defined]
    assert "es003-xlsx" not in [b.key for b in at.download_button]
    assert [b.key for b in at.download_button] == ["es003-csv", "es003-parquet"]
    assert f"No Excel file for these rows: {reason}" in [c.value for c in at.caption]


def test_a_large_excel_file_is_built_in_the_background_with_its_progress(
    page_lake: Path, acme_rows: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "QUICK_CELLS", 100)  # 224 cells: build it in the background
    gate = threading.Event()  # holds the build at its start, so its progress can be seen
    write = exports.write_file

    def held(*args: object, **kwargs: object) -> int:
        assert gate.wait(30)
        return write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(exports, "write_file", held)
    at = page(page_lake)
    assert "es003-xlsx" not in [b.key for b in at.download_button]
    at.button(key="es003-xlsx-build").click().run()
    (bar,) = at.get("progress")
    assert bar.proto.text == "Building es003.xlsx: 0 of 7 rows…"  # type: ignore[attr-defined]
    (job,) = [j for k, j in export_jobs._JOBS.items() if "es003" in k and j.total == 7]
    gate.set()
    assert job.wait(60) and not job.error
    assert (job.done, job.fraction()) == (7, 1.0)
    at.run()
    assert not at.get("progress")
    book = excel(downloaded(at, "es003-xlsx"))
    expected = acme_rows.with_columns(pl.col(pl.Decimal).cast(pl.Float64))
    assert book.columns == acme_rows.columns
    assert book["entry_number"].to_list() == expected["entry_number"].to_list()
    assert book["entered_value"].to_list() == expected["entered_value"].to_list()


def test_a_large_csv_file_is_built_in_the_background_then_downloaded(
    page_lake: Path, acme_rows: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "QUICK_DATA_CELLS", 100)  # 231 cells: in the background
    at = page(page_lake)
    assert [b.key for b in at.download_button] == ["es003-xlsx"]  # Excel: still quick
    assert [b.label for b in at.button if b.key and b.key.endswith("-build")] == [
        "Build CSV", "Build PARQUET",
    ]  # fmt: skip
    at.button(key="es003-csv-build").click().run()
    (job,) = [j for k, j in export_jobs._JOBS.items() if "es003" in k and k[-1] == "csv"]
    assert job.wait(60) and not job.error and job.done == 7
    at.run()
    data = pl.read_csv(io.BytesIO(downloaded(at, "es003-csv")), infer_schema=False)
    assert data.columns == acme_rows.columns
    assert data["entry_number"].to_list() == acme_rows["entry_number"].to_list()


def test_a_file_past_the_download_size_stops_and_the_page_says_why(
    page_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "QUICK_DATA_CELLS", 100)
    monkeypatch.setattr(exports, "DOWNLOAD_MAX_BYTES", 1000)  # the header fits, 7 rows do not
    at = page(page_lake)
    at.button(key="es003-csv-build").click().run()
    (job,) = [j for k, j in export_jobs._JOBS.items() if "es003" in k and k[-1] == "csv"]
    assert job.wait(60) and job.too_large
    assert job.error.startswith("the CSV file passed 1,000 bytes at 7 rows")
    assert not job.path.exists() and list(job.folder.iterdir()) == []  # nothing half-written
    at.run()
    assert [e.value for e in at.error] == [exports.too_large(job.error, "csv")]
    assert at.error[0].value.startswith(f"No CSV file for these rows: {job.error}, the most")
    assert "es003-csv" not in [b.key for b in at.download_button]
    assert "es003-csv-build" not in [b.key for b in at.button]  # no retry of the same file
