"""The Cargo Release, Bond and Reconciliation pages, run headless through Streamlit's
AppTest over the hand-built lake of tests/cbr_lake.py (figures worked out there)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access import codes
from tests.cbr_lake import ACME, BOLT, build, entry
from tests.page_walk import open_page

NO_DATA = "No data for these filters. Widen the date range or clear some filters."
AS_OF = "2024-04-15"


@pytest.fixture(scope="module")
def page_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("cbr-pages") / "lake")


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


# --- Cargo Release -----------------------------------------------------------------------
def test_cargo_release_page_opens_on_volumes(page_lake) -> None:
    at = open_page(page_lake, "cargo_release")
    assert at.markdown[0].value.startswith("How many days does our cargo wait")
    assert metrics(at) == {
        "Releases": "7",
        "Released": "6",
        "Median days to release": "2.5",
        "90th percentile days": "7.0",
        "Holds": "3",
    }
    assert texts(at, "header") == [
        "Releases per month by port of entry",
        "Releases per month by mode",
    ]
    assert at.dataframe[0].value.shape[0] == 6  # (month, port, mode) rows of the table


@pytest.mark.parametrize(
    ("tab", "subheaders"),
    [
        ("Release time", ["Release time per month", "Slowest ports", "Slowest modes"]),
        ("Status and holds", ["Release status mix", "Holds by agency"]),
    ],
)
def test_cargo_release_chart_tabs(page_lake, tab: str, subheaders: list[str]) -> None:
    at = open_page(page_lake, "cargo_release", cargo_release_tab=tab)
    assert texts(at, "header") == subheaders
    assert len(at.caption) == len(subheaders)  # alt text under every chart


def test_cargo_release_details_tab(page_lake) -> None:
    at = open_page(page_lake, "cargo_release", cargo_release_tab="Cargo Release Details")
    details = at.dataframe[0].value
    assert details["entry_number"].tolist()[0] == codes.format_entry_number(entry("XYZ", 1))
    assert "Rows 1–7 of 7." in texts(at, "caption")
    assert {"cargo-release-details-csv", "cargo-release-details-xlsx"} <= {
        b.key for b in at.download_button
    }


def test_cargo_release_empty_state(page_lake) -> None:
    at = open_page(page_lake, "cargo_release", filters={"start": "2030-01-01"})
    assert texts(at, "info") == [NO_DATA]
    assert not at.metric


# --- Bond --------------------------------------------------------------------------------
def test_bond_page_marks_the_insufficient_bond(page_lake) -> None:
    at = open_page(page_lake, "bond", as_of=AS_OF)
    assert metrics(at) == {
        "Continuous bonds judged": "2",
        "Insufficient now": "1",
        "Ending in 90 days": "2",
        "Bonds in the period": "8",
    }
    assert texts(at, "error") == [
        f"**{BOLT}**: bond CB1 of \\$100,000.00, but 10% of the duties, taxes and fees of "
        "Apr 2023 to Mar 2024 (\\$1,000,000.01) requires \\$200,000.00. Raise the bond to "
        "**\\$200,000.00**."
    ]
    assert at.selectbox(key="bond_importer").value == BOLT  # opens on the insufficient one
    assert texts(at, "header") == [f"Continuous bond sufficiency, {BOLT}"]
    series = at.dataframe[0].value
    assert series.shape[0] == 11  # June 2023 to April 2024
    assert series["raise_to"].tolist()[-1] == 200000
    assert series["judgement"].tolist() == ["sufficient"] * 6 + ["INSUFFICIENT"] * 5


def test_bond_sufficiency_for_another_importer(page_lake) -> None:
    at = open_page(page_lake, "bond", as_of=AS_OF, bond_importer=ACME)
    series = at.dataframe[0].value
    assert series.shape[0] == 28  # January 2022 to April 2024
    assert series["judgement"].tolist()[18:] == ["INSUFFICIENT"] * 6 + [
        "sufficient",
        "INSUFFICIENT",
        "INSUFFICIENT",
        "sufficient",
    ]


@pytest.mark.parametrize(
    ("tab", "rows"),
    [
        ("Ending soon", 2),
        ("Single-transaction bonds", 3),
        ("Activity codes", 2),
        ("Bond Details", 8),
    ],
)
def test_bond_tabs(page_lake, tab: str, rows: int) -> None:
    at = open_page(page_lake, "bond", as_of=AS_OF, bond_tab=tab)
    assert at.dataframe[0].value.shape[0] == rows


def test_bond_page_empty_state(page_lake) -> None:
    at = open_page(page_lake, "bond", principal="importer:99-1234567AB", as_of=AS_OF)
    assert texts(at, "info") == [
        "No data for bonds with these filters. Widen the date range or clear some filters."
    ]


# --- Reconciliation ------------------------------------------------------------------------
def test_reconciliation_page_opens_on_deadlines(page_lake) -> None:
    at = open_page(page_lake, "reconciliation", as_of=AS_OF)
    assert metrics(at) == {
        "Flagged entries": "7",
        "Open flags": "4",
        "Overdue": "1",
        "Due in 90 days": "1",
        "Value adjustments": "$700.00",
        "Duty adjustments": "$12.50",
    }
    assert texts(at, "error") == [
        "1 open flag is past the filing deadline: they are listed first under Deadlines."
    ]
    deadlines = at.dataframe[0].value
    assert deadlines["deadline"].tolist() == [
        "OVERDUE by 46 days",
        "16 days left",
        "122 days left",
        "319 days left",
    ]


@pytest.mark.parametrize(
    ("tab", "rows"),
    [
        ("Flags over time", 7),
        ("Filed vs open", 6),
        ("Adjustments", 2),
        ("Reconciliation Header", 2),
        ("Reconciliation Details", 7),
    ],
)
def test_reconciliation_tabs(page_lake, tab: str, rows: int) -> None:
    at = open_page(page_lake, "reconciliation", as_of=AS_OF, reconciliation_tab=tab)
    assert at.dataframe[0].value.shape[0] == rows


def test_reconciliation_for_a_broker(page_lake) -> None:
    at = open_page(page_lake, "reconciliation", principal="broker:XYZ", as_of="2024-05-02")
    assert metrics(at)["Open flags"] == "2"
    assert metrics(at)["Overdue"] == "1"


def test_reconciliation_empty_state(page_lake) -> None:
    at = open_page(page_lake, "reconciliation", principal="importer:99-1234567AB")
    assert texts(at, "info") == [
        "No data for reconciliation flags with these filters. Widen the date range or "
        "clear some filters."
    ]
