"""Cargo Release: ACE's Cargo Release Details, release volumes, release times, holds.

Release time is arrival to release in whole days (releases without a release date are
still waiting and count in volumes, not in times). Median and 90th percentile are exact
(linear interpolation between the two nearest values: DuckDB's percentile_cont, Spark's
percentile), rounded to 2 decimals so both engines print the same figure.
"""

from __future__ import annotations

import ibis.expr.types as ir
import polars as pl

from data_access.reports.base import Scope, remembered, report, safe_ratio, with_descriptions
from data_access.reports.line_totals import release_totals
from data_access.reports.paging import count_rows, page
from data_access.schema import CARGO_RELEASES

CATEGORY = "Cargo Release"
TABLES = ("cargo_releases",)
DETAIL_ORDER = ["arrival_date", "entry_number", "bill_of_lading", "release_date"]
CODES = ("port_of_entry", "mode_of_transport", "release_status", "hold_agency")
NOT_REPORTED = "(not reported)"
QUANTILES = {"median_days": pl.Float64, "p90_days": pl.Float64}
TIME_SCHEMA = {"released": pl.Int64, **QUANTILES}


def release_days(t: ir.Table) -> ir.IntegerValue:
    return t.release_date.delta(t.arrival_date, unit="day")


def _time_aggregate(scope: Scope, by: tuple[str, ...]) -> pl.DataFrame:
    """Per `by`: released (with a release date), median and p90 days to release."""
    expr = remembered(
        scope, ("cargo_release.histogram", by), lambda: release_totals(scope, by, days=True)
    )
    return release_times(scope.run(expr), by)


def release_times(histogram: pl.DataFrame, by: tuple[str, ...]) -> pl.DataFrame:
    """Released, median and p90 days per `by` from a histogram (`by`, release_days,
    releases); groups with nothing released are left out. One polars query for every
    group (a query per group was most of a monthly series' time)."""
    keys = list(by)
    days = (
        histogram.lazy()
        .filter(pl.col("release_days").is_not_null())
        .group_by([*keys, "release_days"])
        .agg(pl.col("releases").sum())
        .sort([*keys, "release_days"], nulls_last=True)
    )
    times = {
        "released": pl.col("releases").sum().cast(pl.Int64),
        "median_days": quantile(0.5),
        "p90_days": quantile(0.9),
    }
    frame = days.group_by(keys, maintain_order=True).agg(**times) if keys else days.select(**times)
    schema = {**{k: histogram.schema[k] for k in by}, **TIME_SCHEMA}
    rounded = pl.col("median_days", "p90_days").round(2)
    return frame.filter(pl.col("released") > 0).cast(schema).with_columns(rounded).collect()


def quantile(q: float) -> pl.Expr:
    """The `q` quantile of a group's `release_days` (ascending, each `releases` times), as
    one native aggregation, interpolated as DuckDB's quantile_cont and Spark's
    percentile: position (n - 1) * q, the values at its floor and ceiling, weighted by
    the fraction. Engines differ in the last bits; for the median and p90 of whole days
    the exact answer is a multiple of 0.1, so all agree once rounded to 2 decimals, as
    the reports print them (tests/test_cargo_histogram.py)."""
    n = pl.col("releases").sum()
    position = (n - 1) * q
    low, high = position.floor(), position.ceil()
    seen = pl.col("releases").cum_sum()  # rows up to and including each value

    def nth(index: pl.Expr) -> pl.Expr:  # the value of the index-th row (0-based)
        return pl.col("release_days").filter(seen > index).first().cast(pl.Float64)

    fraction = position - low
    between = nth(low) * (1.0 - fraction) + nth(high) * fraction
    return pl.when(n == 0).then(None).when(low == high).then(nth(low)).otherwise(between)


def _details(scope: Scope) -> ir.Table:
    t = scope.table("cargo_releases")
    return t.select(*CARGO_RELEASES.column_names, release_days=release_days(t))


@report("cargo_release.details", title="Cargo Release Details", category=CATEGORY, tables=TABLES)
def details(scope: Scope, *, offset: int = 0, limit: int | None = None) -> pl.DataFrame:
    """ACE's Cargo Release Details, one row per release, codes described, days to release."""
    frame = scope.run(page(_details(scope), DETAIL_ORDER, offset, limit))
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
    histogram = scope.run(release_totals(scope, (), days=True))
    counts = histogram.select(
        releases=pl.col("releases").sum(),
        released=pl.col("releases").filter(pl.col("release_days").is_not_null()).sum(),
        holds=pl.col("releases").filter(pl.col("held")).sum(),
    ).cast(pl.Int64)
    times = release_times(histogram, ()).drop("released")
    if times.is_empty():  # nothing released: no times (one row all the same)
        times = pl.DataFrame({"median_days": [None], "p90_days": [None]}, schema=QUANTILES)
    return pl.concat([counts, times], how="horizontal")


@report("cargo_release.monthly", title="Releases per month", category=CATEGORY, tables=TABLES)
def monthly(scope: Scope) -> pl.DataFrame:
    """Releases per month of arrival, by port of entry and mode of transport."""
    by = ("month", "port_of_entry", "mode_of_transport")
    frame = scope.run(release_totals(scope, by, days=False))
    frame = frame.with_columns(pl.col("releases").cast(pl.Int64))
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
    return _time_aggregate(scope, ("month",)).sort("month")


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
    return _slowest(_time_aggregate(scope, ("port_of_entry",)), "port_of_entry")


@report(
    "cargo_release.release_time_by_mode",
    title="Release time by mode",
    category=CATEGORY,
    tables=TABLES,
)
def release_time_by_mode(scope: Scope) -> pl.DataFrame:
    """Per mode of transport: released, median and p90 days to release; slowest first."""
    return _slowest(_time_aggregate(scope, ("mode_of_transport",)), "mode_of_transport")


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
    times = _time_aggregate(scope, ("hold_agency",)).select("hold_agency", "median_days")
    return frame.join(times, on="hold_agency", how="left", maintain_order="left")
