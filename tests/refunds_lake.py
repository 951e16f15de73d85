"""Entries in every IEEPA refund state around each boundary, for the refund tests.

As of AS_OF (2026-11-02), each entry of ACME below sits on one side of one rule of
config/refund_routes.yaml; every one dated inside the IEEPA period holds IEEPA duty on
9903.01.25 (reciprocal, $100.00) unless said otherwise. BOLT holds one CAPE entry, so the
tests see that an importer sees only its own.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl

from data_access import codes, lake

ACME = "12-3456789AB"
BOLT = "98-7654321CD"
AS_OF = date(2026, 11, 2)
IN_PERIOD = date(2025, 6, 2)


def ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


def entry(filer: str, serial: int) -> str:
    digits = f"{serial:07d}"
    return f"{filer}{digits}{codes.check_digit(filer, digits)}"


# serial -> (importer, entry type, liquidation date, liquidation status, recon flag, layers)
# layers: (9903 number, duty) filed on line 1 besides its goods ordinal
RECIPROCAL = (("9903012500", "100.00"),)
ENTRIES: dict[int, tuple] = {
    1: (ACME, "01", None, "UNLIQUIDATED", None, (("9903012400", "200.00"), *RECIPROCAL)),
    2: (ACME, "01", ago(80), "LIQUIDATED", None, RECIPROCAL),
    3: (ACME, "01", ago(81), "LIQUIDATED", None, RECIPROCAL),
    4: (ACME, "01", ago(180), "LIQUIDATED", None, RECIPROCAL),
    5: (ACME, "01", ago(181), "FINAL", None, RECIPROCAL),
    6: (ACME, "01", None, "SUSPENDED", None, RECIPROCAL),
    7: (ACME, "01", ago(200), "EXTENDED", None, RECIPROCAL),
    8: (ACME, "09", None, "UNLIQUIDATED", None, RECIPROCAL),
    9: (ACME, "08", None, "UNLIQUIDATED", None, RECIPROCAL),
    10: (ACME, "47", None, "UNLIQUIDATED", None, RECIPROCAL),
    11: (ACME, "01", None, "UNLIQUIDATED", "001", RECIPROCAL),
    12: (ACME, "03", None, "SUSPENDED", None, RECIPROCAL),
    13: (ACME, "03", ago(30), "LIQUIDATED", None, RECIPROCAL),
    14: (ACME, "01", None, "UNLIQUIDATED", None, (("9903880300", "250.00"),)),  # 301 only
    15: (ACME, "01", AS_OF + timedelta(days=10), "LIQUIDATED", None, RECIPROCAL),  # future
    16: (ACME, "01", date(2026, 10, 29), "LIQUIDATED", None, RECIPROCAL),
    17: (BOLT, "01", None, "UNLIQUIDATED", None, RECIPROCAL),
}
E = {n: entry("ABC" if spec[0] == ACME else "XYZ", n) for n, spec in ENTRIES.items()}
OUTSIDE = entry("ABC", 90)  # dated 2026-03-02 (Section 122): outside the IEEPA period


def _money(text: str) -> Decimal:
    return Decimal(text)


def _line(number: str, importer: str, etype: str, day: date, ordinal: int, hts: str, value: str,
          duty: str) -> dict:  # fmt: skip
    return {
        "entry_number": number, "line_number": 1, "tariff_ordinal": ordinal,
        "importer_number": importer, "filer_code": number[:3], "entry_type": etype,
        "port_of_entry": "2704", "mode_of_transport": "11", "entry_date": day,
        "hts_number": hts, "country_of_origin": "CN", "entered_value": _money(value),
        "duty_amount": _money(duty),
        "add_case_number": "A-570-910" if etype == "03" else None,
    }  # fmt: skip


def _rows() -> tuple[list[dict], list[dict]]:
    lines, heads = [], []
    for serial, (importer, etype, liquidated, status, recon, layers) in ENTRIES.items():
        number = E[serial]
        lines.append(_line(number, importer, etype, IN_PERIOD, 1, "8471300100", "1000.00", "0"))
        for ordinal, (hts, duty) in enumerate(layers, start=2):
            lines.append(_line(number, importer, etype, IN_PERIOD, ordinal, hts, "0", duty))
        duty = sum((_money(d) for _, d in layers), Decimal("0"))
        heads.append(_head(number, importer, etype, IN_PERIOD, duty, liquidated, status, recon))
    day = date(2026, 3, 2)
    lines.append(_line(OUTSIDE, ACME, "01", day, 1, "8471300100", "1000.00", "0"))
    lines.append(_line(OUTSIDE, ACME, "01", day, 2, "9903030100", "0", "100.00"))
    heads.append(_head(OUTSIDE, ACME, "01", day, Decimal("100.00"), None, "UNLIQUIDATED", None))
    return lines, heads


def _head(number: str, importer: str, etype: str, day: date, duty: Decimal,
          liquidated: date | None, status: str, recon: str | None) -> dict:  # fmt: skip
    return {
        "entry_number": number, "entry_type": etype, "importer_number": importer,
        "filer_code": number[:3], "port_of_entry": "2704", "entry_date": day,
        "mode_of_transport": "11", "entered_value": Decimal("1000.00"), "duty_amount": duty,
        "liquidation_date": liquidated, "liquidation_status": status, "recon_flag": recon,
    }  # fmt: skip


def build(where: Path) -> Path:
    lines, heads = _rows()
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_lines", pl.DataFrame(lines, infer_schema_length=None))
        tx.write("entry_summaries", pl.DataFrame(heads, infer_schema_length=None))
        tx.record(file="refunds", rows_loaded=len(lines))
    return where


def many(where: Path, *, eligible: int) -> Path:
    """`eligible` unliquidated ACME entries with $100.00 IEEPA duty each, one type 09."""
    lines, heads = [], []
    for serial in range(1, eligible + 2):
        number, etype = entry("ABC", serial), "09" if serial == 1 else "01"
        for ordinal, (hts, value, duty) in enumerate(
            (("8471300100", "1000.00", "0"), ("9903012500", "0", "100.00")), start=1
        ):
            lines.append(_line(number, ACME, etype, IN_PERIOD, ordinal, hts, value, duty))
        heads.append(_head(number, ACME, etype, IN_PERIOD, Decimal("100.00"), None, "", None))
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_lines", pl.DataFrame(lines, infer_schema_length=None))
        tx.write("entry_summaries", pl.DataFrame(heads, infer_schema_length=None))
        tx.record(file="many", rows_loaded=len(lines))
    return where
