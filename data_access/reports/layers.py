"""Tariff layers: the Chapter 99 duty of each goods line, by program, dated by the registry.

A layer is a tariff row of a line with ordinal > 1 and a 9903 number (`attribution`); its
program, era and refundability come from `config/tariff_layers.yaml` (`tariff_layers`),
joined as small in-memory tables (each 9903 number's program; its eras; the audit's
expected scopes) by equality, so both engines run it and no Python runs per row. Duty
is one measure everywhere: `base.line_duties` (duty plus AD/CVD), a line's duty being its
goods row's plus its layers'. Reports take `registry` (a path to another registry file;
default: the configured one).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date
from functools import reduce

import ibis
import ibis.expr.types as ir
import polars as pl
import pyarrow as pa

from data_access import hts, measures, tariff_layers
from data_access.attribution import is_layer, with_goods
from data_access.measures import ratio
from data_access.reports import layer_totals
from data_access.reports.base import (
    Scope,
    line_duties,
    money_sum,
    month,
    report,
    safe_ratio,
    with_descriptions,
)
from data_access.reports.paging import count_rows, page
from data_access.tariff_layers import PROGRAM_NAMES, PROGRAM_NAMES_ALL, UNLISTED, Registry

CATEGORY = "Tariff layers"
LINES = ("entry_lines",)
PROGRAMS = (*PROGRAM_NAMES, UNLISTED)  # column order of the layer split
LEVELS = {"chapter": 2, "heading": 4}
LINE_KEY = ("entry_number", "line_number")
GOODS = "goods"  # the "program" of a goods row in the split
FINDINGS = {
    "ieepa_after_ruling": "IEEPA filed after the ruling",
    "wrong_era": "Filed outside its effective dates",
    "not_in_registry": "Number not in the registry",
    "missing": "Layer missing",
    "does_not_stack": "Stacked where it does not stack",
}


# --- the registry as small in-memory tables ----------------------------------------------
def _registry(path: str | None) -> Registry:
    return tariff_layers.load(path)


layer_number = measures.layer_number  # the 8-digit 9903 heading of a Chapter 99 row


def _numbers(first: str, last: str) -> list[str]:
    return [f"{n:08d}" for n in range(int(first), int(last) + 1)]


_TABLES: dict[int, tuple[Registry, tuple[ir.Table, ir.Table]]] = {}


def _tables(registry: Registry) -> tuple[ir.Table, ir.Table]:
    """The registry as two small tables the lines join by equality: each 9903 number's
    program, and each number's eras (a number has at most one era on a date). Built once
    per loaded registry (`tariff_layers.load` keeps one per file version)."""
    held = _TABLES.get(id(registry))
    if held is None or held[0] is not registry:
        held = _TABLES[id(registry)] = (registry, _build_tables(registry))
    return held[1]


def _build_tables(registry: Registry) -> tuple[ir.Table, ir.Table]:
    programs = {n: p for first, last, p in registry.ranges for n in _numbers(first, last)}
    eras = [
        (n, x.effective_from, x.effective_to or date.max)
        for x in registry.layers
        for n in _numbers(x.number, x.last_number)
    ]
    numbers = pa.table(
        {"reg_number": list(programs), "reg_program": list(programs.values())},
        schema=pa.schema([("reg_number", pa.string()), ("reg_program", pa.string())]),
    )
    era_schema = pa.schema(
        [("era_number", pa.string()), ("era_from", pa.date32()), ("era_to", pa.date32())]
    )
    columns = list(zip(*eras, strict=True)) if eras else [[], [], []]
    era_table = pa.table(dict(zip(era_schema.names, columns, strict=True)), schema=era_schema)
    return ibis.memtable(numbers), ibis.memtable(era_table)


def layer_rows(
    scope: Scope,
    registry: Registry,
    *,
    goods: bool = True,
    in_force: bool = False,
    layers_only: bool = False,
) -> ir.Table:
    """The scope's tariff rows (with `layers_only`, only the layers); layers with their
    number and program; with `in_force`, whether the registry had the number in force on
    the entry date (a join of every layer to the eras: only where a report shows it); with
    `goods`, each row's `goods_hts_number` too (a join of the layers to their goods rows:
    only where a report needs it)."""
    t = scope.table("entry_lines")
    t = t.mutate(layer=is_layer(t), row_duties=line_duties(t))
    if goods:  # the goods rows first: a layer finds its goods number among them
        t = with_goods(t).rename(goods_hts_number="goods_hts").drop("goods_country")
    if layers_only:  # every row a layer: no test per row of whether it is one
        t = t.filter(t.layer)
        t = t.mutate(layer_number=layer_number(t))
    else:
        t = t.mutate(layer_number=ibis.ifelse(t.layer, layer_number(t), ibis.null("string")))
    numbers, eras = _tables(registry)
    t = t.left_join(numbers, t.layer_number == numbers.reg_number)
    listed = t.reg_program.fill_null(UNLISTED)
    program = listed if layers_only else ibis.ifelse(t.layer, listed, ibis.literal(GOODS))
    t = t.mutate(program=program).drop("reg_number", "reg_program")
    if not in_force:
        return t
    on_date = (t.entry_date >= eras.era_from) & (t.entry_date <= eras.era_to)
    t = t.left_join(eras, (t.layer_number == eras.era_number) & on_date)
    return t.mutate(in_force=t.era_number.notnull()).drop("era_number", "era_from", "era_to")


def _split(t: ir.Table) -> dict[str, ir.Value]:
    """Value, duty (goods row + layers), the goods rows' duty and each program's layers."""
    out = {
        "lines": (t.tariff_ordinal == 1).sum().coalesce(0).cast("int64"),
        "entered_value": money_sum(t.entered_value),
        "duties": money_sum(t.row_duties),
        "goods_duties": money_sum(ibis.ifelse(t.layer, 0, t.row_duties)),
    }
    for program in PROGRAMS:
        chosen = t.layer & (t.program == program)
        out[f"{program}_duties"] = money_sum(ibis.ifelse(chosen, t.row_duties, 0))
    return out


def _named(frame: pl.DataFrame, column: str = "program") -> pl.DataFrame:
    names = pl.col(column).replace_strict(PROGRAM_NAMES_ALL, default=None, return_dtype=pl.String)
    position = frame.columns.index(column) + 1
    return frame.insert_column(position, frame.select(names.alias(f"{column}_name")).to_series())


def _refundable(registry: Registry, column: str = "program") -> pl.Expr:
    return pl.col(column).is_in(list(registry.refunds.programs))


# --- IEEPA duty: the one definition (the refunds reports use it too) -------------------------
def is_refunded(t: ir.Table, registry: Registry) -> ir.BooleanValue:
    """A tariff row filed under a 9903 number the 2026 IEEPA ruling refunds, whatever its
    date (duty paid under a layer filed outside its era is still refunded duty).

    Its 8-digit heading within a refunded range, said with plain comparisons of the whole
    number (no substring per row: on the 5M lines of the largest importer's IEEPA period
    the substrings were most of `refunds.summary`): the heading is >= `first` exactly when
    the number is, and <= `last` exactly when the number is or starts with `last`."""
    hts = t.hts_number
    tests = [
        (hts >= first) & ((hts <= last) | hts.startswith(last))
        for first, last in registry.refunded_ranges
    ]
    return hts.startswith("9903") & ibis.or_(*tests)


def refunded_duties(t: ir.Table, registry: Registry) -> ir.Value:
    """IEEPA duty: the duties (`line_duties`) of the refunded rows, summed."""
    return money_sum(ibis.ifelse(is_refunded(t, registry), line_duties(t), 0))


# --- duty by program ------------------------------------------------------------------------
@report(
    "layers.by_program_month",
    title="Chapter 99 duty by program and month",
    category=CATEGORY,
    tables=LINES,
)
def by_program_month(scope: Scope, *, registry: str | None = None) -> pl.DataFrame:
    """Per month of entry and program: layer rows, lines carrying one, and their duty."""
    reg = _registry(registry)
    t = _by_number(scope, reg, month=lambda t: month(t.entry_date))
    expr = t.group_by("month", "program").aggregate(
        tariff_rows=t.tariff_rows.sum().cast("int64"), duties=money_sum(t.duties)
    )
    frame = scope.run(expr).sort("month", "program")
    return _named(frame).with_columns(refundable=_refundable(reg))


def _by_number(
    scope: Scope, registry: Registry, **keys: Callable[[ir.Table], ir.Value]
) -> ir.Table:
    """The scope's layer rows and duty per `keys` and 9903 number, with the number's
    program: grouped before the registry is joined, so the join meets a few rows per
    number instead of every layer (5.6M rows for the largest importer of a 50M lake); from
    the layers rollup where it answers (`layer_totals`: `keys` none or the month)."""
    per_number = layer_totals.number_totals(scope, by_month="month" in keys)
    if per_number is None:
        t = scope.table("entry_lines")
        t = t.filter(is_layer(t))
        per_number = t.group_by(layer_number=layer_number(t), **{k: f(t) for k, f in keys.items()})
        per_number = per_number.aggregate(
            tariff_rows=t.count().cast("int64"), duties=money_sum(line_duties(t))
        )
    numbers, _ = _tables(registry)
    joined = per_number.left_join(numbers, per_number.layer_number == numbers.reg_number)
    return joined.mutate(program=joined.reg_program.fill_null(UNLISTED)).drop(
        "reg_number", "reg_program"
    )


@report("layers.by_program", title="Chapter 99 duty by program", category=CATEGORY, tables=LINES)
def by_program(scope: Scope, *, registry: str | None = None) -> pl.DataFrame:
    """Per program: entries carrying it, layer rows, duty; refundable or not. From the layer
    rollups where they answer (`layer_totals`), else the lines."""
    reg = _registry(registry)
    expr = _by_program_rolled(scope, reg)
    if expr is None:
        t = layer_rows(scope, reg, goods=False, layers_only=True)
        expr = t.group_by(program=t.program).aggregate(
            entries=t.entry_number.nunique().cast("int64"),
            tariff_rows=t.count().cast("int64"),
            duties=money_sum(t.row_duties),
        )
    frame = scope.run(expr).sort(["duties", "program"], descending=[True, False])
    return _named(frame).with_columns(refundable=_refundable(reg))


def _by_program_rolled(scope: Scope, registry: Registry) -> ir.Table | None:
    """`by_program`'s rows from the rollups: the sums per number joined to the registry and
    grouped per program, beside the distinct entries per program (None: read the lines)."""
    entries = layer_totals.program_entries(scope, _tables(registry)[0])
    if entries is None:
        return None
    t = _by_number(scope, registry)
    sums = t.group_by("program").aggregate(
        tariff_rows=t.tariff_rows.sum().cast("int64"), duties=money_sum(t.duties)
    )
    entries = entries.rename(_program="program")
    joined = sums.join(entries, sums.program == entries._program)
    return joined.select("program", "entries", "tariff_rows", "duties")


# --- attributed HTS and country views -------------------------------------------------------
@report(
    "layers.by_hts",
    title="Duty by HTS chapter or heading, layers included",
    category=CATEGORY,
    tables=LINES,
)
def by_hts(
    scope: Scope, *, level: str = "chapter", limit: int = 30, registry: str | None = None
) -> pl.DataFrame:
    """Per chapter or heading of the goods: value (ordinal 1), duty = the goods rows' own
    duty plus the layers filed with them, and the layer duty by program beside it."""
    if level not in LEVELS:
        raise ValueError(f"level: {level!r} is not one of {', '.join(LEVELS)}")
    t = layer_rows(scope, _registry(registry))
    t = t.mutate(hts_code=t.goods_hts_number.substr(0, LEVELS[level]))
    frame = _ranked(scope.run(t.group_by("hts_code").aggregate(**_split(t))), "hts_code", limit)
    return hts.with_hts_descriptions(frame)


@report(
    "layers.by_country",
    title="Duty by country of origin, layers included",
    category=CATEGORY,
    tables=LINES,
)
def by_country(scope: Scope, *, limit: int = 50, registry: str | None = None) -> pl.DataFrame:
    """Per country of origin: value, duty with layers, and the layer duty by program."""
    t = layer_rows(scope, _registry(registry), goods=False)
    expr = t.group_by("country_of_origin").aggregate(**_split(t))
    return with_descriptions(
        _ranked(scope.run(expr), "country_of_origin", limit), "country_of_origin"
    )


def _ranked(frame: pl.DataFrame, key: str, limit: int) -> pl.DataFrame:
    rate = ratio("effective_duty_rate")
    goods_rate = safe_ratio(pl.col("goods_duties"), pl.col("entered_value"))
    return (
        frame.sort(["duties", key], descending=[True, False], nulls_last=True)
        .head(limit)
        .with_columns(rate, rate_without_layers=goods_rate)
    )


# --- per entry, per line --------------------------------------------------------------------
ENTRY_ORDER = ["entry_date", "entry_number"]


def _entries(scope: Scope, registry: Registry) -> ir.Table:
    t = layer_rows(scope, registry, goods=False)
    lines_with_layers = t.filter(t.layer).select("entry_number").distinct()
    t = t.filter(t.entry_number.isin(lines_with_layers.entry_number))
    return t.group_by("entry_number").aggregate(
        entry_date=t.entry_date.min(),
        importer_number=t.importer_number.min(),
        **_split(t),
        refundable_duties=refunded_duties(t, registry),
    )


@report("layers.entries", title="Entries and their layers", category=CATEGORY, tables=LINES)
def entries(
    scope: Scope, *, offset: int = 0, limit: int | None = None, registry: str | None = None
) -> pl.DataFrame:
    """Per entry with at least one layer: lines, value, duty and its split by program, and
    the duty refundable under the 2026 IEEPA ruling. Paged in entry date order."""
    return scope.run(page(_entries(scope, _registry(registry)), ENTRY_ORDER, offset, limit))


@report("layers.entries_count", title="Entries with layers", category=CATEGORY, tables=LINES)
def entries_count(scope: Scope, *, registry: str | None = None) -> pl.DataFrame:
    """How many rows `layers.entries` has: the entries with a layer in scope, counted on
    the layer rows alone (no registry needed: which entries carry a layer does not depend
    on it), not by building each entry's totals."""
    del registry  # the count is the same under any registry
    rolled = layer_totals.layer_entries(scope)
    if rolled is not None:
        rows = rolled.entries.coalesce(0)  # a sum over no rows is null: none is 0
        return scope.run(rolled.select(rows=rows)).cast({"rows": pl.Int64})
    t = scope.table("entry_lines")
    layers = t.filter(is_layer(t))
    counted = layers.aggregate(rows=layers.entry_number.nunique())
    return scope.run(counted).cast({"rows": pl.Int64})


LAYER_COLUMNS = (
    "entry_number", "line_number", "entry_date", "country_of_origin", "goods_hts_number",
    "tariff_ordinal", "layer_number", "program", "in_force", "row_duties",
)  # fmt: skip


def _layers(scope: Scope, registry: Registry, entry_number: str) -> ir.Table:
    t = layer_rows(scope, registry, in_force=True, layers_only=True)
    if entry_number:
        t = t.filter(t.entry_number == ibis.literal(entry_number))
    return t.select(*LAYER_COLUMNS).rename(duties="row_duties")


@report("layers.entry_layers", title="Layers of each line", category=CATEGORY, tables=LINES)
def entry_layers(
    scope: Scope,
    *,
    entry_number: str = "",
    offset: int = 0,
    limit: int | None = None,
    registry: str | None = None,
) -> pl.DataFrame:
    """One row per layer: entry, line, the goods' HTS, the 9903 number, program, duty, and
    whether the registry had the number in force on the entry date."""
    order = ["entry_date", "entry_number", "line_number", "tariff_ordinal"]
    expr = page(_layers(scope, _registry(registry), entry_number), order, offset, limit)
    frame = scope.run(expr).with_columns(pl.col("line_number").cast(pl.Int32))
    return _named(frame)


@report("layers.entry_layers_count", title="Layer rows", category=CATEGORY, tables=LINES)
def entry_layers_count(
    scope: Scope, *, entry_number: str = "", registry: str | None = None
) -> pl.DataFrame:
    return count_rows(scope, _layers(scope, _registry(registry), entry_number))


# --- audit ----------------------------------------------------------------------------------
AUDIT_COLUMNS = (
    "finding", "entry_number", "line_number", "entry_date", "country_of_origin",
    "goods_hts_number", "layer_number", "program", "duties",
)  # fmt: skip


FINDING_FIELDS = (
    "entry_number", "line_number", "entry_date", "country_of_origin", "layer_number",
    "program", "row_duties",
)  # fmt: skip


def _finding_rows(
    t: ir.Table, finding: str | ir.Value, program: ir.Value | None = None, against: str = ""
) -> ir.Table:
    return t.select(
        finding=ibis.literal(finding) if isinstance(finding, str) else finding,
        entry_number=t.entry_number,
        line_number=t.line_number.cast("int32"),
        entry_date=t.entry_date,
        country_of_origin=t.country_of_origin,
        layer_number=t.layer_number if "layer_number" in t.columns else ibis.null("string"),
        program=t.program if program is None else program,
        duties=t.row_duties.cast("decimal(18, 2)"),
        against=ibis.literal(against) if against else ibis.null("string"),
    )


def _misfiled(layers: ir.Table, registry: Registry) -> ir.Table:
    after = layers.program.isin(list(registry.refunds.programs)) & (
        layers.entry_date > ibis.literal(registry.refunds.last_day)
    )
    kind = ibis.cases(
        (after, ibis.literal("ieepa_after_ruling")),
        (layers.program == UNLISTED, ibis.literal("not_in_registry")),
        (~layers.in_force, ibis.literal("wrong_era")),
        else_=ibis.null("string"),
    )
    rows = layers.mutate(kind=kind)
    rows = rows.filter(rows.kind.notnull())
    return _finding_rows(rows, rows.kind)


ScopeRow = tuple[str, str | None, str, date, date]
SCOPE_SCHEMA = pa.schema(
    [("scope_program", pa.string()), ("scope_country", pa.string()),
     ("scope_prefix", pa.string()), ("scope_from", pa.date32()), ("scope_to", pa.date32())]
)  # fmt: skip


def _scope_groups(registry: Registry) -> dict[tuple[int, bool], list[ScopeRow]]:
    """Where the registry expects a layer: (program, country or any, HTS prefix or any,
    dates), one row per country and prefix of each `expected` layer, grouped by prefix
    length and whether a country is named (each group joins the goods by equality)."""
    groups: dict[tuple[int, bool], list[ScopeRow]] = {}
    for x in registry.layers:
        if not x.expected:
            continue
        for country in x.countries or (None,):
            for prefix in x.hts or ("",):
                row = (x.program, country, prefix, x.effective_from, x.effective_to or date.max)
                groups.setdefault((len(prefix), country is not None), []).append(row)
    return groups


def _scope_table(rows: list[ScopeRow]) -> ir.Table:
    columns = list(zip(*rows, strict=True))
    data = dict(zip(SCOPE_SCHEMA.names, columns, strict=True))
    return ibis.memtable(pa.table(data, schema=SCOPE_SCHEMA))


def _missing(t: ir.Table, layers: ir.Table, registry: Registry) -> list[ir.Table]:
    """Goods lines in an expected scope that carry no layer of its program."""
    goods = t.filter(t.tariff_ordinal == 1)
    if registry.audit.except_entry_types:
        exempt = goods.entry_type.isin(list(registry.audit.except_entry_types))
        goods = goods.filter(~exempt.fill_null(False))
    expected = []
    for (length, by_country), rows in sorted(_scope_groups(registry).items()):
        scopes = _scope_table(rows)
        keys = [goods.entry_date >= scopes.scope_from, goods.entry_date <= scopes.scope_to]
        if length:
            keys.append(goods.hts_number.substr(0, length) == scopes.scope_prefix)
        if by_country:
            keys.append(goods.country_of_origin == scopes.scope_country)
        matched = goods.join(scopes, keys).mutate(program=scopes.scope_program)
        expected.append(matched.select(*FINDING_FIELDS))  # program: the expected one
    if not expected:
        return []
    filed = layers.select(*LINE_KEY, "program")  # an anti-join: no DISTINCT of 1.9M rows
    rows = ibis.union(*expected, distinct=True).anti_join(filed, [*LINE_KEY, "program"])
    return [_finding_rows(rows, "missing")]


def _not_stacking(layers: ir.Table, registry: Registry) -> list[ir.Table]:
    """Layers filed with a paid layer of a program they do not stack with (`not_with`)."""
    parts = []
    for other in sorted({p for x in registry.layers for p in x.not_with}):
        ranges = [x for x in registry.layers if other in x.not_with]
        number = layers.layer_number
        forbids = reduce(
            operator.or_,
            ((number >= x.number) & (number <= x.last_number) for x in ranges),
        )
        paid = layers.filter((layers.program == other) & (layers.row_duties > 0))
        rows = layers.filter(forbids & (layers.row_duties > 0))
        rows = rows.semi_join(paid.select(*LINE_KEY), list(LINE_KEY))
        parts.append(_finding_rows(rows, "does_not_stack", against=other))
    return parts


@report("layers.audit", title="Tariff layer audit", category=CATEGORY, tables=LINES)
def audit(scope: Scope, *, registry: str | None = None) -> pl.DataFrame:
    """What the registry says is wrong: layers filed outside their effective dates, IEEPA
    filed after the ruling, numbers the registry does not know, a layer missing where the
    registry expects one (its countries, HTS scope, dates), and a layer stacked with a
    program it does not stack with. One row per finding and line (and layer)."""
    reg = _registry(registry)
    t = layer_rows(scope, reg, goods=False)
    layers = layer_rows(scope, reg, goods=False, in_force=True, layers_only=True)
    parts = [_misfiled(layers, reg), *_missing(t, layers, reg), *_not_stacking(layers, reg)]
    # The goods' HTS of the few findings, joined once (not a window over every line), to
    # the findings as read (in the query, every goods row was hashed for a few findings).
    goods = t.filter(t.tariff_ordinal == 1)
    goods = goods.select(*LINE_KEY, goods_hts_number=goods.hts_number)
    found = ibis.memtable(scope.run(ibis.union(*parts))).left_join(goods, list(LINE_KEY))
    order = ["finding", "entry_date", "entry_number", "line_number", "layer_number", "program"]
    frame = scope.run(found.order_by(order))
    names = pl.col("finding").replace_strict(FINDINGS, default=None, return_dtype=pl.String)
    frame = frame.with_columns(finding_name=names, detail=_details(frame, reg))
    return _named(frame.select("finding", "finding_name", *AUDIT_COLUMNS[1:], "detail"))


def _details(frame: pl.DataFrame, registry: Registry) -> pl.Series:
    """Per finding, what the registry says (the number's eras, or the expected program)."""
    eras = {}
    for number in frame.get_column("layer_number").drop_nulls().unique().to_list():
        spans = [
            f"{x.effective_from} to {x.effective_to or 'open'}" for x in registry.layers_of(number)
        ]
        eras[number] = "in force " + "; ".join(spans) if spans else "not in the registry"
    era = pl.col("layer_number").replace_strict(eras, default=None, return_dtype=pl.String)
    expected = pl.concat_str(
        pl.lit("no "), pl.col("program_name"), pl.lit(" layer, where the registry expects one")
    )
    against = pl.col("against").replace_strict(
        PROGRAM_NAMES_ALL, default=None, return_dtype=pl.String
    )
    stacked = pl.concat_str(
        pl.lit("filed with a "), against, pl.lit(" duty it does not stack with")
    )
    detail = (
        pl.when(pl.col("finding") == "missing")
        .then(expected)
        .when(pl.col("finding") == "does_not_stack")
        .then(stacked)
        .otherwise(era)
    )
    shaped = frame.with_columns(
        program_name=pl.col("program").replace_strict(
            PROGRAM_NAMES_ALL, default=None, return_dtype=pl.String
        )
    )
    return shaped.select(detail.alias("detail")).to_series()
