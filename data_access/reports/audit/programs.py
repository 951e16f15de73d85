"""Trade programs and tariff layers: SPI claims the origin could not make on that date,
USMCA on goods from outside North America, and the Chapter 99 layer audit of the
registry (`data_access.reports.layers.audit`, reused as it is)."""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir
import polars as pl
import pyarrow as pa

from data_access.reports import layers
from data_access.reports.audit.checks import LINE_ROW, Context, check, finding, goods, shaped

USMCA = "S"
ANY = "*"


def _eligible(ctx: Context) -> ir.Table:
    rows = ctx.rules.eligible_rows()
    table = pa.table(
        {
            "el_spi": [r[0] for r in rows],
            "el_country": [r[1] or ANY for r in rows],
            "el_from": [r[2] for r in rows],
            "el_to": [min(r[3], date.max) for r in rows],
        },
        schema=pa.schema(
            [
                ("el_spi", pa.string()),
                ("el_country", pa.string()),
                ("el_from", pa.date32()),
                ("el_to", pa.date32()),
            ]
        ),
    )
    return ibis.memtable(table)


def _not_eligible(ctx: Context, usmca: bool) -> pl.DataFrame:
    """Goods lines claiming a program of the rules that the origin could not claim on the
    entry date (programs the rules do not list are not judged)."""
    g = goods(ctx.scope.table("entry_lines"))
    g = g.mutate(program=g.spi.replace("+", ""))
    g = g.filter(g.program.notnull() & (g.program != ""))
    known = [p.code for p in ctx.rules.spi]
    g = (
        g.filter(g.program == USMCA)
        if usmca
        else g.filter(g.program.isin(known) & (g.program != USMCA))
    )
    el = _eligible(ctx)
    on = [
        g.program == el.el_spi,
        (el.el_country == ANY) | (el.el_country == g.country_of_origin),
        g.entry_date >= el.el_from,
        g.entry_date <= el.el_to,
    ]
    g = g.anti_join(el, on)
    names = {p.code: p.name for p in ctx.rules.spi}
    name = pl.col("spi").str.replace_all(r"\+", "").replace_strict(names, default="")
    detail = pl.format(
        "{} ({}) claimed on goods of {} entered {}: not eligible then",
        pl.col("spi"),
        name,
        pl.col("country_of_origin").fill_null("unknown origin"),
        pl.col("entry_date").cast(pl.String),
    )
    return finding(
        ctx, g, [g.entry_number, g.line_number],
        keep=(*LINE_ROW, "spi"),
        dollars=g.entered_value,
        detail=detail,
    )  # fmt: skip


@check(
    "spi_not_eligible",
    title="Trade program claimed where the origin was not eligible",
    explanation="A special program (GSP, AGOA, a free trade agreement) was claimed on goods "
    "of an origin that could not claim it on the entry date, for example AGOA for Ethiopia "
    "after 2021 or any claim during a program's lapse: the duty saved is owed.",
    severity="high",
    dollars="goods value of the line",
)
def spi_not_eligible(ctx: Context) -> pl.DataFrame:
    return _not_eligible(ctx, usmca=False)


@check(
    "usmca_origin",
    title="USMCA claimed on goods from outside North America",
    explanation="USMCA (SPI S) was claimed on goods whose country of origin is not Canada, "
    "Mexico or the United States (or before USMCA took effect on 2020-07-01): the claim "
    "cannot stand and the duty saved is owed.",
    severity="high",
    dollars="goods value of the line",
)
def usmca_origin(ctx: Context) -> pl.DataFrame:
    return _not_eligible(ctx, usmca=True)


# --- Chapter 99 layers: the registry's audit ------------------------------------------------
LAYER_KINDS = {
    "layer_missing": ("missing",),
    "layer_outside_dates": ("wrong_era", "ieepa_after_ruling"),
    "layer_extra": ("not_in_registry", "does_not_stack"),
}


def _layer_audit(ctx: Context, check_id: str) -> pl.DataFrame:
    found = ctx.once("layers", lambda: layers.audit(ctx.scope, registry=ctx.registry))
    found = found.filter(pl.col("finding").is_in(LAYER_KINDS[check_id]))
    frame = found.select(
        finding=pl.concat_str(
            pl.col("entry_number"),
            pl.lit("|"),
            pl.col("line_number").cast(pl.String),
            pl.lit("|"),
            pl.col("layer_number").fill_null(pl.col("program")),
        ),
        entry_number="entry_number",
        line_number="line_number",
        entry_date="entry_date",
        hts_number=pl.col("layer_number").fill_null(pl.col("goods_hts_number")),
        country_of_origin="country_of_origin",
        dollars="duties",
        detail=pl.concat_str(
            pl.col("finding_name"),
            pl.lit(": "),
            pl.col("detail").fill_null(""),
            pl.lit(" (goods "),
            pl.col("goods_hts_number").fill_null(""),
            pl.lit(")"),
        ),
    )
    return shaped(frame)


@check(
    "layer_missing",
    title="Chapter 99 layer missing",
    explanation="Goods of an origin, HTS scope and date where the tariff layer registry "
    "expects an additional duty (Section 301, 232, IEEPA, 122) carry no layer of that "
    "program: duty may be owed.",
    severity="high",
    dollars="duty filed on the goods row (the missing layer's duty is not in the data)",
)
def layer_missing(ctx: Context) -> pl.DataFrame:
    return _layer_audit(ctx, "layer_missing")


@check(
    "layer_outside_dates",
    title="Chapter 99 layer filed outside its dates",
    explanation="A 9903 number was filed on an entry dated outside the days the registry "
    "has it in force (IEEPA after the 2026 ruling included): duty that was not due, or the "
    "wrong number for the date.",
    severity="high",
    dollars="duty of the layer",
)
def layer_outside_dates(ctx: Context) -> pl.DataFrame:
    return _layer_audit(ctx, "layer_outside_dates")


@check(
    "layer_extra",
    title="Chapter 99 layer not in the registry or stacked where it does not stack",
    explanation="A 9903 number the registry does not know, or a layer filed together with "
    "a program it does not stack with on the same goods (for example Section 122 over "
    "Section 232): duty that may not be due.",
    severity="medium",
    dollars="duty of the layer",
)
def layer_extra(ctx: Context) -> pl.DataFrame:
    return _layer_audit(ctx, "layer_extra")
