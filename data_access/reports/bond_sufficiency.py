"""Continuous bond sufficiency, per importer, month by month (the rule: `data_access.rules`).

Each judged month: the activity-code-1 continuous bond in force on the month's last day
(on `as_of` in `as_of`'s month), the duties, taxes and fees (DTF: duty_amount + tax_amount
+ fee_amount of entry_summaries, by entry date) of the 12 full calendar months before the
month, the required amount, whether the bond sufficed, and the amount to raise it to if
not. A month whose window starts before the lake's first entry date (of the principal's
rows) is "insufficient history" (`history_start`): not judged, neither sufficient nor
insufficient. An importer is judged from the month its first such bond took effect to
the month its last one terminated. The judgement counts all of an importer's entries whatever the
port, mode, filer or line filters (the bond covers them all); the date filters choose the
months shown. The windows and judgement days come from `rules`, so the engine does only
joins and sums; the required amount is computed in Ibis form and tested against
`rules.required_bond_amount`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access import rules, settings
from data_access.filters import Filters
from data_access.reports.base import Scope, money_sum, remembered, report
from data_access.reports.bond import CATEGORY, CONTINUOUS, in_force, in_force_scope
from data_access.reports.line_totals import summary_totals
from data_access.schema import MONEY_MAX, MONEY_TOTAL, MONEY_TOTAL_SQL

TABLES = ("bonds", "entry_summaries")
IMPORTER_ACTIVITY = "1"  # the activity the sufficiency rule is about
MONEY = pl.Decimal(18, 2)
SUFFICIENCY_SCHEMA = pl.Schema(
    {
        "importer_number": pl.String,
        "month": pl.Date,
        "window_start": pl.Date,
        "window_end": pl.Date,
        "judged_on": pl.Date,
        "bond_number": pl.String,
        "bond_amount": MONEY,
        "dtf_trailing_12m": MONEY_TOTAL,
        "required_amount": MONEY,
        "sufficient": pl.Boolean,  # null: insufficient history, not judged
        "judgement": pl.String,
        "raise_to": MONEY,
        "history_start": pl.Date,  # the lake's first entry date
    }
)
SUFFICIENT, INSUFFICIENT, NO_HISTORY = "sufficient", "INSUFFICIENT", "insufficient history"


def required_amount(dtf: ir.NumericValue) -> ir.NumericValue:
    """`rules.required_bond_amount` in Ibis form, in integer cents: decimal division loses
    digits on Spark (500,000.01 / 10 / 10,000 came back as exactly 5 there).

    Integer cents hold a DTF up to MONEY_MAX (1e18 cents, int64 goes to 9.2e18); a larger
    DTF (a sum, so possible in principle) has no required amount: empty, never wrapped."""
    dtf = dtf.fill_null(0)
    cents = ibis.least(dtf, ibis.literal(MONEY_MAX, MONEY_TOTAL_SQL)) * 100
    cents = cents.cast("int64")

    def rounded_up(step: int) -> ir.IntegerValue:
        unit = step * 1000  # 10% of DTF reaches k * step when DTF in cents reaches k * unit
        remainder = cents % unit
        whole = ((cents - remainder) / unit).cast("int64")  # exact: a multiple of unit
        return (whole + ibis.ifelse(remainder > 0, 1, 0)) * step

    floor = int(rules.BOND_FLOOR)
    required = ibis.cases(
        (cents <= floor * 1000, floor),
        (cents <= int(rules.FINE_STEP_LIMIT) * 1000, rounded_up(int(rules.FINE_STEP))),
        else_=rounded_up(int(rules.COARSE_STEP)),
    ).cast("decimal(18, 2)")
    return ibis.ifelse(
        dtf > ibis.literal(MONEY_MAX, MONEY_TOTAL_SQL), ibis.null("decimal(18, 2)"), required
    )


def _spine(months: list[date], as_of: date) -> ir.Table:
    """The judged months with their DTF window and judgement day, from `rules`."""
    windows = [rules.trailing_window(m) for m in months]
    frame = pl.DataFrame(
        {
            "month": months,
            "month_end": [rules.month_end(m) for m in months],
            "window_start": [w[0] for w in windows],
            "window_end": [w[1] for w in windows],
            "judged_on": [rules.judged_on(m, as_of) for m in months],
        },
        schema=dict.fromkeys(
            ("month", "month_end", "window_start", "window_end", "judged_on"), pl.Date
        ),
    )
    return ibis.memtable(frame)


def _continuous(scope: Scope) -> ir.Table:
    t = in_force_scope(scope).table("bonds")
    return t.filter(t.bond_type == CONTINUOUS, t.activity_code == IMPORTER_ACTIVITY)


def _judge(scope: Scope, months: list[date], as_of: date) -> pl.DataFrame:
    """One row per importer with an activity-1 continuous bond and judged month, from the
    month its first bond took effect to the month its last one terminated: one query,
    its expression built once per scope, months and judgement day (`remembered`)."""
    if not months:
        return pl.DataFrame(schema=SUFFICIENCY_SCHEMA)
    key = ("bond.sufficiency", tuple(months), as_of)
    expr = remembered(scope, key, lambda: _judgement(scope, months, as_of))
    out = scope.run(expr)
    return out.select(pl.col(c).cast(t) for c, t in SUFFICIENCY_SCHEMA.items())


def _judgement(scope: Scope, months: list[date], as_of: date) -> ir.Table:
    bonds = _continuous(scope)
    spans = bonds.group_by("importer_number").aggregate(
        first_day=bonds.effective_date.min(),
        last_day=bonds.termination_date.fill_null(date(9999, 12, 31)).max(),
    )
    spine = _spine(months, as_of)
    grid = spans.cross_join(spine)
    grid = grid.filter(grid.month_end >= grid.first_day, grid.month <= grid.last_day)
    keys = ["importer_number", "month"]
    frame = (
        grid.left_join(_best_bonds(grid, bonds), keys)
        .left_join(_trailing_dtf(scope, grid, months[0]), keys)
        .cross_join(_history(scope))
        .select(
            *grid.drop("first_day", "last_day", "month_end").columns,
            "bond_number",
            "bond_amount",
            "dtf_trailing_12m",
            "history_start",
        )
    )
    required = required_amount(frame.dtf_trailing_12m)
    sufficient = frame.bond_amount.notnull() & (frame.bond_amount >= required)
    whole = (frame.window_start >= frame.history_start).fill_null(False)  # no entries: none
    judged = ibis.ifelse(whole, sufficient, ibis.null("boolean"))
    frame = frame.mutate(
        dtf_trailing_12m=frame.dtf_trailing_12m.fill_null(0).cast(MONEY_TOTAL_SQL),
        required_amount=required,
        sufficient=judged,
        judgement=ibis.cases((~whole, NO_HISTORY), (sufficient, SUFFICIENT), else_=INSUFFICIENT),
        raise_to=ibis.ifelse(whole & ~sufficient, required, ibis.null("decimal(18, 2)")),
    )
    return frame.select(*SUFFICIENCY_SCHEMA.names()).order_by(keys)


def _history(scope: Scope) -> ir.Table:
    """One row, `history_start`: the principal's first entry date (`history_start`), for
    the judgement's query to join rather than a query of its own."""
    t = Scope(scope.engine, scope.principal).table("entry_summaries")
    return t.aggregate(history_start=t.entry_date.min())


def history_start(scope: Scope) -> date | None:
    """The first entry date the lake holds for this principal (None: none). A month whose
    12-month window starts before it counts a partial year of duties, taxes and fees, so
    it is "insufficient history", not judged: on a lake starting in 2022 the required
    amount would ramp up from $0 and call every early bond sufficient.

    The principal's rows only, whatever the filters: an answer never depends on rows the
    principal may not see (tests/test_security_properties.py), so an importer whose rows
    start later than the lake's is judged from its own first entry on."""
    return scope.run(_history(scope)).item()


def _best_bonds(grid: ir.Table, bonds: ir.Table) -> ir.Table:
    """Per importer and month, the largest bond in force on the judgement day (the lowest
    bond number among equals): on a handover day the old and the new bond both cover."""
    b = bonds.select(
        b_importer="importer_number",
        bond_number="bond_number",
        bond_amount="bond_amount",
        effective_date="effective_date",
        termination_date="termination_date",
    )
    hits = grid.inner_join(
        b, [grid.importer_number == b.b_importer, in_force(b, grid.judged_on)]
    ).select("importer_number", "month", "bond_number", "bond_amount")
    hits = hits.mutate(top=hits.bond_amount.max().over(group_by=["importer_number", "month"]))
    hits = hits.filter(hits.bond_amount == hits.top)
    return hits.group_by("importer_number", "month").aggregate(
        bond_number=hits.bond_number.min(), bond_amount=hits.bond_amount.max()
    )


def _trailing_dtf(scope: Scope, grid: ir.Table, first_month: date) -> ir.Table:
    """Per importer and judged month, the DTF of the entries in the month's window."""
    start = rules.trailing_window(first_month)[0]  # a month's first day: whole months
    covered = in_force_scope(scope)
    covered = Scope(covered.engine, covered.principal, replace(covered.filters, start=start))
    dtf = summary_totals(covered, ("importer_number", "month"), ("dtf",))
    per_month = dtf.rename(e_importer="importer_number", e_month="month")
    joined = grid.inner_join(
        per_month,
        [
            grid.importer_number == per_month.e_importer,
            per_month.e_month >= grid.window_start,
            per_month.e_month <= grid.window_end,
        ],
    )
    return joined.group_by("importer_number", "month").aggregate(
        dtf_trailing_12m=money_sum(joined.dtf)
    )


def _judged_months(scope: Scope, as_of: date) -> list[date]:
    """The months the series shows: the filter's date range (or from the first continuous
    bond) up to `as_of`'s month."""
    last = min(scope.filters.end or as_of, as_of)
    first = scope.filters.start
    if first is None:
        bonds = _continuous(scope)
        first = scope.run(bonds.aggregate(first=bonds.effective_date.min())).item()
    return rules.months(first, last) if first else []


@report(
    "bond.sufficiency",
    title="Continuous bond sufficiency by month",
    category=CATEGORY,
    tables=TABLES,
)
def sufficiency(scope: Scope, *, as_of: date | None = None, with_now: bool = False) -> pl.DataFrame:
    """Per importer and month: the activity-1 continuous bond in force (largest on the
    month's last day, or on `as_of` in its month), the DTF of the 12 full months before,
    the required amount, whether the bond sufficed, and the amount to raise it to if not.

    `with_now`: `as_of`'s month judged too, in the same query, where the date filters
    leave it out (the Bond page shows the series and the judgement now: `split` parts
    them). Each month's row is judged on its own (its bond, window and day), so the
    series' rows and the month's are those of `sufficiency` and `sufficiency_now`."""
    as_of = as_of or settings.today()
    months = _judged_months(scope, as_of)
    if with_now:
        months = sorted({*months, rules.month_start(as_of)})
    return _judge(scope, months, as_of)


def split(frame: pl.DataFrame, filters: Filters, as_of: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the series `sufficiency` gives, the judgement `sufficiency_now` gives) from one
    `sufficiency(with_now=True)` frame: the months the date filters choose up to
    `as_of`'s month (from the first bond's month without a start), and `as_of`'s month."""
    last = rules.month_start(min(filters.end or as_of, as_of))
    shown = pl.col("month") <= last
    if filters.start is not None:
        shown &= pl.col("month") >= rules.month_start(filters.start)
    now = frame.filter(pl.col("month") == rules.month_start(as_of))
    return frame.filter(shown), now.sort(["sufficient", "importer_number"], nulls_last=True)


@report(
    "bond.sufficiency_now",
    title="Continuous bond sufficiency now",
    category=CATEGORY,
    tables=TABLES,
)
def sufficiency_now(scope: Scope, *, as_of: date | None = None) -> pl.DataFrame:
    """Per importer, the judgement of `as_of`'s month (default today), whatever the date
    filters: insufficient bonds first, each with the amount to raise it to."""
    as_of = as_of or settings.today()
    frame = _judge(scope, [rules.month_start(as_of)], as_of)
    return frame.sort(["sufficient", "importer_number"], nulls_last=True)
