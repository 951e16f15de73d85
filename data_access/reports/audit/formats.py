"""Check digits, formats and impossible dates on what is in the lake.

Ingest refuses such rows (`data_access.ingest.validate`), but rows loaded before a rule
existed, or from an ITRAC CD, were never checked: the same rules, with the same reasons,
run here over the loaded data: the formats as engine expressions, judged once per
distinct value (`checks.matching`); the check digit (CATAIR Appendix E,
`codes.check_digit`) with ingest's own polars expression, once per entry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access import codes, settings
from data_access.ingest import validate
from data_access.reports.audit.checks import (
    HEADER_ROW,
    LINE_ROW,
    Context,
    check,
    entry_frame,
    finding,
    matching,
    none,
)

CHECK_DIGIT_REASON = "not an entry number with a valid check digit (XXX-NNNNNNN-C)"


def _problem(tests: list[tuple[ir.BooleanValue, str, str]]) -> ir.StringValue:
    """'column: reason' of the first failed test, or null (one CASE per row)."""
    cases = [(bad.fill_null(False), ibis.literal(f"{column}: {why}")) for bad, column, why in tests]
    return ibis.cases(*cases, else_=ibis.null("string"))


def _bad_format(value: ir.StringValue, column: str) -> ir.BooleanValue:
    pattern, _ = validate.FORMATS[column]
    return value.notnull() & ~value.re_search(pattern)


Tests = list[tuple[ir.BooleanValue, str, str]]


def _line_values(t: ir.Table) -> dict[str, ir.Value]:
    """What the line tests read of a row (judged once per distinct combination)."""
    return {
        "hts_number": t.hts_number,
        "layer_row": t.tariff_ordinal > 1,
        "filer_code": t.filer_code,
        "filer_prefix": t.entry_number.substr(0, 3),
        "country_of_origin": t.country_of_origin,
        "manufacturer_id": t.manufacturer_id,
    }


def _line_tests(v: ir.Table) -> Tests:
    countries = list(codes.countries())
    hts_pattern = validate.FORMATS["hts_number"]
    layer = v.layer_row & v.hts_number.startswith("9903")
    bad_hts = ~v.hts_number.re_search(codes.HTS_NUMBER.pattern) & ~(
        layer & v.hts_number.re_search(r"^[0-9]{8}$")
    )
    return [
        (bad_hts, "hts_number", hts_pattern[1]),
        (v.filer_code.notnull() & (v.filer_code != v.filer_prefix), "filer_code",
         "not the entry number's first three characters"),
        (v.country_of_origin.notnull() & ~v.country_of_origin.isin(countries),
         "country_of_origin", "not an ISO 3166 country code"),
        (v.manufacturer_id.notnull() & ~v.manufacturer_id.re_search(codes.MANUFACTURER_ID.pattern),
         "manufacturer_id", "not a manufacturer ID (country, then up to 13 letters and digits)"),
    ]  # fmt: skip


def _header_values(t: ir.Table) -> dict[str, ir.Value]:
    names = ("importer_number", "filer_code", "port_of_entry", "country_of_export")
    return {name: t[name] for name in names}


def _header_tests(v: ir.Table) -> Tests:
    return [
        (_bad_format(v.importer_number, "importer_number"), "importer_number",
         validate.FORMATS["importer_number"][1]),
        (_bad_format(v.filer_code, "filer_code"), "filer_code", validate.FORMATS["filer_code"][1]),
        (_bad_format(v.port_of_entry, "port_of_entry"), "port_of_entry",
         validate.FORMATS["port_of_entry"][1]),
        (v.country_of_export.notnull() & ~v.country_of_export.isin(list(codes.countries())),
         "country_of_export", "not an ISO 3166 country code"),
    ]  # fmt: skip


def _found(ctx: Context, t: ir.Table, tests: Tests, line: bool) -> pl.DataFrame:
    t = t.mutate(problem=_problem(tests))
    return _findings(ctx, t.filter(t.problem.notnull()), line)


def _found_by_values(
    ctx: Context,
    t: ir.Table,
    values: dict[str, ir.Value],
    tests: Callable[[ir.Table], Tests],
    line: bool,
) -> pl.DataFrame:
    """The rows failing `tests`, judged once per distinct combination of `values`."""

    def judge(v: ir.Table) -> ir.Table:
        v = v.mutate(problem=_problem(tests(v)))
        return v.filter(v.problem.notnull())

    rows = matching(ctx, t, values, judge)
    return none() if rows is None else _findings(ctx, rows, line)


def _findings(ctx: Context, rows: ir.Table, line: bool) -> pl.DataFrame:
    """The findings of `rows` (each with its `problem`), per line or per header row."""
    return finding(
        ctx, rows, [rows.entry_number, rows.line_number if line else "", rows.problem],
        keep=(*(LINE_ROW if line else HEADER_ROW), "problem"),
        dollars=rows.entered_value,
        detail=pl.col("problem"),
    )  # fmt: skip


def _entry_numbers(ctx: Context) -> pl.DataFrame:
    """Entry numbers of the lines whose check digit does not add up (once per entry, on
    the entries as read: ingest's own test, `validate.entry_number_ok`, where the engine's
    ten CASEs a number took a second for the largest importer's year)."""
    ok = validate.entry_number_ok(pl.col("entry_number")).fill_null(False)
    bad = entry_frame(ctx).filter(~ok).select("entry_number", "entry_date", "value")
    if bad.is_empty():
        return none()
    entries = ibis.memtable(bad)
    return finding(
        ctx, entries, [entries.entry_number, "", "entry_number"],
        keep=HEADER_ROW,
        dollars=entries.value,
        detail=pl.lit(f"entry_number: {CHECK_DIGIT_REASON}"),
    )  # fmt: skip


@check(
    "identifiers",
    title="Check digit or format wrong",
    explanation="An entry number whose check digit does not add up, or an HTS number, "
    "importer number, filer code, port, country or manufacturer ID not in its ACE format: "
    "ingest refuses these today, but older loads and ITRAC CDs were never checked.",
    severity="medium",
    dollars="entered value of the line or entry",
    tables=("entry_lines", "entry_summaries"),
)
def identifiers(ctx: Context) -> pl.DataFrame:
    lines = ctx.scope.table("entry_lines")
    heads = ctx.scope.table("entry_summaries")
    found = [
        _entry_numbers(ctx),
        _found_by_values(ctx, lines, _line_values(lines), _line_tests, line=True),
        _found_by_values(ctx, heads, _header_values(heads), _header_tests, line=False),
    ]
    return pl.concat(found)


def _date_tests(t: ir.Table) -> list[tuple[ir.BooleanValue, str, str]]:
    latest = settings.today() + timedelta(days=366)
    earliest = validate.EARLIEST_DATE
    implausible = f"a date before {earliest.year} or more than a year from today (check the year)"
    return [
        ((t.entry_date < earliest) | (t.entry_date > latest), "entry_date", implausible),
        (t.export_date > t.entry_date, "export_date", "exported after the entry date"),
        (t.entry_summary_date < t.export_date, "entry_summary_date",
         "entry summary dated before the goods were exported"),
        (t.liquidation_date < t.entry_date, "liquidation_date",
         "liquidated before the entry date"),
        (t.liquidation_date > latest, "liquidation_date",
         "more than a year from today (check the year)"),
    ]  # fmt: skip


@check(
    "dates",
    title="Impossible dates",
    explanation="A date that cannot be right: an entry dated before 1990 or more than a year "
    "ahead, goods exported after their entry date, or an entry liquidated before it was "
    "entered.",
    severity="medium",
    dollars="entered value of the entry",
    tables=("entry_summaries",),
)
def dates(ctx: Context) -> pl.DataFrame:
    heads = ctx.scope.table("entry_summaries")
    return _found(ctx, heads, _date_tests(heads), line=False)
