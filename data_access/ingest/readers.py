"""Files as users download them -> batches of text columns with their row numbers.

CSV/TXT stream in blocks (bounded memory whatever the file's size): UTF-8 with or without
a BOM (Windows-1252 when the file is not UTF-8), CRLF or LF, quoted fields with embedded
delimiters, quotes and newlines, and the delimiter sniffed from the header among comma,
pipe and tab. Excel reads the "Main Report" sheet when there is one, else every sheet.
Access databases go through mdbtools (`access_db`); `sources.parts` picks the reader.
Every batch holds the file's headers as text plus ``_row``: the row number a spreadsheet
shows (the header is row 1).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Full, Queue

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from data_access.ingest import workbook

BLOCK_BYTES = 16 << 20  # one batch: bounded memory, and a progress step
DELIMITERS = (",", "|", "\t")
MAIN_SHEET = "Main Report"


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


# --- CSV / TXT ---------------------------------------------------------------------------
SAMPLE_BYTES = 1 << 16  # what the delimiter and the row size are judged on
MAX_HEADER_BYTES = 1 << 20  # a header row longer than this is no export's
MAX_COLUMNS = 2_048  # ACE Reports exports have a few hundred columns at most
SCAN_BYTES = 1 << 20
BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16"),  # the codec reads the BOM: little or big endian
    (b"\xfe\xff", "utf-16"),
)
CP1252_UNDEFINED = re.compile(b"[\x81\x8d\x8f\x90\x9d]")
NOT_TEXT = {  # signatures of files that are no text export, and what they are
    b"PK\x03\x04": "a zip archive or an Excel workbook (.xlsx)",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an old Excel workbook (.xls)",
    b"\x00\x01\x00\x00Standard Jet DB": "an Access database (.mdb)",
    b"\x00\x01\x00\x00Standard ACE DB": "an Access database (.accdb)",
    b"%PDF": "a PDF document",
}
CONTROLS = bytes(b for b in range(32) if b not in b"\t\n\r\x0c\x1a")  # none in text


@dataclass(frozen=True)
class Dialect:
    delimiter: str
    encoding: str
    headers: list[str]
    row_bytes: float  # average size of a record in the sample (progress estimates)


def sniff(path: Path, label: str | None = None) -> Dialect:
    """The encoding, the delimiter (comma, pipe or tab) and the headers of a text export;
    ReadError (naming `label`, the user's name for the file) when it is none."""
    label = label or path.name
    with path.open("rb") as handle:
        head = handle.read(MAX_HEADER_BYTES + 1)
    if not head.strip():
        raise ReadError(f"{label} is empty")
    encoding = text_encoding(path, head, label)
    text = head.decode(encoding, errors="replace").removeprefix("\ufeff")
    try:
        best, delimiter = _header_row(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        next(reader)
        complete = len(head) <= MAX_HEADER_BYTES or next(reader, None) is not None
    except csv.Error as error:
        why = "has a header longer than 128 KiB" if "field limit" in str(error) else error
        raise ReadError(
            f"{label}: row 1 (the header) cannot be read ({why}): is this an ACE Reports export?"
        ) from None
    if not complete:
        raise ReadError(
            f"{label}: row 1 (the header) is longer than {MAX_HEADER_BYTES >> 20} MiB "
            "or opens a quote it never closes: is this an ACE Reports export?"
        )
    if len(best) > MAX_COLUMNS:
        raise ReadError(
            f"{label}: row 1 (the header) has {len(best):,} columns; an export has at most "
            f"{MAX_COLUMNS:,}: is this an ACE Reports export?"
        )
    headers = unique_headers([h.strip() for h in best])
    sample = text[: len(head[:SAMPLE_BYTES].decode(encoding, errors="replace"))]
    records = _count_records(sample, delimiter)
    row_bytes = min(len(head), SAMPLE_BYTES) / max(records - (len(head) > SAMPLE_BYTES), 1)
    return Dialect(delimiter, encoding, headers, row_bytes)


def _header_row(text: str) -> tuple[list[str], str]:
    """The header's fields and the delimiter that gives the most of them."""
    best: list[str] = []
    delimiter = ","
    failed: csv.Error | None = None
    for candidate in DELIMITERS:
        try:
            fields = next(csv.reader(io.StringIO(text, newline=""), delimiter=candidate), [])
        except csv.Error as error:  # e.g. the whole line one field too long: not this one
            failed = error
            continue
        if len(fields) > len(best):
            best, delimiter = fields, candidate
    if failed and len(best) <= 1:
        raise failed
    return best, delimiter


def _count_records(sample: str, delimiter: str) -> int:
    try:
        return sum(1 for _ in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
    except csv.Error:  # a field cut at the sample's end: an estimate is all this is for
        return max(sample.count("\n"), 1)


def text_encoding(path: Path, head: bytes, label: str) -> str:
    """The file's encoding: a BOM's (UTF-8, UTF-16 LE/BE), else UTF-16 without a BOM when
    every other byte is NUL, else UTF-8 when the whole file is UTF-8, else Windows-1252
    (ACE's Windows exports). ReadError for a binary file or one that is none of those."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding if encoding != "utf-8" else _utf8_or_cp1252(path, label)
    for signature, kind in NOT_TEXT.items():
        if head.startswith(signature):
            raise ReadError(f"{label} is not a text file: it is {kind}; give it its real extension")
    sample = head[:SAMPLE_BYTES]
    if _utf16_without_bom(sample):
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    controls = len(sample) - len(sample.translate(None, CONTROLS))
    if 0 in sample or controls > len(sample) // 100:
        raise ReadError(
            f"{label} is not a text file (it holds binary data); "
            "export the report again as CSV or Excel"
        )
    return _utf8_or_cp1252(path, label)


def _utf16_without_bom(sample: bytes) -> bool:
    """Mostly ASCII text in UTF-16: one byte of every pair is NUL, the other is not."""
    pairs = len(sample) // 2
    if pairs < 2:
        return False
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    return max(odd, even) >= 0.9 * pairs and min(odd, even) <= 0.1 * pairs


def _utf8_or_cp1252(path: Path, label: str) -> str:
    """UTF-8 when the whole file decodes as UTF-8, else Windows-1252 when it decodes as
    that; ReadError naming the row of the first byte that is neither."""
    if _is_utf8(path):
        return "utf-8"
    rows = 1
    with path.open("rb") as handle:
        while chunk := handle.read(SCAN_BYTES):
            if bad := CP1252_UNDEFINED.search(chunk):
                row = rows + chunk.count(b"\n", 0, bad.start())
                raise ReadError(
                    f"{label}: row {row} holds byte 0x{chunk[bad.start()]:02X}, which is "
                    "neither UTF-8 nor Windows-1252 text; save the export as CSV UTF-8 "
                    "and load it again"
                )
            rows += chunk.count(b"\n")
    return "cp1252"


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(SCAN_BYTES):
                if not (chunk.isascii() and decoder.getstate()[0] == b""):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for index, header in enumerate(headers):
        name = header or f"column {index + 1}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def csv_part(path: Path, label: str) -> Part:
    dialect = sniff(path, label)
    ragged: list[dict] = []
    part = Part(label, dialect.headers, path.stat().st_size, lambda: iter(()), ragged)
    part.batches = lambda: _csv_batches(path, dialect, ragged, label)
    return part


def _csv_batches(
    path: Path, dialect: Dialect, ragged: list[dict], label: str
) -> Iterator[tuple[pl.DataFrame, int]]:
    """The file's batches; a parse or decoding error becomes a ReadError naming the file
    and the last row read."""
    read = 1
    try:
        for frame, done in _numbered_batches(path, dialect, ragged):
            read = int(frame["_row"].max() or read)
            yield frame, done
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise ReadError(
            f"{label}: cannot read past row {read:,}: {_arrow_message(error)}"
        ) from None


def _arrow_message(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "straddles" in text:
        return (
            f"a row longer than {BLOCK_BYTES >> 20} MiB follows "
            "(a quote opened and never closed?); fix that row and load the file again"
        )
    return text[:300]


def _numbered_batches(
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
    """The "Main Report" sheet of an ACE workbook, else every sheet with data. An .xlsx
    is checked before it is read (`workbook`: unpacked size, compression, cell range)."""
    import fastexcel

    zipped = path.suffix.lower() != ".xls"  # .xls is no zip: calamine reads it as is
    try:
        if zipped:
            workbook.check_zip(path, label)
        reader = fastexcel.read_excel(path)
        members = workbook.sheet_members(path) if zipped else {}
    except workbook.WorkbookError as error:
        raise ReadError(str(error)) from None
    except Exception as error:  # calamine's errors have no common base class
        raise ReadError(f"{label}: not a readable Excel workbook ({error})") from None
    names = [MAIN_SHEET] if MAIN_SHEET in reader.sheet_names else reader.sheet_names
    size = path.stat().st_size // max(len(names), 1)
    scans = {s: _scanned(path, members, s, f"{label}:{s}") if zipped else None for s in names}
    _within_budget(label, list(scans.values()))
    found = []
    for sheet in names:
        scan = scans[sheet]
        frame = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
        if frame.height == 0:
            continue
        headers = unique_headers([str(v or "").strip() for v in frame.row(0)])
        body = frame.slice(1).rename(dict(zip(frame.columns, headers, strict=True)))
        first = scan.first_row if scan and scan.first_row else 1  # the header's sheet row
        rows = pl.int_range(first + 1, first + 1 + body.height, dtype=pl.Int64)
        body = body.with_columns(rows.alias("_row"))
        if scan:
            body = body.with_columns(_formula_flags(scan, headers))
        found.append(Part(f"{label}:{sheet}", headers, size, _once(body, size)))
    if not found:
        raise ReadError(f"{label}: the workbook has no sheet with data")
    return found


def _within_budget(label: str, scans: list[workbook.SheetScan | None]) -> None:
    """The sheets read are held together: their cells count against one budget."""
    cells = sum(scan.cells for scan in scans if scan)
    if cells > workbook.MAX_CELLS:
        raise ReadError(
            f"{label}: its {len(scans)} sheets span {cells:,} cells together, over the limit "
            f"of {workbook.MAX_CELLS:,} cells a workbook may hold; save each sheet as CSV "
            "(CSV has no size limit) and load those"
        )


def _scanned(path: Path, members: dict[str, str], sheet: str, label: str) -> workbook.SheetScan:
    if sheet not in members:
        raise ReadError(f"{label}: the sheet's XML is not where the workbook says it is")
    try:
        return workbook.scan_sheet(path, members[sheet], label)
    except workbook.WorkbookError as error:
        raise ReadError(str(error)) from None


def _formula_flags(scan: workbook.SheetScan, headers: list[str]) -> list[pl.Expr]:
    """One boolean column per header whose column holds a formula below the header."""
    flags = []
    for column, rows in scan.formulas.items():
        index = column - scan.first_column
        if 0 <= index < len(headers):
            sheet_rows = pl.Series(np.frombuffer(rows, dtype=np.uint32)).cast(pl.Int64)
            is_formula = pl.col("_row").is_in(sheet_rows.implode())
            flags.append(is_formula.alias(workbook.FORMULA + headers[index]))
    return flags


def _once(frame: pl.DataFrame, size: int) -> Callable[[], Iterator[tuple[pl.DataFrame, int]]]:
    def batches() -> Iterator[tuple[pl.DataFrame, int]]:
        step = 200_000
        for offset in range(0, frame.height, step):
            done = size * min(offset + step, frame.height) // max(frame.height, 1)
            yield frame.slice(offset, step), done

    return batches
