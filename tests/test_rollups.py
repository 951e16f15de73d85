"""Monthly rollups answer exactly as the lines and summaries do, or are not used.

Every report that sums lines or counts entry summaries runs twice on the same lake, with
the rollups and without (DuckDBEngine(use_rollups=False) reads the tables), for several
principals and filter sets
(day-precise edges, one month cut on both sides, leap day, country and HTS filters): the
frames must be equal. The planner is checked to actually pick a rollup where it can, the
rollups are rebuilt only for changed years, and stale or inexact rollups are not used.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from data_access import lake
from data_access.access import Principal
from data_access.engines import DuckDBEngine
from data_access.filters import Filters
from data_access.lake import agreement, rollups
from data_access.reports import REPORTS, Scope
from data_access.reports.line_totals import (
    _edges,
    _whole_months,
    line_totals,
    plan,
    release_totals,
    summary_totals,
)
from data_access.synth import build_demo_lake
from tests.demo_lakes import mix_origins, plant_mtb_goods

END = date(2026, 6, 15)
LINE_REPORTS = (
    "overview.kpis",
    "overview.monthly_trend",
    "overview.top_countries",
    "overview.top_hts_chapters",
    "overview.filter_options",
    "entry_summary.kpis",
    "entry_summary.monthly_by_entry_type",
    "entry_summary.duty_rate_trend",
    "entry_summary.hts",
    "entry_summary.countries",
    "entry_summary.ports",
    "entry_summary.filers",
    "exams.rate_by_country",
    "exams.rate_by_hts_chapter",
    "exams.kpis",
    "exams.rate_by_month",
    "exams.rate_by_port",
    "exams.rate_by_mode",
    "exams.cf28_cf29_by_month",
    "bond.sufficiency",
    "bond.sufficiency_now",
    "cargo_release.kpis",
    "cargo_release.monthly",
    "cargo_release.release_time_monthly",
    "cargo_release.release_time_by_port",
    "cargo_release.release_time_by_mode",
    "cargo_release.holds_by_agency",
)
PRINCIPALS = ("cbp", "importer:27-4418529AB", "broker:WPG")
CASES = {
    "all": Filters(),
    "five years to a day": Filters(start=date(2021, 6, 16), end=END),
    "whole months": Filters(start=date(2023, 3, 1), end=date(2024, 6, 30)),
    "inside one month": Filters(start=date(2024, 5, 3), end=date(2024, 5, 27)),
    "across a month end": Filters(start=date(2024, 5, 3), end=date(2024, 6, 10)),
    "leap day": Filters(start=date(2023, 12, 15), end=date(2024, 2, 29)),
    "open start": Filters(end=date(2023, 8, 17)),
    "open end": Filters(start=date(2025, 1, 9)),
    "one country": Filters(start=date(2022, 2, 2), countries=("CN",)),
    "two countries": Filters(countries=("CN", "VN"), end=date(2025, 3, 3)),
    "chapter": Filters(hts_prefix="94", start=date(2022, 7, 1)),
    "heading": Filters(hts_prefix="9403"),
    "port and type": Filters(ports=("2704",), entry_types=("01",), start=date(2022, 1, 20)),
    "heading of one country": Filters(countries=("CN",), hts_prefix="9403"),
    "country and chapter": Filters(countries=("CN",), hts_prefix="85", start=date(2022, 3, 4)),
    "port, country, heading": Filters(ports=("2704",), countries=("CN",), hts_prefix="8471"),
    "one number": Filters(hts_prefix="8471300100", end=date(2025, 11, 2)),
    "one number, one country": Filters(hts_prefix="9403608093", countries=("CN",)),
    "six digits, two countries": Filters(hts_prefix="851713", countries=("CN", "VN")),
    "two countries, two ports": Filters(countries=("CN", "VN"), ports=("2704", "2709")),
    "layers by their own number": Filters(hts_prefix="9903"),
    "chapter 99": Filters(hts_prefix="99"),
    "one layer number": Filters(hts_prefix="9903880300", start=date(2022, 4, 1)),
    "MTB goods and their layers": Filters(hts_prefix="9902"),
    "MTB goods of one country": Filters(hts_prefix="9902", countries=("CN",)),
    "chapter 99 of two countries, cut months": Filters(
        hts_prefix="99", countries=("CN", "VN"), start=date(2024, 5, 3), end=date(2025, 6, 10)
    ),
    "layers of one port and country": Filters(
        hts_prefix="990388", countries=("CN",), ports=("2704",)
    ),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("rollups") / "lake"
    build_demo_lake(where, lines=30_000, seed=11, end=END)
    mix_origins(where, every=4, countries=("VN", "CN"))
    plant_mtb_goods(where, every=9)
    return where


@pytest.fixture(scope="module")
def engines(demo: Path) -> tuple[DuckDBEngine, DuckDBEngine]:
    return DuckDBEngine(demo), DuckDBEngine(demo, use_rollups=False)


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("case", CASES)
def test_rollup_answers_equal_line_answers(
    engines: tuple[DuckDBEngine, DuckDBEngine], principal: str, case: str
) -> None:
    with_rollups, lines_only = engines
    assert with_rollups.rollups == set(rollups.ROLLUPS)
    who = Principal.parse(principal)
    heights = {}
    for name in LINE_REPORTS:
        if not all(who.can_see(table) for table in REPORTS[name].tables):
            continue
        fast = REPORTS[name](Scope(with_rollups, who, CASES[case]))
        slow = REPORTS[name](Scope(lines_only, who, CASES[case]))
        assert_frame_equal(fast, slow, check_exact=True)
        heights[name] = slow.height
    if principal == "cbp":  # the cases select rows (one importer may have none of them)
        assert heights["overview.monthly_trend"] > 0 or case == "heading"


@pytest.mark.parametrize(
    ("filters", "by", "measures", "goods_only", "expected"),
    [
        (Filters(), (), ("entries", "entered_value"), False, "lines_by_month"),
        (Filters(), ("month", "entry_type"), ("entries",), False, "lines_by_month"),
        (Filters(), ("country_of_origin",), ("entries",), False, "lines_by_country"),
        (Filters(countries=("CN",)), (), ("entries",), False, "lines_by_country"),
        (Filters(countries=("CN", "VN")), (), ("entries",), False, None),
        (Filters(countries=("CN", "VN")), (), ("entered_value",), False, "lines_by_country"),
        (
            Filters(countries=("CN", "VN")),
            ("country_of_origin",),
            ("entries",),
            False,
            "lines_by_country",
        ),
        (Filters(hts_prefix="94"), ("month",), ("entries",), False, "lines_by_chapter"),
        (Filters(hts_prefix="9403"), (), ("entered_value",), False, "lines_by_hts"),
        (Filters(hts_prefix="9403"), (), ("entries",), False, None),
        (Filters(countries=("CN",), hts_prefix="94"), (), ("lines",), False, "lines_by_hts"),
        (Filters(countries=("CN",), hts_prefix="94"), (), ("entries",), False, None),
        (
            Filters(countries=("CN",), hts_prefix="9403608093"),
            (),
            ("entries",),
            False,
            "lines_by_hts",
        ),
        (Filters(countries=("CN", "VN"), hts_prefix="9403608093"), (), ("entries",), False, None),
        (Filters(hts_prefix="9903"), (), ("entered_value",), False, "lines_by_chapter_99"),
        (Filters(hts_prefix="99"), ("hts_chapter",), ("duties",), False, "lines_by_chapter_99"),
        (Filters(hts_prefix="9903"), (), ("entries",), False, None),
        (Filters(hts_prefix="9902"), ("month",), ("lines",), True, "lines_by_chapter_99"),
        (Filters(countries=("CN", "VN")), ("hts_chapter",), ("duties",), False, "lines_by_hts"),
        (Filters(), ("hts_chapter",), ("entries",), True, "lines_by_chapter"),
        (Filters(), ("hts_chapter",), ("entered_value",), True, None),
        (Filters(), ("manufacturer_id",), ("entered_value",), False, None),
    ],
)
def test_plan_picks_the_rollup_that_is_exact(
    engines: tuple[DuckDBEngine, DuckDBEngine],
    filters: Filters,
    by: tuple[str, ...],
    measures: tuple[str, ...],
    goods_only: bool,
    expected: str | None,
) -> None:
    with_rollups, lines_only = engines
    who = Principal.parse("cbp")
    assert plan(Scope(with_rollups, who, filters), by, measures, goods_only=goods_only) == expected
    assert plan(Scope(lines_only, who, filters), by, measures, goods_only=goods_only) is None


@pytest.mark.parametrize(
    ("start", "end", "months", "edges"),
    [
        (None, None, (None, None), []),
        (date(2024, 3, 1), date(2024, 5, 31), (date(2024, 3, 1), date(2024, 5, 1)), []),
        (
            date(2024, 3, 5),
            date(2024, 5, 30),
            (date(2024, 4, 1), date(2024, 4, 1)),
            [(date(2024, 3, 5), date(2024, 3, 31)), (date(2024, 5, 1), date(2024, 5, 30))],
        ),
        (
            date(2024, 3, 5),
            date(2024, 3, 20),
            (date(2024, 4, 1), date(2024, 2, 1)),
            [(date(2024, 3, 5), date(2024, 3, 20))],
        ),
        (
            date(2024, 3, 5),
            date(2024, 4, 10),
            (date(2024, 4, 1), date(2024, 3, 1)),
            [(date(2024, 3, 5), date(2024, 4, 10))],
        ),
        (
            date(2023, 12, 31),
            date(2024, 2, 29),
            (date(2024, 1, 1), date(2024, 2, 1)),
            [(date(2023, 12, 31), date(2023, 12, 31))],
        ),
        (
            None,
            date(2023, 2, 27),
            (None, date(2023, 1, 1)),
            [(date(2023, 2, 1), date(2023, 2, 27))],
        ),
    ],
)
def test_whole_months_and_cut_days(
    start: date | None,
    end: date | None,
    months: tuple[date | None, date | None],
    edges: list[tuple[date, date]],
) -> None:
    assert _whole_months(start, end) == months
    assert _edges(start, end, *months) == edges


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def _more_lines(where: Path, year: int) -> pl.DataFrame:
    """A copy of the lake's lines of `year` under new entry numbers (no filer code starts
    with Q, and none differ only in their first character)."""
    frame = pl.read_parquet(where / "entry_lines" / f"year={year}" / "*.parquet")
    return frame.with_columns(pl.lit("Q") + pl.col("entry_number").str.slice(1))


def test_a_write_rebuilds_only_the_years_it_changed(demo: Path, tmp_path: Path) -> None:
    where = _copy(demo, tmp_path / "lake")
    before = {p.parent.name: p.stat().st_ino for p in _rollup_files(where)}
    with lake.transaction(where) as tx:
        tx.write("entry_lines", _more_lines(where, 2024))
    after = {p.parent.name: p.stat().st_ino for p in _rollup_files(where)}
    assert {y for y in after if after[y] != before[y]} == {"year=2024"}
    assert rollups.usable(where)
    fast, slow = DuckDBEngine(where), DuckDBEngine(where, use_rollups=False)
    assert fast.rollups
    for name in ("overview.kpis", "overview.monthly_trend", "exams.rate_by_country"):
        expected = REPORTS[name](Scope(slow, Principal.parse("cbp")))
        assert_frame_equal(REPORTS[name](Scope(fast, Principal.parse("cbp"))), expected)
    kpis = REPORTS["overview.kpis"](Scope(fast, Principal.parse("cbp")))
    first = REPORTS["overview.kpis"](Scope(DuckDBEngine(demo), Principal.parse("cbp")))
    added = _more_lines(demo, 2024)
    assert (
        kpis["lines"][0] == first["lines"][0] + added.filter(pl.col("tariff_ordinal") == 1).height
    )


def _rollup_files(where: Path) -> list[Path]:
    return sorted((where / "_rollups" / "lines_by_month").glob("year=*/*.parquet"))


def test_stale_rollups_are_not_used(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where = _copy(demo, tmp_path / "lake")
    monkeypatch.setattr(rollups, "rebuild", lambda tx: None)  # a writer that skipped them
    with lake.transaction(where) as tx:
        tx.write("entry_lines", _more_lines(where, 2023))
    assert not rollups.usable(where)
    assert rollups.status(where).endswith("(out of date); the next load rebuilds them.")
    engine = DuckDBEngine(where)
    assert engine.rollups == frozenset()
    lines = REPORTS["overview.kpis"](Scope(engine, Principal.parse("cbp")))["lines"][0]
    stale = REPORTS["overview.kpis"](Scope(DuckDBEngine(demo), Principal.parse("cbp")))
    added = _more_lines(demo, 2023).filter(pl.col("tariff_ordinal") == 1).height
    assert lines == stale["lines"][0] + added


def test_an_entry_whose_lines_disagree_turns_rollups_off(demo: Path, tmp_path: Path) -> None:
    where = _copy(demo, tmp_path / "lake")
    lines = pl.read_parquet(where / "entry_lines" / "year=2025" / "*.parquet")
    entry = lines.filter(pl.col("line_number") == 2).get_column("entry_number")[0]
    with lake.transaction(where) as tx:
        tx.delete_where("entry_lines", lambda f: f.filter(pl.col("entry_number") != entry))
        moved = lines.filter(pl.col("entry_number") == entry).with_columns(
            port_of_entry=pl.when(pl.col("line_number") == 2)
            .then(pl.lit("9999"))
            .otherwise(pl.col("port_of_entry"))
        )
        tx.write("entry_lines", moved)
    assert not rollups.usable(where)
    assert "Some entry's lines disagree on a header field" in rollups.status(where)
    engine = DuckDBEngine(where)
    assert engine.rollups == frozenset()
    kpis = REPORTS["overview.kpis"](Scope(engine, Principal.parse("cbp")))
    expected = pl.read_parquet(where / "entry_lines" / "year=*" / "*.parquet")
    assert kpis["entries"][0] == expected.get_column("entry_number").n_unique()


def test_an_empty_lake_has_no_rollups(tmp_path: Path) -> None:
    where = tmp_path / "lake"
    with lake.transaction(where, fresh=True):
        pass
    engine = DuckDBEngine(where)
    assert engine.rollups == frozenset()
    kpis = REPORTS["overview.kpis"](Scope(engine, Principal.parse("cbp")))
    assert kpis.select("entries", "lines").row(0) == (0, 0)


def test_a_range_past_the_data_reads_only_the_rollup(
    demo: Path, engines: tuple[DuckDBEngine, DuckDBEngine]
) -> None:
    with_rollups, _ = engines
    first, last = with_rollups.rollup_dates["entry_lines"]
    lines = pl.read_parquet(demo / "entry_lines" / "year=*" / "*.parquet")
    assert (first, last) == (lines["entry_date"].min(), lines["entry_date"].max())
    five_years = Filters(start=first, end=date(2026, 12, 31))
    scope = Scope(with_rollups, Principal.parse("cbp"), five_years)
    sql = with_rollups._backend().compile(line_totals(scope, ("month",), ("entries",)))
    assert "rollup_lines_by_month" in sql and "entry_lines" not in sql
    cut = Scope(with_rollups, Principal.parse("cbp"), Filters(start=date(2022, 3, 9)))
    assert "entry_lines" in with_rollups._backend().compile(line_totals(cut, (), ("entries",)))


def test_summaries_come_from_their_rollup_unless_a_line_filter_asks(
    engines: tuple[DuckDBEngine, DuckDBEngine],
) -> None:
    with_rollups, _ = engines
    compiled = with_rollups._backend().compile
    plain = Scope(with_rollups, Principal.parse("cbp"), Filters(start=date(2022, 5, 5)))
    sql = compiled(summary_totals(plain, ("port_of_entry",), ("entries", "cf28")))
    assert "rollup_summaries_by_month" in sql
    by_origin = Scope(with_rollups, Principal.parse("cbp"), Filters(countries=("CN",)))
    sql = compiled(summary_totals(by_origin, ("month",), ("entries",)))
    assert "rollup_summaries_by_month" not in sql  # the entries of their lines (they agree:
    assert "entry_summaries" not in sql and "entry_lines" not in sql  # lake.agreement)
    sql = compiled(summary_totals(by_origin, ("month",), ("entries", "cf28")))
    assert "rollup_summaries_by_countries" in sql  # by their lines' countries
    assert "entry_summaries" not in sql and "rollup_entry_countries" not in sql
    heading = Scope(with_rollups, Principal.parse("cbp"), Filters(hts_prefix="8471"))
    sql = compiled(summary_totals(heading, ("month",), ("entries", "cf28")))
    assert "rollup_summaries_by_hts" in sql and "entry_summaries" not in sql
    sql = compiled(heading.table("entry_summaries").count().as_table())  # the rows
    assert "rollup_entry_keys" in sql and "rollup_entry_countries" not in sql
    sql = compiled(release_totals(plain, ("month",), days=True))
    assert "rollup_releases_by_month" in sql and "cargo_releases" in sql  # the cut month
    sql = compiled(release_totals(by_origin, ("port_of_entry",), days=True))
    assert "rollup_releases_by_month" not in sql and "rollup_releases_by_countries" in sql
    sql = compiled(by_origin.table("cargo_releases").count().as_table())  # the rows
    assert "rollup_entry_countries" in sql and "entry_lines" not in sql  # through entries
    assert "rollup_entry_keys" not in sql  # by country: an HTS prefix needs the keys


def test_a_lake_without_some_tables_uses_the_rollups_it_has(demo: Path, tmp_path: Path) -> None:
    """Lines only (an ES-003 load derives summaries; here not even those): no rollup
    files for the empty tables, so only the line rollups are in use."""
    where = tmp_path / "lake"
    lines = pl.read_parquet(demo / "entry_lines" / "year=2024" / "*.parquet")
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_lines", lines)
    engine = DuckDBEngine(where)
    assert engine.rollups == {
        "lines_by_month",
        "lines_by_country",
        "lines_by_chapter",
        "entries_by_chapter",
        "lines_by_hts",
        "entry_keys",
        "entry_countries",
        "entries_by_countries",
        "entries_by_hts",
        "layers_by_number",
        "layer_entries",
        "chapter_99_by_entry",
        "chapter_99_by_country",
        "lines_by_chapter_99",
    }
    scope = Scope(engine, Principal.parse("cbp"))
    lines_only = Scope(DuckDBEngine(where, use_rollups=False), Principal.parse("cbp"))
    for name in ("overview.kpis", "exams.kpis", "cargo_release.kpis"):
        assert_frame_equal(REPORTS[name](scope), REPORTS[name](lines_only))
    assert REPORTS["cargo_release.kpis"](scope)["releases"].item() == 0


def test_a_layer_of_another_country_than_its_goods_counts_as_the_lines_say(
    demo: Path, tmp_path: Path
) -> None:
    """A Chapter 99 layer whose country differs from its goods row's: with a filter on the
    layer's country only, the goods row is out of scope and the layer counts under its
    own number (chapter 99), as on the lines; the HTS rollup reads the goods row's country
    beside the row's own (goods_country) to answer the same, and so do the refunds' rows
    (an IEEPA layer, 9903.01, of spring 2025: refunded under VN and a heading only with
    its goods row)."""
    where = _copy(demo, tmp_path / "lake")
    lines = pl.read_parquet(where / "entry_lines" / "year=2025" / "*.parquet")
    layers = lines.filter(
        (pl.col("tariff_ordinal") > 1)
        & pl.col("hts_number").str.starts_with("990301")
        & (pl.col("country_of_origin") == "CN")
        & (pl.col("entry_date").is_between(date(2025, 4, 1), date(2025, 6, 30)))
        & (pl.col("duty_amount") > 0)
    )
    several = lines.group_by("entry_number").agg(pl.col("line_number").max() > 1)
    several = several.filter(pl.col("line_number")).get_column("entry_number")
    layer = layers.filter(pl.col("entry_number").is_in(several.implode())).row(0, named=True)
    entry, line = layer["entry_number"], layer["line_number"]
    goods = lines.filter(
        (pl.col("entry_number") == entry) & (pl.col("line_number") == line)
        & (pl.col("tariff_ordinal") == 1)
    )  # fmt: skip
    number = goods.get_column("hts_number")[0]
    heading = number[:4]
    other = lines.filter((pl.col("entry_number") == entry) & (pl.col("line_number") != line))
    other_line = other.get_column("line_number")[0]
    with lake.transaction(where) as tx:
        tx.delete_where("entry_lines", lambda f: f.filter(pl.col("entry_number") != entry))
        layer_rows = (pl.col("line_number") == line) & (pl.col("tariff_ordinal") > 1)
        other_goods = (pl.col("line_number") == other_line) & (pl.col("tariff_ordinal") == 1)
        moved = lines.filter(pl.col("entry_number") == entry).with_columns(
            country_of_origin=pl.when(layer_rows | other_goods)
            .then(pl.lit("VN"))
            .otherwise(pl.col("country_of_origin")),
            # another line of the entry, from VN under the same number: the entry is in
            # scope under VN and the heading, the layer's goods row is not
            hts_number=pl.when(other_goods).then(pl.lit(number)).otherwise("hts_number"),
        )
        tx.write("entry_lines", moved)
    fast, slow = DuckDBEngine(where), DuckDBEngine(where, use_rollups=False)
    assert "lines_by_hts" in fast.rollups
    cbp = Principal.parse("cbp")
    for filters in (
        Filters(countries=("VN",)),
        Filters(countries=("VN",), hts_prefix=heading),
        Filters(countries=("CN",), hts_prefix=heading),
        Filters(countries=("CN", "VN"), hts_prefix=heading),
        Filters(hts_prefix=heading),
    ):
        for name in ("overview.kpis", "overview.top_hts_chapters", "overview.top_countries"):
            expected = REPORTS[name](Scope(slow, cbp, filters))
            assert_frame_equal(REPORTS[name](Scope(fast, cbp, filters)), expected)
        for name in ("refunds.summary", "refunds.entries"):
            expected = REPORTS[name](Scope(slow, cbp, filters), as_of=date(2026, 5, 20))
            actual = REPORTS[name](Scope(fast, cbp, filters), as_of=date(2026, 5, 20))
            assert_frame_equal(actual, expected)
    listed = {
        countries: REPORTS["refunds.entries"](
            Scope(slow, cbp, Filters(countries=countries, hts_prefix=heading)),
            as_of=date(2026, 5, 20),
        ).filter(pl.col("entry_number") == entry)
        for countries in (("VN",), ("CN", "VN"))
    }
    # under VN the entry is in scope through its VN line but owes no refund: the VN
    # layer's goods row is CN, the VN line's own layers stayed CN; with CN it is listed
    assert listed[("VN",)].height == 0
    assert listed[("CN", "VN")].get_column("ieepa_duty").item() >= layer["duty_amount"]
    vn = Scope(fast, cbp, Filters(countries=("VN",)))
    chapters = vn.run(line_totals(vn, ("hts_chapter",), ("duties",)))
    assert "99" in chapters.get_column("hts_chapter").to_list()  # the moved layer, on its own


def test_an_hts_filter_reads_sums_from_the_hts_rollup_and_entries_without_layers(
    engines: tuple[DuckDBEngine, DuckDBEngine],
) -> None:
    """Under a 4-digit HTS filter the sums come from lines_by_hts and the distinct entries
    from each line's own number: no window over the Chapter 99 layers; the same frames."""
    with_rollups, lines_only = engines
    cbp = Principal.parse("cbp")
    for filters in (Filters(hts_prefix="9403"), Filters(hts_prefix="8471", countries=("CN",))):
        fast, slow = Scope(with_rollups, cbp, filters), Scope(lines_only, cbp, filters)
        expr = line_totals(fast, ("month",), ("entries", "lines", "duties"))
        sql = with_rollups._backend().compile(expr)
        assert "rollup_lines_by_hts" in sql and " OVER " not in sql.upper()
        expected = slow.run(line_totals(slow, ("month",), ("entries", "lines", "duties")))
        assert_frame_equal(fast.run(expr).sort("month"), expected.sort("month"))


# Header tables matched through their lines (Scope._through_lines) and entries counted
# apart from the sums (line_totals._entries_apart): with the rollups from `entry_keys`
# (each row's own HTS number), without them from the lines. The same entries either way.
THROUGH_LINES_REPORTS = (
    "entry_summary.header_count",
    "entry_summary.kpis",
    "cargo_release.details_count",
    "cargo_release.kpis",
    "cargo_release.monthly",
    "cargo_release.release_time_by_port",
    "filers.scorecard",
    "exams.details_count",
    "exams.kpis",
    "exams.rate_by_mode",
    "exams.rate_by_hts_chapter",
    "exams.cf28_cf29_by_month",
    "reconciliation.header_count",
    "cf_forms.requests_count",
    "bond.details_count",
    "overview.kpis",
    "overview.monthly_trend",
)
KEY_CASES = {
    "heading": Filters(hts_prefix="8471"),
    "two countries": Filters(countries=("CN", "VN")),
    "two countries and a heading": Filters(countries=("CN", "VN"), hts_prefix="9403"),
    "six digits, a period": Filters(hts_prefix="851713", start=date(2023, 2, 11)),
    "three digits": Filters(hts_prefix="940"),
    "seven digits, a cut month": Filters(hts_prefix="8471300", end=date(2025, 4, 12)),
    "one number, a port": Filters(hts_prefix="9403608093", ports=("2704",)),
    "chapter, a port, a mode": Filters(hts_prefix="85", ports=("2704",), modes=("11", "40")),
    "layers by their own number": Filters(hts_prefix="9903"),
    "layers of one country": Filters(hts_prefix="990301", countries=("CN",)),
    "a filer and a country": Filters(filer_codes=("WPG",), countries=("MX",)),
    "a country, cut months": Filters(
        countries=("CN",), start=date(2023, 2, 11), end=date(2025, 4, 12)
    ),
    "an importer, countries, entry types": Filters(
        importer_numbers=("27-4418529AB",), countries=("CN", "VN", "MX"), entry_types=("01",)
    ),
}


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("case", KEY_CASES)
def test_entry_keys_name_the_same_entries_as_the_lines(
    engines: tuple[DuckDBEngine, DuckDBEngine], principal: str, case: str
) -> None:
    with_rollups, lines_only = engines
    who, filters = Principal.parse(principal), KEY_CASES[case]
    for name in THROUGH_LINES_REPORTS:
        if not all(who.can_see(table) for table in REPORTS[name].tables):
            continue
        fast = REPORTS[name](Scope(with_rollups, who, filters))
        slow = REPORTS[name](Scope(lines_only, who, filters))
        assert_frame_equal(fast, slow, check_exact=True)
    keys = Scope(with_rollups, who, filters).entry_keys()
    assert "rollup_entry_keys" in with_rollups._backend().compile(keys)
    lines = Scope(lines_only, who, filters).entry_keys()
    assert keys.entry_number.nunique().execute() == lines.entry_number.nunique().execute()


def test_entry_keys_are_the_lines_distinct_keys_sorted_for_pruning(demo: Path) -> None:
    lines = pl.read_parquet(f"{demo}/entry_lines/year=2024/*.parquet")
    keys = pl.read_parquet(f"{demo}/_rollups/entry_keys/year=2024/*.parquet")
    columns = [
        *rollups.HEADER_DIMS,
        "entry_date",
        "entry_number",
        "country_of_origin",
        "hts_number",
    ]
    expected = lines.select(*columns, goods_row=pl.col("tariff_ordinal") == 1).unique()
    assert keys.height == expected.height < lines.height  # distinct: layers fold together
    assert_frame_equal(keys, expected, check_row_order=False)
    order = ["importer_number", "hts_number", "country_of_origin", "entry_date"]
    assert_frame_equal(keys.select(order), keys.select(order).sort(order))
    groups = pq.ParquetFile(lake.files(demo / lake.ROLLUPS_DIR / "entry_keys")[0]).metadata
    assert {groups.row_group(i).num_rows for i in range(groups.num_row_groups - 1)} <= {61_440}


def test_entry_countries_are_the_lines_distinct_entries_per_country(demo: Path) -> None:
    lines = pl.read_parquet(f"{demo}/entry_lines/year=2024/*.parquet")
    rolled = pl.read_parquet(f"{demo}/_rollups/entry_countries/year=2024/*.parquet")
    columns = [*rollups.HEADER_DIMS, "entry_date", "entry_number", "country_of_origin"]
    expected = lines.select(columns).unique()
    entries = lines.get_column("entry_number").n_unique()
    assert entries <= rolled.height == expected.height < lines.height
    assert rolled.columns == columns
    assert_frame_equal(rolled, expected, check_row_order=False)
    order = ["importer_number", "country_of_origin", "entry_date"]
    assert_frame_equal(rolled.select(order), rolled.select(order).sort(order))


def test_a_free_country_set_counts_entries_by_their_countries(
    engines: tuple[DuckDBEngine, DuckDBEngine],
) -> None:
    with_rollups, _ = engines
    compiled = with_rollups._backend().compile
    two = Filters(countries=("CN", "VN"), start=date(2023, 1, 1))
    scope = Scope(with_rollups, Principal.parse("cbp"), two)
    sql = compiled(line_totals(scope, ("month",), ("entries", "duties")))
    assert "rollup_entries_by_countries" in sql and "rollup_lines_by_country" in sql
    assert "entry_lines" not in sql and "rollup_entry_keys" not in sql
    goods = compiled(line_totals(scope, ("port_of_entry",), ("entries",), goods_only=True))
    assert "goods_countries" in goods and "entry_lines" not in goods
    cut = Scope(with_rollups, Principal.parse("cbp"), replace(two, start=date(2023, 1, 9)))
    assert "entry_lines" in compiled(line_totals(cut, (), ("entries",)))  # the cut month
    heading = Scope(with_rollups, Principal.parse("cbp"), replace(two, hts_prefix="9403"))
    sql = compiled(line_totals(heading, (), ("entries", "duties")))
    assert "rollup_entry_keys" in sql and "rollup_entries_by_countries" not in sql


def test_entries_by_countries_hold_each_entrys_countries(demo: Path) -> None:
    lines = pl.read_parquet(f"{demo}/entry_lines/year=2024/*.parquet")
    rolled = pl.read_parquet(f"{demo}/_rollups/entries_by_countries/year=2024/*.parquet")
    keys = [*rollups.HEADER_DIMS, "month", "entry_number"]
    dated = lines.with_columns(month=pl.col("entry_date").dt.truncate("1mo"))
    per_entry = dated.group_by(keys).agg(
        countries=pl.col("country_of_origin").drop_nulls().unique().sort(),
        goods_countries=pl.col("country_of_origin")
        .filter(pl.col("tariff_ordinal") == 1).drop_nulls().unique().sort(),
    )  # fmt: skip
    expected = per_entry.group_by([*keys[:-1], "countries", "goods_countries"]).agg(
        entries=pl.len().cast(pl.Int64)
    )
    assert rolled.get_column("entries").sum() == lines.get_column("entry_number").n_unique()
    assert_frame_equal(rolled, expected, check_row_order=False, check_column_order=False)
    several = rolled.filter(pl.col("countries").list.len() > 1).get_column("entries").sum()
    assert several > 0  # the demo has entries from two countries: the case this is for


def test_entries_by_chapter_hold_each_entrys_goods_countries_per_chapter(demo: Path) -> None:
    lines = pl.read_parquet(f"{demo}/entry_lines/year=2024/*.parquet")
    rolled = pl.read_parquet(f"{demo}/_rollups/{rollups.ENTRIES_BY_CHAPTER}/year=2024/*.parquet")
    goods = lines.filter(pl.col("tariff_ordinal") == 1).with_columns(
        month=pl.col("entry_date").dt.truncate("1mo"),
        hts_chapter=pl.col("hts_number").str.slice(0, 2),
    )
    keys = [*rollups.HEADER_DIMS, "month", "hts_chapter"]
    per_entry = goods.group_by([*keys, "entry_number"]).agg(
        goods_countries=pl.col("country_of_origin").drop_nulls().unique().sort()
    )
    expected = per_entry.group_by([*keys, "goods_countries"]).agg(entries=pl.len().cast(pl.Int64))
    assert_frame_equal(rolled, expected, check_row_order=False, check_column_order=False)
    assert rolled.get_column("hts_chapter").n_unique() > 10
    assert rolled.filter(pl.col("goods_countries").list.len() > 1).height > 0


def test_exam_rates_by_chapter_under_countries_read_the_entries_by_chapter(
    engines: tuple[DuckDBEngine, DuckDBEngine],
) -> None:
    with_rollups, _ = engines
    compiled = with_rollups._backend().compile
    cbp = Principal.parse("cbp")
    for filters in (Filters(countries=("CN", "VN")), KEY_CASES["a country, cut months"]):
        scope = Scope(with_rollups, cbp, filters)
        sql = compiled(line_totals(scope, ("hts_chapter",), ("entries",), goods_only=True))
        assert "rollup_entries_by_chapter" in sql and "rollup_entry_keys" not in sql
        assert ("entry_lines" in sql) == (filters.start is not None)  # the cut months' days
    heading = Scope(with_rollups, cbp, Filters(countries=("CN",), hts_prefix="85"))
    sql = compiled(line_totals(heading, ("hts_chapter",), ("entries",), goods_only=True))
    assert "rollup_entries_by_chapter" not in sql


def _january_releases_lines_in_2023(
    demo: Path, tmp_path: Path
) -> tuple[Path, pl.DataFrame, pl.DataFrame]:
    """A copy of the lake whose first five entries released in January 2024 have their
    lines dated 2023-12-28: (lake, the releases of 2024, every line)."""
    where = _copy(demo, tmp_path / "lake")
    releases = pl.read_parquet(f"{where}/cargo_releases/year=2024/*.parquet")
    january = releases.filter(pl.col("arrival_date").dt.month() == 1)
    moved = pl.col("entry_number").is_in(january.get_column("entry_number").head(5).implode())
    every = pl.read_parquet(lake.table_files(where, "entry_lines"), hive_partitioning=False)
    with lake.transaction(where) as tx:
        tx.delete_where("entry_lines", lambda f: f.filter(~moved))
        tx.write("entry_lines", every.filter(moved).with_columns(entry_date=date(2023, 12, 28)))
    lines = pl.read_parquet(lake.table_files(where, "entry_lines"), hive_partitioning=False)
    return where, releases, lines


def test_releases_by_countries_hold_each_releases_line_countries_and_month(
    demo: Path, tmp_path: Path
) -> None:
    """Every year's lines: a release's entry may be dated in another year than its arrival
    (here the lines of the first entries released in January 2024 are moved to 2023)."""
    where, releases, lines = _january_releases_lines_in_2023(demo, tmp_path)
    name = rollups.RELEASES_BY_COUNTRIES
    rolled = pl.read_parquet(f"{where}/_rollups/{name}/year=2024/*.parquet")
    sets = lines.group_by("entry_number").agg(
        countries=pl.col("country_of_origin").drop_nulls().unique().sort(),
        entry_month=pl.col("entry_date").min().dt.truncate("1mo"),
    )
    days = (pl.col("release_date") - pl.col("arrival_date")).dt.total_days()
    rows = releases.join(sets, on="entry_number").with_columns(
        month=pl.col("arrival_date").dt.truncate("1mo"),
        release_days=days,
        held=pl.col("hold_agency").is_not_null(),
    )
    keys = [*rollups.RELEASE_KEYS, "month", "release_days", "held", "entry_month", "countries"]
    expected = rows.group_by(keys).agg(rows=pl.len().cast(pl.Int64))
    assert_frame_equal(rolled, expected, check_row_order=False, check_column_order=False)
    other_year = rolled.filter(pl.col("entry_month") == date(2023, 12, 1))
    assert other_year.get_column("rows").sum() >= 5  # the case every year's lines are read for


def test_releases_under_a_line_filter_read_their_rollup_where_it_is_exact(
    engines: tuple[DuckDBEngine, DuckDBEngine],
) -> None:
    with_rollups, _ = engines
    compiled = with_rollups._backend().compile
    cbp = Principal.parse("cbp")
    by_lines = ("rollup_releases_by_countries", "rollup_releases_by_hts")

    def reads(filters: Filters) -> str | None:
        expr = release_totals(Scope(with_rollups, cbp, filters), ("month",), days=True)
        sql = compiled(expr)
        read = [name for name in by_lines if name in sql]
        if "rollup_releases_by_month" not in sql:  # else no line filter
            assert ("cargo_releases" in sql) != bool(read)
        assert len(read) <= 1
        return read[0].removeprefix("rollup_releases_by_") if read else None

    assert reads(Filters(countries=("CN", "VN"), ports=("2704",))) == "countries"
    assert reads(Filters(countries=("CN",), start=date(2023, 2, 1), end=date(2025, 4, 30)))
    assert reads(Filters(hts_prefix="85", ports=("2704",))) == "hts"
    assert reads(Filters(hts_prefix="8471300100", end=date(2025, 4, 30))) == "hts"
    assert reads(Filters(countries=("CN",), start=date(2023, 2, 11))) is None  # a cut month
    assert reads(Filters(hts_prefix="94", end=date(2025, 4, 11))) is None
    assert reads(Filters(countries=("CN",), entry_types=("01",))) is None  # the lines' field
    assert reads(Filters(hts_prefix="94", entry_types=("01",))) is None
    assert reads(Filters(countries=("CN",), hts_prefix="85")) is None
    assert reads(Filters(hts_prefix="9903")) == "hts"  # the layers' own numbers
    assert reads(Filters(ports=("2704",))) is None  # no line filter: releases_by_month


def test_releases_by_hts_count_each_release_once_under_every_prefix(
    demo: Path, tmp_path: Path
) -> None:
    """Every year's lines, as the releases by countries: the lines of the first entries
    released in January 2024 are moved to 2023."""
    where, releases, lines = _january_releases_lines_in_2023(demo, tmp_path)
    name = rollups.RELEASES_BY_HTS
    rolled = pl.read_parquet(f"{where}/_rollups/{name}/year=2024/*.parquet")
    assert rolled.get_column("first_digits").min() == 2
    for prefix in ("85", "940", "8471", "847130", "9403608093", "99", "9903880300"):
        under = lines.filter(pl.col("hts_number").str.starts_with(prefix))
        mine = releases.filter(pl.col("entry_number").is_in(under["entry_number"].implode()))
        counted = rolled.filter(
            pl.col("hts_number").str.starts_with(prefix) & (pl.col("first_digits") <= len(prefix))
        )
        assert counted.get_column("rows").sum() == mine.height > 0, prefix
        held = mine.get_column("hold_agency").is_not_null().sum()
        assert counted.filter("held").get_column("rows").sum() == held, prefix
    other_year = rolled.filter(pl.col("entry_month") == date(2023, 12, 1))
    assert other_year.get_column("rows").sum() >= 5  # the case every year's lines are read for
    assert rolled.get_column("rows").sum() > releases.height  # a row per number of each
    order = ["importer_number", "hts_number", "month"]
    assert_frame_equal(rolled.select(order), rolled.select(order).sort(order))


def test_a_release_whose_port_is_not_its_lines_is_matched_row_by_row(
    demo: Path, tmp_path: Path
) -> None:
    where = _copy(demo, tmp_path / "lake")
    releases = pl.read_parquet(lake.table_files(where, "cargo_releases"), hive_partitioning=False)
    one = releases.filter(pl.col("port_of_entry") == "2704").sort("entry_number").head(1)
    gone = one.get_column("entry_number")
    with lake.transaction(where) as tx:
        tx.delete_where(
            "cargo_releases", lambda f: f.filter(~pl.col("entry_number").is_in(gone.implode()))
        )
        tx.write("cargo_releases", one.with_columns(port_of_entry=pl.lit("2709")))
    fast, slow = DuckDBEngine(where), DuckDBEngine(where, use_rollups=False)
    counts = agreement.releases_agreeing(where, lake.generation(where))
    assert counts == set(agreement.RELEASE_FIELDS) - {"port_of_entry"}
    cbp = Principal.parse("cbp")
    countries = Filters(countries=tuple(_countries_of(where, gone[0])))
    number = Filters(hts_prefix=_numbers_of(where, gone[0])[0])
    for filters in (
        replace(countries, ports=("2709",)),
        countries,
        replace(number, ports=("2709",)),
        number,
    ):
        sql = fast._backend().compile(release_totals(Scope(fast, cbp, filters), (), days=True))
        name = "countries" if filters.countries else "hts"
        assert (f"rollup_releases_by_{name}" in sql) == (not filters.ports)
        for name in ("cargo_release.kpis", "cargo_release.monthly"):
            one_way = REPORTS[name](Scope(fast, cbp, filters))
            assert_frame_equal(one_way, REPORTS[name](Scope(slow, cbp, filters)), check_exact=True)


@pytest.mark.parametrize(
    ("line_filter", "rollup"),
    [
        (Filters(countries=("CN",)), "rollup_releases_by_countries"),
        (Filters(hts_prefix="85"), "rollup_releases_by_hts"),
    ],
)
def test_releases_count_under_a_period_by_their_lines_dates(
    demo: Path, tmp_path: Path, line_filter: Filters, rollup: str
) -> None:
    """Releases of June 2024 whose lines are moved to May 20: in scope from May 15 (a cut
    month: matched row by row), not from June 1 (whole months: the lines' month is not)."""
    where = _copy(demo, tmp_path / "lake")
    lines = pl.read_parquet(lake.table_files(where, "entry_lines"), hive_partitioning=False)
    kept = pl.col("country_of_origin") == "CN" if line_filter.countries else None
    if kept is None:
        kept = pl.col("hts_number").str.starts_with(line_filter.hts_prefix)
    matching = lines.filter(kept).get_column("entry_number")
    releases = pl.read_parquet(f"{where}/cargo_releases/year=2024/*.parquet")
    june = releases.filter(
        (pl.col("arrival_date").dt.month() == 6) & pl.col("entry_number").is_in(matching.implode())
    )
    moved = pl.col("entry_number").is_in(june.get_column("entry_number").head(3).implode())
    with lake.transaction(where) as tx:
        tx.delete_where("entry_lines", lambda f: f.filter(~moved))
        tx.write("entry_lines", lines.filter(moved).with_columns(entry_date=date(2024, 5, 20)))
    fast, slow = DuckDBEngine(where), DuckDBEngine(where, use_rollups=False)
    cbp = Principal.parse("cbp")
    for start in (date(2024, 5, 15), date(2024, 6, 1)):
        filters = replace(line_filter, start=start, end=date(2024, 12, 31))
        sql = fast._backend().compile(release_totals(Scope(fast, cbp, filters), (), days=True))
        assert (rollup in sql) == (start.day == 1)
        kpis = REPORTS["cargo_release.kpis"](Scope(fast, cbp, filters))
        assert_frame_equal(kpis, REPORTS["cargo_release.kpis"](Scope(slow, cbp, filters)))
        if start.day == 1:
            wider = REPORTS["cargo_release.kpis"](Scope(fast, cbp, replace(filters, start=None)))
            assert kpis["releases"][0] < wider["releases"][0]


def _numbers_of(where: Path, entry: str) -> list[str]:
    lines = pl.read_parquet(lake.table_files(where, "entry_lines"), hive_partitioning=False)
    mine = lines.filter(pl.col("entry_number") == entry)
    return sorted(mine.filter(~pl.col("hts_number").str.starts_with("99"))["hts_number"].unique())


def _countries_of(where: Path, entry: str) -> list[str]:
    lines = pl.read_parquet(lake.table_files(where, "entry_lines"), hive_partitioning=False)
    mine = lines.filter(pl.col("entry_number") == entry)
    return sorted(mine.get_column("country_of_origin").drop_nulls().unique().to_list())


def _summaries_by_line_countries(where: Path, year: int) -> pl.DataFrame:
    """The summaries of `year` per header fields, month and their lines' countries, from
    the files (what `rollups.ByLineCountries` holds; summaries without lines left out)."""
    lines = pl.read_parquet(f"{where}/entry_lines/year={year}/*.parquet")
    summaries = pl.read_parquet(f"{where}/entry_summaries/year={year}/*.parquet")
    sets = lines.group_by("entry_number").agg(
        countries=pl.col("country_of_origin").drop_nulls().unique().sort()
    )
    dtf = [pl.col(c).fill_null(0) for c in ("duty_amount", "tax_amount", "fee_amount")]
    rows = summaries.join(sets, on="entry_number").with_columns(
        month=pl.col("entry_date").dt.truncate("1mo"), dtf=dtf[0] + dtf[1] + dtf[2]
    )
    return rows.group_by([*rollups.HEADER_DIMS, "month", "countries"]).agg(
        rows=pl.len().cast(pl.Int64),
        cf28=pl.col("cf28_issued").sum().cast(pl.Int64),
        cf29=pl.col("cf29_issued").sum().cast(pl.Int64),
        dtf=pl.col("dtf").sum().cast(pl.Decimal(38, 2)),
    )


def _rolled_summaries(where: Path, year: int) -> pl.DataFrame:
    name = rollups.SUMMARIES_BY_COUNTRIES
    return pl.read_parquet(f"{where}/_rollups/{name}/year={year}/*.parquet")


def test_summaries_by_countries_hold_each_summarys_line_countries(demo: Path) -> None:
    rolled, expected = _rolled_summaries(demo, 2024), _summaries_by_line_countries(demo, 2024)
    assert_frame_equal(rolled, expected, check_row_order=False, check_column_order=False)
    assert rolled.filter(pl.col("countries").list.len() > 1).height > 0
    assert rolled.get_column("cf28").sum() > 0


def test_summaries_by_hts_count_each_summary_once_under_every_prefix(demo: Path) -> None:
    lines = pl.read_parquet(f"{demo}/entry_lines/year=2024/*.parquet")
    summaries = pl.read_parquet(f"{demo}/entry_summaries/year=2024/*.parquet")
    rolled = pl.read_parquet(f"{demo}/_rollups/{rollups.SUMMARIES_BY_HTS}/year=2024/*.parquet")
    assert rolled.get_column("first_digits").min() == 2
    for prefix in ("85", "940", "8471", "847130", "9403608093", "99", "9902", "99038803"):
        under = lines.filter(pl.col("hts_number").str.starts_with(prefix))
        entries = under.get_column("entry_number").unique().implode()
        mine = summaries.filter(pl.col("entry_number").is_in(entries))
        counted = rolled.filter(
            pl.col("hts_number").str.starts_with(prefix) & (pl.col("first_digits") <= len(prefix))
        )
        assert counted.get_column("rows").sum() == mine.height > 0, prefix
        assert counted.get_column("cf28").sum() == mine.get_column("cf28_issued").sum(), prefix
    assert rolled.get_column("rows").sum() > summaries.height  # a row per number of each


def test_header_rows_of_a_year_without_lines_have_no_rows_by_their_lines(
    demo: Path, tmp_path: Path
) -> None:
    where = tmp_path / "lake"
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_lines", pl.read_parquet(demo / "entry_lines" / "year=2023" / "*.parquet"))
        tx.write(
            "entry_summaries", pl.read_parquet(demo / "entry_summaries" / "year=2024" / "*.parquet")
        )
    for name in (rollups.SUMMARIES_BY_COUNTRIES, rollups.SUMMARIES_BY_HTS):
        (file,) = (where / "_rollups" / name / "year=2024").glob("*.parquet")
        held = [*rollups.ROLLUPS[name].grouped, "rows", "cf28", "cf29", "dtf"]
        assert pq.read_metadata(file).num_rows == 0, name
        assert pq.read_schema(file).names == held, name


def test_a_write_of_lines_alone_rebuilds_the_summaries_by_their_countries(
    demo: Path, tmp_path: Path
) -> None:
    """The summaries of 2024 are unchanged; their entries' lines now come from elsewhere."""
    where = _copy(demo, tmp_path / "lake")
    lines = pl.read_parquet(f"{where}/entry_lines/year=2024/*.parquet")
    chinese = lines.filter(pl.col("country_of_origin") == "CN").get_column("entry_number")
    moved = pl.col("entry_number").is_in(chinese.unique().sort().head(40).implode())
    with lake.transaction(where) as tx:
        tx.delete_where("entry_lines", lambda f: f.filter(~moved))
        tx.write("entry_lines", lines.filter(moved).with_columns(country_of_origin=pl.lit("ZA")))
    rolled = _rolled_summaries(where, 2024)
    assert_frame_equal(
        rolled,
        _summaries_by_line_countries(where, 2024),
        check_row_order=False,
        check_column_order=False,
    )
    south_africa = rolled.filter(pl.col("countries").list.contains("ZA"))
    assert south_africa.get_column("rows").sum() >= 40


def test_a_year_built_a_span_of_months_at_a_time_holds_the_same_rows(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A year of a large lake is rolled up a few months at a time (`rollups.SPAN_ROWS`):
    with spans of about 1,000 lines (a year in five or more), every rollup holds the rows
    the demo's one pass per year wrote, and the pages give the same answers."""
    where = _copy(demo, tmp_path / "lake")
    monkeypatch.setattr(rollups, "SPAN_ROWS", 1_000)
    with lake.transaction(where, check=False) as tx:
        shutil.rmtree(tx.path(rollups.ROLLUPS_DIR))
        tx.path(rollups.ROLLUPS_DIR).mkdir()
    assert rollups.usable(where)
    lines = {"files": [str(p) for p in (where / "entry_lines" / "year=2024").glob("*.parquet")]}
    assert len(rollups._spans(duckdb.connect(), lines, "entry_date")) >= 5
    assert len(list((where / "_rollups" / "lines_by_hts" / "year=2024").iterdir())) == 1
    for name, rollup in rollups.ROLLUPS.items():
        one_pass = pl.read_parquet(f"{demo}/_rollups/{name}/year=*/*.parquet")
        in_spans = pl.read_parquet(f"{where}/_rollups/{name}/year=*/*.parquet")
        order = list(rollup.grouped)
        assert_frame_equal(in_spans.sort(order), one_pass.sort(order))
        for file in (where / "_rollups" / name).glob("year=*/*.parquet"):  # each year sorted
            keys = pl.read_parquet(file, columns=list(rollup.order))
            assert_frame_equal(keys, keys.sort(rollup.order))
    fast = Scope(DuckDBEngine(where), Principal.parse("cbp"), Filters(countries=("CN", "VN")))
    slow = Scope(DuckDBEngine(demo), Principal.parse("cbp"), Filters(countries=("CN", "VN")))
    for name in ("overview.kpis", "overview.top_hts_chapters", "exams.rate_by_country"):
        assert_frame_equal(REPORTS[name](fast), REPORTS[name](slow))


def test_a_rollup_pass_keeps_only_the_columns_a_rollup_reads() -> None:
    """A year's rows are held a span at a time with only the columns some rollup reads
    (`Rollup.reads`, derived from the measures and keys): not the lines' case numbers,
    manufacturer, SPI, quantity or rate."""
    money = {"entered_value", "duty_amount", "add_amount", "cvd_amount", "tax_amount"}
    money |= {"mpf_amount", "hmf_amount"}
    header = {*rollups.HEADER_DIMS, "entry_date", "entry_number", "tariff_ordinal"}
    assert rollups.ROLLUPS["lines_by_month"].reads() == header | money
    goods = {"country_of_origin", "hts_number", "line_number"}  # the goods join's
    assert rollups.ROLLUPS["lines_by_hts"].reads() == header | money | goods
    assert rollups.ROLLUPS["entries_by_countries"].reads() == header | {"country_of_origin"}
    assert rollups.ROLLUPS["entries_by_hts"].reads() == {*header - {"tariff_ordinal"}, "hts_number"}
    assert rollups.ROLLUPS["releases_by_month"].reads() == {
        *rollups.RELEASE_KEYS,
        "arrival_date",
        "release_date",
        "hold_agency",
    }


def test_an_hts_prefix_without_countries_counts_entries_by_their_first_numbers(
    engines: tuple[DuckDBEngine, DuckDBEngine],
) -> None:
    """Under an HTS prefix of any length and no country the entries come from the
    entries-by-HTS rollup, not from counting distinct entry keys; with countries (an
    entry's first number may be of another country) and for goods rows only, from the
    entry keys."""
    with_rollups, _ = engines
    compiled = with_rollups._backend().compile
    cbp = Principal.parse("cbp")
    for prefix in ("940", "9403", "851713", "8471300", "9403608093", "99", "9903880300"):
        scope = Scope(with_rollups, cbp, Filters(hts_prefix=prefix, start=date(2023, 1, 1)))
        sql = compiled(line_totals(scope, ("month",), ("entries", "duties")))
        assert "rollup_entries_by_hts" in sql and f"entries_{len(prefix)}" in sql
        assert "rollup_entry_keys" not in sql and "entry_lines" not in sql
    country = Scope(with_rollups, cbp, Filters(hts_prefix="9403", countries=("CN", "VN")))
    sql = compiled(line_totals(country, (), ("entries",)))
    assert "rollup_entry_keys" in sql and "rollup_entries_by_hts" not in sql
    heading = Scope(with_rollups, cbp, Filters(hts_prefix="9403"))
    goods = compiled(line_totals(heading, ("port_of_entry",), ("entries",), goods_only=True))
    assert "rollup_entries_by_hts" not in goods
    cut = Scope(with_rollups, cbp, Filters(hts_prefix="9403", start=date(2023, 1, 9)))
    assert "entry_lines" in compiled(line_totals(cut, (), ("entries",)))  # the cut month


def test_entries_by_hts_count_each_entry_once_under_every_prefix(demo: Path) -> None:
    """For every prefix the lines hold (2 to 10 digits), per header fields and month: the
    entries whose numbers start with it are the sum of `entries_<n>` over those numbers."""
    lines = pl.read_parquet(f"{demo}/entry_lines/year=2024/*.parquet")
    rolled = pl.read_parquet(f"{demo}/_rollups/entries_by_hts/year=2024/*.parquet")
    keys = [*rollups.HEADER_DIMS, "month"]
    own = lines.with_columns(month=pl.col("entry_date").dt.truncate("1mo"))  # 9903 too
    assert (
        rolled.select(*keys, "hts_number")
        .sort(["importer_number", "hts_number", "month"], maintain_order=True)
        .equals(rolled.select(*keys, "hts_number"))
    )  # sorted for a prefix to prune
    overcounted = 0
    for digits in rollups.PREFIX_DIGITS:
        prefix = pl.col("hts_number").str.slice(0, digits)
        expected = own.group_by(*keys, prefix=prefix).agg(
            entries=pl.col("entry_number").n_unique().cast(pl.Int64)
        )
        summed = rolled.group_by(*keys, prefix=prefix).agg(
            entries=pl.col(rollups.first_column(digits)).sum(),
            numbers=pl.col("entries_10").sum(),
        )
        assert_frame_equal(
            summed.drop("numbers"), expected, check_row_order=False, check_column_order=False
        )
        overcounted += summed.filter(pl.col("numbers") > pl.col("entries")).height
    assert overcounted > 0  # entries with two numbers under one prefix: the case this is for


@pytest.mark.parametrize(
    ("name", "hts"), [("lines_by_hts", "goods_hts"), ("lines_by_chapter", "hts_chapter")]
)
def test_the_hts_rollups_are_sorted_by_importer_and_number(demo: Path, name: str, hts: str) -> None:
    """An HTS prefix prunes row groups inside an importer's run."""
    rolled = pl.read_parquet(f"{demo}/_rollups/{name}/year=2024/*.parquet")
    order = ["importer_number", hts, "month"]
    assert_frame_equal(rolled.select(order), rolled.select(order).sort(order))
    assert rollups.ROLLUPS[name].row_group == 8_192


def test_rebuilding_the_rollups_tells_its_progress(demo: Path, tmp_path: Path) -> None:
    """A write's commit rebuilds the rollups of the years it changed (and those of the
    year's summaries and of every year's releases, which hold their lines' countries),
    and says how many of those rows it has rolled up (what `itrac demo` shows)."""
    where = _copy(demo, tmp_path / "lake")
    told: list[tuple[int, int]] = []
    with lake.transaction(where) as tx:
        tx.write("entry_lines", _more_lines(where, 2023))
        tx.rollup_progress = lambda done, total: told.append((done, total))
    lines = pl.read_parquet(where / "entry_lines" / "year=2023" / "*.parquet").height
    summaries = pl.read_parquet(where / "entry_summaries" / "year=2023" / "*.parquet").height
    releases = pl.read_parquet(lake.table_files(where, "cargo_releases")).height  # every year
    year = lines + summaries + releases
    assert told[-1] == (year, year)
    assert [d for d, _ in told] == sorted({d for d, _ in told})  # rising, a call a span
