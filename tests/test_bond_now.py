"""The Bond page shows the sufficiency series and the judgement now from one query
(`bond.sufficiency` with `with_now`, parted by `bond_sufficiency.split`): each part must be
exactly what `bond.sufficiency` and `bond.sufficiency_now` answer, for every principal and
date range, the ones that leave `as_of`'s month out included (the page asked the judgement
a second time there: 2 x 170-480 ms on the 50M lake)."""

from __future__ import annotations

from datetime import date

import pytest
from polars.testing import assert_frame_equal

from data_access.access import Principal
from data_access.engines import DuckDBEngine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from data_access.reports.bond_sufficiency import split
from tests.demo_lakes import DemoLakes

END = date(2026, 3, 20)
ASKED = [
    (Filters(start=date(2021, 3, 21), end=END), END),
    (Filters(start=date(2025, 1, 1)), date(2025, 8, 31)),
    (Filters(start=date(2024, 6, 1), end=date(2024, 6, 1)), date(2024, 6, 30)),
    (Filters(start=date(2023, 1, 1), ports=("2704",)), date(2025, 2, 28)),
    # the period ends before as_of's month: the judgement now is not in the series
    (Filters(start=date(2024, 1, 1), end=date(2025, 7, 31)), date(2025, 8, 15)),
    (Filters(start=date(2023, 2, 1), end=date(2023, 12, 31)), END),
    # the period starts after as_of: no series, the judgement still
    (Filters(start=date(2025, 9, 1)), date(2025, 8, 15)),
    (Filters(), date(2025, 8, 15)),  # the series from the first bond's month
]


class Counting:
    """An engine that counts the queries it runs."""

    def __init__(self, engine: DuckDBEngine) -> None:
        self._engine, self.queries = engine, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._engine, name)

    def to_polars(self, expr: object, *args: object) -> object:
        self.queries += 1
        return self._engine.to_polars(expr, *args)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def engine(demo_lake: DemoLakes) -> DuckDBEngine:
    return DuckDBEngine(demo_lake(lines=20_000, seed=5, end=END))


@pytest.mark.parametrize("principal", ["cbp", "importer:27-4418529AB", "importer:76-0492871AF"])
@pytest.mark.parametrize(("filters", "as_of"), ASKED)
def test_series_and_now_from_one_query_are_the_reports(
    engine: DuckDBEngine, principal: str, filters: Filters, as_of: date
) -> None:
    counting = Counting(engine)
    scope = Scope(counting, Principal.parse(principal), filters)  # type: ignore[arg-type]
    frame = REPORTS["bond.sufficiency"](scope, as_of=as_of, with_now=True)
    asked = counting.queries
    series, now = split(frame, filters, as_of)
    assert_frame_equal(series, REPORTS["bond.sufficiency"](scope, as_of=as_of))
    expected_now = REPORTS["bond.sufficiency_now"](scope, as_of=as_of)
    assert_frame_equal(now, expected_now)
    assert expected_now.height > 0
    # one query (a second where no start date names the first month: the first bond's)
    assert asked == (1 if filters.start else 2)


def test_the_judgement_now_outside_the_period_was_asked_apart(engine: DuckDBEngine) -> None:
    """The case the page paid twice for: the series alone lacks `as_of`'s month."""
    filters, as_of = Filters(start=date(2024, 1, 1), end=date(2025, 7, 31)), date(2025, 8, 15)
    scope = Scope(engine, Principal.parse("cbp"), filters)
    series = REPORTS["bond.sufficiency"](scope, as_of=as_of)
    assert series.filter(series["month"] == date(2025, 8, 1)).is_empty()
    frame = REPORTS["bond.sufficiency"](scope, as_of=as_of, with_now=True)
    now = REPORTS["bond.sufficiency_now"](scope, as_of=as_of)
    assert frame.height == series.height + now.height > series.height


def test_the_bond_page_asks_the_judgement_once(engine: DuckDBEngine) -> None:
    """One render of the Bond page whose period ends before today's month (as_of: today)
    asks one judgement: the series with the month now (it asked `bond.sufficiency_now`
    beside it)."""
    from benchmarks import pages

    filters = {"start": "2024-01-01", "end": "2025-07-31"}
    calls = pages.record(engine.lake, "bond", "cbp", filters)
    judged = [c for c in calls if c.report.startswith("bond.sufficiency")]
    assert [(c.report, dict(c.options).get("with_now")) for c in judged] == [
        ("bond.sufficiency", True)
    ]
