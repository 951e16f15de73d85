"""Checks that need only the lines: duplicates, one product under several HTS numbers,
one HTS number at several duty rates, unit values far from the usual range."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access.reports.audit.checks import (
    HEADER_ROW,
    LINE_ROW,
    Context,
    amount,
    check,
    entry_figures,
    finding,
    goods,
    none,
    text,
)
from data_access.reports.base import line_duties, month

ROW_KEY = ("entry_number", "line_number", "tariff_ordinal")


# --- duplicates ------------------------------------------------------------------------
@check(
    "duplicate_line",
    title="Line loaded twice",
    explanation="The same entry, line and tariff ordinal is in the data more than once, so "
    "its value and duty are counted twice in every total (a file loaded twice, or an "
    "ITRAC CD and an ACE download of the same entries).",
    severity="high",
    dollars="value and duty of the extra copies",
)
def duplicate_line(ctx: Context) -> pl.DataFrame:
    t = ctx.scope.table("entry_lines")
    keys = list(ROW_KEY)
    k = t.select(*keys)  # the keys alone: a grouping of every line, nothing else read
    copies = k.group_by(keys).aggregate(copies=k.count())
    twice = ctx.scope.run(copies.filter(copies.copies > 1).select(*keys))
    if twice.is_empty():
        return none()
    rows = t.semi_join(ibis.memtable(twice), keys)
    order = [rows.entered_value.desc(), line_duties(rows).desc(), rows.hts_number]
    copy = ibis.row_number().over(group_by=[rows[k] for k in keys], order_by=order)
    extra = ibis.ifelse(copy > 0, rows.entered_value + line_duties(rows), 0)
    return finding(
        ctx, rows, [rows[k] for k in keys],
        copy=copy,
        dollars=extra.cast("decimal(18, 2)"),
        detail=pl.format("copy {} of this line", (pl.col("copy") + 1).cast(pl.String)),
    )  # fmt: skip


@check(
    "duplicate_entry",
    title="Same goods, value and date on two entries",
    explanation="Two entries of one importer on the same day carry the same goods (HTS "
    "numbers, number of lines and quantity) at exactly the same value: one shipment may "
    "have been entered, and paid, twice.",
    severity="high",
    dollars="entered value of each later entry",
)
def duplicate_entry(ctx: Context) -> pl.DataFrame:
    entries = _goods_entries(ctx)
    signature = ["importer_number", "entry_date", "value", "lines", "quantity", "first_hts",
                 "last_hts"]  # fmt: skip
    twins = entries.group_by(signature).aggregate(entries=entries.count())
    rows = entries.join(
        twins.filter(twins.entries > 1), [entries[k].identical_to(twins[k]) for k in signature]
    ).select(entries)
    later = ibis.row_number().over(
        group_by=[rows[k] for k in signature], order_by=[rows.entry_number]
    )
    detail = pl.format(
        "{} lines, {} entered value, same day and goods as another entry",
        text(pl.col("lines")),
        amount(pl.col("value")),
    )
    return finding(
        ctx, rows, [rows.importer_number, rows.entry_date, rows.value, rows.first_hts],
        keep=(*HEADER_ROW, "lines", "value"),
        hts_number=rows.first_hts,
        country_of_origin=rows.origin,
        dollars=ibis.ifelse(later > 0, rows.value, 0).cast("decimal(18, 2)"),
        detail=detail,
    )  # fmt: skip


def _goods_entries(ctx: Context) -> ir.Table:
    """Per entry with goods rows, over them: importer, day, value, lines, quantity, first
    and last HTS number, an origin (`checks.entry_figures`)."""
    e = entry_figures(ctx)
    return e.filter(e.goods_rows > 0).select(
        "entry_number", "importer_number", "quantity", "first_hts", "last_hts", "origin",
        entry_date=e.goods_date, value=e.goods_value, lines=e.goods_rows,
    )  # fmt: skip


# --- classification ----------------------------------------------------------------------
def _per_value(ctx: Context, g: ir.Table, group: list[str], value: str) -> ir.Table | None:
    """One row per group and `value` where a group has more than one `value`: its lines,
    goods value, first entry and day; None when no group has (the groups are asked for
    first: the lines are read again only for those)."""
    spread = g.group_by(group).aggregate(values=g[value].nunique())
    spread = ctx.scope.run(spread.filter(spread.values > 1).select(*group))
    if spread.is_empty():
        return None
    g = g.semi_join(ibis.memtable(spread), group)
    extra = {} if "hts_number" in group else {"hts_number": g.hts_number.min()}
    return g.group_by([*group, value]).aggregate(
        lines=g.count(),
        dollars=g.entered_value.sum().cast("decimal(18, 2)"),
        entry_number=g.entry_number.min(),
        entry_date=g.entry_date.min(),
        last_date=g.entry_date.max(),
        **extra,
    )


@check(
    "hts_differs",
    title="One product under several HTS numbers",
    explanation="Goods of one manufacturer (MID) in one HTS subheading were classified "
    "under more than one 8-digit tariff number, so some lines may carry the wrong duty "
    "rate (the lake holds no goods description or part number: product means manufacturer "
    "and subheading).",
    severity="medium",
    dollars="goods value of the lines under each number",
)
def hts_differs(ctx: Context) -> pl.DataFrame:
    g = goods(ctx.scope.table("entry_lines"))
    g = g.filter(g.manufacturer_id.notnull() & (g.hts_number.length() == 10))
    g = g.mutate(subheading=g.hts_number.substr(0, 6), tariff_line=g.hts_number.substr(0, 8))
    group = ["manufacturer_id", "subheading"]
    per = _per_value(ctx, g, group, "tariff_line")
    if per is None:
        return none()
    detail = pl.format(
        "manufacturer {}, subheading {}: {} lines under {} ({} to {})",
        text(pl.col("manufacturer_id")),
        text(pl.col("subheading")),
        text(pl.col("lines")),
        text(pl.col("tariff_line")),
        text(pl.col("entry_date")),
        text(pl.col("last_date")),
    )
    return finding(
        ctx, per, [per[k] for k in group],
        keep=("entry_number", "entry_date", "hts_number", *group, "tariff_line", "lines",
              "last_date"),
        dollars=per.dollars,
        detail=detail,
    )  # fmt: skip


@check(
    "rate_differs",
    title="One HTS number at different duty rates",
    explanation="Lines of one HTS number from one origin in one month, under the same "
    "special program, were filed at different duty rates: at least one rate is likely "
    "wrong.",
    severity="medium",
    dollars="goods value of the lines at each rate",
)
def rate_differs(ctx: Context) -> pl.DataFrame:
    g = goods(ctx.scope.table("entry_lines"))
    g = g.filter(g.duty_rate.notnull())
    g = g.mutate(period=month(g.entry_date), program=g.spi.fill_null(""))
    group = ["hts_number", "country_of_origin", "period", "program"]
    per = _per_value(ctx, g, group, "duty_rate")
    if per is None:
        return none()
    detail = pl.format(
        "{}, {}, program {}: {} lines at {}%",
        pl.col("period").dt.strftime("%Y-%m"),
        text(pl.col("country_of_origin")),
        pl.when(pl.col("program") == "").then(pl.lit("none")).otherwise(pl.col("program")),
        text(pl.col("lines")),
        text((pl.col("duty_rate") * 100).round(4)),
    )
    return finding(
        ctx, per, [per[k] for k in group],
        keep=("entry_number", "entry_date", *group, "duty_rate", "lines"),
        dollars=per.dollars,
        detail=detail,
    )  # fmt: skip


# --- unit values ---------------------------------------------------------------------------
Z_FACTOR = 0.6745  # the MAD of a normal distribution is 0.6745 standard deviations


def _unit_values(ctx: Context) -> ir.Table | None:
    """Goods lines with quantity and value: unit value, its group's median and MAD (per
    HTS number, origin and unit of measure), and the robust z-score; None when no group
    has enough lines. The groups' medians, then their MADs, are read first (a few rows
    each) and joined to the lines as small tables: one query over the lines each, where
    the lines kept between two medians and two joins of one query cost twice as much."""
    g = goods(ctx.scope.table("entry_lines"))
    g = g.filter((g.quantity > 0) & (g.entered_value > 0))
    group = ["hts_number", "country_of_origin", "unit_of_measure"]
    row = ("entry_number", "line_number", "tariff_ordinal", "entry_date")
    g = g.select(*row, *group, "entered_value", "quantity")
    g = g.mutate(unit_value=g.entered_value.cast("float64") / g.quantity.nullif(0))
    stats = g.group_by(group).aggregate(group_lines=g.count(), median=g.unit_value.median())
    stats = ctx.scope.run(stats.filter(stats.group_lines >= ctx.rules.outliers.min_lines))
    if stats.is_empty():
        return None
    medians = ibis.memtable(stats)
    g = g.join(medians, [g[k].identical_to(medians[k]) for k in group]).select(
        g, medians.median, medians.group_lines
    )
    g = g.mutate(deviation=(g.unit_value - g.median).abs())
    mads = ibis.memtable(ctx.scope.run(g.group_by(group).aggregate(mad=g.deviation.median())))
    g = g.join(mads, [g[k].identical_to(mads[k]) for k in group]).select(g, mads.mad)
    return g.mutate(z=Z_FACTOR * (g.unit_value - g.median) / g.mad.nullif(0))


def _outliers(ctx: Context, high: bool) -> pl.DataFrame:
    """The lines beyond the threshold above (`high`) or below the usual unit value; both
    directions come from one query, shared by the two checks of one audit run."""
    frame = ctx.once("unit_values", lambda: _beyond(ctx))
    return frame.filter((pl.col("z") > 0) if high else (pl.col("z") < 0)).drop("z")


def _beyond(ctx: Context) -> pl.DataFrame:
    limit = ctx.rules.outliers.z
    t = _unit_values(ctx)
    if t is None:
        return none().with_columns(z=pl.lit(None, pl.Float64))
    t = t.filter(t.z.abs() > limit)
    per = (
        pl.when(pl.col("unit_of_measure").is_null())
        .then(pl.lit(""))
        .otherwise(pl.concat_str(pl.lit(" per "), pl.col("unit_of_measure")))
    )
    detail = pl.format(
        "unit value {}{}; usual {} (median of {} lines, MAD {}); robust z {}",
        amount(pl.col("unit_value")),
        per,
        amount(pl.col("median")),
        text(pl.col("group_lines")),
        amount(pl.col("mad")),
        text(pl.col("z").round(1)),
    )
    return finding(
        ctx, t, [t.entry_number, t.line_number],
        keep=(*LINE_ROW, "unit_of_measure", "unit_value", "median", "mad", "z", "group_lines"),
        dollars=t.entered_value,
        detail=detail,
        also=("z",),
    )  # fmt: skip


OUTLIER_RULE = (
    "its robust z-score, 0.6745 x (unit value - median) / MAD, is beyond 3.5 (median and "
    "median absolute deviation of the HTS number, origin and unit of measure, over at "
    "least 10 lines; config/audit_rules.yaml)"
)


@check(
    "unit_value_low",
    title="Unit value far below the usual range",
    explanation="The entered value per unit of quantity is far below what the same HTS "
    f"number and origin usually declare ({OUTLIER_RULE}): an undervaluation risk, or a "
    "quantity typed wrong.",
    severity="high",
    dollars="entered value of the line",
)
def unit_value_low(ctx: Context) -> pl.DataFrame:
    return _outliers(ctx, high=False)


@check(
    "unit_value_high",
    title="Unit value far above the usual range",
    explanation="The entered value per unit of quantity is far above what the same HTS "
    f"number and origin usually declare ({OUTLIER_RULE}): a value or quantity typo, or "
    "goods classified under the wrong number.",
    severity="medium",
    dollars="entered value of the line",
)
def unit_value_high(ctx: Context) -> pl.DataFrame:
    return _outliers(ctx, high=True)
