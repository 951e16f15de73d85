"""Liquidation as it runs: the 314-day forecast only for the types that follow it, on
ACE's Friday; AD/CVD suspended, warehouse and TIB entries on withdrawal or export; held
statuses; overdue entries listed, not dropped. Figures worked out by hand below."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from data_access import codes, lake
from data_access import liquidation as rules
from data_access.access import CBP
from data_access.engines import get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope

AS_OF = date(2025, 6, 30)  # a Monday
D = Decimal

# serial -> (type, entry date, liquidation date, status, value, duty)
ENTRIES = {
    1: ("01", "2024-01-10", None, "UNLIQUIDATED", 1000, 100),  # day 314 Tue 19 Nov: Fri 22 Nov
    2: ("01", "2024-08-20", None, "UNLIQUIDATED", 2000, 200),  # day 314 is AS_OF: Fri 4 Jul
    3: ("01", "2024-09-15", None, "UNLIQUIDATED", 3000, 300),  # Sat 26 Jul: Fri 1 Aug
    4: ("07", "2023-05-01", None, "SUSPENDED", 4000, 400),
    5: ("21", "2024-02-01", None, "UNLIQUIDATED", 5000, 0),
    6: ("26", "2024-03-01", None, "UNLIQUIDATED", 6000, 0),
    7: ("23", "2024-04-01", None, "UNLIQUIDATED", 7000, 0),
    8: ("01", "2024-02-05", None, "EXTENDED", 8000, 800),
    9: ("06", "2024-02-10", None, "Suspended", 9000, 900),  # as an ACE file writes it
    10: ("01", "2024-03-01", "2025-01-10", "LIQUIDATED", 10000, 1000),
    11: ("11", "2024-08-01", None, "UNLIQUIDATED", 1100, 0),  # Wed 11 Jun: Fri 13 Jun
    12: ("01", "2024-09-02", "2025-07-18", "LIQUIDATED", 1200, 120),  # after AS_OF
    13: ("03", "2024-10-20", None, "UNLIQUIDATED", 1300, 130),
    14: ("22", "2024-10-20", None, "UNLIQUIDATED", 1400, 0),
}  # fmt: skip


def number(serial: int) -> str:
    digits = f"{serial:07d}"
    return f"LQT{digits}{codes.check_digit('LQT', digits)}"


@pytest.fixture(scope="module")
def liquidation_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    columns = ["entry_type", "entry_date", "liquidation_date", "liquidation_status",
               "entered_value", "duty_amount"]  # fmt: skip
    rows = [dict(zip(columns, e, strict=True), entry_number=number(n)) for n, e in ENTRIES.items()]
    frame = pl.DataFrame(rows).with_columns(
        pl.col("entry_date", "liquidation_date").str.to_date(),
        pl.col("entered_value", "duty_amount").cast(pl.Decimal(18, 2)),
        importer_number=pl.lit("12-3456789AB"),
        filer_code=pl.lit("LQT"),
        port_of_entry=pl.lit("2704"),
    )
    where = tmp_path_factory.mktemp("liquidation") / "lake"
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_summaries", frame)
        tx.record(file="liquidation test", rows_loaded=frame.height)
    return where


def run(where: Path, name: str, **options) -> pl.DataFrame:
    return REPORTS[name](Scope(get_engine(where, "duckdb"), CBP, Filters()), **options)


def test_clocks_and_the_friday_posting() -> None:
    assert [rules.clock(t) for t in ("01", "03", "07", "21", "22", "23", "26", "11", "86")] == [
        rules.FORECAST, rules.SUSPENDED, rules.SUSPENDED, rules.ON_WITHDRAWAL,
        rules.ON_WITHDRAWAL, rules.ON_EXPORT, rules.ON_WITHDRAWAL, rules.FORECAST,
        rules.FORECAST,
    ]  # fmt: skip
    assert rules.posting_day(date(2024, 8, 10)) == date(2024, 8, 16)  # Saturday
    assert rules.posting_day(date(2024, 8, 16)) == date(2024, 8, 16)  # a Friday stays
    assert rules.expected_liquidation(date(2024, 8, 20)) == date(2025, 7, 4)


def test_status_by_type_shows_each_clock(liquidation_lake: Path) -> None:
    frame = run(liquidation_lake, "entry_summary.liquidation_status", as_of=AS_OF)
    assert frame.select("entry_type", "status", "entries", "entered_value", "duties").rows() == [
        ("01", "Extended", 1, D("8000.00"), D("800.00")),
        ("01", "Liquidated", 1, D("10000.00"), D("1000.00")),
        ("01", "Overdue", 1, D("1000.00"), D("100.00")),
        ("01", "Unliquidated", 3, D("6200.00"), D("620.00")),
        ("03", "Suspended (AD/CVD)", 1, D("1300.00"), D("130.00")),
        ("06", "Suspended", 1, D("9000.00"), D("900.00")),
        ("07", "Suspended (AD/CVD)", 1, D("4000.00"), D("400.00")),
        ("11", "Overdue", 1, D("1100.00"), D("0.00")),
        ("21", "On withdrawal", 1, D("5000.00"), D("0.00")),
        ("22", "On withdrawal", 1, D("1400.00"), D("0.00")),
        ("23", "On export", 1, D("7000.00"), D("0.00")),
        ("26", "On withdrawal", 1, D("6000.00"), D("0.00")),
    ]


def test_forecast_on_fridays_with_overdue_entries_first(liquidation_lake: Path) -> None:
    due = run(liquidation_lake, "entry_summary.liquidation_due", as_of=AS_OF)
    columns = ["entry_number", "expected_liquidation_date", "days_to_liquidation",
               "within_days", "overdue"]  # fmt: skip
    assert due.select(columns).rows() == [
        (number(1), date(2024, 11, 22), -220, None, True),
        (number(11), date(2025, 6, 13), -17, None, True),
        (number(2), date(2025, 7, 4), 4, 30, False),
        (number(12), date(2025, 7, 18), 18, 30, False),
        (number(3), date(2025, 8, 1), 32, 60, False),
    ]  # 4, 13 AD/CVD; 5, 6, 14 warehouse; 7 TIB; 8 extended; 9 suspended; 10 liquidated
    assert (due["expected_liquidation_date"].dt.weekday() == 5).all()


def test_summary_counts_overdue_and_each_window(liquidation_lake: Path) -> None:
    summary = run(liquidation_lake, "entry_summary.liquidation_due_summary", as_of=AS_OF)
    assert summary.rows() == [
        ("Overdue", None, date(2025, 6, 29), 2, D("2100.00"), D("100.00")),
        ("Next 30 days", 30, date(2025, 7, 30), 2, D("3200.00"), D("320.00")),
        ("Next 60 days", 60, date(2025, 8, 29), 3, D("6200.00"), D("620.00")),
        ("Next 90 days", 90, date(2025, 9, 28), 3, D("6200.00"), D("620.00")),
    ]


def test_as_of_defaults_to_itrac_today(
    liquidation_lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITRAC_TODAY", AS_OF.isoformat())
    for name in ("liquidation_status", "liquidation_due", "liquidation_due_summary"):
        pinned = run(liquidation_lake, f"entry_summary.{name}", as_of=AS_OF)
        assert run(liquidation_lake, f"entry_summary.{name}").equals(pinned), name
