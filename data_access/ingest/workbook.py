"""What an .xlsx holds, read off its zip and sheet XML before any cell is loaded.

Excel workbooks are read whole by calamine (fastexcel): memory grows with the sheet's
cell range, not with the file's size, so a 12 MB zip can ask for many gigabytes. Before
calamine sees a workbook, `check_zip` bounds what it unpacks to (the sum of the members'
sizes and their compression ratios) and `scan_sheet` streams a sheet's XML once, in
bounded memory, for its real extent (first and last row and column with a value: the
range calamine allocates) and its formula cells (``<f>`` elements), which load as their
cached values however stale: they are refused row by row ("formula cell: paste values").
Past the limits the workbook is refused with the limit and the way out (save as CSV: CSV
streams in bounded memory whatever its size).
"""

from __future__ import annotations

import html
import re
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# One workbook's budget. Peak RSS of `itrac ingest` measured at about 85 bytes a cell of
# the range read: 1,106 MiB for a 10M-cell ES-003 sheet (40 MB .xlsx, 534 MB of XML);
# README "Uploads cannot take the server down".
MAX_UNPACKED_BYTES = 1 << 30  # all members unpacked
MAX_RATIO = 100  # a member over 1 MiB packed tighter than this is a bomb (sheets: ~5-20)
RATIO_FROM_BYTES = 1 << 20
MAX_CELLS = 10_000_000  # rows x columns of the range one sheet spans
MAX_FORMULAS = 5_000_000
CHUNK = 1 << 20
CARRY_LIMIT = 4 << 20
TAIL = 64 << 10

_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
# A cell with content (not self-closing), its column letters and row.
VALUE_CELL = re.compile(rb"<" + _NS + rb'c r="([A-Z]{1,3})([0-9]{1,7})"[^>/]*>')
VALUE_COLUMN = re.compile(rb"<" + _NS + rb'c r="([A-Z]{1,3})[0-9]{1,7}"[^>/]*>')
FORMULA_CELL = re.compile(
    rb"<" + _NS + rb'c r="([A-Z]{1,3})([0-9]{1,7})"[^>/]*>\s*<' + _NS + rb"f[\s>/]"
)
CELL = re.compile(rb"<" + _NS + rb"c[\s>/]")
PLACED_CELL = re.compile(rb"<" + _NS + rb'c r="')
ROW = re.compile(rb"<" + _NS + rb"row[\s>]")
SHEET = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
RELATIONSHIP = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)/?>")
ATTRIBUTE = re.compile(r'([\w:]+)="([^"]*)"')


FORMULA = "_formula:"  # + a header: the column that is true on rows whose cell is a formula
FORMULA_REASON = "formula cell: paste values"


class WorkbookError(ValueError):
    """A workbook past the limits, or one whose zip is damaged (the message says which)."""


def check_zip(path: Path, label: str) -> None:
    """Refuse a workbook that unpacks to more than MAX_UNPACKED_BYTES, or whose large
    members are packed tighter than MAX_RATIO to 1 (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as book:
            members = book.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise WorkbookError(f"{label}: not a readable Excel workbook ({error})") from None
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookError(
            f"{label}: the workbook unpacks to {_mib(unpacked)}, over the limit of "
            f"{_mib(MAX_UNPACKED_BYTES)}; save the sheet as CSV (CSV has no size limit) "
            "and load that"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
            raise WorkbookError(
                f"{label}: {member.filename} is packed {ratio:,.0f} to 1 (a workbook's "
                f"sheets are packed 5 to 20 to 1; over {MAX_RATIO} is a zip bomb): "
                "refused; save the sheet as CSV and load that"
            )


def sheet_members(path: Path) -> dict[str, str]:
    """Sheet name -> its XML member in the zip (from workbook.xml and its relationships)."""
    with zipfile.ZipFile(path) as book:
        names = set(book.namelist())
        workbook = _small_text(book, "xl/workbook.xml", names)
        rels = _small_text(book, "xl/_rels/workbook.xml.rels", names)
    targets = {}
    for match in RELATIONSHIP.finditer(rels):
        attrs = dict(ATTRIBUTE.findall(match.group(1)))
        target = attrs.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[attrs.get("Id", "")] = target
    found = {}
    for match in SHEET.finditer(workbook):
        attrs = dict(ATTRIBUTE.findall(match.group(1)))
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
        if "name" in attrs and targets.get(rid) in names:
            found[html.unescape(attrs["name"])] = targets[rid]
    return found


def _small_text(book: zipfile.ZipFile, name: str, names: set[str]) -> str:
    if name not in names or book.getinfo(name).file_size > 16 << 20:
        return ""
    return book.read(name).decode("utf-8", errors="replace")


@dataclass
class SheetScan:
    """A sheet's extent (cells with a value) and its formula cells."""

    first_row: int = 0
    last_row: int = 0
    first_column: int = 0  # 1 = A
    last_column: int = 0
    formulas: dict[int, array] = field(default_factory=dict)  # column -> sheet rows
    formula_count: int = 0
    # Cells and rows may leave out their position (r="B7"): calamine counts them on.
    # Their extent is bounded by the number of rows and the widest row.
    unplaced: bool = False
    row_count: int = 0
    widest: int = 0
    open_row: int = 0  # cells of the row a block ended in

    @property
    def rows(self) -> int:
        placed = self.last_row - self.first_row + 1 if self.first_row else 0
        return max(placed, self.row_count if self.unplaced else 0)

    @property
    def columns(self) -> int:
        placed = self.last_column - self.first_column + 1 if self.first_column else 0
        return max(placed, self.widest if self.unplaced else 0)

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def scan_sheet(path: Path, member: str, label: str) -> SheetScan:
    """One streaming pass over a sheet's XML (zipfile stops at the member's stated size
    and checks its CRC, so a lying size cannot unpack more than the limits allow)."""
    scan = SheetScan()
    try:
        with zipfile.ZipFile(path) as book, book.open(member) as stream:
            for block in _cell_blocks(stream):
                _scan_block(block, scan)
                if scan.formula_count > MAX_FORMULAS:
                    raise WorkbookError(
                        f"{label}: the sheet holds over {MAX_FORMULAS:,} formula cells; "
                        "copy it and paste values only (Paste Special > Values), then load it"
                    )
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise WorkbookError(f"{label}: the workbook is damaged ({error})") from None
    if scan.cells > MAX_CELLS:
        raise WorkbookError(
            f"{label}: the sheet spans {scan.rows:,} rows x {scan.columns:,} columns "
            f"({scan.cells:,} cells), over the limit of {MAX_CELLS:,} cells a workbook "
            "may hold; save the sheet as CSV (CSV has no size limit) and load that"
        )
    return scan


def _cell_blocks(stream: IO[bytes]) -> Iterator[bytes]:
    """The XML in blocks that end before a cell starts, so no cell is cut in two."""
    carry = b""
    while chunk := stream.read(CHUNK):
        data = carry + chunk
        cut = _last_cell_start(data)
        if cut <= 0 and len(data) < CARRY_LIMIT:
            carry = data
            continue
        cut = cut if cut > 0 else len(data)
        yield data[:cut]
        carry = data[cut:]
    if carry:
        yield carry


def _last_cell_start(data: bytes) -> int:
    start = max(data.rfind(b"<c "), data.rfind(b":c "))
    if start > 0 and data[start] == ord(":"):
        start = data.rfind(b"<", 0, start)
    return start


def _scan_block(block: bytes, scan: SheetScan) -> None:
    letters = set(VALUE_COLUMN.findall(block))
    if letters:
        numbers = [column_number(c) for c in letters]
        scan.first_column = min(scan.first_column or min(numbers), min(numbers))
        scan.last_column = max(scan.last_column, max(numbers))
        if not scan.first_row:  # rows come in order: the first block with a value
            first = VALUE_CELL.search(block)
            scan.first_row = int(first.group(2)) if first else 0
        last = VALUE_CELL.findall(block[-TAIL:]) or VALUE_CELL.findall(block)
        scan.last_row = max(scan.last_row, int(last[-1][1]) if last else 0)
    _count_unplaced(block, scan)
    if b"<f" in block or b":f" in block:
        for letters_, row in FORMULA_CELL.findall(block):
            column = column_number(letters_)
            scan.formulas.setdefault(column, array("I")).append(int(row))
            scan.formula_count += 1


def _count_unplaced(block: bytes, scan: SheetScan) -> None:
    """Rows, and the widest row, for cells without a position (rare: some generators)."""
    prefixed = b"<c " not in block and b":c " in block
    started = len(CELL.findall(block)) if prefixed else block.count(b"<c ") + block.count(b"<c>")
    placed = len(PLACED_CELL.findall(block)) if prefixed else block.count(b'<c r="')
    scan.row_count += len(ROW.findall(block)) if prefixed else _rows_in(block)
    if started > placed:
        scan.unplaced = True
    if not scan.unplaced:
        return
    rows = block.split(b"</row>" if not prefixed else b":row>")
    for index, row in enumerate(rows):
        width = len(CELL.findall(row)) + (scan.open_row if index == 0 else 0)
        if index < len(rows) - 1:
            scan.widest = max(scan.widest, width)
        else:
            scan.open_row = width
            scan.widest = max(scan.widest, width)


def _rows_in(block: bytes) -> int:
    return block.count(b"<row ") + block.count(b"<row>")


def column_number(letters: bytes | str) -> int:
    """A (1) ... Z (26), AA (27) ... XFD (16384)."""
    number = 0
    for char in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + ord(char) - 64
    return number


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MiB"
