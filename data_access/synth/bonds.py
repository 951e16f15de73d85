"""Bonds and reconciliations of the synthetic lake: the obligations with deadlines.

- Continuous bonds (type 8, activity 1): one row per importer and bond year, sized at each
  renewal by CBP's rule on the duties, taxes and fees (DTF) of the 12 months before, with
  head room so they stay sufficient (the rule: 10% of the DTF, at least $50,000, rounded up
  to $10,000 steps up to $100,000 and $100,000 steps above). Two importers tell the other
  story: "insufficient_now" renewed its current bond without head room while its DTF grew,
  so at `end` the bond is a step (or more) below what the rule asks; "insufficient_past"
  ran short in one bond year, 2-3 years before `end`, until CBP had it file a superseding
  bond 75 days after the first short month.
- Single-transaction bonds (type 9): one per entry filed on one (entry_number set).
- Reconciliations: one row per flagged entry. Due 21 months after the entry summary date
  (12 months after the entry date for FTA claims, month ends clamped). Flagged entries are
  reconciled per importer, filer and quarter by one type 09 entry filed 15-75 days before
  the quarter's earliest due date; an importer with `recon_late` leaves its latest ones
  unfiled, so some are overdue at `end`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from data_access.synth.catalog import IMPORTERS
from data_access.synth.tables import (
    RECON_SERIAL,
    Ledger,
    dates,
    entry_numbers,
    money,
    month_index,
    month_start,
    pick,
)
from data_access.synth.world import FILERS, FLAG_TYPES, SURETIES, Columns, days

if TYPE_CHECKING:
    from data_access.synth.world import World

HEADROOM = 1.25  # bonds are sized on this multiple of the trailing DTF
SHORTFALL = 0.6  # the short bonds are sized on this share of what the rule asks
SUPERSEDED_AFTER = 75  # days from the first short month to the superseding bond


def bond_amount(dtf_cents: float) -> int:
    """CBP's continuous bond amount (USD) for 12 months of duties, taxes and fees."""
    tenth = dtf_cents / 1000  # 10% of the DTF, in dollars
    step = 10_000 if tenth <= 100_000 else 100_000
    return max(50_000, int(-(-tenth // step) * step))


def chunk_obligations(
    world: World, e: Columns, rng: np.random.Generator, ledger: Ledger
) -> Iterator[tuple[str, pl.DataFrame]]:
    yield "bonds", single_transaction_bonds(world, e)
    yield "reconciliations", reconciliations(world, e, rng, ledger.end)


def single_transaction_bonds(world: World, e: Columns) -> pl.DataFrame:
    index = np.flatnonzero(e["bond"] == 2)
    total = (e["value"] + e["duty"] + e["tax"] + e["fee"])[index]
    surety = pick(SURETIES, world.surety[e["importer"][index]])
    number = e["number"].gather(index)
    liquidated = e["liquidated"][index]
    return pl.DataFrame(
        {
            "bond_number": surety + number,
            "importer_number": pick([i.importer_number for i in IMPORTERS], e["importer"][index]),
            "bond_type": pl.Series(["9"] * len(index), dtype=pl.String),
            "activity_code": pl.Series(["1"] * len(index), dtype=pl.String),
            "surety_code": surety,
            "bond_amount": money(-(-total // 10_000) * 10_000),  # value plus DTF, up to $100
            "effective_date": dates(e["day"][index]),
            "termination_date": dates(e["liquidation"][index], ~liquidated),
            "status": pick(["ACTIVE", "TERMINATED"], liquidated.astype(int)),
            "entry_number": number,
        }
    )


def reconciliations(world: World, e: Columns, rng: np.random.Generator, end: date) -> pl.DataFrame:
    index = np.flatnonzero(e["recon"] >= 0)
    size, fta, importer = len(index), e["fta"][index], e["importer"][index]
    basis = np.where(fta, e["day"][index], e["summary"][index])
    quarter = month_index(basis) // 3  # the quarter whose flagged entries one recon covers
    batch_due = month_start(quarter * 3 + np.where(fta, 12, 21))
    filed_day = batch_due - 15 - (importer * 31 + quarter * 17 + fta * 7) % 61
    late = world.recon_late[importer] & (batch_due > days(end) - 240)
    filed = (filed_day <= days(end)) & ~late
    serial = RECON_SERIAL + importer * 10_000 + fta * 5_000 + quarter % 1_000
    value, duty = e["value"][index], e["duty"][index]
    flag = np.asarray(FLAG_TYPES)[e["recon"][index]]
    article_9802 = np.isin(flag, ("003", "005", "006", "007"))
    value_change = np.where(
        article_9802, -value * rng.uniform(0.1, 0.35, size), value * rng.normal(0.03, 0.04, size)
    ) * (flag != "002")
    duty_change = value_change * duty / np.maximum(value, 1)
    duty_change += (flag == "002") * value * rng.uniform(-0.01, 0.03, size)
    duty_change -= fta * duty * rng.uniform(0.6, 1.0, size)  # FTA claims refund duty
    frame = pl.DataFrame(
        {
            "flagged_entry_number": e["number"].gather(index),
            "importer_number": pick([i.importer_number for i in IMPORTERS], importer),
            "filer_code": pick(FILERS, e["filer"][index]),
            "flag_type": pl.Series(flag, dtype=pl.String),
            "fta_flag": fta,
            "entry_date": dates(e["day"][index]),
            "flagged_date": dates(e["summary"][index]),
            "recon_entry_number": entry_numbers(e["filer"][index], serial).set(
                pl.Series(~filed), None
            ),
            "filed_date": dates(filed_day, ~filed),
            "status": pick(["OPEN", "FILED"], filed.astype(int)),
            "value_adjustment": money(np.rint(value_change)).set(pl.Series(~filed), None),
            "duty_adjustment": money(np.rint(duty_change)).set(pl.Series(~filed), None),
        }
    )
    due = pl.when(pl.col("fta_flag")).then(pl.col("entry_date").dt.offset_by("12mo"))
    return frame.with_columns(due_date=due.otherwise(pl.col("flagged_date").dt.offset_by("21mo")))


# --- continuous bonds ----------------------------------------------------------------
def continuous_bonds(ledger: Ledger) -> pl.DataFrame:
    rows = [row for n, i in enumerate(IMPORTERS) for row in _bond_years(ledger, n, i.bond_story)]
    importer = np.array([r[0] for r in rows])
    effective = np.array([days(r[1]) for r in rows])
    finish = np.array([days(r[2]) if r[2] else 0 for r in rows])
    open_ended = np.array([r[2] is None for r in rows])
    surety = pick(SURETIES, ledger.world.surety[importer])
    terminated = ~open_ended & (finish <= days(ledger.end))
    return pl.DataFrame(
        {
            "bond_number": surety
            + pl.Series(importer + 1).cast(pl.String).str.zfill(3)
            + dates(effective).dt.strftime("%y%m%d"),
            "importer_number": pick([i.importer_number for i in IMPORTERS], importer),
            "bond_type": pl.Series(["8"] * len(rows), dtype=pl.String),
            "activity_code": pl.Series(["1"] * len(rows), dtype=pl.String),
            "surety_code": surety,
            "bond_amount": money(np.array([r[3] for r in rows]) * 100),
            "effective_date": dates(effective),
            "termination_date": dates(finish, open_ended),
            "status": pick(["ACTIVE", "TERMINATED"], terminated.astype(int)),
        }
    )


def _bond_years(ledger: Ledger, n: int, story: str) -> list[tuple]:
    """(importer, effective, termination, amount USD) of one importer's bond years."""
    start, end = ledger.start, ledger.end
    anniversary = date(start.year, 1 + n * 5 % 12, 1 + n * 7 % 28)
    if anniversary > start:
        anniversary = anniversary.replace(year=start.year - 1)
    effective = [anniversary.replace(year=year) for year in range(anniversary.year, end.year + 1)]
    effective = [d for d in effective if d <= end]
    months = _month_starts(start, end)
    basis = [_basis(ledger, n, d) for d in months]
    short_year = _year_of(effective, end - timedelta(days=900))
    rows: list[tuple] = []
    for k, begin in enumerate(effective):
        finish = effective[k + 1] if k + 1 < len(effective) else None
        year = [
            (d, b) for d, b in zip(months, basis, strict=True) if begin <= d < (finish or date.max)
        ]
        if story == "insufficient_past" and k == short_year:
            rows += _superseded(ledger, n, begin, finish, year)
            continue
        amount = max(
            bond_amount(b) for b in [HEADROOM * _basis(ledger, n, begin), *dict(year).values()]
        )
        if story == "insufficient_now" and finish is None:  # no head room, and DTF grew
            amount = min(
                bond_amount(_basis(ledger, n, begin)),
                _step_below(bond_amount(_basis(ledger, n, end))),
            )
        rows.append((n, begin, finish, amount))
    return rows


def _superseded(
    ledger: Ledger, n: int, begin: date, finish: date | None, year: list[tuple[date, float]]
) -> list[tuple]:
    """A bond year that ran short: CBP asks for a larger bond, which supersedes it."""
    short = bond_amount(SHORTFALL * max(b for _, b in year))
    first_short = next((d for d, b in year if bond_amount(b) > short), None)
    if first_short is None:
        return [(n, begin, finish, short)]
    switch = first_short + timedelta(days=SUPERSEDED_AFTER)
    rest = [b for d, b in year if d >= first_short]
    larger = max(bond_amount(b) for b in [HEADROOM * _basis(ledger, n, switch), *rest])
    return [(n, begin, switch, short), (n, switch, finish, larger)]


def _step_below(amount: int) -> int:
    """The largest bond amount the rule allows below `amount` (never below $50,000)."""
    return max(50_000, amount - (10_000 if amount <= 100_000 else 100_000))


def _basis(ledger: Ledger, n: int, day: date) -> float:
    """DTF (cents) of the 12 months before `day`'s month (the first 12 months before that)."""
    month = day.year * 12 + day.month - 1 - ledger.first_month
    return float(ledger.dtf[n, max(0, month - 12) : max(12, month)].sum())


def _month_starts(start: date, end: date) -> list[date]:
    first = start.year * 12 + start.month  # the month after the start
    last = end.year * 12 + end.month - 1
    return [date(m // 12, m % 12 + 1, 1) for m in range(first, last + 1)]


def _year_of(effective: list[date], day: date) -> int:
    return max((k for k, d in enumerate(effective) if d <= day), default=-1)
