"""A small lake with every kind of audit finding planted in known numbers, for the audit
and scorecard tests (and `clean()`: the same lake with nothing planted).

ACME (12-3456789AB) files through ABC, BOLT (98-7654321CD) through XYZ. The clean rows:
14 ACME entries in March 2024 (FY2024: MPF minimum $31.67, maximum $614.35), one line
each of 8471.30.01.00 from Taiwan by vessel, 100 units at $10.00 to $11.30, duty rate 0,
MPF the minimum, HMF 0.125%; and 3 BOLT entries of Mexican goods claimed under USMCA by
truck (no MPF: exempt; no HMF). Each planted finding is one more entry (or row) below,
with what the audit must say about it in PLANTED.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl

from data_access import codes, lake

ACME = "12-3456789AB"
BOLT = "98-7654321CD"
HTS = "8471300100"
MID = "TWGOLSUN1234TAI"
MARCH = date(2024, 3, 4)
MPF_MIN = Decimal("31.67")


def entry(filer: str, serial: int) -> str:
    digits = f"{serial:07d}"
    return f"{filer}{digits}{codes.check_digit(filer, digits)}"


def _cents(value: float | Decimal | str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def line(number: str, **over: object) -> dict[str, object]:
    """One goods row of a clean ACME entry; `over` changes any column."""
    value = _cents(over.pop("entered_value", "1000.00"))
    row: dict[str, object] = {
        "entry_number": number, "line_number": 1, "tariff_ordinal": 1,
        "importer_number": ACME, "filer_code": number[:3], "entry_type": "01",
        "port_of_entry": "2704", "mode_of_transport": "11", "entry_date": MARCH,
        "hts_number": HTS, "country_of_origin": "TW", "manufacturer_id": MID, "spi": None,
        "quantity": 100.0, "unit_of_measure": "NO", "entered_value": value,
        "duty_rate": 0.0, "duty_amount": _cents(0), "mpf_amount": MPF_MIN,
        "hmf_amount": _cents(value * Decimal("0.00125")),
    }  # fmt: skip
    row.update(over)
    return row


def _clean_lines() -> list[dict[str, object]]:
    rows = [
        line(entry("ABC", n), entered_value=1000 + 10 * n, entry_date=MARCH + timedelta(n))
        for n in range(1, 15)
    ]
    for n in range(1, 4):
        rows.append(
            line(
                entry("XYZ", n),
                importer_number=BOLT,
                country_of_origin="MX",
                spi="S",
                mode_of_transport="30",
                port_of_entry="2304",
                hts_number="9403608081",
                manufacturer_id="MXAZTMUE12MON",
                mpf_amount=_cents(0),
                hmf_amount=None,
                entered_value=2000 * n,
                duty_rate=0.0,
            )
        )
    return rows


P = {name: entry("ABC", serial) for serial, name in enumerate((
    "dup_line", "twin_a", "twin_b", "other_hts", "other_rate", "cheap", "dear", "bad_country",
    "late_export", "mpf_over", "mpf_under", "fy2027", "hmf_air", "agoa_et", "gsp",
    "layer_early", "layer_unknown", "layer_missing",
), start=101)}  # fmt: skip
BAD_ENTRY = "ABC0000201" + str((codes.check_digit("ABC", "0000201") + 1) % 10)
USMCA_VN = entry("XYZ", 50)


def _planted_lines() -> list[dict[str, object]]:
    day = MARCH + timedelta(days=20)
    rows = [
        line(P["dup_line"], entry_date=day),
        line(P["dup_line"], entry_date=day),  # the same row loaded twice
        line(P["twin_a"], entry_date=day, entered_value="1055.00"),
        line(P["twin_b"], entry_date=day, entered_value="1055.00"),
        line(P["other_hts"], entry_date=day, hts_number="8471309000"),
        line(P["other_rate"], entry_date=day, duty_rate=0.025, duty_amount=_cents(25)),
        line(P["cheap"], entry_date=day, entered_value="50.00", mpf_amount=MPF_MIN),
        line(P["dear"], entry_date=day, entered_value="100000.00", mpf_amount=_cents("346.40")),
        line(P["bad_country"], entry_date=day, country_of_origin="XX"),
        line(P["late_export"], entry_date=day),
        line(P["mpf_over"], entry_date=day, mpf_amount=_cents("700.00")),
        line(P["mpf_under"], entry_date=day, mpf_amount=_cents("10.00")),
        line(P["fy2027"], entry_date=date(2026, 11, 2), country_of_origin="DE",
             manufacturer_id="DEALPNOR12BER"),
        line(P["hmf_air"], entry_date=day, mode_of_transport="40", port_of_entry="2720"),
        line(P["agoa_et"], entry_date=day, country_of_origin="ET", spi="D",
             manufacturer_id="ETHARSTA5ADD", hts_number="6109100012"),
        line(P["gsp"], entry_date=day, country_of_origin="IN", spi="A",
             manufacturer_id="INROYSIL7MUM", hts_number="6109100012"),
        line(P["layer_early"], entry_date=day),
        line(P["layer_early"], entry_date=day, tariff_ordinal=2, hts_number="9903012500",
             entered_value="0", duty_amount=_cents(100), mpf_amount=None, hmf_amount=None,
             quantity=None, duty_rate=None),
        line(P["layer_unknown"], entry_date=day),
        line(P["layer_unknown"], entry_date=day, tariff_ordinal=2, hts_number="9903990100",
             entered_value="0", duty_amount=_cents(50), mpf_amount=None, hmf_amount=None,
             quantity=None, duty_rate=None),
        line(P["layer_missing"], entry_date=date(2025, 9, 10), country_of_origin="CN",
             hts_number="9403608081", manufacturer_id="CNGOLSUN88SHE", mpf_amount=_cents(33)),
        line(BAD_ENTRY, entry_date=day),
        line(USMCA_VN, importer_number=BOLT, country_of_origin="VN", spi="S",
             mode_of_transport="30", port_of_entry="2304", hts_number="9403608081",
             manufacturer_id="VNLOTHAR9HAN", mpf_amount=_cents(0), hmf_amount=None),
    ]  # fmt: skip
    return _distinct_values(rows)


def _distinct_values(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Planted entries left at the clean value get one of their own ($1,201, $1,202, ...),
    so only the twins share goods, value and day."""
    values: dict[str, Decimal] = {}
    for row in rows:
        if row["tariff_ordinal"] == 1 and row["entered_value"] == Decimal("1000.00"):
            number = str(row["entry_number"])
            value = values.setdefault(number, _cents(1201 + len(values)))
            row["entered_value"] = value
            if row["hmf_amount"] is not None:
                row["hmf_amount"] = _cents(value * Decimal("0.00125"))
    return rows


def _frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    money = {c: pl.Decimal(18, 2) for c in ("entered_value", "duty_amount", "mpf_amount",
                                            "hmf_amount")}  # fmt: skip
    ints = {"line_number": pl.Int32, "tariff_ordinal": pl.Int16}
    return pl.DataFrame(rows, schema_overrides=money | ints, infer_schema_length=None)


def _headers(lines: pl.DataFrame) -> pl.DataFrame:
    first = lines.unique(["entry_number", "line_number", "tariff_ordinal"], keep="first")
    heads = first.group_by("entry_number").agg(
        pl.col("importer_number", "filer_code", "entry_type", "port_of_entry",
               "mode_of_transport", "entry_date").first(),
        pl.col("entered_value", "duty_amount").sum(),
        fee_amount=(pl.col("mpf_amount").fill_null(0) + pl.col("hmf_amount").fill_null(0)).sum(),
    )  # fmt: skip
    export = pl.col("entry_date") - pl.duration(days=14)
    late = pl.col("entry_number") == P.get("late_export")
    return heads.with_columns(
        export_date=pl.when(late)
        .then(pl.col("entry_date") + pl.duration(days=3))
        .otherwise(export),
        entry_summary_date=pl.col("entry_date") + pl.duration(days=8),
    ).sort("entry_number")


def _with_forms(heads: pl.DataFrame) -> pl.DataFrame:
    """A CF-28 on every 6th entry (in entry number order), a CF-29 on every 9th; a
    post-summary correction on every 5th of ABC's, XYZ's entries silent on it (empty: a
    layout without the indicator); every 4th entry before 2026 liquidated 314 days on."""
    i = pl.int_range(pl.len())
    psc = pl.when(pl.col("filer_code") != "XYZ").then(i % 5 == 2)
    settled = (i % 4 == 0) & (pl.col("entry_date") < date(2026, 1, 1))
    return heads.with_columns(
        cf28_issued=i % 6 == 0,
        cf29_issued=i % 9 == 3,
        psc_indicator=psc,
        liquidation_date=pl.when(settled).then(pl.col("entry_date") + pl.duration(days=314)),
        liquidation_status=pl.when(settled)
        .then(pl.lit("Liquidated"))
        .otherwise(pl.lit("Unliquidated")),
    )


def _releases(heads: pl.DataFrame) -> pl.DataFrame:
    """A release per entry: 0, 1 or 2 days after arrival (the entry date), every 5th held
    by FDA, the 7th still waiting."""
    i = pl.int_range(pl.len())
    keep = ["entry_number", "importer_number", "filer_code", "port_of_entry", "mode_of_transport"]
    return heads.select(*keep, arrival_date="entry_date").with_columns(
        release_date=pl.when(i != 7).then(pl.col("arrival_date") + pl.duration(days=i % 3)),
        release_status=pl.when(i != 7).then(pl.lit("Released")).otherwise(pl.lit("CBP Review")),
        hold_agency=pl.when(i % 5 == 0).then(pl.lit("FDA")),
    )


def _exams(heads: pl.DataFrame) -> pl.DataFrame:
    """An exam on every 4th entry, every other one finding a discrepancy."""
    keep = ["entry_number", "importer_number", "filer_code", "port_of_entry", "mode_of_transport",
            "entry_type"]  # fmt: skip
    examined = heads.filter(pl.int_range(pl.len()) % 4 == 1).select(*keep, exam_date="entry_date")
    i = pl.int_range(pl.len())
    found = i % 2 == 0
    return examined.with_columns(
        exam_id=pl.format("EX{}", i),
        exam_type=pl.lit("NII"),
        result=pl.when(found).then(pl.lit("DISCREPANCY")).otherwise(pl.lit("NO_DISCREPANCY")),
        discrepancy_type=pl.when(found).then(pl.lit("VALUE")),
    )


def build(where: Path, *, planted: bool = True, filer_names: dict[str, str] | None = None) -> Path:
    """The audit lake; `filer_names`: ES-003's Filer Name on the entries of those codes."""
    rows = _clean_lines() + (_planted_lines() if planted else [])
    lines = _frame(rows)
    heads = _with_forms(_headers(lines))
    if filer_names:
        named = pl.col("filer_code").replace_strict(filer_names, default=None)
        heads = heads.with_columns(filer_name=named)
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_summaries", heads)
        tx.write("entry_lines", lines)
        tx.write("cargo_releases", _releases(heads))
        tx.write("exams", _exams(heads))
        tx.record(file="audit_lake", rows_loaded=lines.height)
    return where
