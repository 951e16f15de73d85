"""Which months of a chart are whole: the data's own first and last days decide.

A lake holds what its loads covered: the first month usually starts mid-month and the last
one ends on the day of the last export, so their totals are partial and a rate over them
(exams per entry, days to release) is a rate over a few days. `data_span` gives the days
the data covers for a view (the principal's holdings, within the filters' dates); `mark_partial`
flags each month not wholly inside it. Today's date plays no part.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from data_access.filters import Filters

PARTIAL = "partial_month"  # the flag column a chart's table carries
PARTIAL_NOTE = "partial month"


@dataclass(frozen=True)
class Span:
    """The days the data covers, first and last included."""

    first: date
    last: date

    def describe(self) -> str:
        return f"{self.first:%d %b %Y} to {self.last:%d %b %Y}"


def data_span(holdings: pl.DataFrame, tables: Iterable[str], filters: Filters) -> Span | None:
    """The days all of `tables` hold data on (the latest first day to the earliest last day
    in `holdings`, the `overview.holdings` rows), cut to the filters' dates; None when a
    table holds nothing (then no month is called partial)."""
    wanted = list(tables)
    rows = holdings.filter(pl.col("table").is_in(wanted) & (pl.col("rows") > 0))
    if rows.height < len(set(wanted)) or rows.get_column("first").null_count():
        return None
    first = max([rows.get_column("first").max(), filters.start or date.min])  # type: ignore[type-var]
    last = min([rows.get_column("last").min(), filters.end or date.max])  # type: ignore[type-var]
    return Span(first, last) if first <= last else None  # type: ignore[arg-type]


def is_partial(month: pl.Expr, span: Span | None) -> pl.Expr:
    """True for a month (its first day) that the span does not cover from first to last day."""
    if span is None:
        return pl.lit(False)
    return (month < pl.lit(span.first)) | (month.dt.month_end() > pl.lit(span.last))


def mark_partial(frame: pl.DataFrame, span: Span | None, column: str = "month") -> pl.DataFrame:
    """`frame` with a `partial_month` column: True where `column`'s month is not whole."""
    return frame.with_columns(is_partial(pl.col(column), span).alias(PARTIAL))
