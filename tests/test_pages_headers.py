"""Every on-screen table of every page and tab shows ACE's headers (ui/labels.py) and
formatted numbers, never a storage name: rendered headless through AppTest over the
hand-built test lakes, reading what the browser is sent (each dataframe's column config).
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.page_walk import CASE_IDS, CASES, PAGES, open_page
from ui import labels
from ui.widgets import EMPTY_CELL


def shown_columns(at: AppTest) -> list[list[tuple[str, str, dict]]]:
    """Per dataframe drawn: (column, header shown, its config) of each column."""
    tables = []
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        tables.append(
            [
                (c, (config.get(c) or {}).get("label") or c, config.get(c) or {})
                for c in frame.value.columns
            ]
        )
    return tables


def number_format(config: dict) -> str | None:
    return (config.get("type_config") or {}).get("format")


@pytest.mark.parametrize(("page", "tab", "params"), CASES, ids=CASE_IDS)
def test_no_table_shows_a_storage_name(page_lakes, page: str, tab: str, params: dict) -> None:
    at = open_page(page_lakes[PAGES[page][0]], page, **params)
    tables = shown_columns(at)
    assert tables, f"{page} {tab}: no table drawn"
    dashes = {frame.proto.placeholder for frame in at.dataframe}
    assert dashes == {EMPTY_CELL}, f"{page} {tab}: missing values read {dashes}"
    for columns in tables:
        raw = [header for _column, header, _config in columns if labels.is_storage_name(header)]
        assert raw == [], f"{page} {tab} shows storage names {raw}"
        nameless = [column for column, _h, _c in columns if not labels.known(column)]
        assert nameless == [], f"{page} {tab}: no label chosen for {nameless}"
        unformatted = [column for column, _h, config in columns if "label" not in config]
        assert unformatted == [], f"{page} {tab}: {unformatted} not through column_config"


def headers(at: AppTest, index: int) -> dict[str, tuple[str, str | None]]:
    return {c: (h, number_format(config)) for c, h, config in shown_columns(at)[index]}


def test_entry_summary_header_reads_as_ace(page_lakes) -> None:
    shown = headers(open_page(page_lakes["es"], "entry_summary"), 0)
    assert shown["entry_number"] == ("Entry Summary Number", None)
    assert shown["entry_type"] == ("Entry Type Code", None)
    assert shown["entry_type_description"] == ("Entry Type", None)
    assert shown["port_of_entry_description"] == ("Port of Entry", None)
    assert shown["entered_value"] == ("Entered Value", "dollar")
    assert shown["duty_amount"] == ("Duty Amount", "dollar")


def test_line_tariff_details_read_as_es003(page_lakes) -> None:
    at = open_page(page_lakes["es"], "entry_summary", es_tab="Line tariff details")
    shown = headers(at, 0)
    assert shown["entered_value"] == ("Line Tariff Goods Value Amount", "dollar")
    assert shown["duty_amount"] == ("Line Tariff Duty Amount", "dollar")
    assert shown["hts_number"] == ("HTS Number - Full", None)
    assert shown["tariff_ordinal"] == ("Tariff Ordinal Number", "%d")
    assert shown["duty_rate"] == ("Column 1 Current Primary Duty Rate", "percent")


def test_lines_and_tariff_rows_are_named_apart(page_lakes) -> None:
    at = open_page(page_lakes["es"], "entry_summary", es_tab="Line details")
    assert headers(at, 0)["tariff_numbers"] == ("Tariff Rows", "%,d")
    trends = open_page(page_lakes["es"], "entry_summary", es_tab="Trends")
    assert headers(trends, 0)["lines"] == ("Lines", "%,d")
    assert headers(trends, 0)["month"][1] == "MMM YYYY"
    assert {m.label: m.help for m in trends.metric}["Lines"] == labels.LINES_HELP
    by_program = headers(open_page(page_lakes["layers"], "tariff_layers"), 1)  # Over time
    assert by_program["Chapter 99 tariff rows"] == ("Chapter 99 tariff rows", "%,d")
    by_country = headers(
        open_page(page_lakes["layers"], "tariff_layers", layers_tab="By country"), 0
    )
    assert by_country["Lines"] == ("Lines", "%,d")
    assert by_country["Effective duty rate"] == ("Effective duty rate", "percent")


def test_rates_show_as_percents_and_counts_with_separators(page_lakes) -> None:
    at = open_page(page_lakes["es"], "exams")
    trend = headers(at, 0)
    assert trend["exam_rate"] == ("Exam Rate", "percent")
    assert trend["exams"] == ("Exams", "%,d") and trend["entries"] == ("Entries", "%,d")
    forms = open_page(page_lakes["es"], "exams", exam_tab="CF-28 / CF-29")
    assert headers(forms, 0)["cf28"] == ("CF-28 (Request for Information)", "%,d")


def test_cargo_and_bond_headers(page_lakes) -> None:
    at = open_page(page_lakes["cbr"], "cargo_release", cargo_release_tab="Cargo Release Details")
    shown = headers(at, 0)
    assert shown["entry_number"] == ("Entry Number", None)  # ACE's Cargo Release header
    assert shown["bill_of_lading"] == ("Bill of Lading Number", None)
    bond = open_page(page_lakes["cbr"], "bond", as_of="2024-04-15")
    series = headers(bond, 0)
    assert series["required_amount"] == ("Required Bond Amount", "dollar")
    assert series["month"] == ("Month", "MMM YYYY")
    details = open_page(page_lakes["cbr"], "bond", as_of="2024-04-15", bond_tab="Bond Details")
    assert headers(details, 0)["status"] == ("Bond Status", None)
    ending = open_page(page_lakes["cbr"], "bond", as_of="2024-04-15", bond_tab="Ending soon")
    assert headers(ending, 0)["status"] == ("Bond Status", None)


def test_reconciliation_adjustments(page_lakes) -> None:
    at = open_page(page_lakes["cbr"], "reconciliation", as_of="2024-04-15",
                   reconciliation_tab="Adjustments")  # fmt: skip
    shown = headers(at, 0)
    assert shown["value_adjustment"] == ("Value Adjustment", "dollar")
    assert shown["duty_adjustment"] == ("Duty Adjustment", "dollar")
    deadlines = open_page(page_lakes["cbr"], "reconciliation", as_of="2024-04-15")
    assert headers(deadlines, 0)["flagged_entry_number"] == ("Entry Summary Number", None)
    assert headers(deadlines, 0)["days_left"] == ("Days Left", "%,d")
    flagged = deadlines.dataframe[0].value["flagged_entry_number"].tolist()
    assert flagged and all(len(n) == 13 and n[3] == n[11] == "-" for n in flagged)  # as ACE shows


def test_holdings_read_in_title_case(page_lakes) -> None:
    at = open_page(page_lakes["es"], "timeline")
    shown = [h for table in shown_columns(at) for _c, h, _config in table]
    assert {"Category", "In ACE Reports", "Rows", "First Date", "Last Date"} <= set(shown)
