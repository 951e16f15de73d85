"""The Audit page, run headless through Streamlit's AppTest over tests/audit_lake.py (the
figures are those of tests/test_audit.py), for each role."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_access import codes, lake
from tests import page_walk
from tests.audit_lake import BOLT, USMCA_VN, P, build
from tests.page_walk import downloaded


@pytest.fixture(scope="module")
def audit_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("audit-page") / "lake")


def open_page(lake: Path, principal: str = "cbp", **params: str) -> AppTest:
    return page_walk.open_page(lake, "audit", principal, **params)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_cbp_sees_every_finding_summed(audit_lake) -> None:
    at = open_page(audit_lake)
    # 19 findings besides the informational mpf_year_unknown; 9 high (duplicate line and
    # entry, low unit value, 2 SPI, USMCA, 2 layers missing, layer outside its dates).
    # Dollars: 1,201 + 1,055 + 131,688 (the product's lines under both numbers) + 129,282
    # (the lines at both rates) + 50 + 100,000 + 2,419 + 1,205 + 107.32 + 1.51 + 2,421 +
    # 1,216 + 150 = 370,795.83
    assert metrics(at) == {
        "Findings": "19",
        "High severity": "9",
        "Dollars involved": "$370.8K",
        "Checks with findings": "15 of 16",
    }
    summary = at.dataframe[0].value
    assert list(summary.columns) == [
        "Check", "Severity", "Findings", "Rows", "Dollars Involved", "What It Means"
    ]  # fmt: skip
    assert summary["Severity"].tolist()[0] == "high"
    assert summary["Severity"].tolist()[-1] == "info"
    rows = at.dataframe[1].value
    assert "Entry Summary Number" in rows.columns and "What Was Found" in rows.columns


def test_one_check_shows_its_sentence_rows_and_export(audit_lake) -> None:
    at = open_page(audit_lake, audit_check="MPF outside the fiscal year's minimum and maximum")
    assert any("merchandise processing fee" in m.value for m in at.markdown)
    rows = at.dataframe[1].value
    assert rows["Entry Summary Number"].tolist() == [
        codes.format_entry_number(P["mpf_over"]), codes.format_entry_number(P["mpf_under"])
    ]  # fmt: skip
    csv = downloaded(at, "audit-findings-mpf-outside-limits-csv")
    exported = pl.read_csv(csv, infer_schema=False)
    assert exported["entry_number"].to_list() == [P["mpf_over"], P["mpf_under"]]
    assert exported["dollars"].to_list() == ["85.65", "21.67"]


@pytest.mark.parametrize("principal", [f"importer:{BOLT}", "broker:XYZ"])
def test_importer_and_broker_see_their_own_finding_only(audit_lake, principal: str) -> None:
    at = open_page(audit_lake, principal)
    assert metrics(at)["Findings"] == "1"
    rows = at.dataframe[1].value
    assert rows["Entry Summary Number"].tolist() == [codes.format_entry_number(USMCA_VN)]


def test_scorecard_tab_for_cbp_lists_each_filer(audit_lake) -> None:
    at = open_page(audit_lake, audit_tab="Broker scorecard")
    card = at.dataframe[0].value
    assert card["Filer Code"].tolist() == ["ABC", "XYZ"]
    assert card["Filer"].tolist() == ["ABC (name unknown)", "XYZ (name unknown)"]
    assert card["Audit Findings per 1,000 Lines"].tolist()[1] == 250.0
    # ABC's every 5th entry was corrected; XYZ's entries never say (no figure, not 0)
    heads = lake.table_glob(audit_lake, "entry_summaries")
    ((abc,),) = duckdb.sql(
        f"SELECT count(*) FILTER (WHERE psc_indicator AND filer_code = 'ABC') "
        f"FROM read_parquet('{heads}')"
    ).fetchall()
    pscs = card["Post-Summary Corrections"].tolist()
    assert abc > 0 and pscs[0] == abc and pd.isna(pscs[1])
    assert pd.isna(card["PSC Rate"].tolist()[1])
    assert [c.key for c in at.selectbox] == ["filer_trend"]


def test_a_broker_sees_only_its_own_card_on_the_page(audit_lake) -> None:
    at = open_page(audit_lake, "broker:XYZ", audit_tab="Broker scorecard")
    assert at.dataframe[0].value["Filer Code"].tolist() == ["XYZ"]
    assert any("Your own card" in c.value for c in at.caption)


def test_cf_forms_tab_lists_each_form_with_its_lines(audit_lake) -> None:
    at = open_page(audit_lake, audit_tab="CF-28 / CF-29")
    forms = at.dataframe[0].value
    assert set(forms["Form"]) == {"CF-28", "CF-29"}
    assert forms["Status"].str.startswith("issued").all()
    assert {"Also Issued on the Entry", "Post Summary Correction Indicator",
            "Liquidation Status", "Liquidation Date"} <= set(forms.columns)  # fmt: skip
    assert set(forms["Also Issued on the Entry"].dropna()) == {"CF-28", "CF-29"}
    lines = at.dataframe[1].value
    assert set(lines["Entry Summary Number"]) == set(forms["Entry Summary Number"])
