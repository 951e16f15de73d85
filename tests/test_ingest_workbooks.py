"""Workbooks that would take the server down are refused before calamine reads them;
formula cells are refused row by row; sheet rows are the rows Excel shows.

The bombs run the real CLI in a subprocess under a 3 GiB address-space limit
(RLIMIT_AS), so a regression fails the test instead of taking the test machine down.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from data_access import lake
from data_access.ingest import ingest, readers, sources, workbook
from data_access.ingest.quarantine import read
from tests.ingest_files import lake_rows
from tests.test_ingest_errors import GOOD, HEADER, _row

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 3 << 30  # address space for the CLI: polars and calamine start at about 1.5 GiB


def _book(path: Path, rows: list[list[str]], start_row: int = 0) -> Path:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Main Report")
    for index, row in enumerate(rows):
        sheet.write_row(start_row + index, 0, row)
    book.close()
    return path


def _deflated(target: Path, write_sheet, level: int = 1) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as book:
        for name, text in _skeleton().items():
            book.writestr(name, text)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
            write_sheet(stream)
    return target


def _skeleton() -> dict[str, str]:
    """The members of a one-sheet workbook other than the sheet."""
    main = "http://schemas.openxmlformats.org"
    return {
        "[Content_Types].xml": (
            f'<Types xmlns="{main}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{main}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{main}/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}/spreadsheetml/2006/main" '
            f'xmlns:r="{main}/officeDocument/2006/relationships"><sheets>'
            '<sheet name="Main Report" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{main}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{main}/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
    }


SHEET_OPEN = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_CLOSE = b"</sheetData></worksheet>"


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "data_access.cli", "ingest", *args],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        env=env,
        timeout=600,
        cwd=ROOT,
    )


def test_a_zip_bomb_workbook_is_refused_cleanly_under_a_memory_limit(tmp_path):
    def sheet(stream) -> None:
        stream.write(SHEET_OPEN)
        rows = (b"<row>" + b"<c><v>1</v></c>" * 1_000 + b"</row>") * 1_000  # 15 MB
        for _ in range(75):  # 1.1 GB of XML, 75 million cells, in a 6 MB file
            stream.write(rows)
        stream.write(SHEET_CLOSE)

    bomb = _deflated(tmp_path / "bomb.xlsx", sheet)
    assert bomb.stat().st_size < 12 << 20
    where = tmp_path / "lake"
    done = _run_cli(str(bomb), "--lake", str(where))
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.splitlines()[-1] == (
        "bomb.xlsx: failed: bomb.xlsx: the workbook unpacks to 1,074 MiB, over the limit of "
        "1,024 MiB; save the sheet as CSV (CSV has no size limit) and load that"
    )
    assert not lake.exists(where)


def test_a_sheet_spanning_a_huge_range_from_two_cells_is_refused(tmp_path):
    def sheet(stream) -> None:
        stream.write(SHEET_OPEN + b'<row r="1"><c r="A1" t="inlineStr"><is><t>Entry')
        stream.write(b'</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c>')
        stream.write(b"</row>" + SHEET_CLOSE)

    bomb = _deflated(tmp_path / "corners.xlsx", sheet)
    assert bomb.stat().st_size < 2_000
    good = _book(tmp_path / "good.xlsx", [HEADER, GOOD])
    where = tmp_path / "lake"
    done = _run_cli(str(bomb), str(good), "--lake", str(where))
    assert done.returncode == 1, done.stderr[-2000:]
    assert (
        "corners.xlsx: failed: corners.xlsx:Main Report: the sheet spans 1,048,576 rows x "
        "16,384 columns (17,179,869,184 cells), over the limit of 10,000,000 cells a workbook "
        "may hold; save the sheet as CSV (CSV has no size limit) and load that"
    ) in done.stderr.splitlines()
    assert "good.xlsx: loaded 1 of 1 rows" in done.stdout  # the next file loads
    assert lake_rows(where, "entry_lines")["line_number"].to_list() == [1]


def test_a_member_packed_like_a_bomb_is_refused_before_reading(tmp_path):
    def sheet(stream) -> None:
        stream.write(SHEET_OPEN + b"<row>" + b"<c><v>1</v></c>" * 200_000 + b"</row>")
        stream.write(SHEET_CLOSE)

    bomb = _deflated(tmp_path / "tight.xlsx", sheet, level=9)
    [result] = ingest(tmp_path / "lake", [bomb])
    [error] = result.errors
    assert error.startswith("tight.xlsx: xl/worksheets/sheet1.xml is packed ")
    assert error.endswith(
        " to 1 (a workbook's sheets are packed 5 to 20 to 1; over 100 is a zip bomb): refused; "
        "save the sheet as CSV and load that"
    )


def test_cells_without_positions_count_toward_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_CELLS", 1_000)

    def sheet(stream) -> None:
        stream.write(SHEET_OPEN + (b"<row>" + b"<c><v>1</v></c>" * 40 + b"</row>") * 30)
        stream.write(SHEET_CLOSE)

    book = _deflated(tmp_path / "loose.xlsx", sheet)
    with pytest.raises(readers.ReadError) as refused:
        sources.parts(book, "loose.xlsx")
    assert str(refused.value).startswith(
        "loose.xlsx:Main Report: the sheet spans 30 rows x 40 columns (1,200 cells), over "
        "the limit of 1,000 cells"
    )


def test_formula_cells_are_refused_with_their_sheet_row(tmp_path):
    path = tmp_path / "formulas.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Main Report")
    rows = [HEADER, GOOD, _row(line="2"), _row(line="3"), _row(line="4")]  # from row 3
    for index, row in enumerate(rows, start=2):
        sheet.write_row(index, 0, row)
    value = HEADER.index("Line Tariff Goods Value Amount")
    sheet.write_formula(4, value, "=A1*0", None, 0)  # row 5: cached 0 would load as $0.00
    sheet.write_formula(5, value, "=100", None, 100)
    sheet.write_formula(6, len(HEADER) + 1, "=1+1", None, 2)  # in no column that loads
    book.close()
    [result] = ingest(tmp_path / "lake", [path])
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 2, 2)
    quarantined = read(tmp_path / "lake").sort("row")
    assert quarantined.select("file", "row", "column", "reason", "value").rows() == [
        ("formulas.xlsx:Main Report", 5, "Line Tariff Goods Value Amount",
         "formula cell: paste values", "0"),
        ("formulas.xlsx:Main Report", 6, "Line Tariff Goods Value Amount",
         "formula cell: paste values", "100"),
    ]  # fmt: skip
    assert not [c for c in quarantined.columns if c.startswith("_formula")]
    assert lake_rows(tmp_path / "lake", "entry_lines")["line_number"].to_list() == [1, 4]


def test_the_sheets_of_a_workbook_share_one_cell_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_CELLS", 150)
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(path)
    for name in ("January", "February"):  # no "Main Report": every sheet is read
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, HEADER)
        for index in range(1, 8):
            sheet.write_row(index, 0, _row(line=str(index)))
    book.close()
    [result] = ingest(tmp_path / "lake", [path])
    assert result.errors == [
        "two.xlsx: its 2 sheets span 160 cells together, over the limit of 150 cells a "
        "workbook may hold; save each sheet as CSV (CSV has no size limit) and load those"
    ]


def test_many_sheets_without_a_table_make_one_bounded_message(tmp_path):
    path = tmp_path / "notes.xlsx"
    book = xlsxwriter.Workbook(path)
    for index in range(40):
        book.add_worksheet(f"Notes {index}").write_row(0, 0, [f"Remark {n}" for n in range(50)])
    book.close()
    [result] = ingest(tmp_path / "lake", [path])
    [error] = result.errors
    assert error.endswith(" (and 37 more sheets like these)")
    assert error.count("missing required columns") == 3 and len(error) < 4_000
