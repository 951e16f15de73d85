"""Overview: the filtered scope in a few figures, the monthly trend, top origins and chapters.

Everything is computed from entry_lines (line totals add up to header totals), so a
country-of-origin or HTS filter narrows values to the matching lines.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import ibis
import polars as pl

from data_access import access
from data_access.filters import Filters
from data_access.lake import layout
from data_access.measures import NAMED, with_ratios
from data_access.reports.base import Scope, report, safe_ratio, with_descriptions
from data_access.reports.line_totals import entries_of_lines, line_totals
from data_access.reports.names import held_names
from data_access.schema import TABLES

CATEGORY = "Overview"


OVERVIEW_MEASURES = ("entries", "lines", "entered_value", "duties", "taxes", "fees")
TOP_MEASURES = ("entered_value", "duties", "lines")


def _with_rate(frame: pl.DataFrame) -> pl.DataFrame:
    return with_ratios(frame, "effective_duty_rate")


@report("overview.kpis", title="Key figures", category=CATEGORY, tables=("entry_lines",))
def kpis(scope: Scope) -> pl.DataFrame:
    """One row: entries, lines, entered value, duties, taxes, fees, effective duty rate."""
    frame = scope.run(line_totals(scope, (), OVERVIEW_MEASURES))
    return _with_rate(frame.with_columns(pl.col("entries", "lines").cast(pl.Int64)))


@report("overview.monthly_trend", title="Monthly trend", category=CATEGORY, tables=("entry_lines",))
def monthly_trend(scope: Scope) -> pl.DataFrame:
    """Per month of entry: entries, lines, entered value, duties, taxes, fees, duty rate."""
    expr = line_totals(scope, ("month",), OVERVIEW_MEASURES).order_by("month")
    frame = scope.run(expr).with_columns(pl.col("entries", "lines").cast(pl.Int64))
    return _with_rate(frame)


@report(
    "overview.top_countries",
    title="Top countries of origin",
    category=CATEGORY,
    tables=("entry_lines",),
)
def top_countries(scope: Scope, *, limit: int = 10) -> pl.DataFrame:
    """Countries of origin by entered value, largest first, with their share of the total."""
    expr = line_totals(scope, ("country_of_origin",), TOP_MEASURES)
    return _top(scope.run(expr), "country_of_origin", limit)


@report(
    "overview.top_hts_chapters",
    title="Top HTS chapters",
    category=CATEGORY,
    tables=("entry_lines",),
)
def top_hts_chapters(scope: Scope, *, limit: int = 10) -> pl.DataFrame:
    """HTS chapters (first two digits) by entered value, largest first, with their share."""
    expr = line_totals(scope, ("hts_chapter",), TOP_MEASURES)
    return _top(scope.run(expr), "hts_chapter", limit)


def _top(frame: pl.DataFrame, key: str, limit: int) -> pl.DataFrame:
    total = frame.get_column("entered_value").sum() if frame.height else 0
    frame = (
        frame.with_columns(pl.col("lines").cast(pl.Int64))
        .sort(["entered_value", key], descending=[True, False])
        .head(limit)
        .with_columns(share=safe_ratio(pl.col("entered_value"), pl.lit(total)))
    )
    return with_descriptions(frame, key)


@report("overview.importers", title="Importers", category=CATEGORY, tables=("entry_summaries",))
def importers(scope: Scope) -> pl.DataFrame:
    """Importer numbers in scope with their names and entry counts (largest first).

    Under a line filter (countries, HTS prefix) the entries are those of the matching
    lines (`line_totals`: the entry rollups, not each summary matched through the entry
    keys, 0.4-2 s on a 50M-line lake) and the name is the importer's largest on its
    summaries under the other filters (a name is the importer's, not its lines'): the
    importers that have such summaries, as before."""
    if not entries_of_lines(scope, ("importer_number",), ("entries",)):
        t = scope.table("entry_summaries")
        expr = t.group_by("importer_number").aggregate(
            importer_name=t.importer_name.max(), entries=t.count()
        )
    else:
        entries = line_totals(scope, ("importer_number",), ("entries",))
        t = _without_lines(scope).table("entry_summaries")
        t = t.filter(t.importer_number.isin(entries.importer_number))
        names = t.group_by("importer_number").aggregate(importer_name=t.importer_name.max())
        expr = names.join(entries, "importer_number").select(
            "importer_number", "importer_name", "entries"
        )
    frame = scope.run(expr).with_columns(pl.col("entries").cast(pl.Int64))
    return frame.sort(["entries", "importer_number"], descending=[True, False])


def _without_lines(scope: Scope) -> Scope:
    """The scope without its line-level filters (countries, HTS prefix): the same
    principal and header filters, through the same door."""
    filters = replace(scope.filters, countries=(), hts_prefix="")
    return Scope(scope.engine, scope.principal, filters)


OPTIONS = {"dimension": pl.String, "code": pl.String, "description": pl.String, "lines": pl.Int64}
FILTER_DIMENSIONS = (
    "importer_number",
    "filer_code",
    "port_of_entry",
    "country_of_origin",
    "entry_type",
    "mode_of_transport",
)


@report(
    "overview.filter_options",
    title="Values to filter on",
    category=CATEGORY,
    tables=("entry_lines", "entry_summaries"),
)
def filter_options(scope: Scope) -> pl.DataFrame:
    """(dimension, code, description, lines): the values the global filters can pick."""
    parts = [
        line_totals(scope, (dimension,), ("rows",)).select(
            dimension=ibis.literal(dimension), code=dimension, lines="rows"
        )
        for dimension in FILTER_DIMENSIONS
    ]
    options = scope.run(parts[0].union(*parts[1:])).filter(pl.col("code").is_not_null())
    described = [
        with_descriptions(rows.rename({"code": str(dimension)}), str(dimension)).rename(
            {str(dimension): "code", f"{dimension}_description": "description"}
        )
        for (dimension,), rows in options.group_by("dimension")
    ]
    frames = [f.select(list(OPTIONS)).cast(OPTIONS) for f in described]  # type: ignore[arg-type]
    options = pl.concat([pl.DataFrame(schema=OPTIONS), *frames])
    named = options.join(names(scope), on=["dimension", "code"], how="left", maintain_order="left")
    return (
        named.with_columns(description=pl.coalesce("name", "description"))
        .select(list(OPTIONS))
        .sort(["dimension", "code"])
    )


NAMES = {"dimension": pl.String, "code": pl.String, "name": pl.String}


def names(scope: Scope) -> pl.DataFrame:
    """(dimension, code, name) of the importers and filers in scope, as the lake names them."""
    parts = [
        expr.mutate(dimension=ibis.literal(column)).select("dimension", "code", "name")
        for column in NAMED
        if (expr := held_names(scope, column)) is not None
    ]
    if not parts:
        return pl.DataFrame(schema=NAMES)
    both = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    return scope.run(both).cast(NAMES)  # type: ignore[arg-type]


@report("overview.holdings", title="Data held", category=CATEGORY, tables=())
def holdings(scope: Scope) -> pl.DataFrame:
    """Per lake table the principal may see: rows and first and last date (of its date
    column), for this principal's rows only: what the dashboard holds for them."""
    rows = []
    held = _held(scope)
    for name, spec in TABLES.items():
        if not scope.principal.can_see(name):
            continue
        if name in held:  # unfiltered: from the coverage summary, no table read
            mine = held[name].filter(access.owned(scope.principal, spec))
            stats = mine.select(
                rows=pl.col("rows").sum(), first=pl.col("first").min(), last=pl.col("last").max()
            )
            rows.append({"table": name, **stats.row(0, named=True)})
            continue
        t = scope.table(name)
        date = t[spec.date_column]
        stats = scope.run(t.aggregate(rows=t.count(), first=date.min(), last=date.max()))
        rows.append({"table": name, **stats.row(0, named=True)})
    return pl.DataFrame(rows, schema=HOLDINGS)


HOLDINGS = {"table": pl.String, "rows": pl.Int64, "first": pl.Date, "last": pl.Date}


def _held(scope: Scope) -> dict[str, pl.DataFrame]:
    """Each table's rows and dates per importer and filer, from the coverage summary the
    engine's snapshot wrote (lake.store._holders); none with filters, for a lake on object
    storage, or a summary from before it held them."""
    lake = scope.engine.lake
    if scope.filters != Filters() or not isinstance(lake, Path):
        return {}
    cover = layout.coverage(lake)
    if cover.get("snapshot") != scope.engine.generation:
        return {}
    out = {}
    for name, spec in TABLES.items():
        holders = (cover.get("tables") or {}).get(name, {}).get("holders")
        if holders is None:
            return {}
        keys = {c: pl.String for c in (spec.importer_column, spec.filer_column) if c}
        text = {**keys, "rows": pl.Int64, "first": pl.String, "last": pl.String}
        frame = pl.DataFrame(holders, schema=text, orient="row" if not holders else None)
        out[name] = frame.with_columns(pl.col("first", "last").str.to_date())
    return out
