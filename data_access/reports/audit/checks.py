"""What every audit check is: an id, a sentence, a severity, what its dollars are, and a
function from the scope to the rows that prove it.

A check returns one row per proving row in `ROW_SCHEMA` (a finding is the rows sharing a
`finding` key: both copies of a duplicated line, the HTS numbers of one product). Checks
read only through `Scope.table` (the principal's rows, the filters); a `Context` shares
the queries two checks both need (the unit-value statistics, the layer audit) within one
run of the audit.
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
