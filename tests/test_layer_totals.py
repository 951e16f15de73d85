"""The Tariff layers and Refunds reports answer from the layer rollups exactly as from the
lines, or read the lines.

Each report runs twice on the same demo lake, with the rollups and without
(DuckDBEngine(use_rollups=False) reads the tables), for each principal and filter set
(cut months, countries, HTS prefixes with and without countries, "99" prefixes: a layer's
own 9903 number, a goods row filed under a 9903 number, which is not a layer, and layers
on a 9902 goods row): the frames must be equal. The lake's entries with two or more
lines get a second country on their later lines (layers included), so an entry's layers
come from two countries and the entries of a program under one country must be counted
by the pairs, not by the sets; a registry in which a program spans numbers of two
headings proves the program is joined when read. The planner is checked to read the
rollups where it can, and only there.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from data_access import lake
from data_access.access import Principal
from data_access.engines import DuckDBEngine
from data_access.filters import Filters
from data_access.lake import rollups
from data_access.reports import REPORTS, Scope, layer_totals, refunds
from data_access.reports.layers import _tables
from data_access.synth import build_demo_lake
from data_access.tariff_layers import load
from tests.demo_lakes import mix_origins, plant_chapter_99_goods, plant_mtb_goods

END = date(2026, 6, 15)
AS_OF = date(2026, 5, 20)
LAYER_REPORTS = ("layers.by_program", "layers.by_program_month", "layers.entries_count")
REFUND_REPORTS = ("refunds.summary", "refunds.entries")  # both route every entry
PRINCIPALS = ("cbp", "importer:27-4418529AB", "broker:WPG")
CASES = {
    "all": Filters(),
    "cut months": Filters(start=date(2025, 3, 17), end=date(2025, 11, 9)),
    "inside one month": Filters(start=date(2025, 5, 3), end=date(2025, 5, 27)),
    "open end": Filters(start=date(2025, 1, 9)),
    "IEEPA period cut": Filters(start=date(2025, 6, 1), end=date(2026, 1, 31)),
    "one country": Filters(countries=("CN",)),
    "two countries": Filters(countries=("CN", "VN"), end=date(2025, 12, 3)),
    "chapter": Filters(hts_prefix="85", start=date(2024, 7, 1)),
    "heading": Filters(hts_prefix="9403"),
    "country and chapter": Filters(countries=("CN",), hts_prefix="85"),
    "six digits, two countries": Filters(hts_prefix="851713", countries=("CN", "VN")),
    "one number": Filters(hts_prefix="8471300100"),
    "port and type": Filters(ports=("2704",), entry_types=("01",), start=date(2022, 1, 20)),
    "layers by their own number": Filters(hts_prefix="9903"),
    "chapter 99": Filters(hts_prefix="99", start=date(2025, 4, 9)),
    "one 9903 heading": Filters(hts_prefix="99030125"),
    "9903 numbers under a country": Filters(hts_prefix="990301", countries=("CN",)),
    "MTB goods": Filters(hts_prefix="9902", countries=("CN", "VN")),
    "ten digits of a 9903 number": Filters(hts_prefix="9903012500"),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("layer_totals") / "lake"
    build_demo_lake(where, lines=30_000, seed=5, end=END)
    mix_origins(where, every=3, countries=("CN", "VN"))
    plant_mtb_goods(where, every=7)
    plant_chapter_99_goods(where, every=11)
    return where


@pytest.fixture(scope="module")
def engines(demo: Path) -> tuple[DuckDBEngine, DuckDBEngine]:
    return DuckDBEngine(demo), DuckDBEngine(demo, use_rollups=False)


def _options(name: str) -> dict:
    return {"as_of": AS_OF} if name.startswith("refunds.") else {}


@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("case", CASES)
def test_layer_and_refund_reports_answer_as_the_lines(
    engines: tuple[DuckDBEngine, DuckDBEngine], principal: str, case: str
) -> None:
    with_rollups, lines_only = engines
    assert {rollups.LAYERS_BY_NUMBER, rollups.LAYER_ENTRIES} <= with_rollups.rollups
    who = Principal.parse(principal)
    for name in (*LAYER_REPORTS, *REFUND_REPORTS):
        fast = REPORTS[name](Scope(with_rollups, who, CASES[case]), **_options(name))
        slow = REPORTS[name](Scope(lines_only, who, CASES[case]), **_options(name))
        assert_frame_equal(fast, slow, check_exact=True)
    if principal == "cbp" and case in ("all", "one country", "chapter"):
        assert slow.height and fast.height  # the case selects layers and refunds


def test_the_demo_has_entries_whose_layers_come_from_two_countries(demo: Path) -> None:
    """Else the pairs' test would not be one: an entry with a layer from CN and one from
    VN, and the country case counting it under one program only."""
    lines = pl.read_parquet(lake.table_files(demo, "entry_lines"), hive_partitioning=False)
    layers = lines.filter(
        (pl.col("tariff_ordinal") > 1) & pl.col("hts_number").str.starts_with("9903")
    )
    countries = layers.group_by("entry_number").agg(pl.col("country_of_origin").n_unique())
    assert countries.filter(pl.col("country_of_origin") > 1).height > 10


def test_the_demo_has_9903_goods_rows_and_mtb_goods_under_layers(demo: Path) -> None:
    """Else the "99" cases would not test them: entries whose only 9903 row is a goods row
    (under a "9903" prefix, rows in scope but no entry with a layer), and layers whose goods
    row is a 9902 number (under "9902" by their goods number)."""
    lines = pl.read_parquet(lake.table_files(demo, "entry_lines"), hive_partitioning=False)
    layer = (pl.col("tariff_ordinal") > 1) & pl.col("hts_number").str.starts_with("9903")
    goods_9903 = (pl.col("tariff_ordinal") == 1) & pl.col("hts_number").str.starts_with("9903")
    per_entry = lines.group_by("entry_number").agg(layers=layer.sum(), goods_9903=goods_9903.sum())
    assert per_entry.filter((pl.col("goods_9903") > 0) & (pl.col("layers") == 0)).height > 10
    mtb = lines.filter(
        (pl.col("tariff_ordinal") == 1) & pl.col("hts_number").str.starts_with("9902")
    )
    layered = lines.filter(layer).join(mtb, on=["entry_number", "line_number"], how="semi")
    assert layered.height > 10


@pytest.mark.parametrize(
    ("filters", "reads"),
    [
        (Filters(), True),
        (Filters(countries=("CN", "VN"), start=date(2025, 2, 10)), True),
        (Filters(hts_prefix="85", countries=("CN",)), True),
        (Filters(hts_prefix="9903"), True),
        (Filters(hts_prefix="99", countries=("VN",)), True),
        (Filters(hts_prefix="9902"), True),
        (Filters(hts_prefix="9903012500"), False),  # more than the rollups' 8 digits
    ],
)
def test_the_layer_questions_read_the_rollups_where_they_answer(
    engines: tuple[DuckDBEngine, DuckDBEngine], filters: Filters, reads: bool
) -> None:
    with_rollups, lines_only = engines
    numbers = _tables(load())[0]
    for engine, expected in ((with_rollups, reads), (lines_only, False)):
        scope = Scope(engine, Principal.parse("cbp"), filters)
        assert (layer_totals.number_totals(scope) is not None) is expected
        assert (layer_totals.layer_entries(scope) is not None) is expected
        assert (layer_totals.program_entries(scope, numbers) is not None) is expected
    refunds = Scope(with_rollups, Principal.parse("cbp"), filters)
    rows = layer_totals.chapter_99_rows(refunds, date(2025, 2, 4), date(2026, 2, 23))
    assert (rows is not None) is reads
    if rows is not None:  # without a prefix, the rollup without the goods
        finer = "chapter_99_by_entry" if filters.hts_prefix else "chapter_99_by_country"
        assert f'"rollup_{finer}"' in str(with_rollups._backend().compile(rows))


def test_the_refunds_rollup_without_the_goods_is_the_finer_one_summed_again(demo: Path) -> None:
    finer = pl.read_parquet(demo / "_rollups" / "chapter_99_by_entry" / "year=2025" / "*.parquet")
    coarser = pl.read_parquet(
        demo / "_rollups" / "chapter_99_by_country" / "year=2025" / "*.parquet"
    )
    keys = [c for c in coarser.columns if c not in ("tariff_rows", "duties", "adcvd_lines")]
    assert set(finer.columns) - set(coarser.columns) == {"goods_country", "goods_hts", "goods_row"}
    expected = finer.group_by(keys).agg(pl.col("tariff_rows", "duties", "adcvd_lines").sum())
    assert 0 < coarser.height == expected.height < finer.height
    assert_frame_equal(coarser, expected, check_row_order=False, check_dtypes=False)
    order = ["importer_number", "country_of_origin", "entry_date"]
    assert_frame_equal(coarser.select(order), coarser.select(order).sort(order))
    lines = pl.read_parquet(demo / "entry_lines" / "year=2025" / "*.parquet")
    layers = lines.filter(pl.col("hts_number").str.starts_with("9903"))
    assert (
        coarser.filter(pl.col("layer_number").is_not_null()).get_column("tariff_rows").sum()
        == layers.height
    )


def test_a_program_of_numbers_under_two_headings_is_joined_when_read(
    engines: tuple[DuckDBEngine, DuckDBEngine], tmp_path: Path
) -> None:
    """A registry that puts the Section 301 numbers under "other" too: the rollups hold
    numbers, not programs, so the answers follow the registry given, equal to the lines'."""
    shipped = Path(__file__).resolve().parents[1] / "config" / "tariff_layers.yaml"
    text = shipped.read_text()
    changed = text.replace("program: section_301", "program: other")
    assert changed != text
    registry = tmp_path / "layers.yaml"
    registry.write_text(changed)
    with_rollups, lines_only = engines
    who = Principal.parse("cbp")
    for filters in (Filters(), Filters(countries=("CN",)), Filters(hts_prefix="94")):
        for name in ("layers.by_program", "layers.by_program_month"):
            fast = REPORTS[name](Scope(with_rollups, who, filters), registry=str(registry))
            slow = REPORTS[name](Scope(lines_only, who, filters), registry=str(registry))
            assert_frame_equal(fast, slow, check_exact=True)
            assert "section_301" not in fast.get_column("program").to_list()


@pytest.mark.parametrize(
    "filters",
    [
        Filters(countries=("CN", "VN")),
        Filters(countries=("VN",), start=date(2025, 6, 1)),
        Filters(countries=("CN",), end=date(2025, 9, 30)),
    ],
)
def test_refunds_under_countries_hold_the_entries_and_ieepa_duty_of_those_lines(
    engines: tuple[DuckDBEngine, DuckDBEngine], demo: Path, filters: Filters
) -> None:
    """Against polars over the files: the summaries of the IEEPA period (and the user's)
    with a line from the countries, and the duty of those countries' rows under a refunded
    9903 number (the registry's ranges, compared on the 8-digit heading)."""
    registry = load()
    first, last = refunds.ieepa_period(registry)
    low, high = max(first, filters.start or first), min(last, filters.end or last)
    lines = pl.read_parquet(lake.table_files(demo, "entry_lines"), hive_partitioning=False)
    lines = lines.filter(
        pl.col("entry_date").is_between(low, high),
        pl.col("country_of_origin").is_in(list(filters.countries)),
    )
    heads = pl.read_parquet(lake.table_files(demo, "entry_summaries"), hive_partitioning=False)
    heads = heads.filter(pl.col("entry_date").is_between(low, high))
    entries = heads.filter(pl.col("entry_number").is_in(lines.get_column("entry_number").implode()))
    heading = pl.col("hts_number").str.slice(0, 8)
    refunded = pl.any_horizontal(
        [(heading >= a[:8]) & (heading <= b[:8]) for a, b in registry.refunded_ranges]
    )
    duty = pl.sum_horizontal(pl.col("duty_amount", "add_amount", "cvd_amount").fill_null(0))
    layers = lines.filter(pl.col("hts_number").str.starts_with("9903") & refunded)
    for engine in engines:
        summary = REPORTS["refunds.summary"](
            Scope(engine, Principal.parse("cbp"), filters), as_of=AS_OF
        )
        assert summary.get_column("entries").sum() == entries.height > 0
        assert summary.get_column("ieepa_duty").sum() == layers.select(duty.sum()).item() > 0
