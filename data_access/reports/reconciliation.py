"""Reconciliation: ACE's Reconciliation Header and Details, flags over time, the deadlines
of open flags, filed vs open, and the adjustments of filed reconciliations.

A flag's due date follows `rules.recon_due_date` (21 months after the entry summary
date, 12 months after the entry date for FTA flags), computed here with month offsets
that clamp to the month's end as the rule does; the due date the data carries is used
only where the rule lacks its date. A flag is filed once it has a filed date or the
status FILED. The deadline view ignores the period filters: a flag due next month was
flagged some 20 months ago, outside most periods, and is exactly the one not to miss.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access import rules, settings
from data_access.reports.base import (
    Scope,
    money_sum,
    month,
    remembered,
    report,
    with_descriptions,
)
from data_access.reports.paging import count_rows, page
from data_access.schema import RECONCILIATIONS

CATEGORY = "Reconciliation"
TABLES = ("reconciliations",)
CODES = ("flag_type", "status")
FILED = "FILED"
SOON_DAYS = 90  # "due soon": within this many days
DEADLINE_ORDER = (ibis.desc("overdue"), "due_date", "flagged_entry_number")


def due_date(t: ir.Table) -> ir.DateValue:
    """`rules.recon_due_date` in Ibis form (falling back to the due date on file)."""
    fta = t.entry_date + ibis.interval(months=rules.FTA_RECON_MONTHS)
    other = t.flagged_date + ibis.interval(months=rules.RECON_MONTHS)
    return ibis.ifelse(t.fta_flag.fill_null(False), fta, other).coalesce(t.due_date)


def is_filed(t: ir.Table) -> ir.BooleanValue:
    return t.filed_date.notnull() | (t.status == FILED).fill_null(False)


def _flags(scope: Scope) -> ir.Table:
    t = scope.table("reconciliations")
    return t.select(*RECONCILIATIONS.column_names).mutate(due_date=due_date(t), filed=is_filed(t))


# --- ACE's Reconciliation Details and Header ---------------------------------------------
@report("reconciliation.details", title="Reconciliation Details", category=CATEGORY, tables=TABLES)
def details(scope: Scope, *, offset: int = 0, limit: int | None = None) -> pl.DataFrame:
    """One row per flagged entry: flag, due date, reconciliation entry, adjustments."""
    expr = page(_flags(scope), ["flagged_date", "flagged_entry_number"], offset, limit)
    return with_descriptions(scope.run(expr), *CODES)


@report(
    "reconciliation.details_count",
    title="Reconciliation Details rows",
    category=CATEGORY,
    tables=TABLES,
)
def details_count(scope: Scope) -> pl.DataFrame:
    """One row: how many rows `reconciliation.details` has for this scope."""
    return count_rows(scope, _flags(scope))


def _headers(scope: Scope) -> ir.Table:
    t = _flags(scope)
    t = t.filter(t.recon_entry_number.notnull())
    return t.group_by("recon_entry_number").aggregate(
        importer_number=t.importer_number.min(),
        filer_code=t.filer_code.min(),
        filed_date=t.filed_date.min(),
        flagged_entries=t.count(),
        first_flagged_date=t.flagged_date.min(),
        earliest_due_date=t.due_date.min(),
        value_adjustment=money_sum(t.value_adjustment),
        duty_adjustment=money_sum(t.duty_adjustment),
    )


@report("reconciliation.header", title="Reconciliation Header", category=CATEGORY, tables=TABLES)
def header(scope: Scope, *, offset: int = 0, limit: int | None = None) -> pl.DataFrame:
    """One row per reconciliation entry: the flagged entries it covers (in the filters),
    when it was filed, the earliest due date among them, and its adjustments."""
    expr = page(_headers(scope), ["filed_date", "recon_entry_number"], offset, limit)
    return scope.run(expr).with_columns(pl.col("flagged_entries").cast(pl.Int64))


@report(
    "reconciliation.header_count",
    title="Reconciliation Header rows",
    category=CATEGORY,
    tables=TABLES,
)
def header_count(scope: Scope) -> pl.DataFrame:
    """One row: how many rows `reconciliation.header` has for this scope."""
    return count_rows(scope, _headers(scope))


# --- over time ------------------------------------------------------------------------------
@report(
    "reconciliation.flags_monthly",
    title="Flagged entries by flag type",
    category=CATEGORY,
    tables=TABLES,
)
def flags_monthly(scope: Scope) -> pl.DataFrame:
    """Flagged entries per month of entry summary and flag type, and how many carry an
    FTA flag too."""
    t = scope.table("reconciliations")
    expr = t.group_by(month=month(t.flagged_date), flag_type=t.flag_type).aggregate(
        flagged_entries=t.count(), fta_flagged=t.fta_flag.fill_null(False).sum().coalesce(0)
    )
    frame = scope.run(expr).with_columns(pl.col("flagged_entries", "fta_flagged").cast(pl.Int64))
    return with_descriptions(frame.sort(["month", "flag_type"], nulls_last=True), "flag_type")


@report("reconciliation.filed_vs_open", title="Filed vs open", category=CATEGORY, tables=TABLES)
def filed_vs_open(scope: Scope, *, as_of: date | None = None) -> pl.DataFrame:
    """Per month the entries were flagged: flagged, filed, still open, and open past their
    due date on `as_of` (default today)."""
    as_of = as_of or settings.today()
    t = _flags(scope)
    open_ = ~t.filed
    expr = t.group_by(month=month(t.flagged_date)).aggregate(
        flagged=t.count(),
        filed=t.filed.sum().coalesce(0),
        open=open_.sum().coalesce(0),
        overdue=(open_ & (t.due_date < ibis.literal(as_of))).fill_null(False).sum().coalesce(0),
    )
    counts = ["flagged", "filed", "open", "overdue"]
    return scope.run(expr).with_columns(pl.col(counts).cast(pl.Int64)).sort("month")


@report(
    "reconciliation.adjustments",
    title="Adjustments of filed reconciliations",
    category=CATEGORY,
    tables=TABLES,
)
def adjustments(scope: Scope) -> pl.DataFrame:
    """Per month of filing: reconciliation entries filed, flagged entries they cover, and
    the value and duty adjustments (negative: refunds to the importer)."""
    t = _flags(scope)
    t = t.filter(t.filed_date.notnull())
    expr = t.group_by(month=month(t.filed_date)).aggregate(
        reconciliations=t.recon_entry_number.nunique(),
        flagged_entries=t.count(),
        value_adjustment=money_sum(t.value_adjustment),
        duty_adjustment=money_sum(t.duty_adjustment),
    )
    frame = scope.run(expr).with_columns(
        pl.col("reconciliations", "flagged_entries").cast(pl.Int64)
    )
    return frame.sort("month")


# --- deadlines ------------------------------------------------------------------------------
def undated(scope: Scope) -> Scope:
    """The scope without the period filters (every other filter kept)."""
    filters = dataclasses.replace(scope.filters, start=None, end=None)
    return Scope(scope.engine, scope.principal, filters)


@report(
    "reconciliation.deadlines",
    title="Open flags and their deadlines",
    category=CATEGORY,
    tables=TABLES,
)
def deadlines(
    scope: Scope, *, as_of: date | None = None, offset: int = 0, limit: int | None = None
) -> pl.DataFrame:
    """Every open flag, whatever the period: due date, days left on `as_of` (default
    today; negative when overdue), overdue ones first, then by due date (paged: CBP has
    hundreds of thousands)."""
    as_of = as_of or settings.today()
    expr = remembered(
        scope,
        ("reconciliation.deadlines", as_of, offset, limit),
        lambda: page(_open_flags(undated(scope), as_of), DEADLINE_ORDER, offset, limit),
    )
    return with_descriptions(scope.run(expr), "flag_type")


@report(
    "reconciliation.deadlines_count",
    title="Open flags and their deadlines (row count)",
    category=CATEGORY,
    tables=TABLES,
)
def deadlines_count(scope: Scope, *, as_of: date | None = None) -> pl.DataFrame:
    """How many open flags `deadlines` lists (one row, `rows`)."""
    return count_rows(scope, _open_flags(undated(scope), as_of or settings.today()))


@report(
    "reconciliation.deadlines_by_month",
    title="Open flags by month due",
    category=CATEGORY,
    tables=TABLES,
)
def deadlines_by_month(
    scope: Scope, *, as_of: date | None = None, soon_days: int = SOON_DAYS
) -> pl.DataFrame:
    """The open flags of `deadlines` per month they are due (null: no due date known) and
    overdue or not on `as_of`: `open_flags`, and `due_soon`, those due within `soon_days`
    (0 to `soon_days` days left). Their sums are the page's counts."""
    as_of = as_of or settings.today()
    key = ("reconciliation.deadlines_by_month", as_of, soon_days)
    expr = remembered(scope, key, lambda: _by_month_due(undated(scope), as_of, soon_days))
    counts = ["open_flags", "due_soon"]
    frame = scope.run(expr).with_columns(pl.col(counts).cast(pl.Int64))
    return frame.sort("due_month", "overdue", nulls_last=True)


def _by_month_due(scope: Scope, as_of: date, soon_days: int) -> ir.Table:
    t = _open_flags(scope, as_of)
    soon = t.days_left.between(0, soon_days).fill_null(False)
    return t.group_by(due_month=month(t.due_date), overdue=t.overdue).aggregate(
        open_flags=t.count(), due_soon=soon.sum().coalesce(0)
    )


DEADLINE_FIELDS = (
    "flagged_entry_number",
    "importer_number",
    "filer_code",
    "flag_type",
    "fta_flag",
    "entry_date",
    "flagged_date",
)


def _open_flags(scope: Scope, as_of: date) -> ir.Table:
    """The open flags' deadlines, in one select over the scoped table (no select of every
    column before it: each Ibis select of a wide table costs a millisecond or more)."""
    t = scope.table("reconciliations")
    t = t.filter(~is_filed(t))
    due = due_date(t)
    days = due.delta(ibis.literal(as_of), unit="day")
    return t.select(
        *DEADLINE_FIELDS, due_date=due, days_left=days, overdue=(days < 0).fill_null(False)
    )
