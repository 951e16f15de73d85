"""Duty by layer: each Chapter 99 layer's duty goes with the goods line it was filed with.

The lake (tests/layers_lake.py) holds six entries whose figures are worked out by hand
against the shipped registry. The chapter and heading views, the Overview's top chapters,
the HTS filter and the rollups must all attribute a layer to its goods line; totals stay.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from data_access.access import CBP, Principal
from data_access.engines import DuckDBEngine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from tests import layers_lake as sample
from tests.layers_lake import ACME, BOLT, E


def D(value: str | int) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample.build(tmp_path_factory.mktemp("layers") / "lake")


@pytest.fixture(scope="module")
def engines(lake: Path) -> tuple[DuckDBEngine, DuckDBEngine]:
    return DuckDBEngine(lake), DuckDBEngine(lake, use_rollups=False)


def run(engine, name: str, filters: Filters = Filters(), who=CBP, **options) -> pl.DataFrame:
    return REPORTS[name](Scope(engine, who, filters), **options)


def pairs(frame: pl.DataFrame, key: str, *columns: str) -> dict:
    return {row[0]: row[1:] for row in frame.select(key, *columns).iter_rows()}


# chapter -> (value, duty with layers, goods rows' duty, 301, 232, fentanyl, reciprocal, 122)
CHAPTERS = {
    "72": (50000, 35000, 0, 12500, 12500, 10000, 0, 0),
    "76": (40000, 26000, 2000, 0, 20000, 0, 4000, 0),
    "84": (15000, 14550, 0, 0, 0, 2000, 12500, 0),
    "73": (100000, 14000, 4000, 10000, 0, 0, 0, 0),
    "94": (59000, 8700, 0, 7100, 0, 800, 0, 800),
}
SPLIT = ("entered_value", "duties", "goods_duties", "section_301_duties", "section_232_duties",
         "ieepa_fentanyl_duties", "ieepa_reciprocal_duties", "section_122_duties")  # fmt: skip


def test_chapter_duty_includes_the_layers_filed_with_its_goods(engines):
    frame = run(engines[0], "layers.by_hts")
    assert frame.get_column("hts_code").to_list() == list(CHAPTERS)  # by duty, largest first
    expected = {k: tuple(D(x) for x in v) for k, v in CHAPTERS.items()}
    assert pairs(frame, "hts_code", *SPLIT) == expected
    assert pairs(frame, "hts_code", "unlisted_duties")["84"] == (D(50),)  # 9903.99.01
    chapter_73 = frame.row(3, named=True)
    assert (chapter_73["effective_duty_rate"], chapter_73["rate_without_layers"]) == (0.14, 0.04)
    assert "99" not in frame.get_column("hts_code").to_list()


def test_heading_view_attributes_layers_to_their_goods_heading(engines):
    frame = run(engines[0], "layers.by_hts", level="heading")
    assert pairs(frame, "hts_code", "entered_value", "duties") == {
        "7208": (D(50000), D(35000)),
        "7604": (D(40000), D(26000)),
        "8471": (D(15000), D(14550)),
        "7318": (D(100000), D(14000)),
        "9403": (D(59000), D(8700)),
    }


def test_country_view_splits_duty_by_program(engines):
    frame = run(engines[0], "layers.by_country")
    assert pairs(frame, "country_of_origin", *SPLIT) == {
        "CN": tuple(D(x) for x in (224000, 72250, 4000, 29600, 12500, 12800, 12500, 800)),
        "DE": tuple(D(x) for x in (40000, 26000, 2000, 0, 20000, 0, 4000, 0)),
    }


@pytest.mark.parametrize("engine", [0, 1], ids=["rollups", "lines"])
def test_overview_top_chapters_attribute_layers_and_keep_the_totals(engines, engine):
    chosen = engines[engine]
    top = run(chosen, "overview.top_hts_chapters")
    assert pairs(top, "hts_chapter", "entered_value", "duties") == {
        k: (D(v[0]), D(v[1])) for k, v in CHAPTERS.items()
    }
    assert top.get_column("hts_chapter").to_list() == ["73", "94", "72", "76", "84"]  # by value
    kpis = run(chosen, "overview.kpis").row(0, named=True)
    assert (kpis["entered_value"], kpis["duties"], kpis["lines"]) == (D(264000), D(98250), 9)
    assert top.get_column("duties").sum() == kpis["duties"]  # moved, never added


def test_rollup_of_chapters_is_built_with_attributed_duty(engines):
    with_rollups, lines_only = engines
    assert "lines_by_chapter" in with_rollups.rollups
    for name in ("overview.top_hts_chapters", "entry_summary.hts", "overview.kpis"):
        for filters in (Filters(), Filters(hts_prefix="73"), Filters(hts_prefix="99")):
            assert_frame_equal(run(with_rollups, name, filters), run(lines_only, name, filters))


def test_hts_filter_keeps_the_layers_of_the_goods_it_matches(engines):
    chapter_73 = run(engines[0], "overview.kpis", Filters(hts_prefix="73")).row(0, named=True)
    assert (chapter_73["entered_value"], chapter_73["duties"]) == (D(100000), D(14000))
    assert chapter_73["effective_duty_rate"] == 0.14  # 4.0% without its Section 301 layer
    heading = run(engines[1], "overview.kpis", Filters(hts_prefix="9403")).row(0, named=True)
    assert (heading["entered_value"], heading["duties"], heading["lines"]) == (
        D(59000),
        D(8700),
        4,
    )
    # A 9903 prefix still finds the layer rows themselves (under their own number).
    own = run(engines[1], "overview.kpis", Filters(hts_prefix="99030124")).row(0, named=True)
    assert (own["entered_value"], own["duties"], own["lines"]) == (D(0), D(12800), 0)


def test_entry_summary_hts_drill_down_matches_the_narrowed_page(engines):
    chapters = run(engines[0], "entry_summary.hts")
    assert "99" not in chapters.get_column("hts_code").to_list()
    headings = run(engines[0], "entry_summary.hts", level="heading", prefix="73")
    assert pairs(headings, "hts_code", "duties") == {"7318": (D(14000),)}
    narrowed = run(engines[0], "entry_summary.kpis", Filters(hts_prefix="7318"))
    assert narrowed.item(0, "duties") == D(14000)


def test_duty_by_program_and_month(engines):
    frame = run(engines[0], "layers.by_program")
    assert pairs(frame, "program", "entries", "tariff_rows", "duties", "refundable") == {
        "section_232": (2, 2, D(32500), False),
        "section_301": (4, 5, D(29600), False),
        "ieepa_reciprocal": (2, 2, D(16500), True),
        "ieepa_fentanyl": (2, 3, D(12800), True),
        "section_122": (1, 1, D(800), False),
        "unlisted": (1, 1, D(50), False),
    }
    monthly = run(engines[0], "layers.by_program_month")
    april = monthly.filter(pl.col("month") == date(2025, 4, 1))
    assert pairs(april, "program", "duties") == {
        "ieepa_fentanyl": (D(12000),),
        "ieepa_reciprocal": (D(12500),),
        "section_232": (D(12500),),
        "section_301": (D(12500),),
    }
    assert monthly.get_column("duties").sum() == D(92250)  # every layer, once


def test_entries_and_their_layers(engines):
    frame = run(engines[0], "layers.entries")
    assert frame.get_column("entry_number").to_list() == [E[4], E[1], E[2], E[6], E[5], E[3]]
    assert pairs(frame, "entry_number", "duties", "goods_duties", "refundable_duties")[E[2]] == (
        D(49500),
        D(0),
        D(24500),
    )
    assert run(engines[0], "layers.entries_count").item(0, "rows") == 6
    page = run(engines[0], "layers.entries", offset=2, limit=2)
    assert page.get_column("entry_number").to_list() == [E[2], E[6]]
    layers = run(engines[0], "layers.entry_layers", entry_number=E[2])
    shown = ("line_number", "goods_hts_number", "layer_number", "program", "duties")
    assert layers.select(shown).rows() == [
        (1, "7208510060", "99038001", "section_232", D(12500)),
        (1, "7208510060", "99030124", "ieepa_fentanyl", D(10000)),
        (1, "7208510060", "99038803", "section_301", D(12500)),
        (2, "8471300100", "99030163", "ieepa_reciprocal", D(12500)),
        (2, "8471300100", "99030124", "ieepa_fentanyl", D(2000)),
    ]  # fmt: skip
    assert run(engines[0], "layers.entry_layers_count").item(0, "rows") == 14


def test_principals_see_only_their_layers(engines):
    bolt = Principal("importer", importer_numbers=(BOLT,))
    frame = run(engines[0], "layers.entries", who=bolt)
    assert frame.get_column("entry_number").to_list() == [E[4], E[3]]
    broker = Principal("broker", filer_codes=("ABC",))
    audit = run(engines[0], "layers.audit", who=broker)
    assert set(audit.get_column("entry_number")) == {E[5], E[6]}
    acme = Principal("importer", importer_numbers=(ACME,))
    assert run(engines[0], "layers.by_program", who=acme).get_column("duties").sum() == D(88550)


def test_audit_findings(engines):
    frame = run(engines[1], "layers.audit")
    assert frame.select("finding", "entry_number", "line_number", "layer_number", "program",
                        "duties").rows() == [
        ("does_not_stack", E[6], 1, "99030125", "ieepa_reciprocal", D(4000)),
        ("ieepa_after_ruling", E[3], 1, "99030124", "ieepa_fentanyl", D(800)),
        ("missing", E[5], 1, None, "ieepa_fentanyl", D(0)),
        ("missing", E[5], 1, None, "section_301", D(0)),
        ("missing", E[5], 2, None, "ieepa_fentanyl", D(0)),
        ("not_in_registry", E[5], 2, "99039901", "unlisted", D(50)),
        ("wrong_era", E[4], 1, "99038803", "section_301", D(100)),
    ]  # fmt: skip
    details = frame.get_column("detail").to_list()
    assert details[0] == "filed with a Section 232 duty it does not stack with"
    assert details[3] == "no Section 301 layer, where the registry expects one"
    assert details[6] == "in force 2018-09-24 to 2019-05-09; 2019-05-10 to open"
    assert frame.get_column("finding_name").to_list()[1] == "IEEPA filed after the ruling"


def test_audit_reads_another_registry_file(engines, tmp_path):
    text = Path("config/tariff_layers.yaml").read_text()
    list_3 = "    effective_from: 2018-09-24\n    effective_to: 2019-05-09"
    edited = text.replace(list_3, list_3.replace("2018", "2017"))
    assert edited != text
    registry = tmp_path / "layers.yaml"
    registry.write_text(edited)
    frame = run(engines[1], "layers.audit", registry=str(registry))
    assert "wrong_era" not in frame.get_column("finding").to_list()  # List 3 now from 2017


def test_de_minimis_entries_are_not_expected_to_carry_layers(tmp_path):
    """A type 86 (Section 321) CN line in a Section 301 and fentanyl scope: no finding with
    the shipped registry (its audit block), two without that block."""
    headers = (
        sample.header_frame()
        .head(1)
        .with_columns(entry_type=pl.lit("86"), entry_date=pl.lit(date(2025, 6, 2)))
    )
    lines = pl.DataFrame(
        {"entry_number": [E[1]], "line_number": [1], "tariff_ordinal": [1],
         "hts_number": ["9403608081"], "country_of_origin": ["CN"],
         "entered_value": [D(500)], "duty_amount": [D(0)]},
        schema_overrides={"line_number": pl.Int32, "tariff_ordinal": pl.Int16,
                          "entered_value": pl.Decimal(18, 2), "duty_amount": pl.Decimal(18, 2)},
    ).join(headers, on="entry_number")  # fmt: skip
    from data_access import lake as lake_files

    where = tmp_path / "lake"
    with lake_files.transaction(where, fresh=True) as tx:
        tx.write("entry_summaries", headers)
        tx.write("entry_lines", lines)
    engine = DuckDBEngine(where, use_rollups=False)
    assert run(engine, "layers.audit").height == 0
    text = Path("config/tariff_layers.yaml").read_text()
    registry = tmp_path / "layers.yaml"
    registry.write_text(text.replace('  except_entry_types: ["86"]\n', ""))
    findings = run(engine, "layers.audit", registry=str(registry))
    assert findings.select("finding", "program").rows() == [
        ("missing", "ieepa_fentanyl"),
        ("missing", "section_301"),
    ]


@pytest.mark.parametrize(
    ("filters", "who", "expected"),
    [
        (Filters(), CBP, 6),
        (Filters(hts_prefix="8471"), CBP, 2),  # entries 2 and 5: layers under their 8471 goods
        (Filters(hts_prefix="94"), CBP, 3),  # 1, 3, 4 (entry 5's 9403 line has no layer)
        (Filters(countries=("DE",)), CBP, 1),
        (Filters(), Principal("importer", importer_numbers=(BOLT,)), 2),
    ],
)
def test_entries_count_is_the_entries_pages_rows(engines, filters, who, expected):
    """The count is taken on the layer rows alone; it must stay the pager's row count."""
    for engine in engines:
        assert run(engine, "layers.entries_count", filters, who).item(0, "rows") == expected
        assert run(engine, "layers.entries", filters, who).height == expected


def test_program_months_under_an_hts_filter(engines):
    """Grouped per 9903 number before the registry is joined: the same months and programs."""
    monthly = run(engines[0], "layers.by_program_month", Filters(hts_prefix="8471"))
    assert monthly.select("month", "program", "tariff_rows", "duties").rows() == [
        (date(2025, 4, 1), "ieepa_fentanyl", 1, D(2000)),
        (date(2025, 4, 1), "ieepa_reciprocal", 1, D(12500)),
        (date(2025, 9, 1), "unlisted", 1, D(50)),
    ]
    assert monthly.get_column("refundable").to_list() == [True, True, False]


def test_refunded_numbers_at_the_edges_of_a_range():
    """`is_refunded` compares whole numbers: a heading at either end of a refunded range
    (8 or 10 digits, any suffix) is refunded, the numbers just outside are not."""
    import ibis

    from data_access import tariff_layers
    from data_access.reports.layers import is_refunded

    registry = tariff_layers.load()
    first, last = registry.refunded_ranges[0]
    before = f"{int(first) - 1:08d}"
    after = f"{int(last) + 1:08d}"
    numbers = [first, f"{first}00", f"{last}99", last, f"{before}99", after, f"{after}00",
               first[:7], "9903"]  # fmt: skip
    t = ibis.memtable({"hts_number": numbers})
    got = ibis.duckdb.connect().execute(t.select(hit=is_refunded(t, registry)))["hit"].tolist()
    assert got == [True, True, True, True, False, False, False, False, False]
