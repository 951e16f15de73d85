"""Check digits, formats and impossible dates on what is in the lake.

Ingest refuses such rows (`data_access.ingest.validate`), but rows loaded before a rule
existed, or from an ITRAC CD, were never checked: the same rules, with the same reasons,
run here over the loaded data as engine expressions (the check digit is CATAIR Appendix
E, `codes.check_digit`, as a CASE over each character).
"""

from __future__ import annotations

from datetime import timedelta

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access import codes, settings
from data_access.ingest import validate
from data_access.reports.audit.checks import HEADER_ROW, LINE_ROW, Context, check, finding

CHECK_DIGIT_REASON = "not an entry number with a valid check digit (XXX-NNNNNNN-C)"


def _char_value(code: ir.IntegerValue) -> ir.IntegerValue:
    """`codes.CHECK_VALUES` by ASCII code: 0-9 as themselves, A-I and J-R 1-9, S-Z 2-9."""
    return ibis.cases(
        (code.between(48, 57), code - 48),
        (code.between(65, 73), code - 64),
        (code.between(74, 82), code - 73),
        (code.between(83, 90), code - 81),
        else_=0,
    )


def entry_number_ok(number: ir.StringValue) -> ir.BooleanValue:
    """`codes.is_valid_entry_number` of a stored entry number (upper case, no dashes), in
    the engine: CATAIR's sum over the 10 characters, even positions doubled."""
    total: ir.IntegerValue = ibis.literal(0)
    for position in range(10):
        value = _char_value(number.substr(position, 1).ascii_str())
        if position % 2:  # the digits of 2v: 2v below 5, else 2v - 9
            value = ibis.ifelse(value < 5, 2 * value, 2 * value - 9)
        total = total + value
    expected = (10 - total % 10) % 10
    written = number.substr(10, 1).ascii_str() - 48
    shaped_ok = number.re_search(r"^[A-Z0-9]{3}[0-9]{8}$")
    return shaped_ok.fill_null(False) & (written == expected).fill_null(False)


def _problem(tests: list[tuple[ir.BooleanValue, str, str]]) -> ir.StringValue:
    """'column: reason' of the first failed test, or null (one CASE per row)."""
    cases = [(bad.fill_null(False), ibis.literal(f"{column}: {why}")) for bad, column, why in tests]
    return ibis.cases(*cases, else_=ibis.null("string"))


def _bad_format(value: ir.StringValue, column: str) -> ir.BooleanValue:
    pattern, _ = validate.FORMATS[column]
    return value.notnull() & ~value.re_search(pattern)


def _line_tests(t: ir.Table) -> list[tuple[ir.BooleanValue, str, str]]:
    countries = list(codes.countries())
    hts_pattern = validate.FORMATS["hts_number"]
    layer = (t.tariff_ordinal > 1) & t.hts_number.startswith("9903")
    bad_hts = ~t.hts_number.re_search(codes.HTS_NUMBER.pattern) & ~(
        layer & t.hts_number.re_search(r"^[0-9]{8}$")
    )
    return [
        (bad_hts, "hts_number", hts_pattern[1]),
        (t.filer_code.notnull() & (t.filer_code != t.entry_number.substr(0, 3)), "filer_code",
         "not the entry number's first three characters"),
        (t.country_of_origin.notnull() & ~t.country_of_origin.isin(countries),
         "country_of_origin", "not an ISO 3166 country code"),
        (t.manufacturer_id.notnull() & ~t.manufacturer_id.re_search(codes.MANUFACTURER_ID.pattern),
         "manufacturer_id", "not a manufacturer ID (country, then up to 13 letters and digits)"),
    ]  # fmt: skip


def _header_tests(t: ir.Table) -> list[tuple[ir.BooleanValue, str, str]]:
    return [
        (_bad_format(t.importer_number, "importer_number"), "importer_number",
         validate.FORMATS["importer_number"][1]),
        (_bad_format(t.filer_code, "filer_code"), "filer_code", validate.FORMATS["filer_code"][1]),
        (_bad_format(t.port_of_entry, "port_of_entry"), "port_of_entry",
         validate.FORMATS["port_of_entry"][1]),
        (t.country_of_export.notnull() & ~t.country_of_export.isin(list(codes.countries())),
         "country_of_export", "not an ISO 3166 country code"),
    ]  # fmt: skip


def _found(ctx: Context, t: ir.Table, tests: list, line: bool) -> pl.DataFrame:
    t = t.mutate(problem=_problem(tests))
    t = t.filter(t.problem.notnull())
    return finding(
        ctx, t, [t.entry_number, t.line_number if line else "", t.problem],
        keep=(*(LINE_ROW if line else HEADER_ROW), "problem"),
        dollars=t.entered_value,
        detail=pl.col("problem"),
    )  # fmt: skip


def _entry_numbers(ctx: Context) -> pl.DataFrame:
    """Entry numbers of the lines whose check digit does not add up (once per entry)."""
    t = ctx.scope.table("entry_lines")
    entries = t.group_by("entry_number").aggregate(
        entry_date=t.entry_date.min(), value=t.entered_value.sum().cast("decimal(18, 2)")
    )  # once per entry, not per line: the check digit is ten CASEs a row
    entries = entries.filter(~entry_number_ok(entries.entry_number))
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
        _found(ctx, lines, _line_tests(lines), line=True),
        _found(ctx, heads, _header_tests(heads), line=False),
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
