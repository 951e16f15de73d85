"""Fees: MPF per entry against its fiscal year's minimum and maximum; HMF off vessels.

The limits are the dated fee table of `config/audit_rules.yaml` (`data_access.audit_rules`),
joined as a small in-memory table by entry date. An entry's MPF is the sum of its lines'
MPF; goods claimed under an MPF-exempt program pay none, so the minimum applies to the
rest of the entry's value in proportion. Entries whose lines carry no MPF amount at all
(the download did not include it) are not judged.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import polars as pl
import pyarrow as pa

from data_access.audit_rules import AuditRules
from data_access.reports.audit.checks import (
    HEADER_ROW,
    Context,
    amount,
    check,
    entry_figures,
    finding,
    money,
    text,
)

CENT = 0.005  # amounts within half a cent of a limit are at the limit


def _years(rules: AuditRules) -> ir.Table:
    years = rules.mpf.fiscal_years
    table = pa.table(
        {
            "fy": [y.year for y in years],
            "fy_from": [y.starts for y in years],
            "fy_to": [y.ends for y in years],
            "fy_min": [y.minimum for y in years],
            "fy_max": [y.maximum for y in years],
        },
        schema=pa.schema(
            [
                ("fy", pa.int32()),
                ("fy_from", pa.date32()),
                ("fy_to", pa.date32()),
                ("fy_min", pa.float64()),
                ("fy_max", pa.float64()),
            ]
        ),
    )
    return ibis.memtable(table)


def _entries(ctx: Context) -> ir.Table:
    """Per formal entry with an MPF amount: MPF, value, the value not MPF-exempt (over its
    rows of entry types the limits apply to: `checks.entry_figures`)."""
    e = entry_figures(ctx)
    e = e.filter(e.mpf_rows > 0)
    return e.select(
        "entry_number", "mpf", "mpf_rows", "payable", entry_date=e.mpf_date, value=e.mpf_value
    )


@check(
    "mpf_outside_limits",
    title="MPF outside the fiscal year's minimum and maximum",
    explanation="The merchandise processing fee paid on a formal entry is above the fiscal "
    "year's per-entry maximum or below its minimum (in proportion to the value not exempt "
    "under a trade agreement): an overpayment to claim back, or an underpayment CBP can "
    "bill.",
    severity="medium",
    dollars="the amount above the maximum or below the minimum",
)
def mpf_outside_limits(ctx: Context) -> pl.DataFrame:
    e = _entries(ctx)
    years = _years(ctx.rules)
    e = e.join(years, [e.entry_date >= years.fy_from, e.entry_date <= years.fy_to])
    share = ibis.ifelse(e.value > 0, e.payable / e.value.nullif(0), 0)
    floor = e.fy_min * share
    over = e.mpf > e.fy_max + CENT
    under = (e.payable > 0) & (e.mpf < floor - 2 * CENT)
    e = e.filter(over | under)
    side = (
        pl.when(pl.col("above"))
        .then(pl.lit("above the maximum"))
        .otherwise(pl.lit("below the minimum"))
    )
    detail = pl.format(
        "MPF paid {}, {} {} of FY{}",
        amount(pl.col("mpf")),
        side,
        amount(pl.col("limit")),
        text(pl.col("fy")),
    )
    above = e.mpf > e.fy_max
    return finding(
        ctx, e, [e.entry_number],
        keep=(*HEADER_ROW, "fy"),
        mpf=money(e.mpf),
        limit=money(ibis.ifelse(above, e.fy_max, floor)),
        above=above,
        dollars=money(ibis.ifelse(above, e.mpf - e.fy_max, floor - e.mpf)),
        detail=detail,
    )  # fmt: skip


@check(
    "mpf_year_unknown",
    title="MPF limits not known for the entry's fiscal year",
    explanation="The fee table (config/audit_rules.yaml) has no MPF minimum and maximum for "
    "the fiscal year of these entries, so their MPF was not checked: add the year's limits "
    "when CBP publishes them.",
    severity="info",
    dollars="MPF paid on the entry",
)
def mpf_year_unknown(ctx: Context) -> pl.DataFrame:
    e = _entries(ctx)
    years = _years(ctx.rules)
    known = e.join(years, [e.entry_date >= years.fy_from, e.entry_date <= years.fy_to])
    e = e.anti_join(known.select("entry_number"), "entry_number")
    last = ctx.rules.mpf.last_day
    first = ctx.rules.mpf.fiscal_years[0].starts
    detail = pl.lit(f"the fee table covers {first} to {last}")
    return finding(ctx, e, [e.entry_number], keep=HEADER_ROW, dollars=money(e.mpf), detail=detail)


@check(
    "hmf_not_vessel",
    title="HMF paid on goods that did not come by vessel",
    explanation="Harbor maintenance fee is due only on goods arriving by vessel, yet these "
    "lines came by air, truck, rail or another mode and paid it: an overpayment to claim "
    "back.",
    severity="medium",
    dollars="HMF paid on the line",
)
def hmf_not_vessel(ctx: Context) -> pl.DataFrame:
    t = ctx.scope.table("entry_lines")
    modes = list(ctx.rules.hmf.vessel_modes)
    t = t.filter((t.hmf_amount > 0) & t.mode_of_transport.notnull())
    t = t.filter(~t.mode_of_transport.isin(modes))
    return finding(
        ctx, t, [t.entry_number, t.line_number, t.tariff_ordinal],
        mode=t.mode_of_transport,
        dollars=t.hmf_amount,
        detail=pl.format("HMF {} on mode {}", amount(pl.col("dollars")), pl.col("mode")),
    )  # fmt: skip
