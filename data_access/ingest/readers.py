"""Files as users download them -> batches of text columns with their row numbers.

CSV/TXT stream in blocks (bounded memory whatever the file's size): UTF-8 with or without
a BOM (Windows-1252 when the file is not UTF-8), CRLF or LF, quoted fields with embedded
delimiters, quotes and newlines, and the delimiter sniffed from the header among comma,
pipe and tab. Excel reads the "Main Report" sheet when there is one, else every sheet.
Access databases go through mdbtools (`access_db`). Every batch holds the file's
headers as text plus ``_row``: the row number a spreadsheet shows (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Full, Queue

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

BLOCK_BYTES = 16 << 20  # one batch: bounded memory, and a progress step
DELIMITERS = (",", "|", "\t")
MAIN_SHEET = "Main Report"
EXCEL = {".xlsx", ".xlsm", ".xls"}
ACCESS = {".mdb", ".accdb"}


class ReadError(ValueError):
    """A file that cannot be read as an export (the message says why and what to do)."""


@dataclass
class Part:
    """One table-like piece of a file: the file itself, a sheet, or an Access table."""

    name: str
    headers: list[str]
    size: int  # bytes, for progress
    batches: Callable[[], Iterator[tuple[pl.DataFrame, int]]]  # (text frame, bytes done)
    ragged: list[dict] | None = None  # malformed lines met while reading (CSV)


def parts(
    path: Path, label: str | None = None, mapping: dict[str, str] | None = None
) -> list[Part]:
    """The readable parts of `path` (a CSV/TXT file, a workbook, an Access database)."""
    label = label or path.name
    suffix = path.suffix.lower()
    if suffix in EXCEL:
        return excel_parts(path, label)
    if suffix in ACCESS:
        from data_access.ingest import access_db

        return access_db.parts(path, label, mapping or {})
    return [csv_part(path, label)]


# --- CSV / TXT ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Dialect:
    delimiter: str
    encoding: str
    headers: list[str]
    row_bytes: float  # average size of a record in the sample (progress estimates)


def sniff(path: Path) -> Dialect:
    """The encoding, the delimiter (comma, pipe or tab) and the headers of a text export."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if not head.strip():
        raise ReadError(f"{path.name} is empty")
    encoding = "utf-8"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the sample's end
            encoding = "cp1252"
        text = head.decode(encoding, errors="ignore")
    text = text.removeprefix("\ufeff")
    best: list[str] = []
    delimiter = ","
    for candidate in DELIMITERS:
        fields = next(csv.reader(io.StringIO(text), delimiter=candidate), [])
        if len(fields) > len(best):
            best, delimiter = fields, candidate
    headers = unique_headers([h.strip() for h in best])
    records = sum(1 for _ in csv.reader(io.StringIO(text), delimiter=delimiter))
    row_bytes = len(head) / max(records - (len(head) == 1 << 16), 1)
    return Dialect(delimiter, encoding, headers, row_bytes)


def unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for index, header in enumerate(headers):
        name = header or f"column {index + 1}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def csv_part(path: Path, label: str) -> Part:
    dialect = sniff(path)
    ragged: list[dict] = []
    part = Part(label, dialect.headers, path.stat().st_size, lambda: iter(()), ragged)
    part.batches = lambda: _csv_batches(path, dialect, ragged)
    return part


def _csv_batches(
    path: Path, dialect: Dialect, ragged: list[dict]
) -> Iterator[tuple[pl.DataFrame, int]]:
    size = path.stat().st_size
    next_row = 2
    for batch in _prefetched(_arrow_batches(path, dialect, ragged)):
        # Malformed lines met so far (the reader may be a block ahead) are stepped over.
        gaps = {r["row"] for r in ragged if r["row"] is not None and r["row"] >= next_row}
        rows = _row_numbers(next_row, batch.num_rows, gaps)
        next_row = rows[-1] + 1 if rows else next_row
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        # The reader reads ahead, so bytes read say little: estimate from rows done.
        done = min(int((next_row - 1) * dialect.row_bytes), size - 1)
        yield frame.with_columns(pl.Series("_row", rows, dtype=pl.Int64)), done


def _arrow_batches(path: Path, dialect: Dialect, ragged: list[dict]) -> Iterator[pa.RecordBatch]:
    def invalid(row: pacsv.InvalidRow) -> str:
        ragged.append(
            {"row": row.number, "fields": row.actual_columns, "text": (row.text or "")[:500]}
        )
        return "skip"

    names = dialect.headers
    with path.open("rb") as handle:
        # Single-threaded so a malformed line has its line number (and rows stay exact).
        yield from pacsv.open_csv(
            handle,
            read_options=pacsv.ReadOptions(
                column_names=names,
                skip_rows=1,
                block_size=BLOCK_BYTES,
                encoding=dialect.encoding,
                use_threads=False,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=dialect.delimiter, newlines_in_values=True, invalid_row_handler=invalid
            ),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )


_END = object()


def _prefetched(items: Iterator[pa.RecordBatch], depth: int = 1) -> Iterator[pa.RecordBatch]:
    """`items` read one step ahead in a thread: parsing the next block (pyarrow releases
    the GIL) overlaps with validating this one; memory grows by `depth` batches only."""
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        queue.put(item, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(_END)
        except BaseException as error:  # handed to the consumer, raised there
            queue.put(error)

    threading.Thread(target=work, daemon=True, name="itrac-csv-reader").start()
    try:
        while (item := queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _row_numbers(start: int, count: int, gaps: set[int]) -> list[int]:
    """`count` row numbers from `start`, stepping over the malformed lines in `gaps`."""
    if not gaps:
        return list(range(start, start + count))
    rows, row = [], start
    while len(rows) < count:
        if row not in gaps:
            rows.append(row)
        row += 1
    return rows


# --- Excel -------------------------------------------------------------------------------
def excel_parts(path: Path, label: str) -> list[Part]:
    """The "Main Report" sheet of an ACE workbook, else every sheet with data."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
    except Exception as error:  # calamine's errors have no common base class
        raise ReadError(f"{label}: not a readable Excel workbook ({error})") from None
    names = [MAIN_SHEET] if MAIN_SHEET in reader.sheet_names else reader.sheet_names
    found = []
    for sheet in names:
        frame = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
        if frame.height == 0:
            continue
        headers = unique_headers([str(v or "").strip() for v in frame.row(0)])
        body = frame.slice(1).rename(dict(zip(frame.columns, headers, strict=True)))
        body = body.with_columns(pl.int_range(2, body.height + 2, dtype=pl.Int64).alias("_row"))
        size = path.stat().st_size // max(len(names), 1)
        found.append(Part(f"{label}:{sheet}", headers, size, _once(body, size)))
    if not found:
        raise ReadError(f"{label}: the workbook has no sheet with data")
    return found


def _once(frame: pl.DataFrame, size: int) -> Callable[[], Iterator[tuple[pl.DataFrame, int]]]:
    def batches() -> Iterator[tuple[pl.DataFrame, int]]:
        step = 200_000
        for offset in range(0, frame.height, step):
            done = size * min(offset + step, frame.height) // max(frame.height, 1)
            yield frame.slice(offset, step), done

    return batches
