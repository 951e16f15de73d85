"""The CBP rules as pure functions: bond sufficiency and reconciliation due dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data_access import rules

D = Decimal


# --- required continuous bond amount ------------------------------------------------------
@pytest.mark.parametrize(
    ("dtf", "required"),
    [
        ("0.00", "50000"),  # no imports: the floor
        ("-25000.00", "50000"),  # net refunds: still the floor
        ("499999.99", "50000"),
        ("500000.00", "50000"),  # exactly 10% = $50,000: the floor itself
        ("500000.01", "60000"),  # one cent above: next $10,000
        ("550000.00", "60000"),
        ("600000.00", "60000"),  # exactly 10% on a $10,000 multiple: stays
        ("600000.01", "70000"),
        ("999999.99", "100000"),
        ("1000000.00", "100000"),  # exactly 10% = $100,000: the last $10,000 step
        ("1000000.01", "200000"),  # just above $100,000: next $100,000
        ("1500000.00", "200000"),
        ("2000000.00", "200000"),  # exactly 10% on a $100,000 multiple: stays
        ("2000000.01", "300000"),
        ("123456789.00", "12400000"),
    ],
)
def test_required_bond_amount(dtf: str, required: str) -> None:
    assert rules.required_bond_amount(D(dtf)) == D(required)


@pytest.mark.parametrize(
    ("low", "high", "required"),
    [  # DOMAIN.md's examples, both ends of each range
        ("0.00", "500000.00", "50000"),
        ("500000.01", "600000.00", "60000"),
        ("1000000.01", "2000000.00", "200000"),
    ],
)
def test_domain_examples(low: str, high: str, required: str) -> None:
    assert rules.required_bond_amount(D(low)) == D(required)
    assert rules.required_bond_amount(D(high)) == D(required)


@given(st.decimals(min_value=0, max_value=10**11, places=2))
def test_required_amount_is_the_smallest_sufficient_step(dtf: Decimal) -> None:
    required = rules.required_bond_amount(dtf)
    share = dtf / 10
    assert required >= share
    assert required >= rules.BOND_FLOOR
    step = rules.FINE_STEP if required <= rules.FINE_STEP_LIMIT else rules.COARSE_STEP
    assert required % step == 0
    if required > rules.BOND_FLOOR:  # one step less would not cover 10%
        assert required - step < share


# --- the trailing 12 months and the judgement day ---------------------------------------------
@pytest.mark.parametrize(
    ("judged", "window"),
    [
        (date(2024, 3, 20), (date(2023, 3, 1), date(2024, 2, 29))),  # across a year, leap Feb
        (date(2024, 2, 1), (date(2023, 2, 1), date(2024, 1, 31))),
        (date(2024, 1, 31), (date(2023, 1, 1), date(2023, 12, 31))),  # the calendar year before
        (date(2023, 12, 1), (date(2022, 12, 1), date(2023, 11, 30))),
    ],
)
def test_trailing_window_is_the_12_full_months_before(judged: date, window: tuple) -> None:
    assert rules.trailing_window(judged) == window


def test_months_cross_the_year() -> None:
    assert rules.months(date(2023, 11, 30), date(2024, 2, 1)) == [
        date(2023, 11, 1),
        date(2023, 12, 1),
        date(2024, 1, 1),
        date(2024, 2, 1),
    ]
    assert rules.months(date(2024, 3, 1), date(2024, 2, 29)) == []


def test_judged_on_is_the_month_end_or_as_of() -> None:
    as_of = date(2024, 4, 15)
    assert rules.judged_on(date(2024, 2, 1), as_of) == date(2024, 2, 29)
    assert rules.judged_on(date(2024, 4, 1), as_of) == as_of
    assert rules.judged_on(date(2024, 4, 1), date(2024, 4, 30)) == date(2024, 4, 30)


def test_bond_in_force_includes_both_ends() -> None:
    effective, termination = date(2023, 1, 1), date(2023, 12, 31)
    assert rules.bond_in_force(effective, termination, date(2023, 1, 1))
    assert rules.bond_in_force(effective, termination, date(2023, 12, 31))
    assert not rules.bond_in_force(effective, termination, date(2022, 12, 31))
    assert not rules.bond_in_force(effective, termination, date(2024, 1, 1))
    assert rules.bond_in_force(effective, None, date(2099, 1, 1))


def test_raise_to() -> None:
    assert rules.raise_to(D("60000"), D("60000")) is None  # exactly enough
    assert rules.raise_to(D("59999.99"), D("60000")) == D("60000")
    assert rules.raise_to(None, D("50000")) == D("50000")  # no bond in force


# --- reconciliation due dates -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2023, 5, 31), 21, date(2025, 2, 28)),  # month end into a short February
        (date(2022, 5, 31), 21, date(2024, 2, 29)),  # ... a leap February
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # from a leap day
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 1, 15), -12, date(2023, 1, 15)),
        (date(2023, 1, 13), 21, date(2024, 10, 13)),
    ],
)
def test_add_months_clamps_to_the_month_end(day: date, months: int, expected: date) -> None:
    assert rules.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("summary_date", "entry_date", "fta", "due"),
    [
        (date(2023, 5, 31), date(2023, 5, 21), False, date(2025, 2, 28)),  # 21 months, month end
        (date(2022, 5, 31), date(2022, 5, 20), False, date(2024, 2, 29)),  # ... leap year
        (date(2023, 1, 13), None, False, date(2024, 10, 13)),  # no entry date needed
        (date(2023, 6, 10), date(2023, 5, 31), True, date(2024, 5, 31)),  # FTA: 12 from entry
        (date(2024, 3, 8), date(2024, 2, 29), True, date(2025, 2, 28)),  # FTA from a leap day
        (date(2023, 3, 5), date(2023, 2, 28), True, date(2024, 2, 28)),  # not moved to the 29th
    ],
)
def test_recon_due_date(summary_date: date, entry_date: date | None, fta: bool, due: date) -> None:
    assert rules.recon_due_date(summary_date, entry_date, fta) == due


def test_fta_due_date_needs_the_entry_date() -> None:
    with pytest.raises(ValueError, match="needs the entry date"):
        rules.recon_due_date(date(2024, 1, 10), None, True)


def test_days_left() -> None:
    assert rules.days_left(date(2024, 4, 15), date(2024, 4, 15)) == 0
    assert rules.days_left(date(2024, 2, 29), date(2024, 4, 15)) == -46
    assert rules.days_left(date(2025, 2, 28), date(2024, 4, 15)) == 319
