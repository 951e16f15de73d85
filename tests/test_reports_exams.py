"""Exam reports against values worked out by hand from tests/entry_summary_lake.py.

Seven exams: X1 (E1, NII), X2 (E2, intensive, classification), X3 (E3, tailgate),
X4 and X5 (E7, intensive: value; document: marking), X6 (E11, NII), X7 (E12, tailgate:
quantity). CF-28 on E2, E7, E11; CF-29 on E5, E7.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from data_access.access import CBP, Principal
from data_access.engines import get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from tests.entry_summary_lake import ACME, E, build

XYZ = Principal.parse("broker:XYZ")
ABC = Principal.parse("broker:ABC")
NONE = Filters(start=date(2030, 1, 1))


@pytest.fixture(scope="module")
def exam_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("exams") / "lake")


def run(lake: Path, name: str, principal=CBP, filters=Filters(), **options) -> pl.DataFrame:
    return REPORTS[name](Scope(get_engine(lake, "duckdb"), principal, filters), **options)


COUNTS = ("exams", "examined_entries", "entries", "discrepancies", "cf28", "cf29")


@pytest.mark.parametrize(
    ("principal", "filters", "expected", "rate"),
    [
        (CBP, Filters(), (7, 6, 12, 4, 3, 2), 7 / 12),
        (Principal.parse(f"importer:{ACME}"), Filters(), (4, 4, 7, 1, 2, 1), 4 / 7),
        (XYZ, Filters(), (3, 2, 4, 3, 1, 1), 3 / 4),
        (ABC, Filters(), (4, 4, 8, 1, 2, 1), 4 / 8),  # ABC also filed BOLT's E9
        (CBP, Filters(countries=("CN",)), (4, 4, 7, 1, 2, 0), 4 / 7),
        (CBP, Filters(ports=("2304",)), (3, 2, 3, 3, 1, 1), 1.0),
        (CBP, Filters(start=date(2024, 1, 1)), (2, 2, 3, 1, 1, 0), 2 / 3),
        (CBP, NONE, (0, 0, 0, 0, 0, 0), None),
    ],
)
def test_kpis_by_principal_and_filters(exam_lake, principal, filters, expected, rate) -> None:
    k = run(exam_lake, "exams.kpis", principal, filters).row(0, named=True)
    assert tuple(k[c] for c in COUNTS) == expected
    assert k["exam_rate"] == (pytest.approx(rate) if rate is not None else None)


def test_discrepancy_rate(exam_lake) -> None:
    assert run(exam_lake, "exams.kpis").item(0, "discrepancy_rate") == pytest.approx(4 / 7)


def test_exam_rate_by_month_counts_months_with_entries_but_no_exams(exam_lake) -> None:
    frame = run(exam_lake, "exams.rate_by_month")
    assert frame.select("month", "exams", "entries", "exam_rate").rows() == [
        (date(2022, 6, 1), 0, 1, 0.0),
        (date(2023, 1, 1), 2, 2, 1.0),
        (date(2023, 2, 1), 1, 1, 1.0),
        (date(2023, 3, 1), 2, 1, 2.0),  # two exams of E7
        (date(2023, 9, 1), 0, 1, 0.0),
        (date(2023, 10, 1), 0, 1, 0.0),
        (date(2023, 11, 1), 0, 1, 0.0),
        (date(2023, 12, 1), 0, 1, 0.0),
        (date(2024, 1, 1), 0, 1, 0.0),
        (date(2024, 2, 1), 1, 1, 1.0),
        (date(2024, 3, 1), 1, 1, 1.0),
    ]
    assert run(exam_lake, "exams.rate_by_month", filters=NONE).height == 0


def test_exam_rate_by_port_and_mode(exam_lake) -> None:
    ports = run(exam_lake, "exams.rate_by_port")
    assert ports.select("port_of_entry", "exams", "entries").rows() == [
        ("1001", 0, 2),
        ("2304", 3, 3),
        ("2704", 2, 3),
        ("2709", 2, 2),
        ("5301", 0, 2),
    ]
    assert ports.get_column("exam_rate").to_list() == pytest.approx([0, 1, 2 / 3, 1, 0])
    assert ports.get_column("port_of_entry_description")[1] == "Laredo, TX"
    modes = run(exam_lake, "exams.rate_by_mode")
    assert modes.select("mode_of_transport", "exams", "entries").rows() == [
        ("11", 4, 7),
        ("30", 3, 3),
        ("40", 0, 2),
    ]
    assert run(exam_lake, "exams.rate_by_mode", XYZ).select("mode_of_transport").rows() == [
        ("11",),  # E10
        ("30",),
    ]


def test_exam_rate_by_country_and_chapter(exam_lake) -> None:
    countries = run(exam_lake, "exams.rate_by_country")
    assert countries.select("country_of_origin", "exams", "entries").rows() == [
        ("CA", 0, 1),
        ("CN", 4, 7),
        ("CO", 0, 1),
        ("MX", 3, 3),
        ("VN", 0, 1),  # E1 has a Vietnamese line: it counts for CN and VN
    ]
    chapters = run(exam_lake, "exams.rate_by_hts_chapter")
    assert chapters.select("hts_chapter", "exams", "entries", "exam_rate").rows() == [
        ("09", 0, 1, 0.0),
        ("61", 0, 3, 0.0),
        ("73", 2, 3, pytest.approx(2 / 3)),
        ("84", 2, 3, pytest.approx(2 / 3)),
        ("85", 0, 1, 0.0),
        ("87", 3, 2, 1.5),
        ("94", 0, 1, 0.0),
    ]  # no chapter 99: Chapter 99 ordinals are not goods
    assert chapters.get_column("hts_chapter_description")[2] == "Articles of iron or steel"


def test_exam_types_and_results(exam_lake) -> None:
    types = run(exam_lake, "exams.types")
    assert types.select("exam_type", "exams", "discrepancies", "discrepancy_rate").rows() == [
        ("DOCUMENT", 1, 1, 1.0),
        ("INTENSIVE", 2, 2, 1.0),
        ("NII", 2, 0, 0.0),
        ("TAILGATE", 2, 1, 0.5),
    ]
    assert types.get_column("exam_type_description")[2] == "Non-intrusive (X-ray / VACIS)"
    results = run(exam_lake, "exams.results")
    assert results.select("result", "discrepancy_type", "exams").rows() == [
        ("NO_DISCREPANCY", None, 3),
        ("DISCREPANCY", "CLASSIFICATION", 1),
        ("DISCREPANCY", "MARKING", 1),
        ("DISCREPANCY", "QUANTITY", 1),
        ("DISCREPANCY", "VALUE", 1),
    ]
    assert results.get_column("share").to_list() == pytest.approx([3 / 7] + [1 / 7] * 4)
    assert results.get_column("discrepancy_type_description")[2] == "Country of origin marking"
    xyz = run(exam_lake, "exams.results", XYZ)
    assert xyz.get_column("discrepancy_type").to_list() == ["MARKING", "QUANTITY", "VALUE"]


def test_cf28_and_cf29_by_month(exam_lake) -> None:
    frame = run(exam_lake, "exams.cf28_cf29_by_month")
    flagged = frame.filter((pl.col("cf28") > 0) | (pl.col("cf29") > 0))
    assert flagged.rows() == [
        (date(2023, 1, 1), 2, 1, 0),
        (date(2023, 3, 1), 1, 1, 1),
        (date(2023, 10, 1), 1, 0, 1),
        (date(2024, 2, 1), 1, 1, 0),
    ]
    assert frame.height == 11
    assert frame.get_column("entries").sum() == 12


def test_exam_details_page_in_order_and_count(exam_lake) -> None:
    frame = run(exam_lake, "exams.details")
    assert frame.get_column("exam_id").to_list() == ["X1", "X2", "X3", "X4", "X5", "X6", "X7"]
    assert run(exam_lake, "exams.details_count").item() == 7
    x2 = frame.row(1, named=True)
    assert (x2["entry_number"], x2["result_description"], x2["discrepancy_type_description"]) == (
        E[2],
        "Discrepancy found",
        "Classification",
    )
    page = run(exam_lake, "exams.details", XYZ, offset=1, limit=5)
    assert page.get_column("exam_id").to_list() == ["X5", "X7"]
    assert run(exam_lake, "exams.details_count", XYZ).item() == 3
    assert run(exam_lake, "exams.details_count", filters=NONE).item() == 0
    assert run(exam_lake, "exams.details", filters=NONE).height == 0


@pytest.mark.parametrize(
    ("filters", "chapters", "countries"),
    [
        (Filters(hts_prefix="61"), {"61": 3}, {"CA": 1, "MX": 1, "VN": 1}),  # E1, E5, E8
        (Filters(hts_prefix="8471"), {"84": 3}, {"CN": 3}),  # E1, E2, E9; their layers aside
        (Filters(countries=("CN",)), {"73": 3, "84": 3, "94": 1}, {"CN": 7}),
        (Filters(countries=("MX",), hts_prefix="87"), {"87": 2}, {"MX": 2}),  # E7, E12
    ],
)
def test_goods_entries_under_line_filters(exam_lake, filters, chapters, countries) -> None:
    """Under an HTS prefix or countries the entries with goods per chapter or country are
    counted on the entry keys' goods rows (no rollup counts them): the same with and
    without the rollups (the keys then come from the lines)."""
    from data_access.engines import DuckDBEngine

    asked = (
        ("exams.rate_by_hts_chapter", "hts_chapter", chapters),
        ("exams.rate_by_country", "country_of_origin", countries),
    )
    for engine in (get_engine(exam_lake, "duckdb"), DuckDBEngine(exam_lake, use_rollups=False)):
        for report, key, expected in asked:
            frame = REPORTS[report](Scope(engine, CBP, filters)).filter(pl.col("entries") > 0)
            assert dict(frame.select(key, "entries").rows()) == expected, (report, filters)
