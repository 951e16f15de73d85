"""The broker scorecard's figures equal independent DuckDB queries over the same Parquet
files (tests/audit_lake.py), and a broker sees only its own card."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from data_access import lake
from data_access.access import CBP, Principal
from data_access.engines import DuckDBEngine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from tests import audit_lake
from tests.audit_lake import ACME, BOLT

SQL = """
WITH s AS (SELECT * FROM read_parquet('{entry_summaries}')),
l AS (SELECT * FROM read_parquet('{entry_lines}') WHERE tariff_ordinal = 1),
x AS (SELECT * FROM read_parquet('{exams}')),
r AS (SELECT * FROM read_parquet('{cargo_releases}')),
se AS (SELECT filer_code, count(*) AS entries, sum(cf28_issued::INT)::BIGINT AS cf28,
           sum(cf29_issued::INT)::BIGINT AS cf29, sum(psc_indicator::INT)::BIGINT AS pscs,
           count(psc_indicator) AS psc_entries FROM s GROUP BY 1),
le AS (SELECT filer_code, sum(entered_value) AS entered_value, count(*) AS lines
       FROM l GROUP BY 1),
xe AS (SELECT filer_code, count(*) AS exams,
           count(*) FILTER (WHERE result = 'DISCREPANCY') AS discrepancies FROM x GROUP BY 1),
re AS (SELECT filer_code, count(*) AS releases,
           count(*) FILTER (WHERE hold_agency IS NOT NULL) AS held,
           median(date_diff('day', arrival_date, release_date)) AS median_days
       FROM r GROUP BY 1)
SELECT se.filer_code, entries, entered_value, lines, coalesce(exams, 0) AS exams,
       coalesce(discrepancies, 0) AS discrepancies, releases, held, median_days, cf28, cf29,
       pscs, psc_entries
FROM se LEFT JOIN le USING (filer_code) LEFT JOIN xe USING (filer_code)
LEFT JOIN re USING (filer_code) ORDER BY entries DESC, filer_code
"""
FIGURES = ("filer_code", "entries", "entered_value", "lines", "exams", "discrepancies",
           "releases", "held", "median_days", "cf28", "cf29", "pscs")  # fmt: skip


@pytest.fixture(scope="module")
def where(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return audit_lake.build(tmp_path_factory.mktemp("filers") / "lake")


@pytest.fixture(scope="module")
def engine(where: Path) -> DuckDBEngine:
    return DuckDBEngine(where)


def independent(where: Path) -> pl.DataFrame:
    globs = {n: lake.table_glob(where, n) for n in ("entry_summaries", "entry_lines", "exams",
                                                    "cargo_releases")}  # fmt: skip
    return duckdb.sql(SQL.format(**globs)).pl()


def test_scorecard_equals_independent_queries(where, engine) -> None:
    card = REPORTS["filers.scorecard"](Scope(engine, CBP))
    expected = independent(where)
    got = card.select(FIGURES)
    for column in FIGURES:
        assert got[column].to_list() == expected[column].to_list(), column
    assert card["filer_name"].to_list() == ["ABC (name unknown)", "XYZ (name unknown)"]
    assert expected["pscs"].to_list()[1] is None  # XYZ's entries never say: no figure, not 0
    assert card["psc_rate"].to_list() == [expected["pscs"][0] / expected["psc_entries"][0], None]
    rates = card.select("exam_rate", "cf28_rate", "cf29_rate", "hold_rate")
    assert rates.row(0) == pytest.approx(
        (
            expected["exams"][0] / expected["entries"][0],
            expected["cf28"][0] / expected["entries"][0],
            expected["cf29"][0] / expected["entries"][0],
            expected["held"][0] / expected["releases"][0],
        )
    )


def test_audit_findings_per_thousand_lines(engine) -> None:
    """Every planted finding but USMCA (XYZ's) is ABC's: 18 of the 19 judged findings."""
    card = REPORTS["filers.scorecard"](Scope(engine, CBP))
    by = {r["filer_code"]: r for r in card.iter_rows(named=True)}
    assert (by["ABC"]["findings"], by["XYZ"]["findings"]) == (18, 1)
    assert by["ABC"]["findings_per_1000_lines"] == pytest.approx(18_000 / by["ABC"]["lines"])
    assert by["XYZ"]["findings_per_1000_lines"] == pytest.approx(1_000 / 4)


@pytest.mark.parametrize(
    "principal",
    [Principal("broker", filer_codes=("XYZ",)), Principal("importer", importer_numbers=(BOLT,))],
)
def test_a_broker_sees_only_its_own_card(engine, principal) -> None:
    card = REPORTS["filers.scorecard"](Scope(engine, principal))
    assert card["filer_code"].to_list() == ["XYZ"]
    whole = REPORTS["filers.scorecard"](Scope(engine, CBP)).filter(pl.col("filer_code") == "XYZ")
    assert card.equals(whole)


def test_importer_sees_the_cards_of_its_filers_for_its_rows(engine) -> None:
    card = REPORTS["filers.scorecard"](
        Scope(engine, Principal("importer", importer_numbers=(ACME,)))
    )
    assert card["filer_code"].to_list() == ["ABC"]


def test_trend_adds_up_to_the_card(engine) -> None:
    scope = Scope(engine, CBP, Filters())
    card = REPORTS["filers.scorecard"](scope)
    trend = REPORTS["filers.trend"](scope)
    summed = trend.group_by("filer_code").agg(
        pl.col("entries", "lines", "exams", "cf28", "cf29", "findings").sum(),
        # a filer whose months never say has no PSC figure in the trend either
        pl.when(pl.col("pscs").is_not_null().any()).then(pl.col("pscs").sum()).alias("pscs"),
    )
    joined = card.join(summed, on="filer_code", suffix="_trend")
    for column in ("entries", "lines", "exams", "cf28", "cf29", "findings", "pscs"):
        assert joined[column].to_list() == joined[f"{column}_trend"].to_list(), column
    assert trend.filter(pl.col("filer_code") == "ABC")["month"].dt.strftime("%Y-%m").to_list() == [
        "2024-03", "2025-09", "2026-11"
    ]  # fmt: skip


def test_cf_forms_are_the_flagged_entries_with_their_lines(where, engine) -> None:
    heads = lake.table_glob(where, "entry_summaries")
    lines = lake.table_glob(where, "entry_lines")
    expected = duckdb.sql(
        f"""SELECT form, entry_number FROM (
              SELECT 'CF-28' AS form, entry_number, entry_date FROM read_parquet('{heads}')
              WHERE cf28_issued
              UNION ALL
              SELECT 'CF-29', entry_number, entry_date FROM read_parquet('{heads}')
              WHERE cf29_issued) ORDER BY entry_date, entry_number, form"""
    ).fetchall()
    scope = Scope(engine, CBP)
    forms = REPORTS["cf_forms.requests"](scope)
    assert forms.select("form", "entry_number").rows() == expected
    assert REPORTS["cf_forms.requests_count"](scope).item() == len(expected)
    ((rows,),) = duckdb.sql(
        f"""SELECT count(*) FROM read_parquet('{lines}') l JOIN (
              SELECT entry_number FROM read_parquet('{heads}') WHERE cf28_issued
              UNION ALL
              SELECT entry_number FROM read_parquet('{heads}') WHERE cf29_issued) f
            USING (entry_number)"""
    ).fetchall()
    assert REPORTS["cf_forms.lines_count"](scope).item() == rows
    assert REPORTS["cf_forms.lines"](scope).height == rows
    first = forms.row(0, named=True)
    value = duckdb.sql(
        f"SELECT sum(entered_value), count(*) FILTER (WHERE tariff_ordinal = 1) "
        f"FROM read_parquet('{lines}') WHERE entry_number = '{first['entry_number']}'"
    ).fetchall()[0]
    assert (first["entered_value"], first["lines"]) == value
    broker = REPORTS["cf_forms.requests"](Scope(engine, Principal("broker", filer_codes=("XYZ",))))
    assert set(broker["filer_code"]) <= {"XYZ"}
    assert broker.height == sum(1 for _, e in expected if e.startswith("XYZ"))


def test_a_filer_is_named_as_the_data_names_it(tmp_path: Path) -> None:
    where = audit_lake.build(tmp_path / "lake", filer_names={"ABC": "Acme Customs Brokers"})
    card = REPORTS["filers.scorecard"](Scope(DuckDBEngine(where), CBP, Filters()))
    assert card["filer_name"].to_list() == ["Acme Customs Brokers", "XYZ (name unknown)"]
    trend = REPORTS["filers.trend"](Scope(DuckDBEngine(where), CBP, Filters()))
    assert set(trend["filer_name"]) == {"Acme Customs Brokers", "XYZ (name unknown)"}


def test_each_form_shows_what_the_data_says_of_its_entry(where, engine) -> None:
    """No file carries a CF-28's issue or due date, or whether it was answered; what the
    data does say is on each form's row: the other form on the same entry, a post-summary
    correction, the entry's liquidation (independent SQL over the same Parquet)."""
    heads = lake.table_glob(where, "entry_summaries")
    shown = "psc_indicator, liquidation_status, liquidation_date"
    expected = duckdb.sql(
        f"""SELECT form, entry_number, also, {shown} FROM (
              SELECT 'CF-28' AS form, entry_number, entry_date,
                     CASE WHEN cf29_issued THEN 'CF-29' END AS also, {shown}
              FROM read_parquet('{heads}') WHERE cf28_issued
              UNION ALL
              SELECT 'CF-29', entry_number, entry_date, CASE WHEN cf28_issued THEN 'CF-28' END,
                     {shown}
              FROM read_parquet('{heads}') WHERE cf29_issued)
            ORDER BY entry_date, entry_number, form"""
    ).fetchall()
    forms = REPORTS["cf_forms.requests"](Scope(engine, CBP))
    got = forms.select("form", "entry_number", "also_issued", *shown.split(", ")).rows()
    assert got == expected
    both = [(form, also) for form, _entry, also, *_rest in got if also]
    assert set(both) == {("CF-28", "CF-29"), ("CF-29", "CF-28")}  # every 18th entry drew both
    assert {r[4] for r in got} == {"Liquidated", "Unliquidated"}
    assert {r[3] for r in got} == {True, False, None}


def test_each_rate_of_the_card_is_defined_once_in_measures() -> None:
    """The card's rates are `measures.RATIOS`' (numerator, denominator), read through
    `with_ratios`: filers.py divides nothing itself but findings per 1,000 lines."""
    import ast

    from data_access import measures
    from data_access.reports import filers

    rates = [c for c in filers.CARD if c.endswith("_rate")]
    assert rates == list(filers.RATES)
    assert {name: measures.RATIOS[name] for name in rates} == {
        "exam_rate": ("exams", "entries"),
        "discrepancy_rate": ("discrepancies", "exams"),
        "hold_rate": ("held", "releases"),
        "cf28_rate": ("cf28", "entries"),
        "cf29_rate": ("cf29", "entries"),
        "psc_rate": ("pscs", "psc_entries"),
    }
    source = ast.parse(Path(filers.__file__).read_text())
    divided = [
        keyword.arg
        for node in ast.walk(source)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if isinstance(keyword.value, ast.Call)
        and getattr(keyword.value.func, "id", None) == "safe_ratio"
    ]
    assert divided == ["findings_per_1000_lines"]
