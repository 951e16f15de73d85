"""Exams: the report ACE Reports never had. Exam rates, types, results, CF-28/CF-29.

An exam rate is exams per entry: exams in scope (dated by exam date) over entries in
scope (dated by entry date) sharing the same port, mode, country or chapter. An entry
with lines from two countries counts as an entry of each, so rates by country or chapter
do not add up to the overall rate. An exam found a discrepancy when its result is
DISCREPANCY.
"""

from __future__ import annotations

import ibis.expr.types as ir
import polars as pl

from data_access.measures import EXAM_MEASURES, MEASURES, with_ratios
from data_access.reports.base import Scope, month, report, safe_ratio, with_descriptions
from data_access.reports.entry_summary import as_counts
from data_access.reports.line_totals import entries_by_chapter, line_totals, summary_totals
from data_access.reports.line_totals import plan as line_totals_plan
from data_access.reports.paging import count_rows, page
from data_access.schema import ENTRY_LINES
from data_access.schema import EXAMS as EXAM_TABLE

CATEGORY = "Exams"
EXAMS_ONLY = ("exams",)
WITH_ENTRIES = ("exams", "entry_summaries", "entry_lines")
DETAIL_CODES = (
    "port_of_entry",
    "mode_of_transport",
    "entry_type",
    "exam_type",
    "result",
    "discrepancy_type",
    "hts_number",
    "country_of_origin",
)


def _with_rate(frame: pl.DataFrame) -> pl.DataFrame:
    return with_ratios(frame, "exam_rate")


@report("exams.kpis", title="Exam key figures", category=CATEGORY, tables=WITH_ENTRIES)
def kpis(scope: Scope) -> pl.DataFrame:
    """One row: exams, examined entries, entries, exam rate, discrepancies and their rate,
    entries with a CF-28 and with a CF-29."""
    x = scope.table("exams")
    exams = x.aggregate(**{name: m.of(x) for name, m in EXAM_MEASURES.items()})
    entries = summary_totals(scope, (), ("entries", "cf28", "cf29"))
    frame = scope.run(exams.cross_join(entries))  # one row each: one query, not two
    frame = as_counts(frame, *exams.columns, "cf28", "cf29")
    return with_ratios(_with_rate(frame), "discrepancy_rate")


def _rate(scope: Scope, exams: ir.Table, entries: ir.Table, key: str) -> pl.DataFrame:
    """Exams and entries per `key` side by side (0 where one side has none), with the rate:
    one query (a full join where a missing key equals a missing key)."""
    entries = entries.rename(entry_key=key)
    both = exams.outer_join(entries, exams[key].identical_to(entries.entry_key))
    expr = both.select(
        both[key].coalesce(both.entry_key).name(key),
        exams=both.exams.fill_null(0),
        entries=both.entries.fill_null(0),
    )
    frame = as_counts(scope.run(expr), "exams")
    return _with_rate(frame).sort(key, nulls_last=True)


@report("exams.rate_by_month", title="Exam rate over time", category=CATEGORY, tables=WITH_ENTRIES)
def rate_by_month(scope: Scope) -> pl.DataFrame:
    """Per month: exams (by exam date), entries (by entry date), exams per entry."""
    x = scope.table("exams")
    exams = x.group_by(month=month(x.exam_date)).aggregate(exams=x.count())
    return _rate(scope, exams, summary_totals(scope, ("month",), ("entries",)), "month")


def _rate_by(
    scope: Scope, key: str, x: ir.Table, exam_key: ir.Value, entries: ir.Table
) -> pl.DataFrame:
    """Exams of `x` per `exam_key` beside `entries` (`key`, entries) per key."""
    exams = x.group_by(exam_key.name(key)).aggregate(exams=x.count())
    return with_descriptions(_rate(scope, exams, entries, key), key)


@report("exams.rate_by_port", title="Exam rate by port", category=CATEGORY, tables=WITH_ENTRIES)
def rate_by_port(scope: Scope) -> pl.DataFrame:
    """Per port of entry: exams, entries, exams per entry."""
    x, key = scope.table("exams"), "port_of_entry"
    return _rate_by(scope, key, x, x.port_of_entry, summary_totals(scope, (key,), ("entries",)))


@report("exams.rate_by_mode", title="Exam rate by mode", category=CATEGORY, tables=WITH_ENTRIES)
def rate_by_mode(scope: Scope) -> pl.DataFrame:
    """Per mode of transport: exams, entries, exams per entry."""
    x, key = scope.table("exams"), "mode_of_transport"
    entries = summary_totals(scope, (key,), ("entries",))
    return _rate_by(scope, key, x, x.mode_of_transport, entries)


def _goods_entries(scope: Scope, key: str) -> ir.Table:
    """Distinct entries per `key` over ordinal 1 rows (Chapter 99 ordinals are not goods).

    From a rollup where one counts them exactly (the chapter under countries: the
    entries-by-chapter rollup); else (an HTS prefix) from the scope's entry keys' goods
    rows, not the lines: a goods row's attributed number is its own, so the lines' join
    of every layer to its goods row (`attribution.with_goods`, 15.9M rows for CBP under
    HTS 8471 on a 50M lake) is not needed, and the keys sort by HTS number within an
    importer, so a prefix prunes them."""
    asked = ((key,), ("entries",))
    if line_totals_plan(scope, *asked, goods_only=True) or entries_by_chapter(
        scope, *asked, goods_only=True
    ):
        return line_totals(scope, *asked, goods_only=True)
    t = scope.entry_keys()
    goods = t.filter(t.goods_row)
    value = goods.hts_number.substr(0, 2) if key == "hts_chapter" else goods[key]
    entries = MEASURES[ENTRY_LINES.name]["entries"].of(goods)
    return goods.group_by(value.name(key)).aggregate(entries=entries)


@report(
    "exams.rate_by_country",
    title="Exam rate by country of origin",
    category=CATEGORY,
    tables=WITH_ENTRIES,
)
def rate_by_country(scope: Scope) -> pl.DataFrame:
    """Per country of origin: exams, entries with goods from it, exams per entry."""
    x, key = scope.table("exams"), "country_of_origin"
    return _rate_by(scope, key, x, x.country_of_origin, _goods_entries(scope, key))


@report(
    "exams.rate_by_hts_chapter",
    title="Exam rate by HTS chapter",
    category=CATEGORY,
    tables=WITH_ENTRIES,
)
def rate_by_hts_chapter(scope: Scope) -> pl.DataFrame:
    """Per HTS chapter: exams, entries with goods in it, exams per entry."""
    x, key = scope.table("exams"), "hts_chapter"
    return _rate_by(scope, key, x, x.hts_number.substr(0, 2), _goods_entries(scope, key))


@report("exams.types", title="Exam types", category=CATEGORY, tables=EXAMS_ONLY)
def types(scope: Scope) -> pl.DataFrame:
    """Per exam type: exams, discrepancies found, and the share of exams that found one."""
    x = scope.table("exams")
    expr = x.group_by("exam_type").aggregate(
        exams=EXAM_MEASURES["exams"].of(x), discrepancies=EXAM_MEASURES["discrepancies"].of(x)
    )
    frame = as_counts(scope.run(expr), "exams", "discrepancies").sort("exam_type", nulls_last=True)
    return with_descriptions(with_ratios(frame, "discrepancy_rate"), "exam_type")


@report(
    "exams.results", title="Results and discrepancy types", category=CATEGORY, tables=EXAMS_ONLY
)
def results(scope: Scope) -> pl.DataFrame:
    """Per result and discrepancy type: exams, and their share of all exams."""
    x = scope.table("exams")
    expr = x.group_by("result", "discrepancy_type").aggregate(exams=x.count())
    frame = as_counts(scope.run(expr), "exams")
    frame = frame.with_columns(share=safe_ratio(pl.col("exams"), pl.col("exams").sum()))
    frame = frame.sort(["exams", "result", "discrepancy_type"], descending=[True, False, False])
    return with_descriptions(frame, "result", "discrepancy_type")


@report(
    "exams.cf28_cf29_by_month",
    title="CF-28 and CF-29 over time",
    category=CATEGORY,
    tables=("entry_summaries",),
)
def cf28_cf29_by_month(scope: Scope) -> pl.DataFrame:
    """Per month of entry: entries, entries with a CF-28 (request for information), with a
    CF-29 (notice of action)."""
    expr = summary_totals(scope, ("month",), ("entries", "cf28", "cf29"))
    return as_counts(scope.run(expr), "cf28", "cf29").sort("month")


def _detail_rows(scope: Scope) -> ir.Table:
    return scope.table("exams").select(*EXAM_TABLE.column_names)


@report("exams.details", title="Exam details", category=CATEGORY, tables=EXAMS_ONLY)
def details(scope: Scope, *, offset: int = 0, limit: int | None = None) -> pl.DataFrame:
    """One row per exam, codes described, in exam date and entry number order."""
    order = ["exam_date", "entry_number", "exam_id"]
    frame = scope.run(page(_detail_rows(scope), order, offset, limit))
    return with_descriptions(frame, *DETAIL_CODES)


@report("exams.details_count", title="Exam detail rows", category=CATEGORY, tables=EXAMS_ONLY)
def details_count(scope: Scope) -> pl.DataFrame:
    """One row: how many rows `exams.details` has for this scope."""
    return count_rows(scope, _detail_rows(scope))
