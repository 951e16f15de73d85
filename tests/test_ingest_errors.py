"""Bad rows go to the quarantine with file, row, column, reason and value; good rows load."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from data_access import settings
from data_access.access import Principal
from data_access.ingest import ingest, readers, validate
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


def test_two_digit_years_implausible_dates_and_non_ascii_digits_are_quarantined(tmp_path):
    ahead = settings.today().year + 2
    rows = [
        HEADER,
        GOOD,  # row 2
        _row(line="2", date="1/1/24"),  # a 2-digit year: not year 24
        _row(line="3", date="12/1/24"),
        _row(line="4", date="01/05/0024"),  # 4 digits, but no year of ACE's
        _row(line="5", date="12/31/1989"),
        _row(line="6", date=f"01/05/{ahead}"),  # more than a year ahead
        _row(line="7", hts="०९01210000"),  # Devanagari digits are no HTS digits
        _row(line="8", port="٠١٠١"),  # Arabic-Indic
        _row(line="9", date="०१/०५/२०२४"),
        _row(line="10", value="$१००.00"),
        _row(line="11", importer="२७-1234567AB"),
        _row(entry="ABC１２３４５６７６", line="12"),  # fullwidth
        _row(line="13", date="01/01/1990"),  # the first day that loads
    ]
    source = write_export(tmp_path / "dates.csv", rows)
    [result] = ingest(tmp_path / "lake", [source])
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (13, 2, 11)
    not_a_date = "not a date (write MM/DD/YYYY or YYYY-MM-DD)"
    implausible = "a date before 1990 or more than a year from today (check the year)"
    assert _quarantined(tmp_path / "lake") == [
        ("dates.csv", 3, "Entry Date", not_a_date, "1/1/24"),
        ("dates.csv", 4, "Entry Date", not_a_date, "12/1/24"),
        ("dates.csv", 5, "Entry Date", implausible, "01/05/0024"),
        ("dates.csv", 6, "Entry Date", implausible, "12/31/1989"),
        ("dates.csv", 7, "Entry Date", implausible, f"01/05/{ahead}"),
        ("dates.csv", 8, "HTS Number - Full", "not a 10-digit HTS number", "०९01210000"),
        ("dates.csv", 9, "Port of Entry Code", "not a 4-digit port code", "٠١٠١"),
        ("dates.csv", 10, "Entry Date", not_a_date, "०१/०५/२०२४"),
        ("dates.csv", 11, "Line Tariff Goods Value Amount",
         "not an amount (like 1234.56, $1,234.56 or (1,234.56))", "$१००.00"),
        ("dates.csv", 12, "Importer Number",
         "not an importer number (NN-NNNNNNNXX, NNN-NN-NNNN or YYDDPP-NNNNN)", "२७-1234567AB"),
        ("dates.csv", 13, "Entry Summary Number",
         "not an entry number with a valid check digit (XXX-NNNNNNN-C)", "ABC１２３４５６７６"),
    ]  # fmt: skip
    loaded = lake_rows(tmp_path / "lake", "entry_lines")
    assert loaded["entry_date"].to_list() == [date(2024, 1, 5), date(1990, 1, 1)]
    assert sorted(p.name for p in (tmp_path / "lake" / "entry_lines").iterdir()) == [
        "year=1990",
        "year=2024",
    ]


def test_infinite_and_overflowing_numbers_are_not_numbers(tmp_path):
    header = [*HEADER, "Line Tariff Quantity (1)", "Column 1 Current Primary Duty Rate"]
    rows = [
        header,
        [*GOOD, "1e999", "inf%"],
        [*_row(line="2"), "NaN", "5%"],
        [*_row(line="99999999999"), "1", "5%"],
        [*_row(line="4"), "12", "1e999"],
    ]
    ingest(tmp_path / "lake", [write_export(tmp_path / "big.csv", rows)])
    assert [r[1:] for r in _quarantined(tmp_path / "lake")] == [
        (2, "Line Tariff Quantity (1)", "not a number", "1e999"),
        (3, "Line Tariff Quantity (1)", "not a number", "NaN"),
        (4, "Entry Summary Line Number", "not a number", "99999999999"),
    ]
    loaded = lake_rows(tmp_path / "lake", "entry_lines")
    assert loaded.select("line_number", "quantity", "duty_rate").rows() == [(4, 12.0, None)]


def test_rows_repeating_a_key_of_the_file_are_quarantined_across_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BLOCK_BYTES", 4096)  # about 50 rows a batch
    monkeypatch.setattr(validate, "RUN_ROWS", 60)  # the keys seen kept in several runs
    header = [*HEADER, "Tariff Ordinal Number"]
    lines = [header] + [[*GOOD, "1"]] * 8  # eight identical rows: one line
    lines += [[*_row(line=str(n)), "1"] for n in range(2, 200)]
    lines += [[*_row(line="150"), "1"], [*_row(line="150"), "2"], [*_row(line="2"), "1"]]
    [result] = ingest(tmp_path / "lake", [write_export(tmp_path / "twice.csv", lines)])
    reason = (
        "the same Entry Summary Number, Entry Summary Line Number and Tariff Ordinal Number "
        "as an earlier row of this file"
    )
    assert result.reasons == {f"entry_number: {reason}": 9}
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (209, 200, 9)
    assert [r[1:4] for r in _quarantined(tmp_path / "lake")] == [
        *((row, "Entry Summary Number", reason) for row in range(3, 10)),
        (208, "Entry Summary Number", reason),
        (210, "Entry Summary Number", reason),
    ]
    loaded = lake_rows(tmp_path / "lake", "entry_lines")
    assert loaded.height == loaded.unique(["line_number", "tariff_ordinal"]).height == 200
    [summary] = lake_rows(tmp_path / "lake", "entry_summaries").to_dicts()
    assert str(summary["entered_value"]) == "20000.00"  # 200 lines of $100.00, none twice


def _export_bytes(tmp_path: Path, name: str, encoding: str = "utf-8") -> bytes:
    rows = [HEADER, GOOD]
    return write_export(tmp_path / name, rows, bom=False, encoding=encoding).read_bytes()


def test_each_upload_fails_on_its_own_named_as_the_user_named_it(tmp_path):
    """Issue 13.9: a binary or UTF-16 file in a batch never aborts the others, and no
    message names a server temp file (000.csv) or folder."""
    from data_access.access import CBP
    from data_access.ingest.uploads import ingest_uploads

    uploads = [
        ("Scan of invoice.CSV", bytes(range(256)) * 10),
        ("export (utf-16).csv", _export_bytes(tmp_path, "u16.csv", "utf-16")),
        ("Empty.csv", b""),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook"),
        ("good.csv", _export_bytes(tmp_path, "good.csv")),
    ]
    results = ingest_uploads(tmp_path / "lake", uploads, CBP)
    by_name = {r.file: r for r in results}
    assert [r.file for r in results] == [name for name, _ in uploads]
    assert (by_name["good.csv"].status, by_name["good.csv"].rows_loaded) == ("loaded", 1)
    assert by_name["Scan of invoice.CSV"].errors == [
        "Scan of invoice.CSV is not a text file (it holds binary data); export the report "
        "again as CSV or Excel"
    ]
    assert by_name["Empty.csv"].errors == ["Empty.csv is empty"]
    # UTF-16 loads once readers detect it; until then it fails on its own, clearly named.
    utf16 = by_name["export (utf-16).csv"]
    assert utf16.status in {"loaded", "failed"}
    for result in results:
        for message in result.errors:
            assert message.startswith(result.file), message
            assert "itrac-upload" not in message and "000" not in message, message
            assert "/tmp" not in message, message
    assert by_name["broken.xlsx"].status == "failed"
    assert lake_rows(tmp_path / "lake", "entry_lines").height == 1  # one entry line, either way
