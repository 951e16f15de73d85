"""The names the lake holds for importers and filers: ACE's Importer Name and Filer Name on
the entry summaries, the latest of each code in scope (`measures.latest`)."""

from __future__ import annotations

import ibis.expr.types as ir
import polars as pl

from data_access.lake import rollups
from data_access.measures import NAMED, latest
from data_access.reports.base import Scope
from data_access.reports.line_totals import in_period
from data_access.schema import ENTRY_SUMMARIES


def held_names(scope: Scope, column: str) -> ir.Table | None:
    """(code, name) per importer number or filer code in scope: the name on its latest
    entry summary that has one (blank is none); None when the lake has no such column (a
    lake written before the contract had it). From the names rollup
    (`rollups.LatestNames`) where no line filter asks and the period cuts no month."""
    by_month = _by_month(scope, column)
    if by_month is not None:
        return by_month
    t = scope.table(ENTRY_SUMMARIES.name)
    name = NAMED[column]
    if name not in t.columns:
        return None
    return _latest(t, column, "entry_date")


def _latest(t: ir.Table, column: str, on: str) -> ir.Table:
    """(code, name): per `column`, the latest (by `on`) of its names that are not blank."""
    held = t.mutate(_name=t[NAMED[column]].strip())
    held = held.filter(held._name.notnull() & (held._name != ""))
    return held.group_by(code=held[column]).aggregate(name=latest(held._name, held[on]))


def _by_month(scope: Scope, column: str) -> ir.Table | None:
    if rollups.NAMES_BY_MONTH not in scope.rollups or scope.filters.needs_lines:
        return None
    t = in_period(scope, scope.rollup(rollups.NAMES_BY_MONTH), ENTRY_SUMMARIES.name)
    if t is None:
        return None
    return _latest(t, column, "last_date")


def with_names(scope: Scope, frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """`frame` with `<column>_description`: the name the lake holds for each code."""
    names = held_names(scope, column)
    found = scope.run(names) if names is not None else None
    described = pl.col(column).cast(pl.String)
    if found is not None and found.height:
        keys, values = found.get_column("code"), found.get_column("name")
        described = described.replace_strict(keys, values, default="", return_dtype=pl.String)
    else:
        described = pl.lit("", pl.String)
    at = frame.columns.index(column) + 1
    name = f"{column}_description"
    order = [*frame.columns[:at], name, *frame.columns[at:]]
    return frame.with_columns(described.alias(name)).select(order)
