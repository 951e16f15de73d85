"""The Entry Summary and Exams pages, run headless through Streamlit's AppTest over the
hand-built lake of tests/entry_summary_lake.py."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_access import codes, export
from data_access.access import Principal
from data_access.filters import Filters
from tests import page_walk
from tests.entry_summary_lake import E, build
from ui.data import View
from ui.paged_table import excel_note, whole_result

ES_INTRO = "What did we declare to CBP, entry by entry and line by line"
EXAMS_INTRO = "How often does CBP examine our entries"
NO_DATA = "No data for these filters. Widen the date range or clear some filters."


@pytest.fixture(scope="module")
def page_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("pages") / "lake")


def open_page(lake: Path, page: str = "entry_summary", **options: Any) -> AppTest:
    return page_walk.open_page(lake, page, **options)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# --- Entry Summary ----------------------------------------------------------------------
def test_entry_summary_opens_on_the_header_report(page_lake) -> None:
    at = open_page(page_lake)
    assert at.markdown[0].value.startswith(ES_INTRO)
    assert metrics(at) == {
        "Entries": "12",
        "Lines": "15",
        "Entered value": "$146.0K",
        "Duties": "$30.0K",
        "Taxes and fees": "$121.24",
        "Effective duty rate": "20.52%",
    }
    header = at.dataframe[0].value
    assert header["entry_number"].tolist()[:2] == [
        codes.format_entry_number(E[10]),
        codes.format_entry_number(E[1]),
    ]
    assert header["entry_number"].tolist()[0] == E[10][:3] + "-" + E[10][3:10] + "-" + E[10][10]
    keys = {b.key for b in at.download_button}
    assert {"entry-summary-header-csv", "entry-summary-header-xlsx"} <= keys


@pytest.mark.parametrize(
    ("tab", "rows"),
    [("Header", 12), ("Line details", 15), ("Line tariff details", 21)],
)
def test_each_ace_report_tab_shows_its_rows(page_lake, tab, rows) -> None:
    at = open_page(page_lake, es_tab=tab)
    assert at.dataframe[0].value.shape[0] == rows
    assert f"Rows 1–{rows} of {rows}." in [c.value for c in at.caption]


def test_pager_shows_one_page_of_the_filtered_rows(page_lake) -> None:
    at = open_page(page_lake, es_tab="Line tariff details")
    assert not at.get("pagination")  # 21 rows fit one page of 100
    at.selectbox(key="entry-summary-line-tariff-details-page-size").set_value(10).run()
    pager = at.get("pagination")[0]
    assert pager.num_pages == 3
    assert at.dataframe[0].value.shape[0] == 10
    pager.set_value(3).run()
    assert at.dataframe[0].value.shape[0] == 1
    assert "Rows 21–21 of 21." in [c.value for c in at.caption]


@pytest.mark.parametrize("tab", ["Trends", "Breakdowns", "Trade programs", "AD/CVD", "Liquidation"])
def test_every_chart_tab_draws_without_error(page_lake, tab) -> None:
    at = open_page(page_lake, es_tab=tab, as_of="2024-06-30")
    assert at.header, f"{tab} drew no chart"
    assert len(at.caption) >= 1  # the alt text under each chart


def test_liquidation_tab_counts_entries_due(page_lake) -> None:
    at = open_page(page_lake, es_tab="Liquidation", as_of="2024-06-30")
    shown = metrics(at)
    assert (
        shown["Overdue"],
        shown["Next 30 days"],
        shown["Next 60 days"],
        shown["Next 90 days"],
    ) == ("0 entries", "0 entries", "1 entry", "2 entries")
    protests = at.dataframe[-1].value
    assert protests["entry_number"].tolist() == [
        codes.format_entry_number(E[n]) for n in (7, 2, 12)
    ]


def test_hts_drill_in_the_url_narrows_the_whole_page(page_lake) -> None:
    at = open_page(page_lake, es_tab="Breakdowns", hts_drill="84")
    assert metrics(at)["Entered value"] == "$60.0K"
    assert at.info[0].value.startswith("Narrowed to HTS 84")
    assert at.header[0].value == "HTS drill-down: headings under 84"
    assert at.dataframe[0].value["hts_code"].tolist() == ["8471"]
    assert [b.label for b in at.button] == ["↑ All HTS"]


def test_a_drill_outside_the_global_hts_filter_is_ignored(page_lake) -> None:
    at = open_page(page_lake, filters={"hts_prefix": "87"}, hts_drill="84")
    assert metrics(at)["Entered value"] == "$27.0K"
    assert not any(i.value.startswith("Narrowed") for i in at.info)


def test_reconciliation_option_and_broker_scope(page_lake) -> None:
    assert metrics(open_page(page_lake, recon="Flagged"))["Entries"] == "3"
    broker = open_page(page_lake, principal="broker:XYZ")
    assert metrics(broker)["Entered value"] == "$38.0K"
    assert broker.dataframe[0].value.shape[0] == 4


def test_entry_summary_empty_state(page_lake) -> None:
    at = open_page(page_lake, filters={"start": "2030-01-01"})
    assert at.markdown[0].value.startswith(ES_INTRO)
    assert [i.value for i in at.info] == [NO_DATA]
    assert not at.metric and not at.dataframe


# --- Exams ------------------------------------------------------------------------------
@pytest.mark.parametrize("tab", ["Exam rate", "Types and results", "CF-28 / CF-29", "Exam details"])
def test_exams_page_tabs(page_lake, tab) -> None:
    at = open_page(page_lake, "exams", exam_tab=tab)
    assert at.markdown[0].value.startswith(EXAMS_INTRO)
    assert metrics(at)["Exams"] == "7"
    assert (metrics(at)["CF-28"], metrics(at)["CF-29"]) == ("3", "2")
    assert at.dataframe


def test_exam_details_for_a_broker(page_lake) -> None:
    at = open_page(page_lake, "exams", principal="broker:XYZ", exam_tab="Exam details")
    assert metrics(at)["Exam rate"] == "75.00%"  # a rate is a percent (issue 16)
    assert at.dataframe[0].value["exam_id"].tolist() == ["X4", "X5", "X7"]
    assert "exams-details-parquet" in {b.key for b in at.download_button}


def test_exams_empty_state(page_lake) -> None:
    at = open_page(page_lake, "exams", filters={"start": "2030-01-01"})
    assert [i.value for i in at.info] == [NO_DATA]
    assert not at.metric


# --- exports: the whole filtered result, stored entry numbers ----------------------------
def test_export_holds_every_filtered_row_not_the_page(page_lake) -> None:
    view = View(page_lake, "duckdb", Principal.parse("broker:ABC"), Filters(countries=("CN",)))
    rows = whole_result(view, "entry_summary.line_tariff_details", {"recon": "all"})
    csv = pl.read_csv(io.BytesIO(export.to_bytes(rows, "csv")), infer_schema=False)
    assert csv.height == 13  # every Chinese tariff row; ABC filed them all
    assert csv["entry_number"][0] == E[1]  # 11 characters, as ACE exports them


def test_excel_note_says_the_exports_hold_every_filtered_row() -> None:
    # Past the sheet limit or the time budget the buttons say why there is no Excel
    # file (tests/test_export_page.py); the CLI still splits across sheets.
    assert excel_note(12) == "Exports hold all 12 filtered rows, not only this page."
    assert excel_note(2_500_000) == "Exports hold all 2,500,000 filtered rows, not only this page."
