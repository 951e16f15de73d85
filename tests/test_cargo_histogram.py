"""Release-time quantiles come from a histogram of days to release (so a monthly rollup can
serve them): they must be DuckDB's quantile_cont over the same values, to the last bits
for any quantile and exactly once rounded to 2 decimals for the median and p90 the
reports print (for whole days their exact value is a multiple of 0.1)."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from data_access.reports.cargo_release import quantile, release_times


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=-3, max_value=400), min_size=1, max_size=60),
    st.sampled_from([0.5, 0.9, 0.1, 0.25, 0.75, 0.99]),
)
def test_histogram_quantile_is_duckdb_quantile_cont(days: list[int], q: float) -> None:
    values = sorted(set(days))
    counts = [days.count(v) for v in values]
    expected = duckdb.sql(
        "SELECT quantile_cont(d, $q) FROM (SELECT unnest($days::BIGINT[]) AS d)",
        params={"q": q, "days": days},
    ).fetchall()[0][0]
    histogram = pl.DataFrame({"release_days": values, "releases": counts})
    ours = histogram.select(quantile(q)).item()
    assert ours is not None and abs(ours - expected) < 1e-9
    if q in (0.5, 0.9):
        assert round(ours, 2) == round(expected, 2)
        assert pl.Series([ours]).round(2).item() == pl.Series([expected]).round(2).item()


def test_release_times_from_a_histogram() -> None:
    histogram = pl.DataFrame(
        {
            "port_of_entry": ["2704", "2704", "2704", "1001", "1001", "3004"],
            "release_days": [1, 4, None, 0, 9, None],
            "held": [False, True, False, False, False, True],
            "releases": [3, 1, 5, 1, 1, 2],
        }
    )
    times = release_times(histogram, ("port_of_entry",)).sort("port_of_entry")
    assert times.rows() == [("1001", 2, 4.5, 8.1), ("2704", 4, 1.0, 3.1)]  # 3004: none released
    assert release_times(histogram, ()).rows() == [(6, 1.0, 6.5)]
    assert release_times(histogram.head(0), ()).is_empty()


def test_release_times_of_many_groups_in_one_pass() -> None:
    """Every group's quantiles from one polars query: each group's own values, in any row
    order of the histogram, a null group key kept as its own group, a value split over
    several histogram rows (held and not) counted once with their sum."""
    histogram = pl.DataFrame(
        {
            "month": [2, 1, 1, 2, None, 1, 2, 1, None],
            "release_days": [5, 3, 1, 5, 7, 2, 0, 1, 7],
            "held": [False, False, True, True, False, False, False, False, True],
            "releases": [1, 2, 1, 2, 1, 4, 1, 1, 1],
        }
    )
    times = release_times(histogram, ("month",)).sort("month", nulls_last=True)
    # month 1: 1 1 2 2 2 2 3 3 (median 2, p90 at 6.3: 3); month 2: 0 5 5 5; None: 7 7
    assert times.rows() == [(1, 8, 2.0, 3.0), (2, 4, 5.0, 5.0), (None, 2, 7.0, 7.0)]
    assert times.schema["month"] == pl.Int64 and times.schema["released"] == pl.Int64


def test_a_monthly_series_is_one_polars_query(monkeypatch) -> None:
    """60 months' quantiles in one polars query, not two or more per month (the old loop:
    a group_by and a sort per month were most of the report's time)."""
    months = [date(2022, 1, 1) + timedelta(days=31 * i) for i in range(60)]
    histogram = pl.DataFrame(
        {
            "month": [m.replace(day=1) for m in months for _ in range(3)],
            "release_days": [d for _ in months for d in (0, 2, 9)],
            "releases": [c for i, _ in enumerate(months) for c in (1, i + 1, 2)],
        }
    )
    from polars.lazyframe.engine import _LocalEngine  # every query polars runs in-process

    collected = []
    collect = _LocalEngine.collect
    monkeypatch.setattr(
        _LocalEngine, "collect", lambda *a, **k: collected.append(1) or collect(*a, **k)
    )
    times = release_times(histogram, ("month",))
    assert len(collected) == 1
    times = times.sort("month")
    assert times.height == 60 and times.row(0) == (date(2022, 1, 1), 4, 5.5, 9.0)  # 0 2 9 9
    assert times.row(59)[1:] == (63, 2.0, 2.0)
