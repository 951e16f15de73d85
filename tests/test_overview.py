from datetime import date
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from data_access.access import CBP, Principal
from data_access.engines import get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from tests.conftest import ACME


def run(lake, name, principal=CBP, filters=Filters(), **options) -> pl.DataFrame:
    return REPORTS[name](Scope(get_engine(lake, "duckdb"), principal, filters), **options)


def test_kpis_worked_by_hand(tiny_lake) -> None:
    k = run(tiny_lake, "overview.kpis").row(0, named=True)
    assert k["entries"] == 3
    assert k["lines"] == 4  # the Chapter 99 ordinal is not a line
    assert k["entered_value"] == Decimal("6700.50")
    assert k["duties"] == Decimal("1535.00")  # 250 (9903) + 75 + 1200 ADD + 10
    assert k["taxes"] == Decimal("0.00")
    assert k["fees"] == Decimal("23.20")
    assert k["effective_duty_rate"] == pytest.approx(1535 / 6700.50)


def test_kpis_for_an_importer_and_a_country(tiny_lake) -> None:
    acme = Principal.parse(f"importer:{ACME}")
    k = run(tiny_lake, "overview.kpis", acme, Filters(countries=("CN",))).row(0, named=True)
    assert (k["entries"], k["lines"], k["entered_value"], k["duties"]) == (
        1,
        1,
        Decimal("1000.00"),
        Decimal("250.00"),
    )


def test_empty_scope_gives_zeros_not_errors(tiny_lake) -> None:
    k = run(tiny_lake, "overview.kpis", filters=Filters(start=date(2030, 1, 1))).row(0, named=True)
    assert (k["entries"], k["lines"], k["entered_value"], k["effective_duty_rate"]) == (
        0,
        0,
        Decimal("0.00"),
        None,
    )
    assert (
        run(tiny_lake, "overview.monthly_trend", filters=Filters(start=date(2030, 1, 1))).height
        == 0
    )


def test_monthly_trend_worked_by_hand(tiny_lake) -> None:
    trend = run(tiny_lake, "overview.monthly_trend").select(
        "month", "entries", "entered_value", "duties"
    )
    assert trend.rows() == [
        (date(2024, 1, 1), 1, Decimal("1200.00"), Decimal("250.00")),
        (date(2024, 12, 1), 1, Decimal("5000.00"), Decimal("1275.00")),
        (date(2025, 3, 1), 1, Decimal("500.50"), Decimal("10.00")),
    ]


def test_top_countries_and_chapters_with_descriptions(tiny_lake) -> None:
    countries = run(tiny_lake, "overview.top_countries", limit=2)
    assert countries.select(
        "country_of_origin", "country_of_origin_description", "entered_value"
    ).rows() == [
        ("VN", "Vietnam", Decimal("5000.00")),
        ("CN", "China", Decimal("1000.00")),
    ]
    assert countries.get_column("share").to_list() == pytest.approx([5000 / 6700.5, 1000 / 6700.5])
    chapters = run(tiny_lake, "overview.top_hts_chapters")
    assert chapters.select("hts_chapter", "entered_value", "duties", "lines").rows() == [
        ("73", Decimal("5000.00"), Decimal("1275.00"), 1),
        ("84", Decimal("1000.00"), Decimal("250.00"), 1),  # with its Chapter 99 layer
        ("09", Decimal("700.50"), Decimal("10.00"), 2),
    ]
    assert chapters.get_column("hts_chapter_description")[2] == "Coffee, tea, mate and spices"


INDEPENDENT = """
    SELECT count(DISTINCT entry_number) AS entries,
           coalesce(sum(CASE WHEN tariff_ordinal = 1 THEN 1 ELSE 0 END), 0) AS lines,
           coalesce(sum(entered_value), 0) AS entered_value,
           coalesce(sum(coalesce(duty_amount, 0) + coalesce(add_amount, 0)
                        + coalesce(cvd_amount, 0)), 0) AS duties,
           coalesce(sum(coalesce(mpf_amount, 0) + coalesce(hmf_amount, 0)), 0) AS fees
    FROM read_parquet($glob)
    WHERE entry_date BETWEEN $start AND $end
      AND (len($importers) = 0 OR list_contains($importers, importer_number))
      AND (len($countries) = 0 OR list_contains($countries, country_of_origin))
      AND starts_with(hts_number, $hts)
"""


@pytest.mark.parametrize(
    ("principal", "filters"),
    [
        (CBP, Filters()),
        (CBP, Filters(start=date(2024, 6, 1), end=date(2025, 12, 31))),
        (Principal.parse(f"importer:{ACME}"), Filters(countries=("CN", "VN"))),
        (CBP, Filters(hts_prefix="0901")),
        (CBP, Filters(countries=("JP",))),
    ],
)
def test_overview_equals_an_independent_duckdb_query(tiny_lake, principal, filters) -> None:
    expected = duckdb.sql(
        INDEPENDENT,
        params={
            "glob": f"{tiny_lake}/entry_lines/*/*.parquet",
            "start": filters.start or date(1900, 1, 1),
            "end": filters.end or date(2100, 1, 1),
            "importers": list(principal.importer_numbers),
            "countries": list(filters.countries),
            "hts": filters.hts_prefix,
        },
    ).fetchall()[0]
    k = run(tiny_lake, "overview.kpis", principal, filters).row(0, named=True)
    assert (k["entries"], k["lines"], k["entered_value"], k["duties"], k["fees"]) == expected


class _TablesUnread:
    """The engine, refusing to open a lake table: what is asked must come from elsewhere."""

    def __init__(self, engine: object) -> None:
        self._engine = engine

    def __getattr__(self, name: str) -> object:
        return getattr(self._engine, name)

    def table(self, name: str):
        from data_access.schema import TABLES

        if name in TABLES:
            raise AssertionError(f"read the table {name}")
        return self._engine.table(name)


def test_holdings_come_from_the_coverage_summary_equal_to_the_tables(demo_lake) -> None:
    from datetime import date

    from polars.testing import assert_frame_equal

    from data_access.access import Principal
    from data_access.engines import DuckDBEngine
    from data_access.filters import Filters
    from data_access.reports import REPORTS, Scope
    from data_access.schema import TABLES

    engine = DuckDBEngine(demo_lake(lines=6_000, seed=3, end=date(2025, 6, 30)))
    holdings = REPORTS["overview.holdings"]
    for who in (
        Principal.parse("cbp"),
        Principal.parse("importer:27-4418529AB"),
        Principal.parse("importer:38-2847105AA,76-0492871AF"),
        Principal.parse("importer:12-3456789AB"),  # holds nothing
        Principal.parse("broker:WPG"),
        Principal("broker", importer_numbers=("13-3907724AD",), filer_codes=("K47",)),
    ):
        fast = holdings(Scope(_TablesUnread(engine), who))  # type: ignore[arg-type]
        t = {}
        for name in who.visible_tables:  # the tables themselves, through Scope.table
            s = Scope(engine, who)
            tab = s.table(name)
            col = tab[TABLES[name].date_column]
            row = s.run(tab.aggregate(rows=tab.count(), first=col.min(), last=col.max()))
            t[name] = row.row(0)
        assert fast.get_column("table").to_list() == who.visible_tables
        assert {r[0]: r[1:] for r in fast.rows()} == t, who.key
    filtered = holdings(Scope(engine, Principal.parse("cbp"), Filters(countries=("CN",))))
    everything = holdings(Scope(engine, Principal.parse("cbp")))
    assert filtered.get_column("rows")[0] < everything.get_column("rows")[0]
    assert_frame_equal(everything.select("table"), filtered.select("table"))
