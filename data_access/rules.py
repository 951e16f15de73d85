"""CBP rules the dashboard judges data by, as pure functions (no engine, no streamlit).

- Continuous bond sufficiency (CBP Directive 3510-004, activity code 1): the bond must be
  at least 10% of the duties, taxes and fees (DTF) of the trailing 12 months and at least
  $50,000; amounts round up to a multiple of $10,000 up to $100,000 and of $100,000 above.
- Reconciliation filing deadline of a flagged entry: 21 months after its entry summary
  date; 12 months after its entry date for an FTA flag.

The reports compute the same things in Ibis form (month offsets, integer cents); the tests
check that both agree.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

BOND_FLOOR = Decimal(50_000)
FINE_STEP_LIMIT = Decimal(100_000)  # up to here amounts round to $10,000; above, to $100,000
FINE_STEP = Decimal(10_000)
COARSE_STEP = Decimal(100_000)
BOND_SHARE = Decimal("0.10")
RECON_MONTHS = 21
FTA_RECON_MONTHS = 12
TRAILING_MONTHS = 12


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's end (31 May + 21 = 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months(first: date, last: date) -> list[date]:
    """First days of the months from `first`'s month to `last`'s month, both included."""
    out: list[date] = []
    current = month_start(first)
    while current <= last:
        out.append(current)
        current = add_months(current, 1)
    return out


# --- continuous bond sufficiency ----------------------------------------------------------
def trailing_window(judged_month: date) -> tuple[date, date]:
    """First and last day of the DTF window for the month of `judged_month`.

    The window is the 12 full calendar months before the month being judged (March 2024 is
    judged on March 2023 to February 2024). Full months, not a rolling 365 days: the
    judgement is month by month, a month's figure does not move during the month, and
    the engines need only month arithmetic to agree with this function.
    """
    first_of_month = month_start(judged_month)
    return add_months(first_of_month, -TRAILING_MONTHS), first_of_month - timedelta(days=1)


def required_bond_amount(dtf_trailing_12_months: Decimal) -> Decimal:
    """The smallest sufficient activity-code-1 continuous bond for this DTF.

    10% of DTF rounded up: an amount already on a multiple stays (DTF $600,000 -> $60,000,
    $1,000,000 -> $100,000); one cent more moves to the next step ($600,000.01 -> $70,000,
    $1,000,000.01 -> $200,000). Never below $50,000 (DTF up to $500,000; net refunds too).
    """
    share = Decimal(dtf_trailing_12_months) * BOND_SHARE
    if share <= BOND_FLOOR:
        return BOND_FLOOR
    step = FINE_STEP if share <= FINE_STEP_LIMIT else COARSE_STEP
    return (share / step).to_integral_value(rounding=ROUND_CEILING) * step


def judged_on(month: date, as_of: date) -> date:
    """The day a month's bond is judged on: its last day, or `as_of` in `as_of`'s month."""
    end = month_end(month)
    return as_of if month_start(as_of) == month_start(month) and as_of < end else end


def bond_in_force(effective: date, termination: date | None, day: date) -> bool:
    """A bond covers its effective date through its termination date, both included."""
    return effective <= day and (termination is None or day <= termination)


def raise_to(bond_amount: Decimal | None, required: Decimal) -> Decimal | None:
    """The amount to raise the bond to, or None when the bond in force is sufficient."""
    if bond_amount is not None and bond_amount >= required:
        return None
    return required


# --- reconciliation deadlines ---------------------------------------------------------------
def recon_due_date(entry_summary_date: date, entry_date: date | None, fta: bool) -> date:
    """Filing deadline of a flagged entry: 21 months after its entry summary date, or 12
    months after its entry date (date of importation) for an FTA flag."""
    if fta:
        if entry_date is None:
            raise ValueError("an FTA flag's due date needs the entry date (date of importation)")
        return add_months(entry_date, FTA_RECON_MONTHS)
    return add_months(entry_summary_date, RECON_MONTHS)


def days_left(due: date, as_of: date) -> int:
    """Days from `as_of` to `due`; negative when overdue, 0 on the due date itself."""
    return (due - as_of).days
