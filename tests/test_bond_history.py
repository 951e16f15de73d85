"""Bond sufficiency on a lake whose data starts mid-window (issue 16, item 9).

A month is judged on the duties, taxes and fees of the 12 full months before it. When
that window starts before the lake's first entry, the DTF covers part of a year only and
the required amount ramps up from $0: such months read "insufficient history", neither
sufficient nor insufficient.

The lake (built below): data from 15 Mar 2022. ACME's bond CA1 ($50,000) is in force from
Jan 2022, BOLT's CB1 ($50,000) from Jun 2022; as of 15 Jun 2023.
- ACME DTF: Mar 2022 600,000.01 (would require $70,000); Apr 2023 550,000; May 2023 100,000.
- BOLT DTF: Jan 2023 10.00 (BOLT's own first entry is later than the lake's first data).
The first date is that of the rows the principal may see (CBP: the whole lake's).
Months up to Mar 2023 have a window starting on or before 1 Mar 2022: insufficient
history. Apr 2023: window Apr 2022-Mar 2023, DTF 0 -> $50,000, sufficient. May 2023: May
2022-Apr 2023, 550,000 -> $60,000, insufficient. Jun 2023: + 100,000 = 650,000 -> $70,000.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_access import codes, lake
from data_access.access import CBP, Principal
from data_access.engines import get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from data_access.reports.bond_sufficiency import NO_HISTORY

ACME, BOLT = "27-1234567AB", "30-7654321CD"
AS_OF = date(2023, 6, 15)
D = Decimal


def _entry(filer: str, serial: int) -> str:
    digits = f"{serial:07d}"
    return f"{filer}{digits}{codes.check_digit(filer, digits)}"


def build(where: Path) -> Path:
    money = pl.Decimal(18, 2)
    summaries = pl.DataFrame(
        {
            "entry_number": [_entry("ABC", n) for n in (1, 2, 3)] + [_entry("XYZ", 1)],
            "entry_type": ["01"] * 4,
            "importer_number": [ACME, ACME, ACME, BOLT],
            "importer_name": ["Acme Imports"] * 3 + ["Bolt Hardware"],
            "filer_code": ["ABC", "ABC", "ABC", "XYZ"],
            "port_of_entry": ["2704"] * 4,
            "entry_date": [date(2022, 3, 15), date(2023, 4, 20), date(2023, 5, 2),
                           date(2023, 1, 10)],
            "entered_value": [D("1000.00")] * 4,
            "duty_amount": [D("600000.01"), D("550000.00"), D("100000.00"), D("10.00")],
        },
        schema_overrides={"entered_value": money, "duty_amount": money},
    )  # fmt: skip
    bonds = pl.DataFrame(
        {
            "bond_number": ["CA1", "CB1"],
            "importer_number": [ACME, BOLT],
            "bond_type": ["8", "8"],
            "activity_code": ["1", "1"],
            "surety_code": ["457", "161"],
            "bond_amount": [D("50000.00"), D("50000.00")],
            "effective_date": [date(2022, 1, 1), date(2022, 6, 1)],
        },
        schema_overrides={"bond_amount": money},
    )
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_summaries", summaries)
        tx.write("bonds", bonds)
        tx.record(file="history.csv", rows_loaded=6)
    return where


@pytest.fixture(scope="module")
def history_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("history") / "lake")


def run(where: Path, name: str, principal: Principal = CBP, **options) -> pl.DataFrame:
    return REPORTS[name](Scope(get_engine(where, "duckdb"), principal, Filters()), **options)


JUDGED = ["month", "dtf_trailing_12m", "required_amount", "sufficient", "judgement", "raise_to"]


def test_months_before_a_full_window_read_insufficient_history(history_lake) -> None:
    series = run(history_lake, "bond.sufficiency", as_of=AS_OF)
    acme = series.filter(pl.col("importer_number") == ACME)
    assert acme.height == 18  # Jan 2022 to Jun 2023
    unjudged = acme.filter(pl.col("judgement") == NO_HISTORY)
    assert unjudged.get_column("month").to_list() == [
        date(y, m, 1) for y, m in [(2022, m) for m in range(1, 13)] + [(2023, 1), (2023, 2),
                                                                         (2023, 3)]
    ]  # fmt: skip
    assert unjudged.get_column("sufficient").to_list() == [None] * 15
    assert unjudged.get_column("raise_to").to_list() == [None] * 15
    # March 2023 would have been judged on the partial window that holds the Mar 2022 DTF
    assert acme.filter(pl.col("month") == date(2023, 3, 1)).select(JUDGED).row(0) == (
        date(2023, 3, 1),
        D("600000.01"),
        D("70000.00"),
        None,
        NO_HISTORY,
        None,
    )
    assert acme.filter(pl.col("month") >= date(2023, 4, 1)).select(JUDGED).rows() == [
        (date(2023, 4, 1), D("0.00"), D("50000.00"), True, "sufficient", None),
        (date(2023, 5, 1), D("550000.00"), D("60000.00"), False, "INSUFFICIENT", D("60000.00")),
        (date(2023, 6, 1), D("650000.00"), D("70000.00"), False, "INSUFFICIENT", D("70000.00")),
    ]
    assert set(series.get_column("history_start")) == {date(2022, 3, 15)}


def test_the_history_is_what_the_principal_may_see(history_lake) -> None:
    """CBP's rows start in Mar 2022: BOLT's Apr 2023 window (Apr 2022-Mar 2023) is whole.
    BOLT's own rows start on 10 Jan 2023: for BOLT no window through Jun 2023 is whole (its
    answers never depend on rows it may not see)."""
    cbp = run(history_lake, "bond.sufficiency", as_of=AS_OF)
    bolt_by_cbp = cbp.filter(pl.col("importer_number") == BOLT)
    assert bolt_by_cbp.group_by("judgement").len().sort("judgement").rows() == [
        (NO_HISTORY, 10),  # Jun 2022 to Mar 2023
        ("sufficient", 3),  # Apr to Jun 2023: DTF 10.00 -> $50,000
    ]
    bolt = run(history_lake, "bond.sufficiency", Principal.parse(f"importer:{BOLT}"), as_of=AS_OF)
    assert bolt.group_by("judgement").len().rows() == [(NO_HISTORY, 13)]
    assert set(bolt.get_column("history_start")) == {date(2023, 1, 10)}


def test_now_counts_no_partial_window_as_sufficient(history_lake) -> None:
    march = run(history_lake, "bond.sufficiency_now", as_of=date(2023, 3, 31))
    assert march.select("importer_number", "sufficient", "judgement").rows() == [
        (ACME, None, NO_HISTORY),
        (BOLT, None, NO_HISTORY),
    ]
    june = run(history_lake, "bond.sufficiency_now", as_of=AS_OF)
    assert june.select("importer_number", "sufficient", "judgement").rows() == [
        (ACME, False, "INSUFFICIENT"),
        (BOLT, True, "sufficient"),
    ]


# --- the page ------------------------------------------------------------------------------
def page_script(lake_dir: str) -> None:
    from pathlib import Path

    from data_access.access import CBP
    from data_access.filters import Filters
    from pages import bond
    from ui.data import View

    bond.render(View(Path(lake_dir), "duckdb", CBP, Filters()))


def open_bond_page(where: Path, as_of: str) -> AppTest:
    at = AppTest.from_function(page_script, args=(str(where),), default_timeout=60)
    at.query_params["as_of"] = as_of
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_page_says_which_months_are_not_judged_and_what_follows_the_filters(
    history_lake,
) -> None:
    at = open_bond_page(history_lake, "2023-03-31")
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Continuous bonds judged"], metrics["Insufficient now"]) == ("0", "0")
    assert [i.value for i in at.info][:2] == [
        "2 importers this month read **insufficient history**: their 12-month window starts "
        "before the lake's first entry (15 Mar 2022), so their duties, taxes and fees cover "
        "part of a year only. They are neither sufficient nor insufficient.",
        "25 importer-months read **insufficient history**: their 12-month window starts "
        "before the lake's first entry (15 Mar 2022), so their duties, taxes and fees cover "
        "part of a year only. They are neither sufficient nor insufficient.",
    ]
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Which filters apply: the judgement, Ending soon") for c in captions)
    assert any(c.startswith("Follows the importer filter and the period") for c in captions)
    assert at.error == []  # no bond is called insufficient on a partial window


def test_the_importer_choice_names_each_importer_as_the_lake_does(history_lake) -> None:
    at = open_bond_page(history_lake, "2023-06-15")
    assert at.selectbox(key="bond_importer").options == [
        f"{ACME} Acme Imports",
        f"{BOLT} Bolt Hardware",
    ]
    assert [e.value for e in at.error] == [
        f"**{ACME}**: bond CA1 of \\$50,000.00, but 10% of the duties, taxes and fees of "
        "Jun 2022 to May 2023 (\\$650,000.00) requires \\$70,000.00. Raise the bond to "
        "**\\$70,000.00**."
    ]


def test_the_judgement_is_one_query(history_lake) -> None:
    """The bonds in force, the trailing DTF and the principal's first entry date are one
    query (the first date was a query of its own before)."""
    from data_access.engines import DuckDBEngine

    engine = DuckDBEngine(history_lake)
    asked: list[object] = []
    execute = engine.to_polars
    engine.to_polars = lambda expr: asked.append(expr) or execute(expr)  # type: ignore[method-assign]
    scope = Scope(engine, CBP, Filters(start=date(2022, 1, 1)))
    series = REPORTS["bond.sufficiency"](scope, as_of=AS_OF)
    assert len(asked) == 1
    assert series.group_by("importer_number").len().sort("importer_number").rows() == [
        (ACME, 18),  # Jan 2022 to Jun 2023
        (BOLT, 13),  # Jun 2022 to Jun 2023
    ]


def test_the_benchmark_floor_is_the_judgement_itself(history_lake) -> None:
    """`itrac bench`'s hand-written DuckDB floor for bond.sufficiency gives the report's
    whole frame (bonds in force, DTF, required amount, judgement, raise to, first date),
    not only its DTF input, and the harness checks every column equal."""
    import duckdb

    from benchmarks import questions

    question = next(q for q in questions.questions(AS_OF) if q.report == "bond.sufficiency")
    start = date(2022, 1, 1)
    floors = {}
    bolt_only = Principal.parse(f"importer:{BOLT}")
    for principal in (CBP, bolt_only):
        values = {"principal": principal, "filters": Filters(start=start), "start": start,
                  "end": None, "as_of": AS_OF}  # fmt: skip
        sql, params = question.sql(history_lake, values)
        with duckdb.connect() as con:
            floor = floors[principal] = con.sql(sql, params=params).pl()
        ours = REPORTS["bond.sufficiency"](
            Scope(get_engine(history_lake, "duckdb"), principal, Filters(start=start)),
            as_of=AS_OF,
        )
        assert floor.columns == ours.columns
        questions.check(question, ours, floor, "the DuckDB floor")
    cbp = floors[CBP]
    acme = cbp.filter(pl.col("importer_number") == ACME, pl.col("month") >= date(2023, 4, 1))
    assert acme.select("bond_number", *JUDGED).rows() == [
        ("CA1", date(2023, 4, 1), D("0.00"), D("50000.00"), True, "sufficient", None),
        ("CA1", date(2023, 5, 1), D("550000.00"), D("60000.00"), False, "INSUFFICIENT",
         D("60000.00")),
        ("CA1", date(2023, 6, 1), D("650000.00"), D("70000.00"), False, "INSUFFICIENT",
         D("70000.00")),
    ]  # fmt: skip
    june = cbp.filter(pl.col("month") == date(2023, 6, 1))
    assert june.get_column("judged_on").to_list() == [AS_OF, AS_OF]  # as_of in its month
    assert set(floors[bolt_only].get_column("judgement")) == {NO_HISTORY}  # from 10 Jan 2023
