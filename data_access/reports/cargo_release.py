"""Cargo Release: ACE's Cargo Release Details, release volumes, release times, holds.

Release time is arrival to release in whole days (releases without a release date are
still waiting and count in volumes, not in times). Median and 90th percentile are exact
(linear interpolation between the two nearest values: DuckDB's percentile_cont, Spark's
percentile), rounded to 2 decimals so both engines print the same figure.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access.reports.base import Scope, month, report, safe_ratio, with_descriptions
from data_access.schema import CARGO_RELEASES

CATEGORY = "Cargo Release"
TABLES = ("cargo_releases",)
DETAIL_ORDER = ["arrival_date", "entry_number", "bill_of_lading", "release_date"]
CODES = ("port_of_entry", "mode_of_transport", "release_status", "hold_agency")
NOT_REPORTED = "(not reported)"


def page_rows(expr: ir.Table, order: list[str], offset: int, limit: int | None) -> ir.Table:
    """`limit` rows of `expr` from `offset` in `order` (all the rest when limit is None).

    Numbered rows rather than Ibis's `limit(offset=)`: its PySpark form numbers rows over
    no order at all, so a page would differ between runs on Spark.
    """
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError("offset and limit must not be negative")
    if not offset:
        ordered = expr.order_by(order)
        return ordered if limit is None else ordered.limit(limit)
    numbered = expr.mutate(_row=ibis.row_number().over(order_by=order))
    keep = numbered._row >= offset
    if limit is not None:
        keep &= numbered._row < offset + limit
    return numbered.filter(keep).drop("_row").order_by(order)


def count_rows(scope: Scope, expr: ir.Table) -> pl.DataFrame:
    """One row, `rows`: how many rows `expr` has (the pager's companion report)."""
    return scope.run(expr.aggregate(rows=expr.count())).cast({"rows": pl.Int64})


def release_days(t: ir.Table) -> ir.IntegerValue:
    return t.release_date.delta(t.arrival_date, unit="day")


def _time_aggregate(scope: Scope, by: dict[str, ir.Value]) -> pl.DataFrame:
    t = scope.table("cargo_releases")
    t = t.filter(t.release_date.notnull()).mutate(days=release_days(t))
    expr = t.group_by(**by).aggregate(
        released=t.count(), median_days=t.days.quantile(0.5), p90_days=t.days.quantile(0.9)
    )
    return scope.run(expr).with_columns(
        pl.col("released").cast(pl.Int64), pl.col("median_days", "p90_days").round(2)
    )


def _details(scope: Scope) -> ir.Table:
    t = scope.table("cargo_releases")
    return t.select(*CARGO_RELEASES.column_names, release_days=release_days(t))


@report("cargo_release.details", title="Cargo Release Details", category=CATEGORY, tables=TABLES)
def details(scope: Scope, *, offset: int = 0, limit: int | None = None) -> pl.DataFrame:
    """ACE's Cargo Release Details, one row per release, codes described, days to release."""
    frame = scope.run(page_rows(_details(scope), DETAIL_ORDER, offset, limit))
    return with_descriptions(frame, *CODES)


@report(
    "cargo_release.details_count",
    title="Cargo Release Details rows",
    category=CATEGORY,
    tables=TABLES,
)
def details_count(scope: Scope) -> pl.DataFrame:
    """One row: how many rows `cargo_release.details` has for this scope."""
    return count_rows(scope, _details(scope))


@report("cargo_release.kpis", title="Release figures", category=CATEGORY, tables=TABLES)
def kpis(scope: Scope) -> pl.DataFrame:
    """One row: releases, released, holds, median and 90th percentile days to release."""
    t = scope.table("cargo_releases")
    days = release_days(t)
    expr = t.aggregate(
        releases=t.count(),
        released=t.release_date.notnull().sum().coalesce(0),
        holds=t.hold_agency.notnull().sum().coalesce(0),
        median_days=days.quantile(0.5),
        p90_days=days.quantile(0.9),
    )
    return scope.run(expr).with_columns(
        pl.col("releases", "released", "holds").cast(pl.Int64),
        pl.col("median_days", "p90_days").round(2),
    )


@report("cargo_release.monthly", title="Releases per month", category=CATEGORY, tables=TABLES)
def monthly(scope: Scope) -> pl.DataFrame:
    """Releases per month of arrival, by port of entry and mode of transport."""
    t = scope.table("cargo_releases")
    by = [month(t.arrival_date).name("month"), t.port_of_entry, t.mode_of_transport]
    expr = t.group_by(by).aggregate(releases=t.count())
    frame = scope.run(expr).with_columns(pl.col("releases").cast(pl.Int64))
    frame = frame.sort(["month", "port_of_entry", "mode_of_transport"], nulls_last=True)
    return with_descriptions(frame, "port_of_entry", "mode_of_transport")


@report(
    "cargo_release.release_time_monthly",
    title="Release time per month",
    category=CATEGORY,
    tables=TABLES,
)
def release_time_monthly(scope: Scope) -> pl.DataFrame:
    """Per month of arrival: releases with a release date, median and p90 days to release."""
    t = scope.table("cargo_releases")
    return _time_aggregate(scope, {"month": month(t.arrival_date)}).sort("month")


def _slowest(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    order = ["median_days", "p90_days", "released", key]
    frame = frame.sort(order, descending=[True, True, True, False], nulls_last=True)
    return with_descriptions(frame, key)


@report(
    "cargo_release.release_time_by_port",
    title="Release time by port",
    category=CATEGORY,
    tables=TABLES,
)
def release_time_by_port(scope: Scope) -> pl.DataFrame:
    """Per port of entry: released, median and p90 days to release; slowest first."""
    t = scope.table("cargo_releases")
    return _slowest(_time_aggregate(scope, {"port_of_entry": t.port_of_entry}), "port_of_entry")


@report(
    "cargo_release.release_time_by_mode",
    title="Release time by mode",
    category=CATEGORY,
    tables=TABLES,
)
def release_time_by_mode(scope: Scope) -> pl.DataFrame:
    """Per mode of transport: released, median and p90 days to release; slowest first."""
    t = scope.table("cargo_releases")
    frame = _time_aggregate(scope, {"mode_of_transport": t.mode_of_transport})
    return _slowest(frame, "mode_of_transport")


def _mix(scope: Scope, column: str, measure: str, t: ir.Table) -> pl.DataFrame:
    frame = scope.run(t.group_by(column).aggregate(**{measure: t.count()}))
    frame = frame.with_columns(pl.col(measure).cast(pl.Int64))
    total = frame.get_column(measure).sum() if frame.height else 0
    frame = frame.sort([measure, column], descending=[True, False], nulls_last=True)
    return with_descriptions(frame, column).with_columns(
        pl.col(f"{column}_description").fill_null(""),
        share=safe_ratio(pl.col(measure), pl.lit(total)),
    )


@report("cargo_release.status_mix", title="Release status mix", category=CATEGORY, tables=TABLES)
def status_mix(scope: Scope) -> pl.DataFrame:
    """Releases per release status, most common first, with their share of all releases."""
    return _mix(scope, "release_status", "releases", scope.table("cargo_releases"))


@report("cargo_release.holds_by_agency", title="Holds by agency", category=CATEGORY, tables=TABLES)
def holds_by_agency(scope: Scope) -> pl.DataFrame:
    """Releases held per agency (rows with a hold agency), most first, with their share of
    all holds and the median days to release of the held shipments."""
    t = scope.table("cargo_releases")
    held = t.filter(t.hold_agency.notnull())
    frame = _mix(scope, "hold_agency", "holds", held)
    times = _time_aggregate(scope, {"hold_agency": t.hold_agency}).select(
        "hold_agency", "median_days"
    )
    return frame.join(times, on="hold_agency", how="left", maintain_order="left")
