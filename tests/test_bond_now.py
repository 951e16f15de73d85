"""The Bond page reads "sufficiency now" off the series when the series holds `as_of`'s
month: that must be exactly what `bond.sufficiency_now` answers, for every principal and
date range that covers the month, and None when the range leaves it out."""

from __future__ import annotations

from datetime import date

import pytest
from polars.testing import assert_frame_equal

from data_access.access import Principal
from data_access.engines import DuckDBEngine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from data_access.reports.bond_sufficiency import now_from_series
from tests.demo_lakes import DemoLakes

END = date(2026, 3, 20)


@pytest.fixture(scope="module")
def engine(demo_lake: DemoLakes) -> DuckDBEngine:
    return DuckDBEngine(demo_lake(lines=20_000, seed=5, end=END))


@pytest.mark.parametrize("principal", ["cbp", "importer:27-4418529AB", "importer:76-0492871AF"])
@pytest.mark.parametrize(
    ("filters", "as_of"),
    [
        (Filters(start=date(2021, 3, 21), end=END), END),
        (Filters(start=date(2025, 1, 1)), date(2025, 8, 31)),
        (Filters(start=date(2024, 6, 1), end=date(2024, 6, 1)), date(2024, 6, 30)),
        (Filters(start=date(2023, 1, 1), ports=("2704",)), date(2025, 2, 28)),
    ],
)
def test_now_read_off_the_series_is_the_report(
    engine: DuckDBEngine, principal: str, filters: Filters, as_of: date
) -> None:
    scope = Scope(engine, Principal.parse(principal), filters)
    series = REPORTS["bond.sufficiency"](scope, as_of=as_of)
    derived = now_from_series(series, filters, as_of)
    assert derived is not None
    expected = REPORTS["bond.sufficiency_now"](scope, as_of=as_of)
    assert expected.height > 0
    assert_frame_equal(derived, expected)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(start=date(2025, 9, 1)),
        Filters(start=date(2024, 1, 1), end=date(2025, 7, 31)),
    ],
)
def test_a_series_without_the_month_gives_none(filters: Filters) -> None:
    assert now_from_series(None, filters, date(2025, 8, 15)) is None  # type: ignore[arg-type]
