"""The Refunds page's reports (refunds.closing_by_week, refunds.entries and its count) on
the entries of tests/refunds_lake.py, worked by hand from tests/test_refunds.py's routes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from data_access.access import CBP, Principal
from data_access.reports.refunds import ENTRY_COLUMNS
from tests.refunds_lake import ACME, AS_OF, E, build
from tests.test_refunds import run

D = Decimal


@pytest.fixture(scope="module")
def refunds_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("refunds-weeks") / "lake")


def test_closing_by_week(refunds_lake) -> None:
    """Deadlines in the 26 weeks from AS_OF: entries 2 (CAPE) and 4 (protest) on AS_OF,
    week 1; 16 (CAPE, 2027-01-17: day 76, week 11); 3 (protest, day 99, week 15);
    13 (protest, day 150, week 22). Unliquidated and final entries have no deadline."""
    frame = run(refunds_lake, "refunds.closing_by_week", as_of=AS_OF)
    assert frame.columns == [
        "week", "week_start", "week_end", "route", "route_name", "entries", "ieepa_duty",
    ]  # fmt: skip
    week = timedelta(days=7)
    shown = frame.select("week", "week_start", "week_end", "route", "entries", "ieepa_duty")
    assert shown.rows() == [
        (1, AS_OF, AS_OF + timedelta(days=6), "cape", 1, D("100.00")),
        (1, AS_OF, AS_OF + timedelta(days=6), "protest", 1, D("100.00")),
        (11, AS_OF + 10 * week, date(2027, 1, 17), "cape", 1, D("100.00")),
        (15, AS_OF + 14 * week, AS_OF + 14 * week + timedelta(days=6), "protest", 1, D("100.00")),
        (22, AS_OF + 21 * week, AS_OF + 21 * week + timedelta(days=6), "protest", 1, D("100.00")),
    ]  # fmt: skip
    assert frame.schema["ieepa_duty"] == pl.Decimal(38, 2)


def test_closing_by_week_stops_at_the_horizon(refunds_lake) -> None:
    """13's protest closes on day 150 (week 22): outside a 21-week horizon, inside 22."""
    weeks = {
        n: run(refunds_lake, "refunds.closing_by_week", as_of=AS_OF, weeks=n) for n in (21, 22)
    }
    assert weeks[21]["entries"].sum() == 4
    assert weeks[22]["week"].to_list()[-1] == 22
    later = run(refunds_lake, "refunds.closing_by_week", as_of=date(2030, 1, 1))
    assert later.is_empty()  # every window has closed, or has no deadline


def test_closing_by_week_of_an_importer(refunds_lake) -> None:
    bolt = Principal.parse("importer:98-7654321CD")  # one unliquidated entry: no deadline
    assert run(refunds_lake, "refunds.closing_by_week", bolt, as_of=AS_OF).is_empty()
    acme = Principal.parse(f"importer:{ACME}")
    assert run(refunds_lake, "refunds.closing_by_week", acme, as_of=AS_OF)["entries"].sum() == 5


def test_entries_are_by_entry_in_the_users_words(refunds_lake) -> None:
    by_entry = run(refunds_lake, "refunds.by_entry", as_of=AS_OF)
    expected = by_entry.select(ENTRY_COLUMNS)  # stable names; the page shows them as words
    assert_frame_equal(run(refunds_lake, "refunds.entries", as_of=AS_OF), expected)
    pages = [
        run(refunds_lake, "refunds.entries", as_of=AS_OF, offset=offset, limit=5)
        for offset in range(0, 16, 5)
    ]
    assert [p.height for p in pages] == [5, 5, 5, 1]
    assert_frame_equal(pl.concat(pages), expected)


def test_entries_of_one_route_and_their_count(refunds_lake) -> None:
    protest = run(refunds_lake, "refunds.entries", as_of=AS_OF, route="protest")
    assert protest["entry_number"].to_list() == [E[4], E[3], E[13]]
    assert protest["days_left"].to_list() == [0, 99, 150]
    counts = {
        route: run(refunds_lake, "refunds.entries_count", as_of=AS_OF, route=route).item()
        for route in (None, "cape", "protest", "final", "not_eligible", "none")
    }
    assert counts == {
        None: 16, "cape": 7, "protest": 3, "final": 1, "not_eligible": 5, "none": 1,
    }  # fmt: skip
    assert run(refunds_lake, "refunds.entries_count", CBP, as_of=AS_OF).schema["rows"] == pl.Int64
