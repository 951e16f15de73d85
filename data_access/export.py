"""Writing report results as files users open: CSV, JSON, Excel, Parquet.

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


def excel_sheets(rows: int, *, per_sheet: int = EXCEL_MAX_ROWS) -> int:
    """How many sheets an Excel export of `rows` rows needs."""
    return max(1, -(-rows // per_sheet))


def write(frame: pl.DataFrame, target: Path | io.BytesIO, fmt: str) -> None:
    """Write `frame` to `target` (a path or an in-memory buffer) in format `fmt`."""
    if fmt == "csv":
        frame.write_csv(target)
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

    frame = frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))
    with xlsxwriter.Workbook(target, {"constant_memory": False}) as book:
        for index in range(excel_sheets(frame.height, per_sheet=per_sheet)):
            name = "Main Report" if index == 0 else f"Main Report ({index + 1})"
            part = frame.slice(index * per_sheet, per_sheet)
            part.write_excel(book, worksheet=name, autofit=frame.height < 50_000)
