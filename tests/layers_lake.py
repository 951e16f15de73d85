"""Six entries with known Chapter 99 layers, for the tariff layer tests.

Every expected figure in tests/test_layers.py is worked out by hand from the rows below,
against the shipped registry (config/tariff_layers.yaml). ACME (12-3456789AB) files
through ABC, BOLT (98-7654321CD) through XYZ.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl

from data_access import codes, lake

ACME = "12-3456789AB"
BOLT = "98-7654321CD"


def entry(filer: str, serial: int) -> str:
    digits = f"{serial:07d}"
    return f"{filer}{digits}{codes.check_digit(filer, digits)}"


# number -> (filer, importer, entry date)
HEADERS = {
    1: ("ABC", ACME, "2019-06-03"),  # Section 301 List 3 at 25%
    2: ("ABC", ACME, "2025-04-15"),  # 232 steel, fentanyl, 301; China reciprocal 125%
    3: ("XYZ", BOLT, "2026-03-02"),  # after the ruling: an IEEPA layer filed in error; 122
    4: ("XYZ", BOLT, "2018-01-15"),  # List 3 filed before List 3 existed
    5: ("ABC", ACME, "2025-09-10"),  # no 301 or fentanyl layer where expected; 9903.99.01
    6: ("ABC", ACME, "2025-07-01"),  # reciprocal stacked on Section 232 aluminum
}
E = {n: entry(h[0], n) for n, h in HEADERS.items()}

# (entry, line, ordinal, hts, origin, value, duty)
LINES = [
    (1, 1, 1, "7318150000", "CN", 100000, 4000),
    (1, 1, 2, "9903880300", "CN", 0, 10000),
    (1, 2, 1, "9403608081", "CN", 20000, 0),
    (1, 2, 2, "99038803", "CN", 0, 5000),  # ES-003 writes 8 digits
    (2, 1, 1, "7208510060", "CN", 50000, 0),
    (2, 1, 2, "9903800100", "CN", 0, 12500),
    (2, 1, 3, "9903012400", "CN", 0, 10000),
    (2, 1, 4, "9903880300", "CN", 0, 12500),
    (2, 2, 1, "8471300100", "CN", 10000, 0),
    (2, 2, 2, "9903016300", "CN", 0, 12500),
    (2, 2, 3, "9903012400", "CN", 0, 2000),
    (3, 1, 1, "9403608081", "CN", 8000, 0),
    (3, 1, 2, "9903012400", "CN", 0, 800),
    (3, 1, 3, "9903880300", "CN", 0, 2000),
    (3, 1, 4, "9903030100", "CN", 0, 800),
    (4, 1, 1, "9403608081", "CN", 1000, 0),
    (4, 1, 2, "9903880300", "CN", 0, 100),
    (5, 1, 1, "9403608081", "CN", 30000, 0),
    (5, 2, 1, "8471300100", "CN", 5000, 0),
    (5, 2, 2, "9903990100", "CN", 0, 50),
    (6, 1, 1, "7604291090", "DE", 40000, 2000),
    (6, 1, 2, "9903850200", "DE", 0, 20000),
    (6, 1, 3, "9903012500", "DE", 0, 4000),
]


def _money(value: int) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def header_frame() -> pl.DataFrame:
    rows = [
        {"entry_number": E[n], "filer_code": f, "importer_number": i, "entry_date": d}
        for n, (f, i, d) in HEADERS.items()
    ]
    return pl.DataFrame(rows).with_columns(
        pl.col("entry_date").str.to_date(),
        entry_type=pl.lit("01"),
        port_of_entry=pl.lit("2704"),
        mode_of_transport=pl.lit("11"),
    )


def line_frame(headers: pl.DataFrame) -> pl.DataFrame:
    columns = ["entry", "line_number", "tariff_ordinal", "hts_number", "country_of_origin",
               "entered_value", "duty_amount"]  # fmt: skip
    rows = [dict(zip(columns, row, strict=True)) for row in LINES]
    for row in rows:
        row["entry_number"] = E[row.pop("entry")]
        row["entered_value"], row["duty_amount"] = (
            _money(row["entered_value"]),
            _money(row["duty_amount"]),
        )
    money = {"entered_value": pl.Decimal(18, 2), "duty_amount": pl.Decimal(18, 2)}
    frame = pl.DataFrame(rows, schema_overrides=money)
    return frame.join(headers, on="entry_number")


def build(where: Path) -> Path:
    headers = header_frame()
    lines = line_frame(headers)
    totals = lines.group_by("entry_number").agg(
        entered_value=pl.col("entered_value").sum(), duty_amount=pl.col("duty_amount").sum()
    )
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_summaries", headers.join(totals, on="entry_number"))
        tx.write("entry_lines", lines)
        tx.record(file="layers_lake", rows_loaded=lines.height)
    return where
