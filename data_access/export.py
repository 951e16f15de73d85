"""Writing report results as files users open: CSV, JSON, Excel, Parquet.

Every download and `itrac export` writes through `write_batches` (`write` for one frame).
Text comes from uploaded files, so CSV and Excel exports are made safe to open in a
spreadsheet (OWASP's CSV-injection guidance): a text cell a spreadsheet would read as a
formula (it starts with = + - @, a tab, a carriage return, a line feed or NUL, or their
full-width forms) gets a single quote in front; text that is a plain number ("-5",
"-1,234.50") and number columns stay as they are. CSV quotes every text cell, so a
separator inside text (`a;=1+1` opened with `;` as the list separator) cannot start a new
cell. Excel cells are written as strings, never formulas or links. JSON and Parquet are
data formats, not opened by a spreadsheet: their text stays exactly as loaded.

Memory does not grow with rows: results arrive in batches (`Report.batches`, Arrow record
batches from DuckDB) and each format writes a batch and lets it go. Excel is written by
xlsxwriter in constant-memory mode, row by row (each row's XML goes to a temporary file
as the next row starts), so a 1M-row workbook needs the memory of one batch, not of a
million rows of cells (it took 10 GB).

Excel stops at 1,048,576 rows a sheet: a larger result is split across sheets
("Main Report", "Main Report (2)", ...), the layout ACE exports use for their data.
Excel is also slow to write (about EXCEL_CELLS_PER_SECOND cells a second): above
EXCEL_OFFER_CELLS (the page's time budget) or the sheet limit, `excel_refusal` says why
and the page offers CSV and Parquet instead, which take seconds.

Column names: the stable storage names (`entry_number`) unless the user picks ACE's
headers ("Entry Summary Number"): the words the dashboard's tables show, from
data_access/labels.py (the lake contract's labels, and the words of every column the
reports derive), so every column of every report has a header a person reads.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

import polars as pl

from data_access import labels as words

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

FORMATS = ("csv", "json", "xlsx", "parquet")
HEADERS = ("stable", "ace")  # storage names, or ACE's headers (the contract's labels)
Headers = Literal["stable", "ace"]
EXCEL_MAX_ROWS = 1_048_576 - 1  # one row for the header
EXCEL_DAY_OF_1970 = 25_569  # Excel's day number of 1970-01-01 (day 0 of a polars date)
BATCH_ROWS = 50_000  # rows read and written at a time
# Measured on the demo lake's ES-003 rows, 2 busy cores (benchmarks/README.md, "Excel
# exports"): xlsxwriter's per-cell work is the cost, not the reading.
EXCEL_CELLS_PER_SECOND = 100_000
EXCEL_TIME_BUDGET_S = 120  # a file the page offers is built in 2 minutes at most
EXCEL_OFFER_CELLS = EXCEL_CELLS_PER_SECOND * EXCEL_TIME_BUDGET_S
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
Target = Path | IO[bytes]
Progress = Callable[[int], None]  # rows written so far


class TooLarge(ValueError):
    """A file grew past the size its writer was allowed (`write_batches(max_bytes=)`)."""

    def __init__(self, fmt: str, rows: int, size: int, limit: int) -> None:
        self.fmt, self.rows, self.size, self.limit = fmt, rows, size, limit
        super().__init__(
            f"the {fmt.upper()} file passed {file_size(limit)} at {rows:,} rows ({file_size(size)})"
        )


def file_size(size: int) -> str:
    """`size` bytes as people read it: "512 MiB", "1.5 GiB", "2,048 bytes"."""
    if size >= 2**30:
        return f"{size / 2**30:,.1f} GiB"
    return f"{size / 2**20:,.0f} MiB" if size >= 2**20 else f"{size:,} bytes"


# A spreadsheet reads these first characters as the start of a formula (or, for tab and
# the line breaks, drops them and reads what follows).
FORMULA_START = r"^[=+\-@\t\r\n\x00\uFF1D\uFF0B\uFF0D\uFF20]"
PLAIN_NUMBER = r"^-?[0-9][0-9,]*(\.[0-9]+)?$"  # "-5", "-1,234.50": a number, not a formula
TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)
# xlsxwriter's defaults turn text starting with "=" into formulas and URLs into links;
# constant memory writes each row out as the next one starts (rows in order, as here).
EXCEL_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
    "default_date_format": "yyyy-mm-dd",
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


def excel_refusal(rows: int, columns: int) -> str | None:
    """Why the page offers CSV and Parquet instead of Excel for `rows` x `columns`, in the
    words the page shows; None when an Excel file of that size is offered."""
    if rows > EXCEL_MAX_ROWS:
        return (
            f"{rows:,} rows do not fit one Excel sheet ({EXCEL_MAX_ROWS + 1:,} rows, the "
            "header included). CSV and Parquet hold every row in one table and take seconds."
        )
    if rows * columns > EXCEL_OFFER_CELLS:
        minutes = rows * columns / EXCEL_CELLS_PER_SECOND / 60
        return (
            f"An Excel file of {rows:,} rows of {columns} columns takes about {minutes:.0f} "
            f"minutes to build, past the {EXCEL_TIME_BUDGET_S // 60}-minute budget of a "
            f"download (Excel is offered up to {EXCEL_OFFER_CELLS:,} cells). CSV and Parquet "
            "take seconds; narrow the filters for an Excel file."
        )
    return None


def header_names(
    columns: Iterable[str],
    headers: Headers,
    *,
    table: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Column -> the name its export shows: itself for "stable"; for "ace", `labels`, else
    the header the dashboard's tables show (data_access/labels.py, in `table`'s words: a
    lake table or a page context; `labels.report_table` gives a report's). A header already
    taken keeps the column's stable name in brackets."""
    columns = list(columns)
    if headers == "stable":
        return {c: c for c in columns}
    if headers != "ace":
        raise ValueError(f"unknown headers {headers!r}; headers: {', '.join(HEADERS)}")
    chosen = words.labels(columns, table) | dict(labels or {})
    names: dict[str, str] = {}
    for column in columns:
        name = chosen[column]
        names[column] = f"{name} ({column})" if name in names.values() else name
    return names


def write(
    frame: pl.DataFrame,
    target: Target,
    fmt: str,
    *,
    headers: Mapping[str, str] | None = None,
    per_sheet: int = EXCEL_MAX_ROWS,
) -> int:
    """Write `frame` to `target` (a path or a binary file) in format `fmt`; its rows."""
    return write_batches(frame.iter_slices(BATCH_ROWS), target, fmt, headers=headers,
                         per_sheet=per_sheet)  # fmt: skip


def to_bytes(frame: pl.DataFrame, fmt: str, *, headers: Mapping[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    write(frame, buffer, fmt, headers=headers)
    return buffer.getvalue()


def write_batches(
    batches: Iterable[pl.DataFrame],
    target: Target,
    fmt: str,
    *,
    headers: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    per_sheet: int = EXCEL_MAX_ROWS,
    max_bytes: int | None = None,
) -> int:
    """Write the rows of `batches` (frames of one schema) to `target` in format `fmt`,
    one batch at a time; `headers` renames columns (`header_names`); `progress` hears the
    rows written after each batch. Past `max_bytes` written (checked after each batch, and
    for Excel once packed) it stops with TooLarge, and a path target is left unwritten.
    Returns the rows written."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    renamed = (_renamed(b, headers) for b in batches)
    if not isinstance(target, Path):
        bounded = _bounded(target.tell, fmt, progress, max_bytes)
        return _write_to(renamed, target, fmt, bounded, per_sheet, max_bytes)
    partial = target.with_name(f".{target.name}.partial")  # a file appears whole or not at all
    size = lambda: partial.stat().st_size if partial.exists() else 0  # noqa: E731
    try:
        if fmt == "xlsx":
            rows = _write_excel(renamed, partial, progress, per_sheet)
            _check_size(fmt, rows, size(), max_bytes)
        elif fmt == "parquet":  # pyarrow writes the path itself, no Python file between
            rows = _write_parquet(_counted(renamed, _bounded(size, fmt, progress, max_bytes)),
                                  str(partial))  # fmt: skip
        else:
            with partial.open("wb") as sink:
                bounded = _bounded(sink.tell, fmt, progress, max_bytes)
                rows = _write_to(renamed, sink, fmt, bounded, per_sheet, max_bytes)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return rows


def _bounded(
    size: Callable[[], int], fmt: str, progress: Progress | None, max_bytes: int | None
) -> Progress | None:
    """`progress`, and a check after each batch that the file's `size()` is at most
    `max_bytes`."""
    if max_bytes is None:
        return progress

    def heard(done: int) -> None:
        _check_size(fmt, done, size(), max_bytes)
        if progress:
            progress(done)

    return heard


def _check_size(fmt: str, rows: int, size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise TooLarge(fmt, rows, size, max_bytes)


def _write_to(
    batches: Iterable[pl.DataFrame], sink: IO[bytes], fmt: str, progress: Progress | None,
    per_sheet: int, max_bytes: int | None = None,
) -> int:  # fmt: skip
    if fmt == "xlsx":
        rows = _write_excel(batches, sink, progress, per_sheet)
        _check_size(fmt, rows, sink.tell(), max_bytes)
        return rows
    return WRITERS[fmt](_counted(batches, progress), sink)


def _renamed(batch: pl.DataFrame, headers: Mapping[str, str] | None) -> pl.DataFrame:
    if not headers:
        return batch
    return batch.rename({c: headers[c] for c in batch.columns if headers.get(c, c) != c})


def _counted(batches: Iterable[pl.DataFrame], progress: Progress | None) -> Iterator[pl.DataFrame]:
    done = 0
    for batch in batches:
        yield batch
        done += batch.height
        if progress:
            progress(done)


def _write_csv(batches: Iterable[pl.DataFrame], sink: IO[bytes]) -> int:
    rows, header = 0, True
    for batch in batches:
        neutralised(batch).write_csv(sink, quote_style="non_numeric", include_header=header)
        rows, header = rows + batch.height, False
    return rows


def _write_json(batches: Iterable[pl.DataFrame], sink: IO[bytes]) -> int:
    """One JSON array of row objects, as `DataFrame.write_json` writes, a batch at a time."""
    rows = 0
    sink.write(b"[")
    for batch in batches:
        if batch.height:
            text = batch.write_json().encode()[1:-1]  # the batch's rows without [ ]
            sink.write((b"," if rows else b"") + text)
        rows += batch.height
    sink.write(b"]")
    return rows


def _write_parquet(batches: Iterable[pl.DataFrame], sink: IO[bytes] | str) -> int:
    import pyarrow.parquet as pq

    rows, writer = 0, None
    try:
        for batch in batches:
            table = batch.to_arrow(compat_level=pl.CompatLevel.oldest())
            if writer is None:
                writer = pq.ParquetWriter(sink, table.schema, compression="zstd")
            writer.write_table(table)
            rows += batch.height
    finally:
        if writer is not None:
            writer.close()
    return rows


def _write_excel(
    batches: Iterable[pl.DataFrame],
    target: Target,
    progress: Progress | None = None,
    per_sheet: int = EXCEL_MAX_ROWS,
) -> int:
    """Rows to "Main Report" sheets, row by row in constant memory; text never a formula."""
    import xlsxwriter

    target = str(target) if isinstance(target, Path) else target
    with xlsxwriter.Workbook(target, EXCEL_OPTIONS) as book:
        dates = book.add_format({"num_format": EXCEL_OPTIONS["default_date_format"]})
        sheet, written, header, writers = None, 0, [], []
        for batch in batches:
            header = header or [_neutral_text(c) for c in batch.columns]
            cells = _excel_cells(batch)
            for row in cells.iter_rows():
                at = written % per_sheet
                if at == 0:
                    sheet = _new_sheet(book, written // per_sheet, header, batch)
                    writers = _cell_writers(sheet, batch.schema, dates)
                for column, value in enumerate(row):
                    if value is not None:  # an empty cell is no cell
                        writers[column](at + 1, column, value)
                written += 1
            if progress:
                progress(written)
        if sheet is None:  # no rows: the header alone
            _new_sheet(book, 0, header, pl.DataFrame())
    return written


def _excel_cells(batch: pl.DataFrame) -> pl.DataFrame:
    """Text neutralised (empty text: no cell), money as numbers (Excel has no decimals),
    dates as Excel's day numbers (shown as dates), times as text."""
    text = pl.col(pl.String)
    return neutralised(batch).with_columns(
        pl.when(text != "").then(text),
        pl.col(pl.Decimal).cast(pl.Float64),
        pl.col(pl.Date).cast(pl.Int32) + EXCEL_DAY_OF_1970,
        pl.col(pl.Datetime, pl.Duration, pl.Time).cast(pl.String),
    )


def _cell_writers(
    sheet: Worksheet, source: pl.Schema, dates: Format
) -> list[Callable[[int, int, object], object]]:
    """Each column's xlsxwriter method, by its type in `source` (before `_excel_cells`):
    chosen once per sheet, never a formula."""

    def writer(dtype: pl.DataType) -> Callable[[int, int, object], object]:
        if dtype == pl.Date:
            return lambda row, column, day: sheet.write_number(row, column, day, dates)
        if dtype == pl.Boolean:
            return sheet.write_boolean
        if dtype.is_numeric():
            return sheet.write_number
        return sheet.write_string  # text (neutralised), and times written as text

    return [writer(dtype) for dtype in source.dtypes()]


def _new_sheet(book: Workbook, index: int, header: list[str], batch: pl.DataFrame) -> Worksheet:
    name = "Main Report" if index == 0 else f"Main Report ({index + 1})"
    sheet = book.add_worksheet(name)
    for column, width in enumerate(_widths(header, batch)):
        sheet.set_column(column, column, width)
    sheet.write_row(0, 0, header)
    sheet.freeze_panes(1, 0)
    return sheet


def _widths(header: list[str], batch: pl.DataFrame) -> list[float]:
    """Column widths from the header and the first batch's text (constant memory writes
    each row once: no fitting afterwards)."""
    if batch.is_empty():
        return [len(h) + 2 for h in header]
    widest = batch.select(pl.all().cast(pl.String).str.len_chars().max()).row(0)
    return [min(max(len(h), w or 0) + 2, 60) for h, w in zip(header, widest, strict=True)]


WRITERS: dict[str, Callable[[Iterable[pl.DataFrame], IO[bytes]], int]] = {
    "csv": _write_csv,
    "json": _write_json,
    "parquet": _write_parquet,
    "xlsx": _write_excel,
}
