"""The IEEPA refunds page, run headless through Streamlit's AppTest over the hand-built
lake of tests/refunds_lake.py (as of its AS_OF, 2026-11-02; the figures are those of
tests/test_refunds.py, worked by hand there)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access import codes, refund_routes
from tests import page_walk
from tests.page_walk import downloaded
from tests.refunds_lake import ACME, AS_OF, BOLT, E, build

INTRO = "How much IEEPA duty did we pay, by which route"


@pytest.fixture(scope="module")
def refunds_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("refunds-page") / "lake")


def open_page(lake: Path, principal: str = "cbp", **params: str) -> AppTest:
    """The page as of AS_OF unless `params` say another day."""
    return page_walk.open_page(lake, "refunds", principal, **{"as_of": str(AS_OF), **params})


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def shown_as_dollars(at: AppTest, index: int = 0) -> list[str]:
    """The columns table `index` draws as dollar amounts ($1,234.56)."""
    config = json.loads(at.dataframe[index].proto.columns)
    return [
        name for name, c in config.items() if c.get("type_config", {}).get("format") == "dollar"
    ]


def dashed(*serials: int) -> list[str]:
    return [codes.format_entry_number(E[n]) for n in serials]


def test_kpis_are_the_dollars_of_each_route(refunds_lake) -> None:
    at = open_page(refunds_lake)
    assert at.markdown[0].value.startswith(INTRO)
    assert at.date_input(key="as_of").value == AS_OF
    assert metrics(at) == {
        "IEEPA duty paid": "$1.8K",  # 16 entries: 7 CAPE (900), 3 protest, 1 final, 5 excluded
        "Claimable now via CAPE": "$900.00",
        "Protest": "$300.00",
        "Final / court": "$100.00",
        "Not eligible": "$500.00",
    }
    helps = {m.label: m.help for m in at.metric}
    assert helps["IEEPA duty paid"] == "\\$1,800.00 on 16 entries"
    assert helps["Claimable now via CAPE"] == "CAPE Phase 1: \\$900.00 on 7 entries"


def test_by_route_table_has_users_words_and_exports(refunds_lake) -> None:
    at = open_page(refunds_lake)
    table = at.dataframe[0].value
    assert list(table.columns) == ["Refund Route", "Entries", "IEEPA Duty"]
    assert table["Refund Route"].tolist() == [
        "CAPE Phase 1",
        "Protest",
        "Final - Court of International Trade or a later CAPE phase",
        "Not eligible for CAPE",
    ]
    assert table["Entries"].tolist() == [7, 3, 1, 5]
    assert [float(v) for v in table["IEEPA Duty"]] == [900.0, 300.0, 100.0, 500.0]
    assert shown_as_dollars(at) == ["IEEPA Duty"]
    keys = {b.key for b in at.download_button}
    assert {"refunds-by-route-csv", "refunds-by-route-xlsx"} <= keys


def test_an_importer_sees_its_own_and_a_broker_what_it_filed(refunds_lake) -> None:
    acme = metrics(open_page(refunds_lake, f"importer:{ACME}"))
    assert (acme["IEEPA duty paid"], acme["Claimable now via CAPE"]) == ("$1.7K", "$800.00")
    broker = metrics(open_page(refunds_lake, "broker:XYZ"))  # XYZ filed BOLT's one entry
    assert broker == {
        "IEEPA duty paid": "$100.00",
        "Claimable now via CAPE": "$100.00",
        "Protest": "$0.00",
        "Final / court": "$0.00",
        "Not eligible": "$0.00",
    }


def test_as_of_in_the_address_moves_every_figure(refunds_lake) -> None:
    """A week later, entry 2 (CAPE's last day was AS_OF) has gone to protest and entry 4
    (the protest's last day) is final."""
    at = open_page(refunds_lake, as_of="2026-11-09")
    shown = metrics(at)
    assert (shown["Claimable now via CAPE"], shown["Protest"], shown["Final / court"]) == (
        "$800.00",
        "$300.00",
        "$200.00",
    )


def test_money_at_risk_week_by_week(refunds_lake) -> None:
    at = open_page(refunds_lake, refunds_tab="Closing by week")
    assert [w.value for w in at.warning] == [
        "\\$500.00 of IEEPA duty on 5 entries loses its route in the next 26 weeks unless claimed."
    ]
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "Week", "Week Starting", "Week Ending", "Refund Route", "Entries", "IEEPA Duty",
    ]  # fmt: skip
    assert table["Week"].tolist() == [1, 1, 11, 15, 22]
    assert table["Refund Route"].tolist() == [
        "CAPE Phase 1", "Protest", "CAPE Phase 1", "Protest", "Protest",
    ]  # fmt: skip
    assert {"refunds-closing-by-week-csv", "refunds-closing-by-week-xlsx"} <= {
        b.key for b in at.download_button
    }


def test_nothing_closing_says_so(refunds_lake) -> None:
    at = open_page(refunds_lake, refunds_tab="Closing by week", as_of="2030-01-01")
    assert [s.value for s in at.success] == [
        "No refund window closes in the 26 weeks from 01 Jan 2030."
    ]


def test_entries_list_with_route_filter(refunds_lake) -> None:
    at = open_page(refunds_lake, refunds_tab="Entries")
    table = at.dataframe[0].value  # stable names; the headers shown are the config's labels
    config = json.loads(at.dataframe[0].proto.columns)
    assert [config[c]["label"] for c in table.columns] == [
        "Entry Summary Number", "Importer Number", "Filer Code", "Entry Date", "IEEPA Duty",
        "Liquidation Status", "Liquidation Date", "Refund Route", "Deadline", "Days Left",
        "Why", "If nothing is done",
    ]  # fmt: skip
    assert table.shape[0] == 16
    assert shown_as_dollars(at) == ["ieepa_duty"]
    assert table["entry_number"].tolist()[:3] == dashed(2, 4, 16)  # earliest first
    assert "Rows 1–16 of 16." in [c.value for c in at.caption]
    at.selectbox(key="refund_route").set_value("Protest").run()
    table = at.dataframe[0].value
    assert table["entry_number"].tolist() == dashed(4, 3, 13)
    assert table["days_left"].tolist() == [0, 99, 150]
    assert table["reason"].tolist()[0] == "Liquidated 180 days ago"
    assert table["deadline"].tolist()[0] == "2026-11-02"
    assert {"refunds-entries-csv", "refunds-entries-xlsx"} <= {b.key for b in at.download_button}


def test_cape_download_is_the_importers_declaration(refunds_lake) -> None:
    """CBP sees two importers: the selectbox picks one; the zip holds its CAPE entries
    only, as `itrac cape` writes them, and the page says how many and how much."""
    at = open_page(refunds_lake, refunds_tab="CAPE declaration")
    rules = refund_routes.load()
    assert at.warning[0].value == f"**Before you declare:** {rules.declaration.blocks}"
    checks = at.info[0].value
    assert "- Entries under an open protest are not in CAPE Phase 1" in checks
    assert "- Entries linked to a drawback claim are not in CAPE Phase 1" in checks
    assert at.selectbox(key="cape_importer").options == [ACME, BOLT]
    name = f"CAPE-{ACME}-001.csv"
    assert f"- `{name}`: 6 entries, \\$800.00 of IEEPA duty" in [m.value for m in at.markdown]
    archive = zipfile.ZipFile(io.BytesIO(downloaded(at, "cape-zip")))
    assert archive.namelist() == [name]
    expected = sorted(E[n] for n in (1, 2, 6, 7, 15, 16))
    assert archive.read(name).decode() == "Entry Number\n" + "".join(f"{e}\n" for e in expected)
    at.selectbox(key="cape_importer").set_value(BOLT).run()
    archive = zipfile.ZipFile(io.BytesIO(downloaded(at, "cape-zip")))
    assert archive.read(f"CAPE-{BOLT}-001.csv").decode() == f"Entry Number\n{E[17]}\n"


def test_an_importer_gets_no_choice_and_only_its_entries(refunds_lake) -> None:
    at = open_page(refunds_lake, f"importer:{BOLT}", refunds_tab="CAPE declaration")
    assert not [s for s in at.selectbox if s.key == "cape_importer"]
    archive = zipfile.ZipFile(io.BytesIO(downloaded(at, "cape-zip")))
    assert archive.namelist() == [f"CAPE-{BOLT}-001.csv"]


def test_no_ieepa_duty_is_the_empty_state(refunds_lake) -> None:
    at = open_page(refunds_lake, "importer:11-1111111AA")
    assert [i.value for i in at.info] == [
        "No data for IEEPA duty with these filters. Widen the date range or clear some filters."
    ]
    assert not at.metric


def test_default_as_of_is_itrac_today(refunds_lake, monkeypatch) -> None:
    monkeypatch.setenv("ITRAC_TODAY", "2026-11-09")
    at = page_walk.open_page(refunds_lake, "refunds")
    assert at.date_input(key="as_of").value == date(2026, 11, 9)
    assert metrics(at)["Final / court"] == "$200.00"
