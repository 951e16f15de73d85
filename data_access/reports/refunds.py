"""IEEPA refunds: per entry, the duty it can get back, by which route, before which day.

IEEPA duty is the duty of an entry's Chapter 99 ordinals whose 9903 number belongs to a
refunded program of the tariff layer registry (`config/tariff_layers.yaml`, its
`refunds`). The route is decided as of a date (option `as_of`, default today) by the dated
rules of `config/refund_routes.yaml`, tried in order:

- no IEEPA duty: route "none";
- liquidated on or before `as_of` (and not held open by a suspended/extended status): the
  first route whose window (days after liquidation) still holds the entry;
- otherwise (unliquidated): the first route, CAPE Phase 1, with no deadline while the entry
  stays unliquidated;
- an entry CAPE excludes (entry type, reconciliation flag, AD/CVD pending) skips CAPE: it
  is "not eligible" with the reason until it liquidates, then takes the next route.

Only entries dated inside the IEEPA period (the registry's first refundable layer to its
last day in force) can hold IEEPA duty; the reports read only those, so the question stays
cheap on a 5-year lake. Every expression is native (no Python callbacks).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access import refund_routes, settings, tariff_layers
from data_access.measures import has_adcvd
from data_access.refund_routes import RefundRules
from data_access.reports import layer_totals
from data_access.reports.base import Scope, money_sum, remembered, report, with_descriptions
from data_access.reports.entry_summary import recon_flagged
from data_access.reports.layers import is_refunded, refunded_duties
from data_access.reports.paging import count_rows, page
from data_access.schema import MONEY_TOTAL, MONEY_TOTAL_SQL
from data_access.tariff_layers import Registry

CATEGORY = "refunds"
TABLES = ("entry_summaries", "entry_lines")
NONE, NOT_ELIGIBLE = "none", "not_eligible"
ROUTE_NAMES_EXTRA = {NONE: "No IEEPA duty", NOT_ELIGIBLE: "Not eligible for CAPE"}
ADCVD_ENTRY_TYPES = ("03", "07")


def ieepa_period(registry: Registry) -> tuple[date, date]:
    """The first and last entry date on which any refunded layer was in force."""
    refunded = [layer for layer in registry.layers if layer.refundable]
    return min(layer.effective_from for layer in refunded), registry.refunds.last_day


def _entry_facts(scope: Scope, registry: Registry) -> ir.Table:
    """Per entry of the IEEPA period: its header fields, IEEPA duty and AD/CVD lines."""
    first, last = ieepa_period(registry)
    per_entry = _per_entry(scope, registry, first, last)
    heads = _in_period(scope, first, last).table("entry_summaries")
    heads = heads.filter(heads.entry_date.between(first, last))
    joined = heads.left_join(per_entry, heads.entry_number == per_entry.entry_number)
    return joined.select(
        heads.entry_number,
        heads.importer_number,
        heads.filer_code,
        heads.entry_type,
        heads.entry_date,
        heads.recon_flag,
        heads.fta_recon_flag,
        heads.recon_indicator,
        heads.liquidation_status,
        heads.liquidation_date,
        ieepa_duty=per_entry.ieepa_duty.coalesce(ibis.literal(0).cast(MONEY_TOTAL_SQL)),
        ieepa_layers=per_entry.ieepa_layers.coalesce(0),
        adcvd_lines=per_entry.adcvd_lines.coalesce(0),
    )


def _in_period(scope: Scope, first: date, last: date) -> Scope:
    """The scope with its period narrowed to `first`..`last`, as if the user had: under a
    line filter the summaries are then matched through the lines of that period only
    (the largest importer of a 50M-line lake under CN+VN: 117k entries, not 572k)."""
    filters = scope.filters
    start = max(first, filters.start) if filters.start else first
    end = min(last, filters.end) if filters.end else last
    if start > end:  # no day of the period in scope: the summaries' own filter keeps none
        return scope
    return Scope(scope.engine, scope.principal, replace(filters, start=start, end=end))


def _per_entry(scope: Scope, registry: Registry, first: date, last: date) -> ir.Table:
    """Per entry dated `first`..`last` with a 9903 or AD/CVD row: its IEEPA duty, IEEPA
    layer rows and AD/CVD rows; from the rollup of those rows per entry and 9903 number
    where it answers (`layer_totals.chapter_99_rows`: any filter but a "99" prefix), else
    the lines."""
    rows = layer_totals.chapter_99_rows(scope, first, last)
    if rows is not None:  # a number is refunded as its rows are (`is_refunded`: its heading)
        ieepa = is_refunded(rows, registry).fill_null(False)
        rows = rows.mutate(_ieepa=ieepa)
        rows = rows.filter(rows._ieepa | (rows.adcvd_lines > 0))  # as the lines' rows below
        ieepa = rows._ieepa
        return rows.group_by("entry_number").aggregate(
            ieepa_duty=money_sum(ibis.ifelse(ieepa, rows.duties, 0)),
            ieepa_layers=ibis.ifelse(ieepa, rows.tariff_rows, 0).sum().cast("int64"),
            adcvd_lines=rows.adcvd_lines.sum().cast("int64"),
        )
    lines = scope.table("entry_lines")
    lines = lines.filter(lines.entry_date.between(first, last))
    ieepa = is_refunded(lines, registry)
    lines = lines.filter(ieepa | has_adcvd(lines))  # only the rows that matter: a small share
    ieepa = is_refunded(lines, registry)
    return lines.group_by("entry_number").aggregate(
        ieepa_duty=refunded_duties(lines, registry),
        ieepa_layers=ieepa.sum().coalesce(0),
        adcvd_lines=has_adcvd(lines).sum().coalesce(0),
    )


def _exclusion_reason(t: ir.Table, rules: RefundRules) -> ir.StringValue:
    """The reason of the first exclusion the entry meets (null: none)."""
    hits = []
    for exclusion in rules.exclusions:
        if exclusion.test == "entry_type":
            hit = t.entry_type.isin(exclusion.entry_types)
        elif exclusion.test == "reconciliation_flag":
            hit = recon_flagged(t)
        elif exclusion.test == "adcvd_pending":
            hit = t.entry_type.isin(ADCVD_ENTRY_TYPES) | (t.adcvd_lines > 0)
        else:  # open_protest, drawback_linked: not in ACE entry data (shown as a check)
            continue
        hits.append((hit, exclusion.reason))
    return ibis.cases(*hits, else_=ibis.literal(None, type="string")) if hits else _NO_TEXT


_NO_TEXT = ibis.literal(None, type="string")
_NO_DAY = ibis.literal(None, type="date")


def _routed(t: ir.Table, rules: RefundRules, as_of: date) -> ir.Table:
    """Add route, deadline and reason: the rules of the module docstring, each a CASE
    whose first true branch wins (the route's rules in order, not nested in one another:
    nested, each rule repeated the ones before it, and DuckDB spent 27 ms of a 40 ms
    summary planning 26k characters of SQL)."""
    day = ibis.literal(as_of)
    held_open = t.liquidation_status.upper().isin(rules.cape.statuses)
    liquidated = t.liquidation_date.notnull() & (t.liquidation_date <= day) & ~held_open
    excluded = _exclusion_reason(t, rules)
    none = t.ieepa_duty <= 0
    routes, deadlines = [(none, ibis.literal(NONE))], [(none, _NO_DAY)]
    for item in rules.routes:
        if item.liquidated_within_days is None:
            closes, inside = _NO_DAY, liquidated
        else:
            closes = t.liquidation_date + ibis.interval(days=item.liquidated_within_days)
            inside = liquidated & (closes >= day)
        if item.unliquidated:
            inside = inside | ~liquidated
        if item.id == "cape":
            inside = inside & excluded.isnull()
        routes.append((inside, ibis.literal(item.id)))
        deadlines.append((inside, ibis.ifelse(liquidated, closes, _NO_DAY)))
    route = ibis.cases(*routes, else_=ibis.literal(NOT_ELIGIBLE))
    return t.mutate(
        route=route,
        liquidated=liquidated,
        deadline=ibis.cases(*deadlines, else_=_NO_DAY),
        reason=ibis.ifelse(route == NOT_ELIGIBLE, excluded, _NO_TEXT),
    )


def _config() -> tuple[int, int]:
    """Which rules and registry are in force: their loaded objects, one per file version
    (`load` keeps each version it read, so an identity is never reused)."""
    return id(refund_routes.load()), id(tariff_layers.load())


def _routed_entries(scope: Scope, as_of: date) -> ir.Table:
    """Every entry of the IEEPA period in scope with its route, deadline and reason, built
    once per scope, day and version of the rules (`remembered`: the Ibis expression alone
    cost half of a 28 ms summary on a 1M-line lake)."""

    def build() -> ir.Table:
        rules, registry = refund_routes.load(), tariff_layers.load()
        return _routed(_entry_facts(scope, registry), rules, as_of)

    return remembered(scope, ("refunds.routed", as_of, *_config()), build)


def _by_route(scope: Scope, as_of: date) -> ir.Table:
    t = _routed_entries(scope, as_of)
    return t.group_by("route").aggregate(entries=t.count(), ieepa_duty=money_sum(t.ieepa_duty))


@report(
    "refunds.by_entry",
    title="IEEPA duty by entry: refund route and deadline",
    category=CATEGORY,
    tables=TABLES,
)
def by_entry(scope: Scope, *, as_of: date | None = None, with_none: bool = False) -> pl.DataFrame:
    """One row per entry of the IEEPA period holding IEEPA duty (all with `with_none`):
    its duty, liquidation, route, the route's deadline, days left and what comes next."""
    as_of = as_of or settings.today()
    rules = refund_routes.load()
    t = _routed_entries(scope, as_of)
    if not with_none:
        t = t.filter(t.route != NONE)
    expr = t.select(
        "entry_number", "importer_number", "filer_code", "entry_type", "entry_date",
        "ieepa_duty", "ieepa_layers", "liquidation_status", "liquidation_date", "liquidated",
        "route", "deadline", "reason",
    )  # fmt: skip
    frame = scope.run(expr).sort("deadline", "entry_number", nulls_last=True)
    return with_descriptions(_explained(frame, rules, as_of), "entry_type")


def _explained(frame: pl.DataFrame, rules: RefundRules, as_of: date) -> pl.DataFrame:
    """Route names, days left, the reason of each route and what happens if nothing is done."""
    names = {**{r.id: r.name for r in rules.routes}, **ROUTE_NAMES_EXTRA}
    route, deadline = pl.col("route"), pl.col("deadline")
    days_left = (deadline - pl.lit(as_of)).dt.total_days().cast(pl.Int64)
    return frame.with_columns(
        route_name=route.replace_strict(names, return_dtype=pl.String),
        days_left=days_left,
        reason=pl.coalesce(pl.col("reason"), _reason(rules, as_of)),
        next_step=_next_step(rules),
    ).select(
        "entry_number", "importer_number", "filer_code", "entry_type", "entry_date",
        "ieepa_duty", "ieepa_layers", "liquidation_status", "liquidation_date", "route",
        "route_name", "deadline", "days_left", "reason", "next_step",
    )  # fmt: skip


def _reason(rules: RefundRules, as_of: date) -> pl.Expr:
    """Why the entry is where it is: no duty, its liquidation state, or how long ago."""
    status = pl.col("liquidation_status").str.to_uppercase()
    held = status.is_in(list(rules.cape.statuses))
    ago = (pl.lit(as_of) - pl.col("liquidation_date")).dt.total_days().cast(pl.String)
    cape = rules.cape
    opens = f" (CAPE takes claims from {cape.opens})" if cape.opens and as_of < cape.opens else ""
    later = pl.concat_str(
        pl.lit("Liquidates "), pl.col("liquidation_date").dt.strftime("%Y-%m-%d"),
        pl.lit(", after the as-of date"),
    )  # fmt: skip
    state = (
        pl.when(held).then(pl.lit("Liquidation ") + status.str.to_lowercase())
        .when(pl.col("liquidated")).then(pl.lit("Liquidated ") + ago + pl.lit(" days ago"))
        .when(pl.col("liquidation_date").is_not_null()).then(later)
        .otherwise(pl.lit("Unliquidated"))
    )  # fmt: skip
    no_duty = pl.lit("No IEEPA Chapter 99 duty on this entry")
    return pl.when(pl.col("route") == NONE).then(no_duty).otherwise(state + pl.lit(opens))


def _next_step(rules: RefundRules) -> pl.Expr:
    """What happens if nothing is done: the window that closes, and the route after it."""
    route, deadline = pl.col("route"), pl.col("deadline")
    text = pl.lit(None, pl.String)
    bounded = [r for r in rules.routes if r.liquidated_within_days is not None]
    for index, item in enumerate(rules.routes):
        after = rules.routes[index + 1] if index + 1 < len(rules.routes) else None
        if item.liquidated_within_days is None:
            step = pl.lit(item.action)
        else:
            closes = pl.concat_str(
                pl.lit(f"{item.name} window closes "), deadline.dt.strftime("%Y-%m-%d")
            )
            step = closes + _then(after, deadline, item)
        if item.unliquidated:
            first = bounded[0].liquidated_within_days if bounded else 0
            open_text = pl.lit(
                f"Eligible for {item.name} while unliquidated; the window closes {first} days "
                "after liquidation"
            )
            step = pl.when(deadline.is_null()).then(open_text).otherwise(step)
        text = pl.when(route == item.id).then(step).otherwise(text)
    waiting = pl.lit("Excluded from CAPE: after liquidation, protest within its window")
    return (
        pl.when(route == NONE).then(pl.lit("Nothing to claim"))
        .when(route == NOT_ELIGIBLE).then(waiting)
        .otherwise(text)
    )  # fmt: skip


def _then(after: refund_routes.Route | None, deadline: pl.Expr, item: refund_routes.Route):
    if after is None:
        return pl.lit("")
    if after.liquidated_within_days is None:
        return pl.lit(f", then {after.name}")
    extra = after.liquidated_within_days - (item.liquidated_within_days or 0)
    until = (deadline + pl.duration(days=extra)).dt.strftime("%Y-%m-%d")
    return pl.concat_str(pl.lit(f", then {after.name.lower()} until "), until)


@report(
    "refunds.summary",
    title="IEEPA duty by refund route",
    category=CATEGORY,
    tables=TABLES,
)
def summary(scope: Scope, *, as_of: date | None = None) -> pl.DataFrame:
    """Per route (in the rules' order, then not eligible and none): entries and IEEPA duty."""
    as_of = as_of or settings.today()
    rules = refund_routes.load()
    expr = remembered(
        scope, ("refunds.summary", as_of, *_config()), lambda: _by_route(scope, as_of)
    )
    found = scope.run(expr)
    order = [r.id for r in rules.routes] + [NOT_ELIGIBLE, NONE]
    names = {**{r.id: r.name for r in rules.routes}, **ROUTE_NAMES_EXTRA}
    every = pl.DataFrame({"route": order, "route_name": [names[r] for r in order]})
    frame = every.join(found, on="route", how="left", maintain_order="left")
    return frame.with_columns(
        entries=pl.col("entries").fill_null(0).cast(pl.Int64),
        ieepa_duty=pl.col("ieepa_duty").fill_null(0).cast(MONEY_TOTAL),
    )


# --- the Refunds page: money whose window closes week by week, the entries list ------------
WEEKS = 26
ENTRY_COLUMNS = (  # refunds.entries: its columns (their words: data_access/labels.py)
    "entry_number", "importer_number", "filer_code", "entry_date", "ieepa_duty",
    "liquidation_status", "liquidation_date", "route_name", "deadline", "days_left",
    "reason", "next_step",
)  # fmt: skip


@report(
    "refunds.closing_by_week",
    title="IEEPA duty whose refund window closes, week by week",
    category=CATEGORY,
    tables=TABLES,
)
def closing_by_week(scope: Scope, *, as_of: date | None = None, weeks: int = WEEKS) -> pl.DataFrame:
    """Per week from `as_of` (week 1 starts on it) and route: the entries whose route's
    deadline falls in that week, and their IEEPA duty (the money at risk). Weeks and
    routes without a deadline are left out."""
    as_of = as_of or settings.today()
    rules = refund_routes.load()
    rows = by_entry(scope, as_of=as_of)
    week = ((pl.col("deadline") - pl.lit(as_of)).dt.total_days() // 7).cast(pl.Int64)
    order = {r.id: index for index, r in enumerate(rules.routes)}
    due = rows.filter(pl.col("deadline").is_between(as_of, as_of + timedelta(days=7 * weeks - 1)))
    frame = (
        due.with_columns(week=week)
        .group_by("week", "route", "route_name")
        .agg(entries=pl.len().cast(pl.Int64), ieepa_duty=pl.col("ieepa_duty").sum())
        .with_columns(
            week_start=pl.lit(as_of) + pl.duration(days=pl.col("week") * 7),
            route_order=pl.col("route").replace_strict(order, return_dtype=pl.Int64),
        )
        .with_columns(week_end=pl.col("week_start") + pl.duration(days=6))
        .sort("week", "route_order")
    )
    return frame.select(
        (pl.col("week") + 1).alias("week"), "week_start", "week_end", "route", "route_name",
        "entries", pl.col("ieepa_duty").cast(MONEY_TOTAL),
    )  # fmt: skip


def _listed(scope: Scope, as_of: date, route: str | None) -> ir.Table:
    """The routed entries holding IEEPA duty, of one route (`route`) or all."""
    t = _routed_entries(scope, as_of)
    return t.filter(t.route != NONE if route is None else t.route == route)


@report(
    "refunds.entries",
    title="IEEPA refund entries (the Refunds page's list)",
    category=CATEGORY,
    tables=TABLES,
)
def entries(
    scope: Scope,
    *,
    as_of: date | None = None,
    route: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> pl.DataFrame:
    """`refunds.by_entry`'s columns the users read, of one route or all, one page at a time
    (the earliest deadline first, entries without one last)."""
    as_of = as_of or settings.today()
    t = _listed(scope, as_of, route)
    order = [ibis.asc(t.deadline, nulls_first=False), t.entry_number]
    expr = page(t, order, offset, limit).select(
        "entry_number", "importer_number", "filer_code", "entry_type", "entry_date",
        "ieepa_duty", "ieepa_layers", "liquidation_status", "liquidation_date", "liquidated",
        "route", "deadline", "reason",
    )  # fmt: skip
    frame = _explained(scope.run(expr), refund_routes.load(), as_of)
    return frame.select(ENTRY_COLUMNS)  # stable names: the page and files name them


@report(
    "refunds.entries_count",
    title="IEEPA refund entries rows",
    category=CATEGORY,
    tables=TABLES,
)
def entries_count(
    scope: Scope, *, as_of: date | None = None, route: str | None = None
) -> pl.DataFrame:
    """One row: how many rows `refunds.entries` has for this scope, day and route."""
    return count_rows(scope, _listed(scope, as_of or settings.today(), route))
