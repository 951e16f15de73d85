"""Every on-screen table of every page and tab shows ACE's headers (ui/labels.py) and
formatted numbers, never a storage name: rendered headless through AppTest over the
hand-built test lakes, reading what the browser is sent (each dataframe's column config).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import audit_lake, cbr_lake, entry_summary_lake, layers_lake, refunds_lake
from ui import labels
from ui.widgets import EMPTY_CELL

PAGES = {  # page -> (lake, URL key of its tabs, tabs, other URL parameters)
    "overview": ("es", "", ("",), {}),
    "entry_summary": (
        "es",
        "es_tab",
        ("Header", "Line details", "Line tariff details", "Trends", "Breakdowns",
         "Trade programs", "AD/CVD", "Liquidation"),
        {"as_of": "2024-06-30"},
    ),
    "exams": ("es", "exam_tab", ("Exam rate", "Types and results", "CF-28 / CF-29",
                                 "Exam details"), {}),
    "cargo_release": ("cbr", "cargo_release_tab", ("Volumes", "Release time",
                      "Status and holds", "Cargo Release Details"), {}),
    "bond": ("cbr", "bond_tab", ("Sufficiency", "Ending soon", "Single-transaction bonds",
             "Activity codes", "Bond Details"), {"as_of": "2024-04-15"}),
    "reconciliation": ("cbr", "reconciliation_tab", ("Deadlines", "Flags over time",
                       "Filed vs open", "Adjustments", "Reconciliation Header",
                       "Reconciliation Details"), {"as_of": "2024-04-15"}),
    "tariff_layers": ("layers", "layers_tab", ("Over time", "By country", "By HTS",
                      "Entries", "Audit"), {}),
    "refunds": ("refunds", "refunds_tab", ("By route", "Closing by week", "Entries"),
                {"as_of": str(refunds_lake.AS_OF)}),
    "audit": ("audit", "audit_tab", ("Findings", "Broker scorecard", "CF-28 / CF-29"), {}),
    "timeline": ("es", "", ("",), {}),
    "data": ("es", "", ("",), {}),
}  # fmt: skip
BUILDERS = {
    "es": entry_summary_lake.build,
    "cbr": cbr_lake.build,
    "layers": layers_lake.build,
    "refunds": refunds_lake.build,
    "audit": audit_lake.build,
}


@pytest.fixture(scope="module")
def lakes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("header-lakes")
    return {name: build(root / name) for name, build in BUILDERS.items()}


def page_script(lake_dir: str, page: str) -> None:
    import importlib
    from pathlib import Path

    from data_access.access import CBP
    from data_access.filters import Filters
    from ui.data import View

    importlib.import_module(f"pages.{page}").render(View(Path(lake_dir), "duckdb", CBP, Filters()))


def open_page(lake: Path, page: str, **params: str) -> AppTest:
    at = AppTest.from_function(page_script, args=(str(lake), page), default_timeout=90)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


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


CASES = [
    (page, tab, params | ({key: tab} if key else {}))
    for page, (_lake, key, tabs, params) in PAGES.items()
    for tab in tabs
]


@pytest.mark.parametrize(("page", "tab", "params"), CASES, ids=[f"{p}-{t}" for p, t, _ in CASES])
def test_no_table_shows_a_storage_name(lakes, page: str, tab: str, params: dict) -> None:
    at = open_page(lakes[PAGES[page][0]], page, **params)
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


def test_entry_summary_header_reads_as_ace(lakes) -> None:
    shown = headers(open_page(lakes["es"], "entry_summary"), 0)
    assert shown["entry_number"] == ("Entry Summary Number", None)
    assert shown["entry_type"] == ("Entry Type Code", None)
    assert shown["entry_type_description"] == ("Entry Type", None)
    assert shown["port_of_entry_description"] == ("Port of Entry", None)
    assert shown["entered_value"] == ("Entered Value", "dollar")
    assert shown["duty_amount"] == ("Duty Amount", "dollar")


def test_line_tariff_details_read_as_es003(lakes) -> None:
    at = open_page(lakes["es"], "entry_summary", es_tab="Line tariff details")
    shown = headers(at, 0)
    assert shown["entered_value"] == ("Line Tariff Goods Value Amount", "dollar")
    assert shown["duty_amount"] == ("Line Tariff Duty Amount", "dollar")
    assert shown["hts_number"] == ("HTS Number - Full", None)
    assert shown["tariff_ordinal"] == ("Tariff Ordinal Number", "%d")
    assert shown["duty_rate"] == ("Column 1 Current Primary Duty Rate", "percent")


def test_lines_and_tariff_rows_are_named_apart(lakes) -> None:
    at = open_page(lakes["es"], "entry_summary", es_tab="Line details")
    assert headers(at, 0)["tariff_numbers"] == ("Tariff Rows", "%,d")
    trends = open_page(lakes["es"], "entry_summary", es_tab="Trends")
    assert headers(trends, 0)["lines"] == ("Lines", "%,d")
    assert headers(trends, 0)["month"][1] == "MMM YYYY"
    assert {m.label: m.help for m in trends.metric}["Lines"] == labels.LINES_HELP
    by_program = headers(open_page(lakes["layers"], "tariff_layers"), 1)  # Over time
    assert by_program["Chapter 99 tariff rows"] == ("Chapter 99 tariff rows", "%,d")
    by_country = headers(open_page(lakes["layers"], "tariff_layers", layers_tab="By country"), 0)
    assert by_country["Lines"] == ("Lines", "%,d")
    assert by_country["Effective duty rate"] == ("Effective duty rate", "percent")


def test_rates_show_as_percents_and_counts_with_separators(lakes) -> None:
    at = open_page(lakes["es"], "exams")
    trend = headers(at, 0)
    assert trend["exam_rate"] == ("Exam Rate", "percent")
    assert trend["exams"] == ("Exams", "%,d") and trend["entries"] == ("Entries", "%,d")
    forms = open_page(lakes["es"], "exams", exam_tab="CF-28 / CF-29")
    assert headers(forms, 0)["cf28"] == ("CF-28 (Request for Information)", "%,d")


def test_cargo_and_bond_headers(lakes) -> None:
    at = open_page(lakes["cbr"], "cargo_release", cargo_release_tab="Cargo Release Details")
    shown = headers(at, 0)
    assert shown["entry_number"] == ("Entry Number", None)  # ACE's Cargo Release header
    assert shown["bill_of_lading"] == ("Bill of Lading Number", None)
    bond = open_page(lakes["cbr"], "bond", as_of="2024-04-15")
    series = headers(bond, 0)
    assert series["required_amount"] == ("Required Bond Amount", "dollar")
    assert series["month"] == ("Month", "MMM YYYY")
    details = open_page(lakes["cbr"], "bond", as_of="2024-04-15", bond_tab="Bond Details")
    assert headers(details, 0)["status"] == ("Bond Status", None)
    ending = open_page(lakes["cbr"], "bond", as_of="2024-04-15", bond_tab="Ending soon")
    assert headers(ending, 0)["status"] == ("Bond Status", None)


def test_reconciliation_adjustments(lakes) -> None:
    at = open_page(lakes["cbr"], "reconciliation", as_of="2024-04-15",
                   reconciliation_tab="Adjustments")  # fmt: skip
    shown = headers(at, 0)
    assert shown["value_adjustment"] == ("Value Adjustment", "dollar")
    assert shown["duty_adjustment"] == ("Duty Adjustment", "dollar")
    deadlines = open_page(lakes["cbr"], "reconciliation", as_of="2024-04-15")
    assert headers(deadlines, 0)["flagged_entry_number"] == ("Entry Summary Number", None)
    assert headers(deadlines, 0)["days_left"] == ("Days Left", "%,d")
    flagged = deadlines.dataframe[0].value["flagged_entry_number"].tolist()
    assert flagged and all(len(n) == 13 and n[3] == n[11] == "-" for n in flagged)  # as ACE shows


def test_holdings_read_in_title_case(lakes) -> None:
    at = open_page(lakes["es"], "timeline")
    shown = [h for table in shown_columns(at) for _c, h, _config in table]
    assert {"Category", "In ACE Reports", "Rows", "First Date", "Last Date"} <= set(shown)
