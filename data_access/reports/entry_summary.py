"""Entry Summary: the three ACE entry-summary reports, trends and breakdowns.

Money comes from entry_lines, so a country or HTS filter narrows it to the matching
tariff rows, as on the Overview. Every report takes the page-level option `recon`
("all", "flagged", "not_flagged"): ACE's reconciliation-status filter, which the global
filters do not carry. Trade programs, AD/CVD and liquidation are in `entry_summary_duties`.

The three detail reports page with `offset` and `limit` (None: the whole filtered result,
what exports use) in a fixed order; each has a `_count` companion for the pager.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import cache

import ibis
import ibis.expr.types as ir
import polars as pl
import pycountry

from data_access import attribution
from data_access.hts import with_hts_descriptions
from data_access.measures import with_ratios
from data_access.reports.base import (
    Scope,
    line_duties,
    money_sum,
    remembered,
    report,
    safe_ratio,
    with_descriptions,
)
from data_access.reports.line_totals import entries_of_lines, line_totals, summary_totals
from data_access.reports.names import with_names
from data_access.reports.paging import count_rows, page
from data_access.schema import ENTRY_LINES, ENTRY_SUMMARIES

CATEGORY = "Entry Summary"
LINES = ("entry_lines",)
HEADERS = ("entry_summaries",)
RECON_CHOICES = ("all", "flagged", "not_flagged")
HTS_LEVELS = {"chapter": 2, "heading": 4, "line": 10}
HEADER_CODES = (
    "entry_type",
    "port_of_entry",
    "mode_of_transport",
    "country_of_export",
    "port_of_unlading",
    "bond_type",
    "surety_code",
    "recon_flag",
    "liquidation_type",
    "liquidation_status",
)
LINE_CODES = (
    "entry_type",
    "port_of_entry",
    "mode_of_transport",
    "hts_number",
    "country_of_origin",
    "spi",
)
# The commodity (ordinal 1) row's fields a line keeps; its money is summed over ordinals.
LINE_FIELDS = tuple(
    c.name
    for c in ENTRY_LINES.columns
    if not isinstance(c.dtype, pl.Decimal) and c.name != "tariff_ordinal"
)


# --- scope: the reconciliation option ---------------------------------------------------
def headers(scope: Scope, recon: str = "all") -> ir.Table:
    """entry_summaries in scope, narrowed to flagged or unflagged entries when asked."""
    if recon not in RECON_CHOICES:
        raise ValueError(f"recon: {recon!r} is not one of {', '.join(RECON_CHOICES)}")
    t = scope.table("entry_summaries")
    if recon == "all":
        return t
    flagged = recon_flagged(t)
    return t.filter(flagged if recon == "flagged" else ~flagged)


def recon_flagged(t: ir.Table) -> ir.BooleanValue:
    """An entry flagged for reconciliation: an issue code, ES-003's Reconciliation
    Indicator, or the FTA indicator."""
    return (
        (t.recon_flag.fill_null("") != "")
        | t.recon_indicator.fill_null(False)
        | t.fta_recon_flag.fill_null(False)
    )


def lines(scope: Scope, recon: str = "all") -> ir.Table:
    """entry_lines in scope; the reconciliation option matches through their headers."""
    chosen = headers(scope, recon)  # validates `recon`
    t = scope.table("entry_lines")
    return t if recon == "all" else t.filter(t.entry_number.isin(chosen.entry_number))


MEASURES = ("entries", "lines", "entered_value", "duties")


def totals(
    scope: Scope, recon: str, by: tuple[str, ...], measures: tuple[str, ...] = MEASURES
) -> ir.Table:
    """`line_totals` of the scope's lines; the reconciliation option narrows them first."""
    t = lines(scope, recon)  # validates `recon`
    return line_totals(scope, by, measures, narrowed=None if recon == "all" else t)


def as_counts(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """Counts as Int64 whatever integer type the engine returned."""
    present = [c for c in ("entries", "lines", "rows", *columns) if c in frame.columns]
    return frame.with_columns(pl.col(present).cast(pl.Int64))


def with_rate(frame: pl.DataFrame) -> pl.DataFrame:
    return with_ratios(frame, "effective_duty_rate")


@report("entry_summary.kpis", title="Key figures", category=CATEGORY, tables=LINES)
def kpis(scope: Scope, *, recon: str = "all") -> pl.DataFrame:
    """One row: entries, lines, entered value, duties, taxes, fees, effective duty rate."""
    expr = totals(scope, recon, (), (*MEASURES, "taxes", "fees"))
    return with_rate(as_counts(scope.run(expr)))


# --- the three ACE reports --------------------------------------------------------------
def _header_rows(scope: Scope, recon: str) -> ir.Table:
    return headers(scope, recon).select(*ENTRY_SUMMARIES.column_names)


HEADER_ORDER = ["entry_date", "entry_number"]


@report("entry_summary.header", title="Entry Summary Header", category=CATEGORY, tables=HEADERS)
def header(
    scope: Scope, *, recon: str = "all", offset: int = 0, limit: int | None = None
) -> pl.DataFrame:
    """ACE's Entry Summary Header: one row per entry summary, codes described."""
    held = _months_holding(scope, recon, None if limit is None else offset + limit)
    expr = remembered(
        held,
        ("entry_summary.header", recon, offset, limit),
        lambda: page(_header_rows(held, recon), HEADER_ORDER, offset, limit),
    )
    return with_descriptions(scope.run(expr), *HEADER_CODES)


def _months_holding(scope: Scope, recon: str, rows: int | None) -> Scope:
    """The scope cut to end with the month that holds the page's last row (row `rows`; None:
    every row), under a line
    filter where the entries per month come from the rollups (`entries_of_lines`): the
    rows are in date order, so the page is the same, and the summaries and entry keys
    are matched over those months only (the first page of the largest importer under two
    countries reads one of five years of keys). Else the scope as it is."""
    if recon != "all" or rows is None or not entries_of_lines(scope, ("month",), ("entries",)):
        return scope
    months = scope.run(summary_totals(scope, ("month",), ("entries",)).order_by("month"))
    held = 0
    for first, entries in months.drop_nulls("month").iter_rows():
        held += entries
        if held >= rows:
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            if scope.filters.end is not None and scope.filters.end <= last:
                return scope
            return Scope(scope.engine, scope.principal, replace(scope.filters, end=last))
    return scope


@report("entry_summary.header_count", title="Header rows", category=CATEGORY, tables=HEADERS)
def header_count(scope: Scope, *, recon: str = "all") -> pl.DataFrame:
    """One row: how many rows `entry_summary.header` has for this scope: under a line
    filter, where the summaries agree with their lines, the entries of the matching lines
    (`line_totals.entries_of_lines`: the same count from the entry rollups)."""
    if recon == "all" and entries_of_lines(scope, (), ("entries",)):
        entries = summary_totals(scope, (), ("entries",))
        counted = entries.select(rows=entries.entries.fill_null(0))
        return scope.run(counted).cast({"rows": pl.Int64})
    rows = remembered(
        scope, ("entry_summary.header_rows", recon), lambda: _header_rows(scope, recon)
    )
    return count_rows(scope, rows)


LINE_ORDER = ["entry_date", "entry_number", "line_number"]


def _commodity_rows(scope: Scope, recon: str) -> ir.Table:
    """The ordinal 1 row of each line: the commodity, its HTS, origin, SPI and rate."""
    t = lines(scope, recon)
    return t.filter(t.tariff_ordinal == 1).select(*LINE_FIELDS)


def _line_totals(t: ir.Table) -> ir.Table:
    """Per line: money summed over all its ordinals (Chapter 99 ones included)."""
    chapter_99 = ibis.ifelse(t.tariff_ordinal > 1, t.duty_amount.fill_null(0), 0)
    return t.group_by("entry_number", "line_number").aggregate(
        entered_value=money_sum(t.entered_value),
        duty_amount=money_sum(t.duty_amount.fill_null(0)),
        chapter_99_duty_amount=money_sum(chapter_99),
        add_amount=money_sum(t.add_amount.fill_null(0)),
        cvd_amount=money_sum(t.cvd_amount.fill_null(0)),
        line_duties=money_sum(line_duties(t)),
        tax_amount=money_sum(t.tax_amount.fill_null(0)),
        mpf_amount=money_sum(t.mpf_amount.fill_null(0)),
        hmf_amount=money_sum(t.hmf_amount.fill_null(0)),
        tariff_numbers=t.count(),
    )


@report(
    "entry_summary.line_details",
    title="Entry Summary Line Details",
    category=CATEGORY,
    tables=LINES,
)
def line_details(
    scope: Scope, *, recon: str = "all", offset: int = 0, limit: int | None = None
) -> pl.DataFrame:
    """ACE's Entry Summary Line Details: one row per line, its Chapter 99 duties summed in.

    A page picks its lines first and sums only their ordinals: summing every line of a
    5-year extract to show 100 of them took seconds.
    """
    t = lines(scope, recon)
    chosen = page(_commodity_rows(scope, recon), LINE_ORDER, offset, limit)
    if limit is not None:
        t = t.filter(t.entry_number.isin(chosen.entry_number))
    rows = chosen.join(_line_totals(t), ["entry_number", "line_number"]).order_by(LINE_ORDER)
    frame = scope.run(rows)
    return with_descriptions(as_counts(frame, "tariff_numbers"), *LINE_CODES)


@report("entry_summary.line_details_count", title="Line rows", category=CATEGORY, tables=LINES)
def line_details_count(scope: Scope, *, recon: str = "all") -> pl.DataFrame:
    """One row: how many rows `entry_summary.line_details` has (one per ordinal 1 row)."""
    return count_rows(scope, _commodity_rows(scope, recon))


def _tariff_rows(scope: Scope, recon: str) -> ir.Table:
    return lines(scope, recon).select(*ENTRY_LINES.column_names)


@report(
    "entry_summary.line_tariff_details",
    title="Entry Summary Line Tariff Details",
    category=CATEGORY,
    tables=LINES,
)
def line_tariff_details(
    scope: Scope, *, recon: str = "all", offset: int = 0, limit: int | None = None
) -> pl.DataFrame:
    """ACE's ES-003: one row per tariff number of a line (Chapter 99 numbers apart)."""
    order = ["entry_date", "entry_number", "line_number", "tariff_ordinal"]
    frame = scope.run(page(_tariff_rows(scope, recon), order, offset, limit))
    return with_descriptions(frame, *LINE_CODES)


@report(
    "entry_summary.line_tariff_details_count", title="Tariff rows", category=CATEGORY, tables=LINES
)
def line_tariff_details_count(scope: Scope, *, recon: str = "all") -> pl.DataFrame:
    """One row: how many rows `entry_summary.line_tariff_details` has for this scope."""
    return count_rows(scope, _tariff_rows(scope, recon))


# --- trends -----------------------------------------------------------------------------
@report(
    "entry_summary.monthly_by_entry_type",
    title="Monthly entered value and duties by entry type",
    category=CATEGORY,
    tables=LINES,
)
def monthly_by_entry_type(scope: Scope, *, recon: str = "all") -> pl.DataFrame:
    """Per month of entry and entry type: entries, lines, entered value, duties."""
    expr = totals(scope, recon, ("month", "entry_type"))
    frame = as_counts(scope.run(expr)).sort("month", "entry_type")
    return with_descriptions(frame, "entry_type")


@report(
    "entry_summary.duty_rate_trend",
    title="Effective duty rate over time",
    category=CATEGORY,
    tables=LINES,
)
def duty_rate_trend(scope: Scope, *, recon: str = "all") -> pl.DataFrame:
    """Per month of entry: entered value, duties and duties / entered value."""
    expr = totals(scope, recon, ("month",))
    return with_rate(as_counts(scope.run(expr)).sort("month"))


# --- breakdowns -------------------------------------------------------------------------
def _breakdown(expr: ir.Table, scope: Scope, name: str, limit: int) -> pl.DataFrame:
    """Largest `limit` rows of `expr` (`name`, MEASURES) by entered value, with their share."""
    frame = as_counts(scope.run(expr))
    total = frame.get_column("entered_value").sum() if frame.height else 0
    return with_rate(
        frame.sort(["entered_value", name], descending=[True, False], nulls_last=True)
        .head(limit)
        .with_columns(share=safe_ratio(pl.col("entered_value"), pl.lit(total)))
    )


@report("entry_summary.hts", title="HTS drill-down", category=CATEGORY, tables=LINES)
def hts(
    scope: Scope, *, recon: str = "all", level: str = "chapter", prefix: str = "", limit: int = 30
) -> pl.DataFrame:
    """Lines by HTS chapter, heading or 10-digit number under `prefix`, each line's
    Chapter 99 layers counted with its goods (`data_access.attribution`), as the global
    HTS filter does: the bar a user clicks holds the same figures as the page narrowed to
    its prefix.
    """
    if level not in HTS_LEVELS:
        raise ValueError(f"level: {level!r} is not one of {', '.join(HTS_LEVELS)}")
    if prefix and not prefix.isdigit():
        raise ValueError(f"prefix: {prefix!r} is not an HTS prefix (digits only)")
    if level == "chapter" and not prefix:
        expr = totals(scope, recon, ("hts_chapter",)).rename(hts_code="hts_chapter")
    else:
        t = lines(scope, recon)
        if prefix:
            t = attribution.under_prefix(t, prefix)
        t = attribution.with_goods(t)
        t = t.mutate(hts_code=t.goods_hts.substr(0, HTS_LEVELS[level])).drop(
            *attribution.GOODS_COLUMNS
        )
        expr = line_totals(scope, ("hts_code",), MEASURES, narrowed=t)
    frame = _breakdown(expr, scope, "hts_code", limit)
    return with_hts_descriptions(frame)


@cache
def _iso3() -> dict[str, str]:
    return {c.alpha_2: c.alpha_3 for c in pycountry.countries}


@report("entry_summary.countries", title="Countries of origin", category=CATEGORY, tables=LINES)
def countries(scope: Scope, *, recon: str = "all", limit: int = 250) -> pl.DataFrame:
    """Countries of origin by entered value, with ISO-3 codes for the world map."""
    expr = totals(scope, recon, ("country_of_origin",))
    frame = _breakdown(expr, scope, "country_of_origin", limit)
    iso3 = pl.col("country_of_origin").replace_strict(_iso3(), default=None, return_dtype=pl.String)
    return with_descriptions(frame, "country_of_origin").with_columns(iso3=iso3)


@report("entry_summary.ports", title="Ports of entry", category=CATEGORY, tables=LINES)
def ports(scope: Scope, *, recon: str = "all", limit: int = 30) -> pl.DataFrame:
    """Ports of entry by entered value."""
    frame = _breakdown(totals(scope, recon, ("port_of_entry",)), scope, "port_of_entry", limit)
    return with_descriptions(frame, "port_of_entry")


@report("entry_summary.manufacturers", title="Manufacturers (MID)", category=CATEGORY, tables=LINES)
def manufacturers(scope: Scope, *, recon: str = "all", limit: int = 30) -> pl.DataFrame:
    """Manufacturer IDs by entered value; the MID starts with the maker's country."""
    expr = totals(scope, recon, ("manufacturer_id",))  # not in a rollup: read from the lines
    return _breakdown(expr, scope, "manufacturer_id", limit)


@report(
    "entry_summary.filers",
    title="Filers (brokers)",
    category=CATEGORY,
    tables=(*LINES, "entry_summaries"),
)
def filers(scope: Scope, *, recon: str = "all", limit: int = 30) -> pl.DataFrame:
    """Filer codes (the broker who filed) by entered value."""
    frame = _breakdown(totals(scope, recon, ("filer_code",)), scope, "filer_code", limit)
    return with_names(scope, frame, "filer_code")  # the Filer Name the lake holds
