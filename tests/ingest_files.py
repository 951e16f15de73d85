"""ES-003-style export files generated for ingest tests and measurements.

`write_es003(path, rows)` writes a CSV as ACE Reports downloads it (money as $1,234.56,
US dates, codes with leading zeros); values are deterministic so totals can be checked.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from data_access import codes

HEADERS = [
    "Entry Summary Number",
    "Entry Summary Line Number",
    "Entry Type Code",
    "Importer Number",
    "Importer Name",
    "Port of Entry Code",
    "Entry Date",
    "Entry Summary Date",
    "Country of Origin Code",
    "Country of Export Code",
    "Manufacturer ID",
    "Line SPI Code",
    "Tariff Ordinal Number",
    "HTS Number - Full",
    "Line Tariff Goods Value Amount",
    "Line Tariff Duty Amount",
    "Line Tariff Quantity (1)",
    "Line Tariff UOM (1) Code",
]
IMPORTERS = ["27-1234567AB", "30-7654321CD"]
PORTS = ["0101", "2704", "2709", "1001", "5301"]
HTS = ["0901210000", "8471300100", "7306301000", "6109100012", "9403609081"]
COUNTRIES = ["CN", "VN", "MX", "DE", "BR"]


def entry_numbers(count: int, filer: str = "BII", start: int = 1) -> list[str]:
    """`count` valid entry numbers of `filer` (serials from `start`, right check digit)."""
    serials = [f"{n:07d}" for n in range(start, start + count)]
    return [f"{filer}{s}{codes.check_digit(filer, s)}" for s in serials]


def es003_frame(rows: int, lines_per_entry: int = 4, start: int = 1) -> pl.DataFrame:
    """`rows` ES-003 rows as text, as an export writes them."""
    entries = entry_numbers(rows // lines_per_entry + 1, start=start)
    index = pl.int_range(0, rows, eager=True)
    entry = index // lines_per_entry
    day = (entry % 360).cast(pl.Int64)
    cents = (index * 7919) % 1_000_000 + 100
    frame = pl.DataFrame({"i": index, "e": entry, "day": day, "cents": cents})
    month = (frame["day"] // 30 + 1).cast(pl.String).str.zfill(2)
    dom = (frame["day"] % 28 + 1).cast(pl.String).str.zfill(2)
    us_date = month + "/" + dom + "/2024"

    def pick(values: list[str], by: pl.Series) -> pl.Series:
        return pl.Series(values).gather(by % len(values))

    return pl.DataFrame(
        {
            HEADERS[0]: pl.Series(entries).gather(frame["e"]),
            HEADERS[1]: (frame["i"] % lines_per_entry + 1).cast(pl.String),
            HEADERS[2]: pl.Series(["01"] * rows),
            HEADERS[3]: pick(IMPORTERS, frame["e"]),
            HEADERS[4]: pick(["Acme, Inc.", "Bolt Hardware"], frame["e"]),
            HEADERS[5]: pick(PORTS, frame["e"]),
            HEADERS[6]: us_date,
            HEADERS[7]: us_date,
            HEADERS[8]: pick(COUNTRIES, frame["i"]),
            HEADERS[9]: pick(COUNTRIES, frame["i"]),
            HEADERS[10]: pl.Series(["CNACMTOY1234SHA"] * rows),
            HEADERS[11]: pl.Series([""] * rows),
            HEADERS[12]: pl.Series(["1"] * rows),
            HEADERS[13]: pick(HTS, frame["i"]),
            HEADERS[14]: _dollars(frame["cents"]),
            HEADERS[15]: _dollars(frame["cents"] // 20),
            HEADERS[16]: (frame["i"] % 50 + 1).cast(pl.String),
            HEADERS[17]: pl.Series(["NO"] * rows),
        }
    )


def _dollars(cents: pl.Series) -> pl.Series:
    """$1,234.56 as ACE writes money."""
    whole = (cents // 100).cast(pl.String)
    grouped = whole.str.reverse().str.replace_all(r"(\d{3})", "$1,").str.reverse()
    grouped = grouped.str.strip_prefix(",")
    return "$" + grouped + "." + (cents % 100).cast(pl.String).str.zfill(2)


def write_es003(path: Path, rows: int, *, chunk: int = 500_000) -> Path:
    """An ES-003 CSV of `rows` rows, written in chunks (files larger than memory)."""
    with path.open("wb") as handle:
        for offset in range(0, rows, chunk):
            part = es003_frame(min(chunk, rows - offset), start=offset // 4 + 1)
            part.write_csv(handle, include_header=offset == 0, quote_style="non_numeric")
    return path


# --- small hand-made exports -------------------------------------------------------------
def field(value: str, delimiter: str) -> str:
    """A CSV field as an export writes it: ="..." left bare, quoted when it must be."""
    if value.startswith('="'):
        return value
    if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_export(
    path: Path,
    rows: list[list[str]],
    *,
    delimiter: str = ",",
    bom: bool = True,
    eol: str = "\r\n",
    encoding: str = "utf-8",
) -> Path:
    """`rows` (the header first) written the way ACE Reports downloads look."""
    text = eol.join(delimiter.join(field(v, delimiter) for v in row) for row in rows) + eol
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def lake_rows(lake: Path, table: str) -> pl.DataFrame:
    """Every row of a lake table, sorted by its natural key (empty frame when none)."""
    from data_access.lake import table_files
    from data_access.schema import table as spec_of

    files = table_files(lake, table)
    if not files:
        return pl.DataFrame()
    return pl.read_parquet(files, hive_partitioning=False).sort(spec_of(table).key)


# --- ES-003 with Chapter 99 ordinals, under ACE's own headers -----------------------------
ES003_HEADERS = [
    "Entry Summary Number", "Entry Summary Line Number", "Entry Type Code", "Importer Number",
    "Importer Name", "Port of Entry Code", "Entry Date", "Entry Summary Date",
    "Importation Date", "Country of Origin Code", "Country of Export Code", "Manufacturer ID",
    "Foreign Exporter ID", "Line SPI Code", "Tariff Ordinal Number", "HTS Number - Full",
    "Line Tariff Goods Value Amount", "Line Tariff Duty Amount", "Line Tariff Quantity (1)",
    "Line Tariff UOM (1) Code", "Column 1 Current Primary Duty Rate", "Filer Name",
    "Review Team Number", "Reconciliation Indicator", "Post Summary Correction Indicator",
    "Line Post Summary Correction Indicator",
]  # fmt: skip
LIQUIDATION_HEADERS = ["Liquidation Date", "Liquidation Status"]  # when the user adds them
ES003_START = date(2025, 1, 1)  # the entry of day n is serial n + 1: same day, same entry
IEEPA_CHINA_FROM = date(2025, 2, 4)  # 9903.01.20, +10%


def us(day: date) -> str:
    return day.strftime("%m/%d/%Y")


def es003_entry(day: date, *, liquidation: bool = True) -> list[list[str]]:
    """The rows ACE's ES-003 holds for the entry of `day`: 1-3 lines, and on each Chinese
    line its Chapter 99 ordinals as ES-003 writes them (8 digits, $0.00 goods value):
    Section 301 99038803 (25%), and from 2025-02-04 IEEPA 99030120 (10%)."""
    serial = (day - ES003_START).days + 1
    [entry] = entry_numbers(1, start=serial)
    liquidated = serial % 4 == 0
    liquidation_cells = (
        [us(day + timedelta(days=314)) if liquidated else "",
         "Liquidated" if liquidated else "Unliquidated"]
        if liquidation else []
    )  # fmt: skip
    rows = []
    for line in range(1, serial % 3 + 2):
        country = COUNTRIES[(serial + line) % len(COUNTRIES)]
        cents = (serial * 7919 + line * 104_729) % 5_000_000 + 10_000
        ordinals = [(HTS[(serial + line) % len(HTS)], cents, cents // 40, "2.5%")]
        if country == "CN":
            ordinals.append(("99038803", 0, cents // 4, "25%"))
            if day >= IEEPA_CHINA_FROM:
                ordinals.append(("99030120", 0, cents // 10, "10%"))
        for ordinal, (hts, value, duty, rate) in enumerate(ordinals, start=1):
            first = ordinal == 1
            rows.append([
                entry, str(line), "01", IMPORTERS[0], "Acme, Inc.", "2704", us(day),
                us(day + timedelta(days=10)), us(day), country, country, "CNACMTOY1234SHA",
                "", "", str(ordinal), hts, _dollar(value), _dollar(duty),
                str(line * 10) if first else "", "NO" if first else "", rate,
                "BII Brokerage", "R07", "N", "N", "N", *liquidation_cells,
            ])  # fmt: skip
    return rows


def es003_period(first: date, last: date, *, liquidation: bool = True) -> list[list[str]]:
    """ES-003 for entry dates `first`..`last`: the header row, then every entry's rows."""
    days = range((last - first).days + 1)
    headers = ES003_HEADERS + (LIQUIDATION_HEADERS if liquidation else [])
    body = [r for n in days for r in es003_entry(first + timedelta(n), liquidation=liquidation)]
    return [headers, *body]


def _dollar(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


NUMERIC_CELLS = {  # ES-003 columns Excel holds as numbers (money as plain amounts)
    "Entry Summary Line Number", "Tariff Ordinal Number", "HTS Number - Full",
    "Line Tariff Goods Value Amount", "Line Tariff Duty Amount", "Line Tariff Quantity (1)",
}  # fmt: skip


def write_es003_xlsx(path: Path, rows: list[list[str]]) -> Path:
    """`rows` (the header first) as ACE's Excel download: the data on "Main Report" after a
    parameters sheet, codes, money and ordinals as number cells, entry dates as dates."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    book.add_worksheet("Report Parameters").write_row(0, 0, ["Report", "ES-003"])
    sheet = book.add_worksheet("Main Report")
    us_date = book.add_format({"num_format": "mm/dd/yyyy"})
    headers = rows[0]
    sheet.write_row(0, 0, headers)
    for index, row in enumerate(rows[1:], start=1):
        for column, (header, value) in enumerate(zip(headers, row, strict=True)):
            if header in NUMERIC_CELLS and value:
                sheet.write_number(index, column, float(value.replace("$", "").replace(",", "")))
            elif header == "Entry Date":
                sheet.write_datetime(index, column, datetime.strptime(value, "%m/%d/%Y"), us_date)
            else:
                sheet.write_string(index, column, value)
    book.close()
    return path
