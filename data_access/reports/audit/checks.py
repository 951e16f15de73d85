"""What every audit check is: an id, a sentence, a severity, what its dollars are, and a
function from the scope to the rows that prove it.

A check returns one row per proving row in `ROW_SCHEMA` (a finding is the rows sharing a
`finding` key: both copies of a duplicated line, the HTS numbers of one product). Checks
read only through `Scope.table` (the principal's rows, the filters); a `Context` shares
the queries two checks both need (the unit-value statistics, the layer audit, the scope's
entries: `entry_figures`) within one run of the audit.

Reading the scope's lines is most of an audit's cost (4.3M lines for the largest
importer's year on the 50M lake), so a check reads only the columns it judges, judges a
format once per distinct value (`matching`), and asks for the proving rows only when
there are some (benchmarks/README.md, "Issue 17, session 8: the Audit page").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access.audit_rules import AuditRules
from data_access.reports.base import Scope

SEVERITIES = ("high", "medium", "low", "info")
MONEY = pl.Decimal(18, 2)
ROW_SCHEMA = pl.Schema(
    {
        "finding": pl.String,
        "entry_number": pl.String,
        "line_number": pl.Int32,
        "tariff_ordinal": pl.Int16,
        "entry_date": pl.Date,
        "hts_number": pl.String,
        "country_of_origin": pl.String,
        "dollars": MONEY,
        "detail": pl.String,
    }
)


@dataclass
class Context:
    """One run of the audit: the scope, the rules, and queries shared between checks."""

    scope: Scope
    rules: AuditRules
    registry: str | None = None
    memo: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


CheckFunction = Callable[[Context], pl.DataFrame]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    explanation: str  # one sentence a compliance manager reads
    severity: str
    dollars: str  # what the dollars of a finding are
    function: CheckFunction
    tables: tuple[str, ...] = ("entry_lines",)


CHECKS: dict[str, Check] = {}


def check(
    id: str, *, title: str, explanation: str, severity: str, dollars: str,
    tables: tuple[str, ...] = ("entry_lines",),
) -> Callable[[CheckFunction], CheckFunction]:  # fmt: skip
    """Register an audit check (in the order the modules define them)."""
    if severity not in SEVERITIES:
        raise ValueError(f"{id}: severity {severity!r} is not one of {SEVERITIES}")

    def register(function: CheckFunction) -> CheckFunction:
        if id in CHECKS:
            raise ValueError(f"audit check {id!r} registered twice")
        CHECKS[id] = Check(id, title, explanation, severity, dollars, function, tables)
        return function

    return register


def none() -> pl.DataFrame:
    """No proving rows (a check that found nothing without asking for its rows)."""
    return pl.DataFrame(schema=ROW_SCHEMA)


def shaped(frame: pl.DataFrame, *also: str) -> pl.DataFrame:
    """`frame` with exactly ROW_SCHEMA's columns (missing ones empty), typed, then `also`."""
    columns = [
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in ROW_SCHEMA.items()
    ]
    return frame.select(*columns, *also)


LINE_ROW = ("entry_number", "line_number", "tariff_ordinal", "entry_date", "hts_number",
            "country_of_origin")  # fmt: skip
HEADER_ROW = ("entry_number", "entry_date")


def finding(
    ctx: Context,
    t: ir.Table,
    key: Sequence[str | ir.Value],
    *,
    dollars: ir.Value,
    detail: pl.Expr,
    keep: Sequence[str] = LINE_ROW,
    also: Sequence[str] = (),
    **columns: ir.Value,
) -> pl.DataFrame:
    """The rows proving a check's findings, in ROW_SCHEMA: each row of `t` with the key of
    the finding it proves (`key` joined), the columns of `t` in `keep` as they are,
    `dollars`, and the `detail` sentence (native polars, after the one query) from those
    and the extra `columns` it reads. `columns` may also fill a row column `t` holds under
    another name (`hts_number=t.first_hts`); ROW_SCHEMA columns given neither way stay
    empty. `also`: columns kept after ROW_SCHEMA's, for a caller that splits on them."""
    expr = t.select(
        finding=joined(*key), **{name: t[name] for name in keep}, **columns, dollars=dollars
    )
    return shaped(ctx.scope.run(expr).with_columns(detail=detail), *also)


def money(value: ir.Value) -> ir.Value:
    """A float amount as money (cents, rounded half away from zero on both engines)."""
    return value.round(2).cast("decimal(18, 2)")


def goods(t: ir.Table) -> ir.Table:
    """Goods rows: tariff ordinal 1 (further ordinals are Chapter 99 layers)."""
    return t.filter(t.tariff_ordinal == 1)


def joined(*parts: str | ir.Value) -> ir.StringValue:
    """Text parts and values joined with '|' (a finding key)."""
    values = [
        ibis.literal(p) if isinstance(p, str) else p.cast("string").fill_null("") for p in parts
    ]
    out = values[0]
    for value in values[1:]:
        out = out.concat("|", value)
    return out


def text(expr: pl.Expr) -> pl.Expr:
    """A value as text in a detail sentence ('' when empty)."""
    return expr.cast(pl.String).fill_null("")


def amount(expr: pl.Expr) -> pl.Expr:
    """Dollars as '$1,234.56' text (native polars)."""
    cents = (expr.cast(pl.Float64).abs() * 100).round(0).cast(pl.Int64)
    dollars = (cents // 100).cast(pl.String)
    grouped = dollars.str.reverse().str.replace_all(r"(\d{3})", "$1,").str.reverse()
    grouped = grouped.str.strip_chars_start(",")
    sign = pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(
        sign, pl.lit("$"), grouped, pl.lit("."), (cents % 100).cast(pl.String).str.zfill(2)
    )


def matching(
    ctx: Context,
    t: ir.Table,
    values: dict[str, ir.Value],
    judge: Callable[[ir.Table], ir.Table],
) -> ir.Table | None:
    """The rows of `t` whose `values` (named expressions of a row) `judge` keeps, with the
    columns `judge` adds; None when it keeps none. `judge` runs once per distinct
    combination of the values, not once per row (regular expressions and a list of 250
    countries over 4.3M lines took 2.3 s; they hold a few hundred combinations), and only
    when it keeps some are the rows read again, joined to the combinations kept (nulls
    match nulls)."""
    combos = ctx.scope.run(t.select(**values).distinct())
    # judged on the combinations as read: on the query of the lines DuckDB would push the
    # judgement below the DISTINCT, back to every row
    kept = ctx.scope.run(judge(ibis.memtable(combos)))
    if kept.is_empty():
        return None
    found = ibis.memtable(kept)
    rows = t.mutate(**values)
    on = [rows[name].identical_to(found[name]) for name in values]
    added = [found[name] for name in kept.columns if name not in values]
    return rows.join(found, on).select(rows, *added)


def entry_figures(ctx: Context) -> ir.Table:
    """One row per entry of the scope's lines, what the entry-level checks judge, read once
    per audit run and kept as an in-memory table: over all its rows (`entry_date`,
    `value`: the check digit); over its rows of entry types the MPF limits apply to
    (`mpf_*`, `payable`); over its goods rows (`goods_*`, `quantity`, `first_hts`,
    `last_hts`, `origin`, `importer_number`: the twins). Each check reads what it read
    from the lines before, as conditional aggregates of one grouping."""
    return ctx.once("entry_figures", lambda: ibis.memtable(entry_frame(ctx)))


def entry_frame(ctx: Context) -> pl.DataFrame:
    """`entry_figures` as read (a polars frame)."""
    return ctx.once("entry_frame", lambda: ctx.scope.run(_entry_figures(ctx)))


def _entry_figures(ctx: Context) -> ir.Table:
    mpf = ctx.rules.mpf
    t = ctx.scope.table("entry_lines")
    skipped = [*mpf.informal_entry_types, *mpf.exempt_entry_types]
    judged = ~t.entry_type.isin(skipped).fill_null(False)
    exempt = t.spi.isin(list(mpf.exempt_spi)).fill_null(False)
    is_goods = t.tariff_ordinal == 1
    return t.group_by("entry_number").aggregate(
        entry_date=t.entry_date.min(),
        value=t.entered_value.sum().cast("decimal(18, 2)"),
        mpf_date=t.entry_date.min(where=judged),
        mpf=t.mpf_amount.sum(where=judged).cast("float64"),
        mpf_rows=t.mpf_amount.count(where=judged),
        mpf_value=t.entered_value.sum(where=judged).cast("float64"),
        payable=ibis.ifelse(exempt, 0, t.entered_value).sum(where=judged).cast("float64"),
        goods_rows=t.count(where=is_goods),
        importer_number=t.importer_number.min(where=is_goods),
        goods_date=t.entry_date.min(where=is_goods),
        goods_value=t.entered_value.sum(where=is_goods).cast("decimal(38, 2)"),
        quantity=t.quantity.sum(where=is_goods).round(3),
        first_hts=t.hts_number.min(where=is_goods),
        last_hts=t.hts_number.max(where=is_goods),
        origin=t.country_of_origin.min(where=is_goods),
    )
