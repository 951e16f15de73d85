"""The timeline page, run headless through Streamlit's AppTest."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_access import lake


def page_script(lake_dir: str, principal: str = "cbp") -> None:
    from pathlib import Path

    from data_access.access import Principal
    from data_access.filters import Filters
    from pages import timeline
    from ui.data import View

    timeline.render(View(Path(lake_dir), "duckdb", Principal.parse(principal), Filters()))


def run_page(lake_dir: Path, as_of: str | None = None, principal: str = "cbp") -> AppTest:
    script_args = (str(lake_dir), principal)
    at = AppTest.from_function(page_script, args=script_args, default_timeout=30)
    if as_of is not None:
        at.query_params["as_of"] = as_of
    return at.run()


def texts(at: AppTest) -> str:
    kinds = ("success", "info", "error", "markdown", "caption")
    return "\n".join(str(element.value) for kind in kinds for element in getattr(at, kind))


@pytest.fixture(autouse=True)
def shipped_phases(monkeypatch):
    monkeypatch.delenv("ITRAC_PHASES", raising=False)


def test_phase_in_force_follows_the_as_of_query_param(tmp_path):
    at = run_page(tmp_path, "2019-07-15")
    assert not at.exception
    assert at.date_input(key="as_of").value == date(2019, 7, 15)
    assert [s.value for s in at.success] == [
        "Phase in force: Summer 2019 (2019-06-01 to 2019-08-31)"
    ]
    assert "- Full access to ITRAC data in ACE Reports" in texts(at)
    assert (
        "Gantt chart of the 3 transition phases from 2019-03-01 to 2019-12-31 with 1 "
        "milestone; a dashed line marks the as-of date 2019-07-15, and Summer 2019, in "
        "force then, is drawn darker."
    ) in texts(at)
    assert "Milestones reached by then: 2019-04-18 ITRAC reports deployed in ACE Reports" in texts(
        at
    )


def test_before_the_first_phase(tmp_path):
    at = run_page(tmp_path, "2018-12-01")
    assert at.info[0].value == "Before the first phase: Spring 2019 starts 2019-03-01"
    assert "ITRAC data came only on CD" in texts(at)


def test_after_the_last_phase(tmp_path):
    at = run_page(tmp_path, "2021-06-30")
    assert [s.value for s in at.success] == [
        "After the last phase (Fall/Winter 2019 ended 2019-12-31): fully implemented"
    ]
    assert "CBP no longer issues ITRAC reports on CD" in texts(at)


def test_as_of_defaults_to_today(tmp_path):
    at = run_page(tmp_path)
    assert at.date_input(key="as_of").value == date.today()


def test_availability_matrix_marks_the_phase_in_force(tmp_path):
    at = run_page(tmp_path, "2019-10-01")
    matrix = at.dataframe[2].value
    assert list(matrix.columns) == [
        "channel",
        "what_it_is",
        "Spring 2019",
        "Summer 2019",
        "Fall/Winter 2019 (in force)",
    ]
    assert matrix.iloc[1].tolist()[0] == "ITRAC on CD"
    assert matrix.iloc[1].tolist()[2:] == ["Available", "Available", "Discontinued"]


def test_empty_lake_says_no_data_is_loaded(tmp_path):
    at = run_page(tmp_path, "2019-07-15")
    assert any(i.value.startswith("No data is loaded yet.") for i in at.info)


def test_holdings_per_category_come_from_the_lake(tmp_path):
    bonds = pl.DataFrame(
        {
            "bond_number": ["B1", "B2"],
            "importer_number": ["12-3456789AB"] * 2,
            "bond_type": ["8", "9"],
            "effective_date": [date(2020, 1, 2), date(2021, 3, 4)],
        }
    )
    with lake.transaction(tmp_path) as tx:
        tx.write("bonds", bonds)
        tx.record(file="bonds.csv", rows_loaded=2)
    at = run_page(tmp_path, "2019-07-15")
    assert not at.exception
    holdings = at.dataframe[3].value
    bond_row = holdings[holdings["category"] == "Bond"].iloc[0].tolist()
    assert bond_row == ["Bond", "Bond Details", "Bond Details", 2, "2020-01-02", "2021-03-04"]
    exams = holdings[holdings["category"] == "Exams"].iloc[0].tolist()
    assert exams[1] == "No report (a known gap)"
    assert exams[3] == 0


def test_a_broker_reads_bonds_are_not_available_to_brokers(tmp_path):
    """Not "Bond, 0 rows, first date None": brokers never see bonds (a CBP rule)."""
    entries = pl.DataFrame(
        {
            "entry_number": ["XYZ00000010"],
            "entry_type": ["01"],
            "importer_number": ["12-3456789AB"],
            "filer_code": ["XYZ"],
            "port_of_entry": ["2704"],
            "entry_date": [date(2024, 5, 6)],
            "entered_value": [100],
        }
    )
    bonds = pl.DataFrame(
        {
            "bond_number": ["B1"],
            "importer_number": ["12-3456789AB"],
            "bond_type": ["8"],
            "effective_date": [date(2020, 1, 2)],
        }
    )
    with lake.transaction(tmp_path) as tx:
        tx.write("entry_summaries", entries)
        tx.write("bonds", bonds)
        tx.record(file="both.csv", rows_loaded=2)
    at = run_page(tmp_path, "2019-07-15", principal="broker:XYZ")
    assert not at.exception
    holdings = at.dataframe[3].value
    bond_row = holdings[holdings["category"] == "Bond"].iloc[0].tolist()
    assert bond_row[:3] == ["Bond", "Bond Details", "Bond Details"]
    assert pd.isna(bond_row[3])
    assert bond_row[4:] == ["not available to brokers", "not available to brokers"]
    summaries = holdings[holdings["in_this_dashboard"] == "Entry Summary Header"].iloc[0].tolist()
    assert summaries[3:] == [1, "2024-05-06", "2024-05-06"]
    exams = holdings[holdings["category"] == "Exams"].iloc[0].tolist()
    assert exams[3:] == [0, "no rows", "no rows"]


def test_malformed_file_shows_the_message_without_a_traceback(tmp_path, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text("phases: [\n")
    monkeypatch.setenv("ITRAC_PHASES", str(bad))
    at = run_page(tmp_path, "2019-07-15")
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"{bad}, line 2: not valid YAML: expected the node content, but found '<stream end>'"
    ]
    assert len(at.date_input) == 0


def test_an_edit_shows_on_the_next_run_without_a_restart(tmp_path, monkeypatch):
    edited = tmp_path / "phases.yaml"
    shipped = Path(__file__).resolve().parents[1] / "config" / "transition_phases.yaml"
    edited.write_text(shipped.read_text())
    monkeypatch.setenv("ITRAC_PHASES", str(edited))
    at = run_page(tmp_path, "2019-07-15")
    assert at.success[0].value.startswith("Phase in force: Summer 2019")
    edited.write_text(shipped.read_text().replace("name: Summer 2019", "name: Summer of 2019"))
    at.run()
    assert at.success[0].value.startswith("Phase in force: Summer of 2019")


def test_between_phases_no_phase_is_in_force(tmp_path, monkeypatch):
    shipped = Path(__file__).resolve().parents[1] / "config" / "transition_phases.yaml"
    gapped = tmp_path / "phases.yaml"
    gapped.write_text(shipped.read_text().replace("start: 2019-06-01", "start: 2019-06-15"))
    monkeypatch.setenv("ITRAC_PHASES", str(gapped))
    at = run_page(tmp_path, "2019-06-05")
    assert at.info[0].value == (
        "Between Spring 2019 and Summer 2019: no phase is in force on this date."
    )
    assert not at.success


def test_milestone_titles_wrap_to_fit_a_phone(tmp_path):
    """Centred on its marker, a one-line title ran past the chart's left edge at 390 px."""
    at = run_page(tmp_path, "2019-07-15")
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    (milestones,) = [t for t in figure["data"] if t.get("name") == "Milestone"]
    assert milestones["text"] == ["ITRAC reports<br>deployed in ACE<br>Reports"]
