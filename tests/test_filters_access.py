from datetime import date

import pytest

from data_access.access import CBP, Principal, Refused
from data_access.engines import get_engine
from data_access.filters import FilterError, Filters, period_range
from data_access.reports import Scope
from tests.conftest import ACME, BOLT


def entry_numbers(lake, principal, filters=Filters(), table="entry_summaries") -> list[str]:
    t = Scope(get_engine(lake, "duckdb"), principal, filters).table(table)
    return sorted(
        get_engine(lake, "duckdb")
        .to_polars(t)
        .get_column("flagged_entry_number" if table == "reconciliations" else "entry_number")
        .unique()
    )


def test_filters_parse_and_normalise() -> None:
    f = Filters.parse(
        {
            "start": "2024-01-01",
            "countries": "cn, vn",
            "hts_prefix": "8471.30",
            "filer_codes": ["abc"],
            "ports": [],
        }
    )
    assert f == Filters(
        start=date(2024, 1, 1), countries=("CN", "VN"), hts_prefix="847130", filer_codes=("ABC",)
    )
    assert Filters.parse(f.to_query()) == f


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"start": "2025-01-01", "end": "2024-01-01"},
            "start 2025-01-01 is after end 2024-01-01; swap them",
        ),
        ({"start": "01/02/2024"}, "start: '01/02/2024' is not a date; use YYYY-MM-DD"),
        (
            {"countries": "XX"},
            "countries: 'XX' is not valid; use the ISO 3166 alpha-2 code, e.g. CN",
        ),
        (
            {"ports": "27O4"},
            "ports: '27O4' is not valid; use the 4-digit Schedule D code, e.g. 2704",
        ),
        (
            {"entry_types": "00"},
            "entry_types: '00' is not valid; use a 2-digit entry type, e.g. 01",
        ),
        ({"modes": "99"}, "modes: '99' is not valid; use a 2-digit mode code, e.g. 11"),
        ({"importer_numbers": "x' OR 1=1 --"}, 'importer_numbers: "X\' OR 1=1 --" is not valid'),
        ({"filer_codes": "A%_"}, "filer_codes: 'A%_' is not valid"),
        ({"hts_prefix": "84%"}, "hts_prefix: '84%' is not an HTS prefix"),
        ({"countries": "C\x00N"}, "countries: 'C\\x00N' is not valid"),
        ({"ports": "1" * 500}, "ports: '1111111111111111111111111111111111111111' is not valid"),
        ({"colour": "red"}, "unknown filter 'colour'"),
    ],
)
def test_bad_filter_values_are_rejected_with_the_fix(raw: dict, message: str) -> None:
    with pytest.raises(FilterError) as error:
        Filters.parse(raw)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("period", "today", "expected"),
    [
        ("Last 12 months", date(2026, 11, 25), (date(2025, 11, 26), date(2026, 11, 25))),
        ("Year to date", date(2026, 11, 25), (date(2026, 1, 1), date(2026, 11, 25))),
        (
            "Last CBP fiscal year (Oct-Sep)",
            date(2026, 11, 25),
            (date(2025, 10, 1), date(2026, 9, 30)),
        ),
        (
            "Last CBP fiscal year (Oct-Sep)",
            date(2026, 9, 30),
            (date(2024, 10, 1), date(2025, 9, 30)),
        ),
        ("Last 5 years", date(2024, 2, 29), (date(2019, 3, 1), date(2024, 2, 29))),
        ("Custom", date(2026, 11, 25), None),
    ],
)
def test_period_presets(period: str, today: date, expected) -> None:
    assert period_range(period, today) == expected


def test_principal_parse() -> None:
    assert Principal.parse("cbp") == CBP
    assert Principal.parse(f"importer:{ACME.lower()}").importer_numbers == (ACME,)
    assert Principal.parse("broker:abc,xyz").filer_codes == ("ABC", "XYZ")
    for bad in ("importer:", "broker", "admin:1", "importer:123"):
        with pytest.raises(ValueError):
            Principal.parse(bad)


def test_principals_see_only_their_rows(tiny_lake) -> None:
    assert entry_numbers(tiny_lake, CBP) == ["ABC00000018", "ABC12345676", "XYZ00000010"]
    assert entry_numbers(tiny_lake, Principal.parse(f"importer:{BOLT}")) == ["XYZ00000010"]
    assert entry_numbers(tiny_lake, Principal.parse("broker:ABC")) == ["ABC00000018", "ABC12345676"]
    assert entry_numbers(tiny_lake, Principal("broker", (BOLT,), ("ABC",))) == []
    assert entry_numbers(tiny_lake, Principal("importer")) == []


def test_brokers_are_refused_bonds(tiny_lake) -> None:
    with pytest.raises(Refused, match="not available to brokers"):
        Scope(get_engine(tiny_lake, "duckdb"), Principal.parse("broker:ABC")).table("bonds")


def test_line_level_filters_narrow_headers_through_their_lines(tiny_lake) -> None:
    assert entry_numbers(tiny_lake, CBP, Filters(countries=("BR",))) == ["ABC12345676"]
    assert entry_numbers(tiny_lake, CBP, Filters(hts_prefix="0901")) == [
        "ABC12345676",
        "XYZ00000010",
    ]
    assert entry_numbers(tiny_lake, CBP, Filters(hts_prefix="0901", countries=("MX",))) == [
        "XYZ00000010"
    ]


def test_date_range_is_inclusive_and_prunes_by_year(tiny_lake) -> None:
    f = Filters(start=date(2024, 1, 5), end=date(2024, 12, 31))
    assert entry_numbers(tiny_lake, CBP, f) == ["ABC00000018", "ABC12345676"]
    t = Scope(get_engine(tiny_lake, "duckdb"), CBP, f).table("entry_summaries")
    assert "year" in str(t.compile())  # the partition predicate reaches the engine


def test_column_pairs_map_each_filter_to_the_column_it_narrows() -> None:
    from data_access.schema import TABLES

    f = Filters(
        importer_numbers=("27-4418529AB",),
        filer_codes=("ABC",),
        ports=("2704",),
        countries=("CN", "VN"),
        modes=("11",),
        hts_prefix="8471",
    )
    assert f.column_pairs(TABLES["entry_lines"]) == [
        ("importer_number", ("27-4418529AB",)),
        ("filer_code", ("ABC",)),
        ("port_of_entry", ("2704",)),
        ("country_of_origin", ("CN", "VN")),
        ("mode_of_transport", ("11",)),
    ]
    # bonds have no filer column: the filer filter has nothing to narrow there
    assert [c for c, _ in f.column_pairs(TABLES["bonds"])] == [
        "importer_number",
        "port_of_entry",
        "country_of_origin",
        "mode_of_transport",
    ]
    assert Filters(hts_prefix="85").column_pairs(TABLES["entry_lines"]) == []


def test_the_benchmark_floor_takes_its_filter_columns_from_filters() -> None:
    import inspect

    from benchmarks import questions

    source = inspect.getsource(questions)
    assert "column_pairs(" in source
    assert '("ports", "port_of_entry")' not in source  # no copied filter -> column map
