"""Ingest of the files users really have: every text quirk, Excel, header names, totals."""

from __future__ import annotations

import csv
import random
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from data_access import codes
from data_access.ingest import MappingError, ingest, load_mapping
from data_access.ingest.mapping import plan_for
from tests.ingest_files import lake_rows, write_export

HEADER = [
    "Entry Summary Number",
    "Entry Summary Line Number",
    "Tariff Ordinal Number",
    "Entry Type Code",
    "Importer Number",
    "Importer Name",
    "Port of Entry Code",
    "Entry Date",
    "Entry Summary Date",
    "Country of Origin Code",
    "Country of Export Code",
    "HTS Number - Full",
    "Line Tariff Goods Value Amount",
    "Line Tariff Duty Amount",
]
NAME = 'Acme, Inc. | "Best"\tTools'  # a comma, a pipe, quotes and a tab: quoted in any dialect
ROWS = [
    ['="ABC12345676"', "1", "1", '="01"', "27-1234567AB", NAME, '="0101"', "01/05/2024",
     "2024-01-15", "CN", "CN", '="0901210000"', "$1,234.56", "$10.00"],
    ["ABC-1234567-6", "1", "2", "01", "27-1234567AB", "Acme", "0101", "01/05/2024",
     "2024-01-15", "CN", "CN", "9903880300", "$0.00", "$2,500.00"],
    ["abc12345676", "2", "1", "01", "27-1234567AB", "Acme", "0101", "2024-01-05",
     "01/15/2024", "BR", "BR", "0901.21.0000", "(1,234.56)", "(5.00)"],
    ["ABC00000028", "1", "1", "03", "27-1234567AB", "Acme", "2704", "12/31/2024",
     "12/31/2024", "VN", "VN", "7306301000", "5000", "75.5"],
]  # fmt: skip
EXPECTED_LINES = [  # entry, line, ordinal, type, port, entry date, hts, origin, value, duty
    ("ABC00000028", 1, 1, "03", "2704", date(2024, 12, 31), "7306301000", "VN", "5000.00", "75.50"),
    ("ABC12345676", 1, 1, "01", "0101", date(2024, 1, 5), "0901210000", "CN", "1234.56", "10.00"),
    ("ABC12345676", 1, 2, "01", "0101", date(2024, 1, 5), "9903880300", "CN", "0.00", "2500.00"),
    ("ABC12345676", 2, 1, "01", "0101", date(2024, 1, 5), "0901210000", "BR", "-1234.56", "-5.00"),
]
LINE_COLUMNS = "entry_number line_number tariff_ordinal entry_type port_of_entry entry_date "
LINE_COLUMNS += "hts_number country_of_origin entered_value duty_amount"


def _lines(lake: Path) -> list[tuple]:
    rows = lake_rows(lake, "entry_lines").select(LINE_COLUMNS.split())
    return [tuple(str(v) if isinstance(v, Decimal) else v for v in r) for r in rows.iter_rows()]


@pytest.mark.parametrize(
    ("delimiter", "eol", "bom", "encoding"),
    [
        (",", "\r\n", True, "utf-8"),
        ("|", "\r\n", True, "utf-8"),
        ("\t", "\n", False, "utf-8"),
        (",", "\n", False, "cp1252"),
    ],
    ids=["comma-bom-crlf", "pipe-bom-crlf", "tab-lf", "comma-cp1252"],
)
def test_es003_quirks_load_as_downloaded(tmp_path, delimiter, eol, bom, encoding):
    rows = [HEADER, *ROWS]
    name = NAME if encoding == "utf-8" else "Société Générale"  # not UTF-8: Windows-1252
    rows[1] = [*ROWS[0][:5], name, *ROWS[0][6:]]
    source = write_export(
        tmp_path / "es003.txt", rows, delimiter=delimiter, eol=eol, bom=bom, encoding=encoding
    )
    [result] = ingest(tmp_path / "lake", [source])
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "loaded", 4, 4, 0,
    )  # fmt: skip
    assert result.tables == {"entry_lines": 4, "entry_summaries": 2}
    assert _lines(tmp_path / "lake") == EXPECTED_LINES
    headers = lake_rows(tmp_path / "lake", "entry_summaries")
    assert headers.select(
        "entry_number", "filer_code", "entry_type", "port_of_entry", "entry_date",
        "entry_summary_date", "country_of_export", "entered_value", "duty_amount",
    ).rows() == [
        ("ABC00000028", "ABC", "03", "2704", date(2024, 12, 31), date(2024, 12, 31), "VN",
         Decimal("5000.00"), Decimal("75.50")),
        ("ABC12345676", "ABC", "01", "0101", date(2024, 1, 5), date(2024, 1, 15), "CN",
         Decimal("0.00"), Decimal("2505.00")),
    ]  # fmt: skip
    assert headers["importer_name"].to_list() == ["Acme", name]
    # What ES-003 lacks stays empty: no liquidation, bond or transport data is made up.
    assert headers.select("liquidation_date", "bond_type", "mode_of_transport").null_count().row(
        0
    ) == (2, 2, 2)


def test_excel_main_report_sheet_with_numeric_cells(tmp_path):
    path = tmp_path / "es003.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Report Parameters").write_row(0, 0, ["Begin Date", "01/01/2024"])
    sheet = book.add_worksheet("Main Report")
    us_date = book.add_format({"num_format": "mm/dd/yyyy"})
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(ROWS[1:], start=1):
        sheet.write_row(index, 0, [v.removeprefix('="').removesuffix('"') for v in row])
    # Excel's own cells: numbers lose leading zeros (port 101, HTS 901210000), real dates.
    sheet.write_number(1, 6, 101)
    sheet.write_number(2, 11, 901210000)
    sheet.write_datetime(3, 7, datetime(2024, 12, 31), us_date)
    sheet.write_number(3, 12, 5000)
    sheet.write_number(3, 13, 75.5)
    book.close()
    [result] = ingest(tmp_path / "lake", [path])
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 0)
    assert _lines(tmp_path / "lake") == EXPECTED_LINES[0:1] + EXPECTED_LINES[2:]


def test_excel_without_main_report_reads_every_sheet_and_passes_over_notes(tmp_path):
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Notes").write_row(0, 0, ["Prepared by", "compliance"])
    first, second = book.add_worksheet("Jan"), book.add_worksheet("Dec")
    for sheet, rows in ((first, ROWS[1:3]), (second, ROWS[3:])):
        sheet.write_row(0, 0, HEADER)
        for index, row in enumerate(rows, start=1):
            sheet.write_row(index, 0, row)
    book.close()
    [result] = ingest(tmp_path / "lake", [path])
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert result.note.startswith("passed over: two.xlsx:Notes: missing required columns")
    assert _lines(tmp_path / "lake") == EXPECTED_LINES[0:1] + EXPECTED_LINES[2:]


def test_headers_match_whatever_their_case_spaces_and_punctuation():
    headers = ["ENTRY SUMMARY NUMBER", "entry_summary_line_number", "Importer-Number",
               "entry date", "hts number - FULL", "Country Of Origin Code.",
               "LINE TARIFF GOODS VALUE AMOUNT", "Line Goods Value Amount", "Remarks"]  # fmt: skip
    plan = plan_for(headers, {}, "x.csv")
    assert plan.table == "entry_lines"
    assert plan.columns == {
        "entry_number": "ENTRY SUMMARY NUMBER",
        "line_number": "entry_summary_line_number",
        "importer_number": "Importer-Number",
        "entry_date": "entry date",
        "hts_number": "hts number - FULL",
        "country_of_origin": "Country Of Origin Code.",
        "entered_value": "LINE TARIFF GOODS VALUE AMOUNT",  # the tariff-level value wins
    }
    assert plan.ignored == ("Line Goods Value Amount", "Remarks")


def test_user_mapping_file_covers_other_names(tmp_path):
    mapping = tmp_path / "mine.yaml"
    mapping.write_text(
        '"Entry No.": entry_number\nLine: line_number\nIOR: importer_number\n'
        "Date: entry_date\nTariff: hts_number\nOrigin: country_of_origin\n"
        "Value: entry_lines.entered_value\n"
    )
    rows = [
        ["Entry No.", "Line", "IOR", "Date", "Tariff", "Origin", "Value"],
        ["BII05992854", "1", "27-1234567AB", "03/01/2025", "0901210000", "BR", "$9.99"],
    ]
    [result] = ingest(
        tmp_path / "lake", [write_export(tmp_path / "m.csv", rows)], mapping=load_mapping(mapping)
    )
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    line = lake_rows(tmp_path / "lake", "entry_lines").row(0, named=True)
    assert (line["entry_number"], line["filer_code"], line["entered_value"]) == (
        "BII05992854", "BII", Decimal("9.99"),
    )  # fmt: skip


def test_mapping_file_naming_no_lake_column_is_refused(tmp_path):
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("Entry No.: entry_num\n")
    with pytest.raises(MappingError, match=r"'Entry No\.' maps to 'entry_num', which is no lake"):
        load_mapping(mapping)


def test_missing_required_columns_is_one_error_naming_missing_and_found(tmp_path):
    rows = [[h for h in HEADER if h not in ("HTS Number - Full", "Country of Origin Code")]]
    source = write_export(tmp_path / "cut.csv", rows, bom=False)
    [result] = ingest(tmp_path / "lake", [source])
    assert result.status == "failed"
    assert result.errors == [
        "cut.csv: missing required columns for Entry Summary Line Tariff Details (entry_lines): "
        '"HTS Number - Full" (hts_number), "Country of Origin Code" (country_of_origin). '
        'Found: "Entry Summary Number", "Entry Summary Line Number", "Tariff Ordinal Number", '
        '"Entry Type Code", "Importer Number", "Importer Name", "Port of Entry Code", '
        '"Entry Date", "Entry Summary Date", "Country of Export Code", '
        '"Line Tariff Goods Value Amount", "Line Tariff Duty Amount". Rename those headers, '
        "or map them with --mapping FILE (YAML lines like '\"My header\": entry_number')."
    ]
    assert not (tmp_path / "lake" / "entry_lines").exists()


# --- the file's own totals ----------------------------------------------------------------
def _messy_money(cents: int, rng: random.Random) -> str:
    amount = Decimal(cents) / 100
    style = rng.randrange(4)
    if cents < 0:
        return f"({-amount:,.2f})" if style < 2 else f"-${-amount:,.2f}"
    return [f"{amount:.2f}", f"${amount:,.2f}", f'="{amount:.2f}"', f"{amount:,.2f}"][style]


def _file_money(text: str) -> Decimal:
    """An amount read the way a person reads it, independently of the ingest code."""
    text = text.strip().removeprefix('="').removesuffix('"')
    negative = text.startswith("(") or "-" in text
    digits = text.strip("()").replace("$", "").replace(",", "").replace("-", "")
    return -Decimal(digits) if negative else Decimal(digits)


def test_lake_figures_equal_the_messy_files_own_totals(tmp_path):
    rng = random.Random(7)
    rows = [HEADER]
    for entry in range(60):
        number = f"BII{entry + 1:07d}"
        number += str(codes.check_digit("BII", number[3:]))
        when = date(2024, 1 + entry % 12, 1 + entry % 28)
        us, iso = when.strftime("%m/%d/%Y"), when.isoformat()
        for line in range(1, rng.randrange(2, 6)):
            value = rng.randrange(-50_000, 5_000_000)
            rows.append([
                number if rng.random() < 0.5 else f'="{number}"', str(line), "1", "01",
                "27-1234567AB", "Acme, Inc.", rng.choice(["0101", '="0101"', "2704"]),
                rng.choice([us, iso]), us, "CN", "CN", rng.choice(["0901210000", "8471300100"]),
                _messy_money(value, rng), _messy_money(abs(value) // 20, rng),
            ])  # fmt: skip
    delimiter = rng.choice([",", "|", "\t"])
    source = write_export(tmp_path / "messy.csv", rows, delimiter=delimiter)
    with source.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle, delimiter=delimiter))
    value = sum(_file_money(r["Line Tariff Goods Value Amount"]) for r in records)
    duty = sum(_file_money(r["Line Tariff Duty Amount"]) for r in records)
    entries = {r["Entry Summary Number"].strip('="') for r in records}

    [result] = ingest(tmp_path / "lake", [source])
    assert (result.rows_loaded, result.rows_rejected) == (len(records), 0)
    lines = lake_rows(tmp_path / "lake", "entry_lines")
    headers = lake_rows(tmp_path / "lake", "entry_summaries")
    assert lines.select(pl.col("entered_value", "duty_amount").sum()).row(0) == (value, duty)
    assert headers.select(pl.col("entered_value", "duty_amount").sum()).row(0) == (value, duty)
    assert sorted(headers["entry_number"]) == sorted(entries)
