"""Header tables under a line filter (issue 17, session 8): how DuckDB is given what it
needs to match a header table's rows through the entry keys the cheap way round.

The views over a table's files read them with `union_by_name` only where the files differ
in columns: with it, DuckDB has no row counts to estimate from, and built the match on
the entry keys (millions of rows for the largest importer under two countries) even when
the header side held no row (`reconciliation.deadlines` with no open flag: 0.5-1 s
against 20 ms)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from data_access import lake
from data_access.access import Principal
from data_access.engines import DuckDBEngine
from data_access.filters import Filters
from data_access.lake import agreement, layout
from data_access.reports import REPORTS, Scope, entry_summary
from data_access.reports.line_totals import summary_totals
from tests.demo_lakes import DemoLakes


@pytest.fixture(scope="module")
def demo(demo_lake: DemoLakes) -> Path:
    return demo_lake(lines=6_000, seed=5)


def _view(engine: DuckDBEngine, name: str) -> str:
    rows = engine._con.execute(
        "SELECT sql FROM duckdb_views() WHERE view_name = ?", [name]
    ).fetchall()
    return str(rows[0][0])


def test_files_of_one_schema_are_read_without_union_by_name(demo: Path) -> None:
    engine = DuckDBEngine(demo)
    for name in ("entry_summaries", "entry_lines", "reconciliations", "cargo_releases"):
        assert len(lake.table_files(demo, name)) > 1  # several files: a union to skip
        assert "union_by_name" not in _view(engine, name), name


def test_files_that_differ_in_columns_still_read_as_one_table(demo: Path, tmp_path: Path) -> None:
    where = tmp_path / "lake"
    shutil.copytree(demo, where, symlinks=True)
    files = lake.table_files(where, "reconciliations")
    first = pl.read_parquet(files[0], hive_partitioning=False)
    first.drop("value_adjustment").write_parquet(files[0])
    engine = DuckDBEngine(where)
    assert "union_by_name = true" in _view(engine, "reconciliations")
    assert "union_by_name" not in _view(engine, "entry_summaries")
    count = engine._con.execute(
        "SELECT count(*), count(value_adjustment) FROM reconciliations"
    ).fetchall()
    every = pl.concat([pl.read_parquet(f, hive_partitioning=False) for f in files], how="diagonal")
    assert count == [(every.height, every.get_column("value_adjustment").count())]
    assert every.get_column("value_adjustment").count() < every.height


@pytest.mark.parametrize(
    "filters",
    [
        Filters(countries=("CN", "VN")),
        Filters(countries=("CN",), hts_prefix="94"),
        Filters(hts_prefix="8471", ports=("2704",)),
    ],
)
def test_header_tables_match_through_their_lines_as_before(demo: Path, filters: Filters) -> None:
    """The same rows whichever side DuckDB builds on: against the lines themselves."""
    fast, lines_only = DuckDBEngine(demo), DuckDBEngine(demo, use_rollups=False)
    for name in ("reconciliation.deadlines", "reconciliation.details", "cargo_release.details"):
        for who in ("cbp", "importer:27-4418529AB"):
            principal = Principal.parse(who)
            one = REPORTS[name](Scope(fast, principal, filters))
            other = REPORTS[name](Scope(lines_only, principal, filters))
            assert_frame_equal(one, other, check_exact=True)


FEW_ENTRY_TABLES = {"bonds": "bond_number", "reconciliations": "flagged_entry_number"}


@pytest.mark.parametrize("who", ["importer:58-1749306AK,38-2847105AA", "cbp"])
@pytest.mark.parametrize("table", FEW_ENTRY_TABLES)
def test_a_table_of_few_entries_narrows_the_lines_by_its_own_numbers_for_one_party(
    demo: Path, table: str, who: str
) -> None:
    """Bonds and reconciliations of two importers (the demo's with bonds and flags of
    entries from CN or VN) under those countries: the rows whose entry has a CN or VN line
    of theirs, found in polars over the files; the entry numbers are narrowed by the
    table's own first, for some importers, not for CBP (all of them)."""
    principal, filters = Principal.parse(who), Filters(countries=("CN", "VN"))
    engine = DuckDBEngine(demo)
    scoped = Scope(engine, principal, filters).table(table)
    own = principal.importer_numbers
    importer = pl.col("importer_number").is_in(own) if own else pl.lit(True)
    lines = pl.read_parquet(lake.table_files(demo, "entry_lines"), hive_partitioning=False)
    numbers = lines.filter(importer, pl.col("country_of_origin").is_in(["CN", "VN"]))
    rows = pl.read_parquet(lake.table_files(demo, table), hive_partitioning=False)
    key = "flagged_entry_number" if table == "reconciliations" else "entry_number"
    through = pl.col(key).is_in(numbers.get_column("entry_number").implode())
    expected = rows.filter(importer, through)
    order = FEW_ENTRY_TABLES[table]
    got = engine.to_polars(scoped).select(rows.columns).sort(order)
    assert 0 < got.height == expected.height < rows.height
    assert_frame_equal(got, expected.sort(order), check_dtypes=False)
    sql = str(engine._backend().compile(scoped))
    assert sql.count(f'FROM "{table}"') == (2 if who != "cbp" else 1)


# --- entry summaries counted from the line rollups where they agree with their lines ----
SUMMARY_COUNTS = (
    "exams.kpis",
    "exams.rate_by_month",
    "exams.rate_by_port",
    "exams.rate_by_mode",
    "exams.cf28_cf29_by_month",
    "entry_summary.header_count",
    "overview.importers",
    "filers.scorecard",
    "filers.trend",
)
LINE_FILTERS = {
    "two countries": Filters(countries=("CN", "VN")),
    "two countries, two ports": Filters(countries=("CN", "VN"), ports=("2704", "2709")),
    "heading": Filters(hts_prefix="9403"),
    "chapter, one country": Filters(hts_prefix="85", countries=("CN",)),
    "a mode, a country, a period": Filters(
        modes=("11",), countries=("MX", "CN"), start=date(2023, 2, 3), end=date(2025, 8, 9)
    ),
    "air, one country": Filters(modes=("40",), countries=("CN",)),  # the planted mode
    "six digits, a port, cut months": Filters(
        hts_prefix="847130", ports=("2704",), start=date(2023, 2, 3), end=date(2025, 8, 9)
    ),
    "layers by their own numbers": Filters(hts_prefix="99030124"),
    "two countries, a port, cut months": Filters(
        countries=("CN", "VN"), ports=("2704",), start=date(2023, 2, 3), end=date(2025, 8, 9)
    ),
}


@pytest.fixture(scope="module")
def planted(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with two entries whose summary says air (mode 40) where their lines say
    vessel, as the audit's planted findings have it the other way round (`synth.audit`:
    HMF on goods that came by air)."""
    where = tmp_path_factory.mktemp("planted") / "lake"
    shutil.copytree(demo, where, symlinks=True)
    files = lake.table_files(where, "entry_summaries")
    summaries = pl.read_parquet(files, hive_partitioning=False)
    lines = pl.read_parquet(lake.table_files(where, "entry_lines"), hive_partitioning=False)
    chinese = lines.filter(pl.col("country_of_origin") == "CN").get_column("entry_number")
    vessel = summaries.filter(
        (pl.col("mode_of_transport") == "11")
        & pl.col("entry_number").is_in(chinese.implode())
        & (pl.col("entry_date").dt.year() == 2024)
    ).sort("entry_number")
    largest = vessel.filter(pl.col("importer_number") == "27-4418529AB").head(1)
    filed = vessel.filter(pl.col("filer_code") == "WPG").head(1)
    changed = pl.concat([largest, filed]).with_columns(mode_of_transport=pl.lit("40"))
    assert changed.height == 2 and changed.get_column("entry_number").n_unique() == 2
    chosen = changed.get_column("entry_number")
    with lake.transaction(where) as tx:
        tx.delete_where(
            "entry_summaries", lambda f: f.filter(~pl.col("entry_number").is_in(chosen.implode()))
        )
        tx.write("entry_summaries", changed)
    return where


def test_the_rollups_count_where_summaries_differ_from_their_lines(planted: Path) -> None:
    sources = json.loads((planted / "_rollups" / "sources.json").read_text())
    counts = {year: held["counts"] for year, held in sources["agreement"].items()}
    assert set(counts) == {layout.year_of(f) for f in lake.table_files(planted, "entry_lines")}
    assert sum(c["mode_of_transport"] for c in counts.values()) == 2
    assert all(c["alone"] == c["repeated"] == 0 for c in counts.values())
    agreed = agreement.agreeing(planted, lake.generation(planted))
    assert agreed == set(agreement.FIELDS) - {"mode_of_transport"}


def test_an_entry_without_its_summary_leaves_no_field_agreeing(demo: Path, tmp_path: Path) -> None:
    where = tmp_path / "lake"
    shutil.copytree(demo, where, symlinks=True)
    assert agreement.agreeing(where, lake.generation(where)) == set(agreement.FIELDS)
    one = pl.read_parquet(lake.table_files(where, "entry_summaries")[0], hive_partitioning=False)
    gone = one.get_column("entry_number")[0]
    with lake.transaction(where) as tx:
        tx.delete_where("entry_summaries", lambda f: f.filter(pl.col("entry_number") != gone))
    assert agreement.agreeing(where, lake.generation(where)) == frozenset()
    sources = json.loads((where / "_rollups" / "sources.json").read_text())
    assert sum(y["counts"]["alone"] for y in sources["agreement"].values()) == 1


@pytest.mark.parametrize("case", LINE_FILTERS)
@pytest.mark.parametrize("who", ["cbp", "importer:27-4418529AB", "broker:WPG"])
def test_summary_counts_under_a_line_filter_equal_the_summaries_matched_through_lines(
    planted: Path, case: str, who: str
) -> None:
    """Against the summaries matched row by row (no rollups: `Scope._through_lines`), on
    the lake whose summaries disagree with their lines on the mode of two entries."""
    fast, lines_only = DuckDBEngine(planted), DuckDBEngine(planted, use_rollups=False)
    principal = Principal.parse(who)
    for name in SUMMARY_COUNTS:
        if not all(principal.can_see(t) for t in REPORTS[name].tables):
            continue
        one = REPORTS[name](Scope(fast, principal, LINE_FILTERS[case]))
        other = REPORTS[name](Scope(lines_only, principal, LINE_FILTERS[case]))
        assert_frame_equal(one, other, check_exact=True)


def test_summary_counts_under_a_line_filter_read_the_entry_rollups(planted: Path) -> None:
    engine = DuckDBEngine(planted)
    sql = engine._backend().compile
    cbp = Principal.parse("cbp")
    countries = Scope(engine, cbp, LINE_FILTERS["two countries, two ports"])
    by_month = sql(summary_totals(countries, ("month",), ("entries",)))
    assert "rollup_entries_by_countries" in by_month
    assert "entry_summaries" not in by_month and "rollup_entry_keys" not in by_month
    heading = Scope(engine, cbp, LINE_FILTERS["heading"])
    by_port = sql(summary_totals(heading, ("port_of_entry",), ("entries",)))
    assert "rollup_entries_by_hts" in by_port and "entry_summaries" not in by_port
    # the mode is not the lines' for two entries: per the summaries' own mode, from the
    # summaries by their lines' countries; filtered by mode, matched row by row
    by_mode = sql(summary_totals(countries, ("mode_of_transport",), ("entries",)))
    assert "rollup_summaries_by_countries" in by_mode and "entry_summaries" not in by_mode
    modes = Scope(engine, cbp, LINE_FILTERS["a mode, a country, a period"])
    by_month = sql(summary_totals(modes, ("month",), ("entries",)))
    assert "entry_summaries" in by_month and "rollup_summaries_by_countries" not in by_month
    # more than entries: the summaries' own measures, by their lines' countries
    cf28 = sql(summary_totals(countries, ("month",), ("entries", "cf28")))
    assert "rollup_summaries_by_countries" in cf28 and "entry_summaries" not in cf28
    cut = Scope(engine, cbp, LINE_FILTERS["two countries, a port, cut months"])
    cut_months = sql(summary_totals(cut, ("month",), ("entries", "cf28")))
    assert "rollup_summaries_by_countries" in cut_months and "entry_summaries" in cut_months
    # under an HTS prefix: by their lines' numbers; with countries too, matched through
    # the entry keys
    prefix = sql(summary_totals(heading, ("month",), ("entries", "cf28")))
    assert "rollup_summaries_by_hts" in prefix and "entry_summaries" not in prefix
    both = Scope(engine, cbp, LINE_FILTERS["chapter, one country"])
    prefix = sql(summary_totals(both, ("month",), ("entries", "cf28")))
    assert "entry_summaries" in prefix and "rollup_entry_keys" in prefix
    layers = Scope(engine, cbp, Filters(hts_prefix="9903"))  # by the layers' own numbers
    own = sql(summary_totals(layers, (), ("cf28",)))
    assert "rollup_summaries_by_hts" in own and "entry_summaries" not in own
    cut = Scope(engine, cbp, LINE_FILTERS["six digits, a port, cut months"])
    prefix = sql(summary_totals(cut, ("month",), ("entries", "cf28")))
    assert "rollup_summaries_by_hts" in prefix and "entry_summaries" in prefix


def test_a_planted_summary_under_its_heading_is_matched_row_by_row(planted: Path) -> None:
    """Filtered by the air mode its summary says and a heading its lines hold: not from
    the summaries by their lines' numbers (the lines say vessel), and the same counts."""
    summaries = pl.read_parquet(lake.table_files(planted, "entry_summaries"))
    air = summaries.filter(pl.col("mode_of_transport") == "40").get_column("entry_number")
    lines = pl.read_parquet(lake.table_files(planted, "entry_lines"))
    theirs = lines.filter(pl.col("entry_number").is_in(air.implode()))
    planted_lines = theirs.filter(pl.col("mode_of_transport") == "11")
    heading = planted_lines.get_column("hts_number").sort()[0][:4]
    fast, lines_only = DuckDBEngine(planted), DuckDBEngine(planted, use_rollups=False)
    cbp = Principal.parse("cbp")
    for filters in (Filters(modes=("40",), hts_prefix=heading), Filters(hts_prefix=heading)):
        scope = Scope(fast, cbp, filters)
        sql = fast._backend().compile(summary_totals(scope, ("month",), ("entries", "cf28")))
        assert ("rollup_summaries_by_hts" in sql) == (not filters.modes)
        for name in ("exams.kpis", "exams.rate_by_mode", "exams.cf28_cf29_by_month"):
            one = REPORTS[name](scope)
            assert_frame_equal(
                one, REPORTS[name](Scope(lines_only, cbp, filters)), check_exact=True
            )


@pytest.mark.parametrize(("offset", "limit"), [(0, 100), (100, 100), (1_000, 50), (0, 1)])
@pytest.mark.parametrize("case", ["two countries, two ports", "heading", "chapter, one country"])
def test_a_header_page_under_a_line_filter_reads_the_months_that_hold_it(
    planted: Path, case: str, offset: int, limit: int
) -> None:
    fast, lines_only = DuckDBEngine(planted), DuckDBEngine(planted, use_rollups=False)
    for who in ("cbp", "importer:27-4418529AB"):
        scope = Scope(fast, Principal.parse(who), LINE_FILTERS[case])
        one = REPORTS["entry_summary.header"](scope, offset=offset, limit=limit)
        other = REPORTS["entry_summary.header"](
            Scope(lines_only, scope.principal, scope.filters), offset=offset, limit=limit
        )
        assert_frame_equal(one, other, check_exact=True)
    cbp = Scope(fast, Principal.parse("cbp"), LINE_FILTERS["two countries"])
    first = entry_summary._months_holding(cbp, "all", 100).filters
    assert first.end is not None and first.end.day >= 28  # a month's last day
    rows = REPORTS["entry_summary.header"](cbp, offset=0, limit=100)
    assert rows.get_column("entry_date").max() <= first.end
    assert entry_summary._months_holding(cbp, "flagged", 100) is cbp
    assert entry_summary._months_holding(cbp, "all", None) is cbp  # an export: every row
