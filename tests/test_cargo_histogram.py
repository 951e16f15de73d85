"""Release-time quantiles come from a histogram of days to release (so a monthly rollup can
serve them): they must be DuckDB's quantile_cont over the same values, to the last bits
for any quantile and exactly once rounded to 2 decimals for the median and p90 the
reports print (for whole days their exact value is a multiple of 0.1)."""

from __future__ import annotations

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
    ours = quantile(values, counts, q)
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
    assert release_times(histogram.head(0), ()).is_empty()
