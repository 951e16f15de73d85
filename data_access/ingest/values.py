"""Values as exports write them -> the lake's types, as polars expressions.

Every parsed column keeps its cleaned text beside it (``<column>__raw``) so validation
can tell an empty cell from one that did not parse, and say which value it was.
"""

from __future__ import annotations

import polars as pl

from data_access.ingest.mapping import Plan
from data_access.ingest.workbook import FORMULA
from data_access.schema import DATE, ENTRY_SUMMARIES, FLAG, MONEY, TABLES

RAW = "__raw"
# Codes of fixed-width digits lose their leading zeros in Excel (port 0101 shows as 101).
# Padding back is exact only as far as the code list allows zeros to lead: (width, the
# shortest length that can come from it). An HTS of 3 digits stays wrong, not 0000000123.
CODE_WIDTHS = {
    "port_of_entry": (4, 3),
    "port_of_unlading": (4, 3),
    "hts_number": (10, 9),
    "entry_type": (2, 1),
    "recon_flag": (3, 1),
    "flag_type": (3, 1),
    "surety_code": (3, 1),
}
UPPER = {
    "entry_number",
    "flagged_entry_number",
    "recon_entry_number",
    "importer_number",
    "filer_code",
    "country_of_origin",
    "country_of_export",
    "manufacturer_id",
    "spi",
    "unit_of_measure",
    "bond_number",
}
ENTRY_NUMBERS = {"entry_number", "flagged_entry_number", "recon_entry_number"}
# ES-003 writes Chapter 99 numbers as 8 digits (99038803); the lake's form is 10 (9903880300).
CHAPTER_99_HEADING = r"^9903[0-9]{4}$"
# $1,234.56 / -1234.56 / (1,234.56): a sign or accounting parentheses, thousands commas.
# Every pattern says [0-9], never \d: \d matches any Unicode digit (Devanagari too).
MONEY_SHAPE = r"^\(?-?\$?\s?-?([0-9]{1,16}|[0-9]{1,3}(,[0-9]{3}){1,5})(\.[0-9]+)?\)?$"
YES = ["Y", "YES", "TRUE", "T", "1", "X"]
NO = ["N", "NO", "FALSE", "F", "0"]
DATE_SHAPE = r"^([0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2})( |T|$)"
# mdbtools 1.0.0 prints dates it cannot decode (before 1899-12-30, after 4637) as day 0.
MDB_UNDECODED = "1900-01-00"


def clean(expr: pl.Expr, *, wrapped: bool = True) -> pl.Expr:
    """Trimmed text with Excel's ="0101" text wrapping removed ("" stays: see `empty`).

    One chain over the column: polars does not share repeated subexpressions here, so
    each extra reference to a derived text would redo the work. `wrapped=False` skips
    the (costly) unwrapping for a column that has no wrapped value.
    """
    text = expr.cast(pl.String).str.strip_chars()
    return text.str.replace(r'^="(.*)"$', "$1") if wrapped else text


def empty_to_null(column: str) -> pl.Expr:
    return pl.when(pl.col(column) != "").then(pl.col(column)).alias(column)


def code(text: pl.Expr, column: str) -> pl.Expr:
    """A code from its cleaned text: upper case, entry-number dashes and HTS dots gone."""
    if column in UPPER:
        text = text.str.to_uppercase()
    if column in ENTRY_NUMBERS:
        text = text.str.replace_all(r"[\s-]", "")
    if column == "hts_number":
        text = text.str.replace_all(r"[.\s]", "")
    if column in CODE_WIDTHS:
        width, shortest = CODE_WIDTHS[column]
        length = text.str.len_chars()
        text = (
            pl.when(text.str.contains(r"^[0-9]+$") & (length >= shortest) & (length < width))
            .then(text.str.zfill(width))
            .otherwise(text)
        )
    return text


def chapter_99(hts: pl.Expr, ordinal: pl.Expr) -> pl.Expr:
    """An 8-digit Chapter 99 number on a further tariff ordinal (2 and up), as ES-003 writes
    it, in the lake's 10 digits: 99038803 -> 9903880300. Anything else stays as written
    (an 8-digit number elsewhere is refused by validation, with its reason)."""
    further = hts.str.contains(CHAPTER_99_HEADING) & (ordinal > 1)
    return pl.when(further.fill_null(False)).then(hts + "00").otherwise(hts)


def date(text: pl.Expr) -> pl.Expr:
    """US MM/DD/YYYY or ISO YYYY-MM-DD, a time part ignored; 2-digit years refused."""
    # Fast path for the usual MM/DD/YYYY: the 5th character from the end is the slash
    # before a 4-digit year, in at least 8 characters (1/1/24 and 12/1/24 have a slash
    # there too: their year is the 2 characters after it). Anything else takes the regex.
    us = pl.when((text.str.slice(-5, 1) == "/") & (text.str.len_chars() >= 8)).then(text)
    day = text.str.extract(DATE_SHAPE, 1)
    return pl.coalesce(
        us.str.strptime(DATE, "%m/%d/%Y", strict=False),
        day.str.strptime(DATE, "%m/%d/%Y", strict=False),
        day.str.strptime(DATE, "%Y-%m-%d", strict=False),
    )


def money(text: pl.Expr) -> pl.Expr:
    """1234.56, $1,234.56, -$5.00 and accounting negatives (1,234.56) -> decimal(18,2)."""
    parens = text.str.starts_with("(")
    minus = text.str.count_matches("-")
    valid = (
        text.str.contains(MONEY_SHAPE)
        & (parens == text.str.ends_with(")"))
        & (minus + parens.cast(pl.UInt32) <= 1)
    )
    digits = text.str.replace_all(r"[$,()\s-]", "")
    amount = pl.when(valid).then(digits).cast(MONEY, strict=False)
    return pl.when(parens | (minus > 0)).then(-amount).otherwise(amount)


def number(text: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A number as written (thousands commas allowed); inf, nan and 1e999 are none."""
    value = text.str.replace_all(",", "").cast(pl.Float64, strict=False)
    value = pl.when(value.is_finite()).then(value)
    if dtype.is_integer():
        return pl.when(value == value.round()).then(value).cast(dtype, strict=False)
    return value


def duty_rate(text: pl.Expr) -> pl.Expr:
    """'Free' -> 0, '2.5%' -> 0.025, '0.025' as written; specific rates stay empty."""
    upper = text.str.to_uppercase()
    plain = upper.str.replace_all(r"[%\s]", "").cast(pl.Float64, strict=False)
    plain = pl.when(plain.is_finite()).then(plain)
    return (
        pl.when(upper == "FREE")
        .then(0.0)
        .when(upper.str.ends_with("%"))
        .then(plain / 100)
        .otherwise(plain)
    )


def flag(text: pl.Expr) -> pl.Expr:
    upper = text.str.to_uppercase()
    return pl.when(upper.is_in(YES)).then(True).when(upper.is_in(NO)).then(False)


def typed(text: pl.Expr, column: str, dtype: pl.DataType) -> pl.Expr:
    """The lake value of `column` from its cleaned text."""
    if dtype == pl.String:
        return code(text, column)
    if dtype == DATE:
        return date(text)
    if dtype == MONEY:
        return money(text)
    if dtype == FLAG:
        return flag(text)
    if column == "duty_rate":
        return duty_rate(text)  # not every rate is one number: the rest stay empty
    return number(text, dtype)


def _has_wrapped(values: pl.Series) -> bool:
    return bool(values.str.contains('="', literal=True).any())


def parse(frame: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """`frame` (text, file headers) -> the plan's lake columns, `_row` and the cleaned
    text of each parsed column (`<column>__raw`, for validation messages)."""
    spec = TABLES[plan.table]
    dtypes = {name: spec.column(name).dtype for name in plan.columns}
    dtypes |= {name: ENTRY_SUMMARIES.column(name).dtype for name in plan.header_extras}
    headers = {**plan.columns, **plan.header_extras}
    # Two materialized steps, so each cell is cleaned once however often parsing reads it.
    wrapped = {h for h in set(headers.values()) if _has_wrapped(frame.get_column(h))}
    texts = frame.select(
        "_row",
        *(c for c in frame.columns if c.startswith(FORMULA)),  # formula cells (workbooks)
        *(
            clean(pl.col(headers[name]), wrapped=headers[name] in wrapped).alias(name + RAW)
            for name in dtypes
        ),
    )
    texts = texts.with_columns(empty_to_null(name + RAW) for name in dtypes)
    parsed = texts.lazy().with_columns(
        typed(pl.col(name + RAW), name, dtype).alias(name) for name, dtype in dtypes.items()
    )
    if {"hts_number", "tariff_ordinal"} <= dtypes.keys():
        parsed = parsed.with_columns(
            hts_number=chapter_99(pl.col("hts_number"), pl.col("tariff_ordinal"))
        )
    strings = [name + RAW for name, dtype in dtypes.items() if dtype == pl.String]
    parsed = parsed.drop(strings).collect()
    if "filer_code" in spec.column_names and "filer_code" not in plan.columns:
        source = "flagged_entry_number" if spec.name == "reconciliations" else "entry_number"
        if source in parsed.columns:
            parsed = parsed.with_columns(filer_code=pl.col(source).str.slice(0, 3))
    return parsed
