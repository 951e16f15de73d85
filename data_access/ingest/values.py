"""Values as exports write them -> the lake's types, as polars expressions.

Every parsed column keeps its cleaned text beside it (``<column>__raw``) so validation
can tell an empty cell from one that did not parse, and say which value it was.
"""

from __future__ import annotations

import polars as pl

from data_access.ingest.mapping import Plan
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
# $1,234.56 / -1234.56 / (1,234.56): a sign or accounting parentheses, thousands commas.
MONEY_SHAPE = r"^\(?-?\$?-?(\d{1,16}|\d{1,3}(,\d{3}){1,5})(\.\d+)?\)?$"
YES = ["Y", "YES", "TRUE", "T", "1", "X"]
NO = ["N", "NO", "FALSE", "F", "0"]
# mdbtools 1.0.0 prints dates it cannot decode (before 1899-12-30, after 4637) as day 0.
MDB_UNDECODED = "1900-01-00"


def clean(expr: pl.Expr) -> pl.Expr:
    """Trimmed text, Excel's ="0101" text wrapping removed, empty -> null."""
    text = expr.cast(pl.String).str.strip_chars()
    text = text.str.replace(r'^="(.*)"$', "$1").str.strip_chars()
    return pl.when(text.str.len_chars() > 0).then(text)


def code(expr: pl.Expr, column: str) -> pl.Expr:
    text = clean(expr)
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
            pl.when(text.str.contains(r"^\d+$") & (length >= shortest) & (length < width))
            .then(text.str.zfill(width))
            .otherwise(text)
        )
    return text


def date(text: pl.Expr) -> pl.Expr:
    """US MM/DD/YYYY or ISO YYYY-MM-DD, a time part ignored; 2-digit years refused."""
    day = text.str.extract(r"^(\S+)", 1)
    us = pl.when(day.str.contains(r"^\d{1,2}/\d{1,2}/\d{4}$")).then(day)
    iso = pl.when(day.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}$")).then(day)
    return pl.coalesce(
        us.str.strptime(DATE, "%m/%d/%Y", strict=False),
        iso.str.strptime(DATE, "%Y-%m-%d", strict=False),
    )


def money(text: pl.Expr) -> pl.Expr:
    """1234.56, $1,234.56, -$5.00 and accounting negatives (1,234.56) -> decimal(18,2)."""
    text = text.str.replace_all(r"\s", "")
    parens = text.str.starts_with("(")
    minus = text.str.count_matches("-")
    valid = (
        text.str.contains(MONEY_SHAPE)
        & (parens == text.str.ends_with(")"))
        & (minus + parens.cast(pl.UInt32) <= 1)
    )
    amount = pl.when(valid).then(text.str.replace_all(r"[$,()-]", "")).cast(MONEY, strict=False)
    return pl.when(parens | (minus > 0)).then(-amount).otherwise(amount)


def number(text: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    value = text.str.replace_all(",", "").cast(pl.Float64, strict=False)
    if dtype.is_integer():
        return pl.when(value == value.round()).then(value).cast(dtype, strict=False)
    return value


def duty_rate(text: pl.Expr) -> pl.Expr:
    """'Free' -> 0, '2.5%' -> 0.025, '0.025' as written; specific rates stay empty."""
    upper = text.str.to_uppercase()
    plain = upper.str.replace_all(r"[%\s]", "").cast(pl.Float64, strict=False)
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


def parse_column(raw: pl.Expr, column: str, dtype: pl.DataType) -> list[pl.Expr]:
    """The typed column and its cleaned text (`<column>__raw`) for validation."""
    if dtype == pl.String:
        return [code(raw, column).alias(column)]
    text = clean(raw).alias(column + RAW)
    cleaned = clean(raw)
    if dtype == DATE:
        typed = date(cleaned)
    elif dtype == MONEY:
        typed = money(cleaned)
    elif dtype == FLAG:
        typed = flag(cleaned)
    elif column == "duty_rate":
        return [duty_rate(cleaned).alias(column)]  # not every rate is one number
    else:
        typed = number(cleaned, dtype)
    return [typed.alias(column), text]


def parse(frame: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """`frame` (text, file headers) -> the plan's lake columns, `_row` and raw texts."""
    spec = TABLES[plan.table]
    exprs = [pl.col("_row")]
    for name, header in plan.columns.items():
        exprs.extend(parse_column(pl.col(header), name, spec.column(name).dtype))
    for name, header in plan.header_extras.items():
        exprs.extend(parse_column(pl.col(header), name, ENTRY_SUMMARIES.column(name).dtype))
    parsed = frame.select(exprs)
    if "filer_code" in spec.column_names and "filer_code" not in plan.columns:
        source = "flagged_entry_number" if spec.name == "reconciliations" else "entry_number"
        if source in parsed.columns:
            parsed = parsed.with_columns(filer_code=pl.col(source).str.slice(0, 3))
    return parsed
