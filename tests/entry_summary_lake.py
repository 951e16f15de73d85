"""A dozen entries with known values for the Entry Summary and Exams tests.

Every expected figure in the tests is worked out by hand from the rows below. Two
importers: ACME (12-3456789AB) and BOLT (98-7654321CD); two filers: ABC files all of
ACME's entries and one of BOLT's (E9), XYZ files the rest of BOLT's.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl

from data_access import codes, lake

ACME = "12-3456789AB"
BOLT = "98-7654321CD"
AS_OF = date(2024, 6, 30)


def entry(filer: str, serial: int) -> str:
    digits = f"{serial:07d}"
    return f"{filer}{digits}{codes.check_digit(filer, digits)}"


# number -> (filer, importer, type, port, mode, entry date, liquidation date, liquidation
# type, recon flag, FTA flag, CF-28, CF-29); flags 1 = yes
HEADERS = {
    1: ("ABC", ACME, "01", "2704", "11", "2023-01-10", "2023-11-20", "1", None, 0, 0, 0),
    2: ("ABC", ACME, "01", "2704", "11", "2023-01-25", "2024-02-01", "2", "001", 0, 1, 0),
    3: ("ABC", ACME, "03", "2709", "11", "2023-02-14", None, None, None, 0, 0, 0),
    4: ("ABC", ACME, "03", "1001", "40", "2023-09-01", None, None, None, 0, 0, 0),
    5: ("ABC", ACME, "01", "1001", "40", "2023-10-01", None, None, "002", 0, 0, 1),
    6: ("ABC", ACME, "01", "2704", "11", "2023-11-15", None, None, None, 0, 0, 0),
    7: ("XYZ", BOLT, "01", "2304", "30", "2023-03-05", "2024-01-19", "3", None, 0, 1, 1),
    8: ("XYZ", BOLT, "11", "2304", "30", "2023-12-20", None, None, None, 1, 0, 0),
    9: ("ABC", BOLT, "01", "5301", "11", "2024-01-08", None, None, None, 0, 0, 0),
    10: ("XYZ", BOLT, "01", "5301", "11", "2022-06-01", "2023-04-14", "1", None, 0, 0, 0),
    11: ("ABC", ACME, "03", "2709", "11", "2024-02-20", None, None, None, 0, 1, 0),
    12: ("XYZ", BOLT, "01", "2304", "30", "2024-03-10", "2024-05-03", "1", None, 0, 0, 0),
}  # fmt: skip
E = {n: entry(h[0], n) for n, h in HEADERS.items()}
AD, CV = "A-570-910", "C-570-911"

# (entry, line, ordinal, hts, origin, MID, SPI, value, duty, ADD, ADD case, CVD, CVD case, MPF)
LINES = [
    (1, 1, 1, "8471300100", "CN", "CNLENSHE1SHE", None, 10000, 0, None, None, None, None, "34.64"),
    (1, 1, 2, "9903880301", "CN", "CNLENSHE1SHE", None, 0, 2500, None, None, None, None, None),
    (1, 2, 1, "6109100012", "VN", "VNHANGAR2HAN", None, 5000, 830, None, None, None, None, "17.32"),
    (2, 1, 1, "8471300100", "CN", "CNLENSHE1SHE", None, 20000, 0, None, None, None, None, "69.28"),
    (2, 1, 2, "9903880301", "CN", "CNLENSHE1SHE", None, 0, 5000, None, None, None, None, None),
    (3, 1, 1, "7306300000", "CN", "CNSTEPIP8TIA", None, 8000, 0, 3000, AD, 1000, CV, None),
    (3, 1, 2, "9903800100", "CN", "CNSTEPIP8TIA", None, 0, 2000, None, None, None, None, None),
    (4, 1, 1, "7306300000", "CN", "CNSTEPIP8TIA", None, 4000, 0, 1500, AD, None, None, None),
    (5, 1, 1, "8517620090", "MX", "MXTELMON5MON", "S", 12000, 0, None, None, None, None, None),
    (5, 2, 1, "6109100012", "MX", "MXTEXGUA7GUA", "S", 3000, 0, None, None, None, None, None),
    (6, 1, 1, "9403608081", "CN", "CNFURNIN9NIN", None, 6000, 0, None, None, None, None, None),
    (6, 1, 2, "9903880301", "CN", "CNFURNIN9NIN", None, 0, 1500, None, None, None, None, None),
    (7, 1, 1, "8708295160", "MX", "MXAUTPAR3MON", "S", 15000, 0, None, None, None, None, None),
    (7, 2, 1, "8708295160", "MX", "MXAUTPAR3MON", None, 5000, 125, None, None, None, None, None),
    (8, 1, 1, "6109100012", "CA", "XOCANTEX1TOR", "S", 2000, 0, None, None, None, None, None),
    (9, 1, 1, "8471300100", "CN", "CNLENSHE1SHE", None, 30000, 0, None, None, None, None, None),
    (9, 1, 2, "9903880301", "CN", "CNLENSHE1SHE", None, 0, 7500, None, None, None, None, None),
    (10, 1, 1, "0901210000", "CO", "COCAFMED1MED", "CO", 9000, 0, None, None, None, None, None),
    (11, 1, 1, "7306300000", "CN", "CNSTEPIP8TIA", None, 10000, 0, 2000, AD, 500, CV, None),
    (11, 1, 2, "9903800100", "CN", "CNSTEPIP8TIA", None, 0, 2500, None, None, None, None, None),
    (12, 1, 1, "8708295160", "MX", "MXAUTPAR3MON", "S", 7000, 0, None, None, None, None, None),
]  # fmt: skip

# (exam id, entry, date, type, result, discrepancy type, HTS, origin)
EXAMS = [
    ("X1", 1, date(2023, 1, 12), "NII", "NO_DISCREPANCY", None, "8471300100", "CN"),
    ("X2", 2, date(2023, 1, 28), "INTENSIVE", "DISCREPANCY", "CLASSIFICATION", "8471300100", "CN"),
    ("X3", 3, date(2023, 2, 16), "TAILGATE", "NO_DISCREPANCY", None, "7306300000", "CN"),
    ("X4", 7, date(2023, 3, 7), "INTENSIVE", "DISCREPANCY", "VALUE", "8708295160", "MX"),
    ("X5", 7, date(2023, 3, 8), "DOCUMENT", "DISCREPANCY", "MARKING", "8708295160", "MX"),
    ("X6", 11, date(2024, 2, 22), "NII", "NO_DISCREPANCY", None, "7306300000", "CN"),
    ("X7", 12, date(2024, 3, 12), "TAILGATE", "DISCREPANCY", "QUANTITY", "8708295160", "MX"),
]

MONEY = ["entered_value", "duty_amount", "add_amount", "cvd_amount", "mpf_amount"]


def _money(value: int | str | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def header_frame() -> pl.DataFrame:
    columns = ["filer_code", "importer_number", "entry_type", "port_of_entry", "mode_of_transport",
               "entry_date", "liquidation_date", "liquidation_type", "recon_flag",
               "fta_recon_flag", "cf28_issued", "cf29_issued"]  # fmt: skip
    rows = [dict(zip(columns, h, strict=True), entry_number=E[n]) for n, h in HEADERS.items()]
    dates, flags = ["entry_date", "liquidation_date"], columns[-3:]
    frame = pl.DataFrame(rows).with_columns(pl.col(dates).str.to_date(), pl.col(flags) == 1)
    return frame.with_columns(
        importer_name=pl.col("importer_number").replace_strict(
            {ACME: "Acme Imports", BOLT: "Bolt Hardware"}
        ),
        entry_summary_date=pl.col("entry_date") + timedelta(days=10),
        liquidation_status=pl.when(pl.col("liquidation_date").is_null())
        .then(pl.lit("UNLIQUIDATED"))
        .otherwise(pl.lit("LIQUIDATED")),
        bond_type=pl.lit("8"),
        surety_code=pl.lit("123"),
    )


def line_frame(headers: pl.DataFrame) -> pl.DataFrame:
    columns = ["entry", "line_number", "tariff_ordinal", "hts_number", "country_of_origin",
               "manufacturer_id", "spi", "entered_value", "duty_amount", "add_amount",
               "add_case_number", "cvd_amount", "cvd_case_number", "mpf_amount"]  # fmt: skip
    rows = [dict(zip(columns, row, strict=True)) for row in LINES]
    for row in rows:
        row["entry_number"] = E[row.pop("entry")]
        for name in MONEY:
            row[name] = _money(row[name])
    frame = pl.DataFrame(rows, schema_overrides={m: pl.Decimal(18, 2) for m in MONEY})
    copied = ["entry_number", "importer_number", "filer_code", "entry_type", "port_of_entry",
              "mode_of_transport", "entry_date"]  # fmt: skip
    return frame.join(headers.select(copied), on="entry_number")


def with_header_money(headers: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """Header totals: value, duty (duty + ADD + CVD) and fees (MPF) summed over lines."""
    totals = lines.group_by("entry_number").agg(
        entered_value=pl.col("entered_value").sum(),
        duty_amount=pl.sum_horizontal(
            pl.col("duty_amount", "add_amount", "cvd_amount").fill_null(0)
        ).sum(),
        fee_amount=pl.col("mpf_amount").fill_null(0).sum(),
        country_of_export=pl.col("country_of_origin").first(),
    )
    return headers.join(totals, on="entry_number")


def exam_frame(headers: pl.DataFrame) -> pl.DataFrame:
    columns = ["exam_id", "entry", "exam_date", "exam_type", "result", "discrepancy_type",
               "hts_number", "country_of_origin"]  # fmt: skip
    rows = [dict(zip(columns, row, strict=True)) for row in EXAMS]
    for row in rows:
        row["entry_number"] = E[row.pop("entry")]
    copied = ["entry_number", "importer_number", "filer_code", "port_of_entry",
              "mode_of_transport", "entry_type"]  # fmt: skip
    return pl.DataFrame(rows).join(headers.select(copied), on="entry_number")


def build(where: Path) -> Path:
    """Write the sample lake at `where` (fresh) and return it."""
    headers = header_frame()
    lines = line_frame(headers)
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_summaries", with_header_money(headers, lines))
        tx.write("entry_lines", lines)
        tx.write("exams", exam_frame(headers))
        tx.record(file="entry_summary_lake", rows_loaded=lines.height)
    return where
