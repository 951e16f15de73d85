"""A small lake for the Cargo Release, Bond and Reconciliation tests, built by hand.

Two importers: ACME (filer ABC) and BOLT (filer XYZ). The expected values in the tests
are worked out from the rows below; the comments give the figures they rest on.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl

from data_access import codes, lake

ACME = "27-1234567AB"
BOLT = "30-7654321CD"
AS_OF = date(2024, 4, 15)  # the "today" of the tests


def entry(filer: str, serial: int) -> str:
    text = f"{serial:07d}"
    return f"{filer}{text}{codes.check_digit(filer, text)}"


def _money(values: list[str | None]) -> pl.Series:
    return pl.Series([None if v is None else Decimal(v) for v in values], dtype=pl.Decimal(18, 2))


IMPORTERS = {"ABC": ACME, "XYZ": BOLT}


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def cargo_releases() -> pl.DataFrame:
    # release days: 2, 10, 1, 4, (not released), 3, 0
    rows = [  # filer, serial, port, mode, arrival, release, status, hold agency
        ("ABC", 1, "2704", "11", "2024-01-02", "2024-01-04", "Released", None),
        ("ABC", 2, "2704", "11", "2024-01-10", "2024-01-20", "Released", "FDA"),
        ("ABC", 3, "1001", "40", "2024-01-15", "2024-01-16", "Released", None),
        ("ABC", 4, "2704", "11", "2024-02-01", "2024-02-05", "Released", None),
        ("ABC", 5, "1001", "40", "2024-02-03", None, "CBP Review", "CBP"),
        ("XYZ", 1, "2304", "30", "2023-12-30", "2024-01-02", "Released", "USDA"),
        ("XYZ", 2, "2304", "30", "2024-02-10", "2024-02-10", "Released", None),
    ]
    return pl.DataFrame(
        [
            {
                "entry_number": entry(filer, serial),
                "importer_number": IMPORTERS[filer],
                "filer_code": filer,
                "port_of_entry": port,
                "mode_of_transport": mode,
                "bill_of_lading": f"BOL{i}",
                "arrival_date": _day(arrival),
                "release_date": _day(release),
                "release_status": status,
                "hold_agency": agency,
            }
            for i, (filer, serial, port, mode, arrival, release, status, agency) in enumerate(rows)
        ]
    )


def bonds() -> pl.DataFrame:
    rows = [  # bond, filer of its importer, type, activity, surety, amount, effective, end, entry
        ("CA1", "ABC", "8", "1", "123", "50000.00", "2022-01-01", "2023-12-31", None),
        ("CA2", "ABC", "8", "1", "123", "60000.00", "2024-01-01", None, None),
        ("CB1", "XYZ", "8", "1", "456", "100000.00", "2023-06-15", "2024-06-30", None),
        ("CB2", "XYZ", "8", "3", "456", "75000.00", "2023-01-01", None, None),
        ("S1", "ABC", "9", "1", "999", "5000.00", "2024-01-10", None, 2),
        ("S2", "ABC", "9", "1", "998", "25000.00", "2024-02-01", None, 4),
        ("S3", "XYZ", "9", "1", "999", "150000.00", "2024-02-10", "2024-07-15", 2),
        ("S4", "XYZ", "9", "1", "999", "9999.99", "2024-03-01", "2024-07-14", 3),
    ]
    frame = pl.DataFrame(
        [
            {
                "bond_number": bond,
                "importer_number": IMPORTERS[filer],
                "bond_type": kind,
                "activity_code": activity,
                "surety_code": surety,
                "bond_amount": amount,
                "effective_date": _day(effective),
                "termination_date": _day(end),
                "status": "TERMINATED" if bond == "CA1" else "ACTIVE",
                "entry_number": entry(filer, serial) if serial else None,
            }
            for bond, filer, kind, activity, surety, amount, effective, end, serial in rows
        ]
    )
    return frame.with_columns(
        _money(frame.get_column("bond_amount").to_list()).alias("bond_amount")
    )


def entry_summaries() -> pl.DataFrame:
    """The duties, taxes and fees behind the sufficiency figures (per month):
    ACME 2023-03 300,000.00; 2023-06 250,000.00; 2024-01 100,000.01; 2024-02 0.
    BOLT 2023-09 1,000,000.00; 2023-11 0.01. The lake's data starts on 1 Jan 2021 (an entry
    without duties), so every month from Jan 2022 on has 12 full months of history."""
    rows = [
        (entry("ABC", 100), ACME, "ABC", date(2021, 1, 1), None, None, None),
        (entry("ABC", 101), ACME, "ABC", date(2023, 3, 10), "200000.00", "50000.00", "50000.00"),
        (entry("ABC", 102), ACME, "ABC", date(2023, 6, 20), "250000.00", None, None),
        (entry("ABC", 103), ACME, "ABC", date(2024, 1, 5), "100000.00", "0.00", "0.01"),
        (entry("ABC", 104), ACME, "ABC", date(2024, 2, 1), None, None, None),
        (entry("XYZ", 101), BOLT, "XYZ", date(2023, 9, 30), "999999.00", None, "1.00"),
        (entry("XYZ", 102), BOLT, "XYZ", date(2023, 11, 1), None, None, "0.01"),
    ]
    columns = ["entry_number", "importer_number", "filer_code", "entry_date", "duty_amount",
               "tax_amount", "fee_amount"]  # fmt: skip
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    first = pl.col("entry_date") == date(2021, 1, 1)  # liquidated long ago: no item due
    return frame.with_columns(
        *(_money(frame.get_column(c).to_list()).alias(c) for c in columns[4:]),
        liquidation_date=pl.when(first).then(pl.lit(date(2021, 11, 12))),
        liquidation_status=pl.when(first).then(pl.lit("LIQUIDATED")),
        entry_type=pl.lit("01"),
        port_of_entry=pl.lit("2704"),
        entered_value=pl.lit(Decimal("1000.00"), pl.Decimal(18, 2)),
    )


def reconciliations() -> pl.DataFrame:
    # due dates by the rule: R1 2025-02-28, R2 2024-02-29, R3 (FTA) 2025-02-28,
    # R4 2024-10-13, R5 2024-10-31, R6 2024-05-01, R7 (FTA, no entry date) the 2024-08-15 on file
    rows = [
        (entry("ABC", 201), ACME, "ABC", "001", False, date(2023, 5, 21), date(2023, 5, 31), None,
         entry("ABC", 901), date(2024, 4, 1), "FILED", "1000.00", "25.00"),
        (entry("ABC", 202), ACME, "ABC", "002", False, date(2022, 5, 20), date(2022, 5, 31), None,
         None, None, "OPEN", None, None),
        (entry("ABC", 203), ACME, "ABC", "001", True, date(2024, 2, 29), date(2024, 3, 8), None,
         None, None, "OPEN", None, None),
        (entry("XYZ", 201), BOLT, "XYZ", "004", False, date(2023, 1, 3), date(2023, 1, 13), None,
         entry("XYZ", 901), date(2024, 3, 1), "FILED", "-500.00", "-12.50"),
        (entry("XYZ", 202), BOLT, "XYZ", "007", False, date(2023, 1, 30), date(2023, 1, 31), None,
         entry("XYZ", 901), date(2024, 3, 1), "FILED", "200.00", None),
        (entry("XYZ", 203), BOLT, "XYZ", "001", False, None, date(2022, 8, 1), None,
         None, None, "OPEN", None, None),
        (entry("XYZ", 204), BOLT, "XYZ", "003", True, None, date(2023, 9, 1), date(2024, 8, 15),
         None, None, None, None, None),
    ]  # fmt: skip
    columns = ["flagged_entry_number", "importer_number", "filer_code", "flag_type", "fta_flag",
               "entry_date", "flagged_date", "due_date", "recon_entry_number", "filed_date",
               "status", "value_adjustment", "duty_adjustment"]  # fmt: skip
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    return frame.with_columns(
        _money(frame.get_column(c).to_list()).alias(c)
        for c in ("value_adjustment", "duty_adjustment")
    )


TABLES = {
    "cargo_releases": cargo_releases,
    "bonds": bonds,
    "entry_summaries": entry_summaries,
    "reconciliations": reconciliations,
}


def build(where: Path) -> Path:
    with lake.transaction(where, fresh=True) as tx:
        for name, rows in TABLES.items():
            tx.write(name, rows())
        tx.record(file="cbr_lake", rows_loaded=0)
    return where
