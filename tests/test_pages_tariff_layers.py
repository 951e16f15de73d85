"""The Tariff layers page, run headless through Streamlit's AppTest over the hand-built
lake of tests/layers_lake.py (figures worked out there and in tests/test_layers.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests import page_walk
from tests.layers_lake import E, build

INTRO = "How much Section 301, 232, IEEPA and 122 duty did we pay"


@pytest.fixture(scope="module")
def page_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("layer-pages") / "lake")


def open_page(lake: Path, **options: Any) -> AppTest:
    return page_walk.open_page(lake, "tariff_layers", **options)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_opens_on_duty_by_program_over_time(page_lake) -> None:
    at = open_page(page_lake)
    assert at.markdown[0].value.startswith(INTRO)
    assert metrics(at) == {
        "Chapter 99 duty": "$92.2K",
        "Refundable IEEPA duty": "$29.3K",
        "Section 301": "$29.6K",
        "Section 232": "$32.5K",
        "Section 122": "$800.00",
        "Entries with layers": "6",
    }
    assert [s.value for s in at.header] == [
        "Chapter 99 duty by program per month",
        "Chapter 99 duty by program",
    ]
    monthly = at.dataframe[0].value
    assert list(monthly.columns) == [
        "Month of Entry", "Program", "Chapter 99 tariff rows", "Line Tariff Duty Amount",
        "Refundable (2026 IEEPA ruling)", "Partial Month",
    ]  # fmt: skip
    assert monthly.shape[0] == 12
    assert "2026-02-20" in at.caption[0].value  # the ruling is marked on the chart
    keys = {b.key for b in at.download_button}
    assert {"tariff-layers-by-month-csv", "tariff-layers-by-program-xlsx"} <= keys


def test_chapter_tab_attributes_layers_to_the_goods(page_lake) -> None:
    at = open_page(page_lake, layers_tab="By HTS")
    frame = at.dataframe[0].value
    assert frame["HTS"].tolist() == ["72", "76", "84", "73", "94"]
    row = frame[frame["HTS"] == "73"].iloc[0]
    assert (float(row["Line Tariff Duty Amount"]), float(row["Section 301 duty"])) == (14000, 10000)
    assert float(row["Effective duty rate"]) == pytest.approx(0.14)
    heading = open_page(page_lake, layers_tab="By HTS", layers_level="heading").dataframe[0].value
    assert heading["HTS"].tolist()[:2] == ["7208", "7604"]


def test_country_tab(page_lake) -> None:
    at = open_page(page_lake, layers_tab="By country")
    frame = at.dataframe[0].value
    assert frame["Country of Origin Code"].tolist() == ["CN", "DE"]
    assert float(frame["IEEPA reciprocal duty"].tolist()[1]) == 4000


def test_entries_tab_drills_down_to_the_lines(page_lake) -> None:
    at = open_page(
        page_lake, layers_tab="Entries", layer_entry=f"{E[2][:3]}-{E[2][3:10]}-{E[2][10]}"
    )
    entries = at.dataframe[0].value
    assert entries.shape[0] == 6
    assert entries["Entry Summary Number"].tolist()[0] == f"{E[4][:3]}-{E[4][3:10]}-{E[4][10]}"
    layers = at.dataframe[1].value
    assert layers["Chapter 99 HTS Number"].tolist() == [
        "9903.80.01", "9903.01.24", "9903.88.03", "9903.01.63", "9903.01.24",
    ]  # fmt: skip
    assert layers["Program"].tolist()[0] == "Section 232"


def test_entries_tab_refuses_a_malformed_entry_number(page_lake) -> None:
    at = open_page(page_lake, layers_tab="Entries", layer_entry="ABC-1234567-0")
    assert at.warning[0].value.startswith("'ABC-1234567-0' has check digit 0, expected 6")


def test_audit_tab_lists_the_findings_with_export(page_lake) -> None:
    at = open_page(page_lake, layers_tab="Audit")
    summary = at.dataframe[0].value
    assert dict(zip(summary["Finding"], summary["Lines"], strict=True)) == {
        "Layer missing": 3,
        "IEEPA filed after the ruling": 1,
        "Filed outside its effective dates": 1,
        "Number not in the registry": 1,
        "Stacked where it does not stack": 1,
    }
    findings = at.dataframe[1].value
    assert findings.shape[0] == 7
    assert "tariff-layers-audit-csv" in {b.key for b in at.download_button}


def test_a_principal_without_layers_sees_the_empty_state(page_lake) -> None:
    at = open_page(page_lake, principal="importer:99-1234567AB")
    assert [i.value for i in at.info] == [
        "No data for Chapter 99 layers with these filters. Widen the date range or clear "
        "some filters."
    ]
