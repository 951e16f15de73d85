"""The one pager of the detail reports: a page of rows in a fixed order, and their count.

Every report that takes `offset` and `limit` (ACE's detail tables, the audit's, the
layers' and the refunds' rows) pages through `page` (`page_frame` for rows ranked in
polars), and counts its rows for the pager with `count_rows` (tests/test_paging.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access.reports.base import Scope, remembered

Order = Sequence[str | ir.Value]


def page(expr: ir.Table, order: Order, offset: int = 0, limit: int | None = None) -> ir.Table:
    """`limit` rows of `expr` from row `offset` in `order` (all the rest when limit is None).

    A page is the same on every engine when `order` is total (ties broken by the table's
    key). The first page is the top `limit` rows. A later one is the top `offset + limit`
    rows numbered in `order`, from number `offset`: not Ibis's `limit(offset=)`, whose
    PySpark form numbers rows over no order at all (a page would differ between runs),
    and not numbering every row (a window over the whole table where the top rows do).
    """
    _check(offset, limit)
    ordered = expr.order_by(list(order))
    if not offset:
        return ordered if limit is None else ordered.limit(limit)
    top = ordered if limit is None else ordered.limit(offset + limit)
    numbered = top.mutate(_row=ibis.row_number().over(order_by=list(order)))
    return numbered.filter(numbered._row >= offset).drop("_row").order_by(list(order))


def page_frame(frame: pl.DataFrame, offset: int = 0, limit: int | None = None) -> pl.DataFrame:
    """`page` for rows already computed in order (a report that ranks in polars)."""
    _check(offset, limit)
    return frame.slice(offset, limit)


def count_rows(scope: Scope, expr: ir.Table) -> pl.DataFrame:
    """One row, `rows` (Int64): how many rows `expr` has (the pager's companion report).
    The count of the same `expr` is built once (`reports.base.remembered`)."""
    counted = remembered(
        scope, ("count_rows", expr.op()), lambda: expr.aggregate(rows=expr.count())
    )
    return scope.run(counted).cast({"rows": pl.Int64})


def _check(offset: int, limit: int | None) -> None:
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError("offset and limit must not be negative")
