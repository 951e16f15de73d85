"""Bond: ACE's Bond Details, single-transaction bonds, activity codes, bonds ending soon.
Continuous bond sufficiency is in `bond_sufficiency`.

Every report here declares the "bonds" table, so the registry refuses brokers (a CBP rule)
before any query runs. Questions about what is in force on a day (ending soon, activity
codes, sufficiency) ignore the date, port, mode, filer and line filters: a bond in force
today may have taken effect years ago, and the required amount counts all of an
importer's entries. They keep the importer filter (and always the principal's rows); the
date filters choose which months the sufficiency series shows.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access import settings
from data_access.filters import Filters
from data_access.reports.base import Scope, money_sum, report, with_descriptions
from data_access.reports.paging import count_rows, page
from data_access.schema import BONDS

CATEGORY = "Bond"
TABLES = ("bonds",)
CONTINUOUS, SINGLE_TRANSACTION = "8", "9"
ENDING_DAYS = 90
CODES = ("bond_type", "activity_code", "surety_code")
AMOUNT_BANDS = (  # (upper bound, exclusive; label)
    (10_000, "under $10,000"),
    (50_000, "$10,000 to under $50,000"),
    (100_000, "$50,000 to under $100,000"),
    (None, "$100,000 and over"),
)


def in_force_scope(scope: Scope) -> Scope:
    """The scope with only the importer filter kept (see the module docstring)."""
    return Scope(
        scope.engine, scope.principal, Filters(importer_numbers=scope.filters.importer_numbers)
    )


def in_force(t: ir.Table, day: ir.DateValue | date) -> ir.BooleanValue:
    """Bonds covering `day`: effective date through termination date, both included."""
    return (t.effective_date <= day) & (t.termination_date.isnull() | (t.termination_date >= day))


# --- ACE's Bond Details ---------------------------------------------------------------------
def _details(scope: Scope) -> ir.Table:
    return scope.table("bonds").select(*BONDS.column_names)


@report("bond.details", title="Bond Details", category=CATEGORY, tables=TABLES)
def details(scope: Scope, *, offset: int = 0, limit: int | None = None) -> pl.DataFrame:
    """ACE's Bond Details: one row per bond taking effect in the period, codes described."""
    expr = page(_details(scope), ["effective_date", "bond_number"], offset, limit)
    return with_descriptions(scope.run(expr), *CODES)


@report("bond.details_count", title="Bond Details rows", category=CATEGORY, tables=TABLES)
def details_count(scope: Scope) -> pl.DataFrame:
    """One row: how many rows `bond.details` has for this scope."""
    return count_rows(scope, _details(scope))


# --- single-transaction bonds, activity codes, bonds ending soon -----------------------------
@report(
    "bond.single_transaction",
    title="Single-transaction bonds by surety and amount",
    category=CATEGORY,
    tables=TABLES,
)
def single_transaction(scope: Scope) -> pl.DataFrame:
    """Single-transaction bonds taking effect in the period, per surety and amount band."""
    t = scope.table("bonds")
    t = t.filter(t.bond_type == SINGLE_TRANSACTION)
    bands = [(t.bond_amount < bound, label) for bound, label in AMOUNT_BANDS if bound]
    band = ibis.cases(*bands, else_=AMOUNT_BANDS[-1][1])
    expr = t.group_by("surety_code", amount_band=band).aggregate(
        bonds=t.count(), total_amount=money_sum(t.bond_amount)
    )
    order = {label: i for i, (_bound, label) in enumerate(AMOUNT_BANDS)}
    frame = scope.run(expr).with_columns(
        pl.col("bonds").cast(pl.Int64),
        _band=pl.col("amount_band").replace_strict(order, return_dtype=pl.Int8),
    )
    frame = frame.sort(["surety_code", "_band"], nulls_last=True).drop("_band")
    return with_descriptions(frame, "surety_code")


@report(
    "bond.activity_codes",
    title="Continuous bonds by activity code",
    category=CATEGORY,
    tables=TABLES,
)
def activity_codes(scope: Scope, *, as_of: date | None = None) -> pl.DataFrame:
    """Continuous bonds per activity code: all of them, those in force on `as_of` (default
    today) and the amount in force."""
    as_of = as_of or settings.today()
    t = in_force_scope(scope).table("bonds")
    t = t.filter(t.bond_type == CONTINUOUS)
    now = in_force(t, ibis.literal(as_of))
    expr = t.group_by("activity_code").aggregate(
        bonds=t.count(),
        in_force=now.sum().coalesce(0),
        amount_in_force=money_sum(ibis.ifelse(now, t.bond_amount, 0)),
    )
    frame = scope.run(expr).with_columns(pl.col("bonds", "in_force").cast(pl.Int64))
    return with_descriptions(frame.sort("activity_code", nulls_last=True), "activity_code")


@report("bond.ending_soon", title="Bonds ending soon", category=CATEGORY, tables=TABLES)
def ending_soon(
    scope: Scope, *, as_of: date | None = None, days: int = ENDING_DAYS
) -> pl.DataFrame:
    """Bonds whose termination date falls from `as_of` (default today) to `days` later,
    both included, soonest first, with the days left."""
    as_of = as_of or settings.today()
    t = in_force_scope(scope).table("bonds")
    until = as_of + timedelta(days=days)
    t = t.filter(t.termination_date >= ibis.literal(as_of), t.termination_date <= until)
    expr = t.select(
        *BONDS.column_names, days_left=t.termination_date.delta(ibis.literal(as_of), unit="day")
    ).order_by(["termination_date", "bond_number"])
    return with_descriptions(scope.run(expr), *CODES)
