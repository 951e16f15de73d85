"""Brokers never see bond data (a CBP rule): every path to it refuses a broker.

Paths: each registered bond report (through the registry and called bare), the scope's
table, `itrac export`, the Bond page rendered for a broker, and the frame's /bond address
(hidden from a broker's menu, answering with a notice). Each refusal is checked beside
the same request by an importer or CBP succeeding, so the tests cannot pass vacuously.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dashboard
from data_access import cli
from data_access.access import CBP, Principal, Refused
from data_access.engines import DuckDBEngine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from tests.cbr_lake import ACME, AS_OF, build

REFUSAL = "Bond Details data is not available to brokers (a CBP rule)"
NOTICE = "Bond data is not available to brokers (a CBP rule)."
BROKERS = {
    "broker": Principal("broker", filer_codes=("XYZ",)),
    "broker with named clients": Principal(
        "broker", importer_numbers=(ACME,), filer_codes=("ABC",)
    ),
}
BOND_REPORTS = sorted(name for name, r in REPORTS.items() if "bonds" in r.tables)
OPTIONS = {"as_of": AS_OF}  # for the reports that take it


@pytest.fixture(scope="module")
def lake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("broker-bonds") / "lake")


@pytest.fixture(scope="module")
def engine(lake_dir: Path) -> DuckDBEngine:
    return DuckDBEngine(lake_dir)


def _options(name: str) -> dict:
    takes = inspect.signature(REPORTS[name].function).parameters
    return {k: v for k, v in OPTIONS.items() if k in takes}


def test_every_bond_page_report_declares_the_bonds_table() -> None:
    bond_category = sorted(name for name in REPORTS if name.startswith("bond."))
    assert bond_category == BOND_REPORTS
    assert {"bond.details", "bond.sufficiency", "bond.sufficiency_now"} <= set(BOND_REPORTS)


@pytest.mark.parametrize("who", list(BROKERS))
@pytest.mark.parametrize("name", BOND_REPORTS)
def test_each_bond_report_refuses_a_broker(engine, name: str, who: str) -> None:
    scope = Scope(engine, BROKERS[who], Filters())
    with pytest.raises(Refused, match=re.escape(REFUSAL)):
        REPORTS[name](scope, **_options(name))
    with pytest.raises(Refused, match=re.escape(REFUSAL)):  # the bare function: the scope refuses
        REPORTS[name].function(scope, **_options(name))
    answer = REPORTS[name](Scope(engine, CBP, Filters()), **_options(name))
    assert answer.height > 0  # the same report has rows for CBP


def test_the_scope_refuses_the_bonds_table(engine) -> None:
    for broker in BROKERS.values():
        with pytest.raises(Refused, match=re.escape(REFUSAL)):
            Scope(engine, broker, Filters()).table("bonds")
    importer = Principal("importer", importer_numbers=(ACME,))
    assert Scope(engine, importer, Filters()).table("bonds").count().execute() == 4


@pytest.mark.parametrize("name", BOND_REPORTS)
def test_export_refuses_a_broker(lake_dir, name: str, capsys) -> None:
    code = cli.main(["export", name, "--lake", str(lake_dir), "--as", "broker:XYZ"])
    out, err = capsys.readouterr()
    assert code == cli.EXIT_FAILED == 1
    assert err == f"itrac: refused: {REFUSAL}\n"
    assert out == ""
    assert cli.main(["export", name, "--lake", str(lake_dir), "--as", f"importer:{ACME}"]) == 0


def bond_page(lake_dir: str, principal: str) -> None:
    from pathlib import Path

    from data_access.access import Principal
    from data_access.filters import Filters
    from pages import bond
    from ui.data import View

    bond.render(View(Path(lake_dir), "duckdb", Principal.parse(principal), Filters()))


def test_the_bond_page_shows_a_broker_the_notice_and_no_data(lake_dir) -> None:
    at = AppTest.from_function(bond_page, args=(str(lake_dir), "broker:XYZ"), default_timeout=30)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Bond"]
    assert [i.value for i in at.info] == [NOTICE]
    assert not at.dataframe and not at.metric and not at.error and not at.tabs
    importer = AppTest.from_function(bond_page, args=(str(lake_dir), f"importer:{ACME}"))
    importer.query_params["as_of"] = AS_OF.isoformat()
    importer.run(timeout=30)
    assert not importer.info and importer.metric  # an importer gets the figures


def frame_bond_page(lake_dir: str, principal: str) -> None:
    """The frame's Bond page (dashboard._page) as st.navigation gets it, then run."""
    from pathlib import Path

    import streamlit as st

    import dashboard
    from data_access.access import Principal
    from data_access.filters import Filters
    from ui.data import View

    view = View(Path(lake_dir), "duckdb", Principal.parse(principal), Filters())
    st.session_state["view"] = view
    page = dashboard._page(view, *next(p for p in dashboard.PAGES if p[0] == "bond"))
    st.text(f"{page.url_path} {page.visibility}")
    st.navigation([page], position="hidden").run()


def open_frame_page(lake_dir: Path, principal: str) -> AppTest:
    args = (str(lake_dir), principal)
    at = AppTest.from_function(frame_bond_page, args=args, default_timeout=30)
    at.query_params["as_of"] = AS_OF.isoformat()
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_frame_keeps_the_bonds_address_hidden_for_a_broker(lake_dir) -> None:
    assert next(p for p in dashboard.PAGES if p[0] == "bond") == (
        "bond", "Bond", ":material/verified_user:", "bond", "bonds",
    )  # fmt: skip
    at = open_frame_page(lake_dir, "broker:XYZ")
    assert [t.value for t in at.text] == ["bond hidden"]  # in st.navigation, not the menu
    assert [i.value for i in at.info] == [NOTICE]
    assert not at.dataframe and not at.metric
    cbp = open_frame_page(lake_dir, "cbp")
    assert [t.value for t in cbp.text] == ["bond visible"]
    assert not cbp.info and cbp.metric
