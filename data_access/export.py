"""Writing report results as files users open: CSV, JSON, Excel, Parquet.

Every download and `itrac export` writes through `write`. Text comes from uploaded files,
so CSV and Excel exports are made safe to open in a spreadsheet (OWASP's CSV-injection
guidance): a text cell a spreadsheet would read as a formula (it starts with = + - @,
a tab, a carriage return, a line feed or NUL, or their full-width forms) gets a single
quote in front; text that is a plain number ("-5", "-1,234.50") and number columns stay
as they are. CSV quotes every text cell, so a separator inside text (`a;=1+1` opened with
`;` as the list separator) cannot start a new cell. Excel cells are written as strings,
never formulas or links. JSON and Parquet are data formats, not opened by a spreadsheet:
their text stays exactly as loaded.

Excel stops at 1,048,576 rows a sheet: a larger result is split across sheets
("Main Report", "Main Report (2)", ...), the layout ACE exports use for their data.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

FORMATS = ("csv", "json", "xlsx", "parquet")
EXCEL_MAX_ROWS = 1_048_576 - 1  # one row for the header
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}

# A spreadsheet reads these first characters as the start of a formula (or, for tab and
# the line breaks, drops them and reads what follows).
FORMULA_START = r"^[=+\-@\t\r\n\x00\uFF1D\uFF0B\uFF0D\uFF20]"
PLAIN_NUMBER = r"^-?[0-9][0-9,]*(\.[0-9]+)?$"  # "-5", "-1,234.50": a number, not a formula
TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)
# xlsxwriter's defaults turn text starting with "=" into formulas and URLs into links.
EXCEL_OPTIONS = {
    "constant_memory": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
}


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text cell (and column name) a spreadsheet would run as a formula
    prefixed with a single quote; other cells unchanged."""
    text = [name for name, dtype in frame.schema.items() if isinstance(dtype, TEXT_TYPES)]
    frame = frame.with_columns(_neutral(pl.col(name).cast(pl.String)).alias(name) for name in text)
    names = {name: _neutral_text(name) for name in frame.columns}
    return frame.rename({old: new for old, new in names.items() if old != new})


def _neutral(cell: pl.Expr) -> pl.Expr:
    risky = cell.str.contains(FORMULA_START) & ~cell.str.contains(PLAIN_NUMBER)
    return pl.when(risky).then(pl.lit("'") + cell).otherwise(cell)


def _neutral_text(text: str) -> str:
    return pl.select(_neutral(pl.lit(text, dtype=pl.String))).item()


def excel_sheets(rows: int, *, per_sheet: int = EXCEL_MAX_ROWS) -> int:
    """How many sheets an Excel export of `rows` rows needs."""
    return max(1, -(-rows // per_sheet))


def write(frame: pl.DataFrame, target: Path | io.BytesIO, fmt: str) -> None:
    """Write `frame` to `target` (a path or an in-memory buffer) in format `fmt`."""
    if fmt == "csv":
        neutralised(frame).write_csv(target, quote_style="non_numeric")
    elif fmt == "json":
        frame.write_json(target)
    elif fmt == "parquet":
        frame.write_parquet(target, compression="zstd")
    elif fmt == "xlsx":
        _write_excel(frame, target)
    else:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")


def to_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    buffer = io.BytesIO()
    write(frame, buffer, fmt)
    return buffer.getvalue()


def _write_excel(
    frame: pl.DataFrame, target: Path | io.BytesIO, *, per_sheet: int = EXCEL_MAX_ROWS
) -> None:
    import xlsxwriter

    frame = neutralised(frame).with_columns(pl.col(pl.Decimal).cast(pl.Float64))
    with xlsxwriter.Workbook(target, EXCEL_OPTIONS) as book:
        for index in range(excel_sheets(frame.height, per_sheet=per_sheet)):
            name = "Main Report" if index == 0 else f"Main Report ({index + 1})"
            part = frame.slice(index * per_sheet, per_sheet)
            part.write_excel(book, worksheet=name, autofit=frame.height < 50_000)
