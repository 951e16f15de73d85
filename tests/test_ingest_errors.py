"""Bad rows go to the quarantine with file, row, column, reason and value; good rows load."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from data_access.access import Principal
from data_access.ingest import ingest, readers
from data_access.ingest.quarantine import read
from tests.ingest_files import lake_rows, write_export

HEADER = [
    "Entry Summary Number",
    "Entry Summary Line Number",
    "Entry Type Code",
    "Importer Number",
    "Port of Entry Code",
    "Entry Date",
    "Country of Origin Code",
    "HTS Number - Full",
    "Line Tariff Goods Value Amount",
    "Line SPI Code",
]
ACME, BOLT = "27-1234567AB", "30-7654321CD"
GOOD = ["ABC12345676", "1", "01", ACME, "0101", "01/05/2024", "CN", "0901210000", "$100.00", ""]


def _row(**changes: str) -> list[str]:
    row = dict(zip(HEADER, GOOD, strict=True))
    for key, value in changes.items():
        row[{"entry": HEADER[0], "line": HEADER[1], "type": HEADER[2], "importer": HEADER[3],
             "port": HEADER[4], "date": HEADER[5], "origin": HEADER[6], "hts": HEADER[7],
             "value": HEADER[8]}[key]] = value  # fmt: skip
    return list(row.values())


def _quarantined(lake: Path) -> list[tuple]:
    rows = read(lake).sort("row", "column", "reason")
    return rows.select("file", "row", "column", "reason", "value").rows()


def test_each_bad_value_is_quarantined_with_row_column_and_reason(tmp_path):
    rows = [
        HEADER,
        GOOD,  # row 2
        _row(entry="ABC12345670", line="2"),  # row 3: check digit should be 6
        _row(line="3", date="13/45/2024"),  # row 4
        _row(line="4", value="12,34.5"),  # row 5
        _row(line="5", type="99", origin="XX"),  # row 6: unknown code, not ISO
        _row(line="6", hts="12345", port="27A4", importer="27-1234567"),  # row 7
        _row(line="7", value=""),  # row 8: a required amount left empty
        _row(line="8", date="01/05/24"),  # row 9: a 2-digit year is refused, not guessed
    ]
    source = write_export(tmp_path / "bad.csv", rows)
    [result] = ingest(tmp_path / "lake", [source])
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "loaded",
        8,
        1,
        7,
    )
    date_reason = "not a date (write MM/DD/YYYY or YYYY-MM-DD)"
    assert _quarantined(tmp_path / "lake") == [
        ("bad.csv", 3, "Entry Summary Number",
         "not an entry number with a valid check digit (XXX-NNNNNNN-C)", "ABC12345670"),
        ("bad.csv", 4, "Entry Date", date_reason, "13/45/2024"),
        ("bad.csv", 5, "Line Tariff Goods Value Amount",
         "not an amount (like 1234.56, $1,234.56 or (1,234.56))", "12,34.5"),
        ("bad.csv", 6, "Country of Origin Code", "not an ISO 3166 country code", "XX"),
        ("bad.csv", 6, "Entry Type Code", "unknown Entry Type Code", "99"),
        ("bad.csv", 7, "HTS Number - Full", "not a 10-digit HTS number", "12345"),
        ("bad.csv", 7, "Importer Number",
         "not an importer number (NN-NNNNNNNXX, NNN-NN-NNNN or YYDDPP-NNNNN)", "27-1234567"),
        ("bad.csv", 7, "Port of Entry Code", "not a 4-digit port code", "27A4"),
        ("bad.csv", 8, "Line Tariff Goods Value Amount",
         "Line Tariff Goods Value Amount is empty", ""),
        ("bad.csv", 9, "Entry Date", date_reason, "01/05/24"),
    ]  # fmt: skip
    assert result.reasons["entry_date: " + date_reason] == 2
    assert lake_rows(tmp_path / "lake", "entry_lines")["line_number"].to_list() == [1]
    # The download carries the rejected line's own fields, to fix and load again.
    first = read(tmp_path / "lake").sort("row").row(0, named=True)
    assert (first["Entry Summary Line Number"], first["HTS Number - Full"]) == ("2", "0901210000")


def test_an_importer_loads_only_their_own_importer_numbers(tmp_path):
    rows = [HEADER, GOOD, _row(line="2", importer=BOLT), _row(line="3")]
    source = write_export(tmp_path / "mixed.csv", rows)
    acme = Principal.parse(f"importer:{ACME}")
    [result] = ingest(tmp_path / "lake", [source], principal=acme)
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    assert _quarantined(tmp_path / "lake") == [
        ("mixed.csv", 3, "Importer Number", f"not your importer number (you may load {ACME})",
         BOLT),
    ]  # fmt: skip
    assert lake_rows(tmp_path / "lake", "entry_lines")["importer_number"].unique().to_list() == [
        ACME
    ]
    manifest = pl.read_parquet(tmp_path / "lake" / "_manifest" / "files.parquet")
    assert manifest["loaded_by"].to_list() == [f"importer {ACME}"]


def test_a_broker_cannot_load_bond_data(tmp_path):
    rows = [
        ["Bond Number", "Importer Number", "Bond Type Code", "Bond Amount", "Bond Effective Date"],
        ["99-0000001", ACME, "8", "$50,000.00", "01/01/2024"],
    ]
    source = write_export(tmp_path / "bonds.csv", rows)
    [result] = ingest(tmp_path / "lake", [source], principal=Principal.parse("broker:ABC"))
    assert (result.status, result.errors) == (
        "failed",
        ["bonds.csv: Bond Details data is not available to brokers"],
    )


def test_lines_with_a_wrong_number_of_fields_are_quarantined_with_their_line(tmp_path):
    text = ",".join(HEADER) + "\n" + ",".join(GOOD) + "\nABC12345676,2,01\n"
    text += ",".join(_row(line="3")) + "\n"
    (tmp_path / "cut.csv").write_text(text)
    [result] = ingest(tmp_path / "lake", [tmp_path / "cut.csv"])
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert _quarantined(tmp_path / "lake") == [
        ("cut.csv", 3, "(whole line)", "has 3 fields where the header has 10",
         "ABC12345676,2,01"),
    ]  # fmt: skip
    loaded = lake_rows(tmp_path / "lake", "entry_lines")
    assert loaded["line_number"].to_list() == [1, 3]


def test_row_numbers_stay_exact_across_batches_and_malformed_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BLOCK_BYTES", 4096)  # about 50 rows a batch
    lines = [",".join(HEADER)]
    for row in range(2, 502):  # the row number a spreadsheet shows: the header is row 1
        if row == 250:
            lines.append("ABC12345676,250,01")
        elif row == 400:
            lines.append(",".join(_row(line=str(row), date="2024-13-01")))
        else:
            lines.append(",".join(_row(line=str(row))))
    (tmp_path / "long.csv").write_text("\n".join(lines) + "\n")
    [result] = ingest(tmp_path / "lake", [tmp_path / "long.csv"])
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (500, 498, 2)
    assert [r[1:3] for r in _quarantined(tmp_path / "lake")] == [
        (250, "(whole line)"),
        (400, "Entry Date"),
    ]
    loaded = lake_rows(tmp_path / "lake", "entry_lines")["line_number"].to_list()
    assert loaded == [n for n in range(2, 502) if n not in (250, 400)]
