"""Overview: the filtered scope in a few figures, the monthly trend, top origins and chapters.

Everything is computed from entry_lines (line totals add up to header totals), so a
country-of-origin or HTS filter narrows values to the matching lines.
"""

from __future__ import annotations

import ibis
import polars as pl

from data_access.reports.base import (
    Scope,
    line_duties,
    line_fees,
    money_sum,
    month,
    report,
    safe_ratio,
    with_descriptions,
)
from data_access.schema import TABLES

CATEGORY = "Overview"


def _measures(t: ibis.Table) -> dict[str, ibis.Value]:
    return {
        "entries": t.entry_number.nunique(),
        "lines": (t.tariff_ordinal == 1).sum().coalesce(0),
        "entered_value": money_sum(t.entered_value),
        "duties": money_sum(line_duties(t)),
        "taxes": money_sum(t.tax_amount.fill_null(0)),
        "fees": money_sum(line_fees(t)),
    }


def _with_rate(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        effective_duty_rate=safe_ratio(pl.col("duties"), pl.col("entered_value"))
    )


@report("overview.kpis", title="Key figures", category=CATEGORY, tables=("entry_lines",))
def kpis(scope: Scope) -> pl.DataFrame:
    """One row: entries, lines, entered value, duties, taxes, fees, effective duty rate."""
    t = scope.table("entry_lines")
    frame = scope.run(t.aggregate(**_measures(t)))
    return _with_rate(frame.with_columns(pl.col("entries", "lines").cast(pl.Int64)))


@report("overview.monthly_trend", title="Monthly trend", category=CATEGORY, tables=("entry_lines",))
def monthly_trend(scope: Scope) -> pl.DataFrame:
    """Per month of entry: entries, lines, entered value, duties, taxes, fees, duty rate."""
    t = scope.table("entry_lines")
    expr = t.group_by(month=month(t.entry_date)).aggregate(**_measures(t)).order_by("month")
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
    t = scope.table("entry_lines")
    expr = t.group_by("country_of_origin").aggregate(
        entered_value=money_sum(t.entered_value),
        duties=money_sum(line_duties(t)),
        lines=(t.tariff_ordinal == 1).sum().coalesce(0),
    )
    return _top(scope.run(expr), "country_of_origin", limit)


@report(
    "overview.top_hts_chapters",
    title="Top HTS chapters",
    category=CATEGORY,
    tables=("entry_lines",),
)
def top_hts_chapters(scope: Scope, *, limit: int = 10) -> pl.DataFrame:
    """HTS chapters (first two digits) by entered value, largest first, with their share."""
    t = scope.table("entry_lines")
    expr = t.group_by(hts_chapter=t.hts_number.substr(0, 2)).aggregate(
        entered_value=money_sum(t.entered_value),
        duties=money_sum(line_duties(t)),
        lines=(t.tariff_ordinal == 1).sum().coalesce(0),
    )
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
    """Importer numbers in scope with their names and entry counts (largest first)."""
    t = scope.table("entry_summaries")
    expr = t.group_by("importer_number").aggregate(
        importer_name=t.importer_name.max(), entries=t.count()
    )
    frame = scope.run(expr).with_columns(pl.col("entries").cast(pl.Int64))
    return frame.sort(["entries", "importer_number"], descending=[True, False])


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
    tables=("entry_lines",),
)
def filter_options(scope: Scope) -> pl.DataFrame:
    """(dimension, code, description, lines): the values the global filters can pick."""
    t = scope.table("entry_lines")
    parts = []
    for dimension in FILTER_DIMENSIONS:
        expr = t.group_by(code=t[dimension]).aggregate(lines=t.count())
        rows = scope.run(expr).filter(pl.col("code").is_not_null())
        rows = with_descriptions(rows.rename({"code": dimension}), dimension)
        parts.append(
            rows.select(
                dimension=pl.lit(dimension),
                code=pl.col(dimension),
                description=pl.col(f"{dimension}_description"),
                lines=pl.col("lines").cast(pl.Int64),
            )
        )
    return pl.concat(parts).sort(["dimension", "code"])


@report("overview.holdings", title="Data held", category=CATEGORY, tables=())
def holdings(scope: Scope) -> pl.DataFrame:
    """Per lake table the principal may see: rows and first and last date (of its date
    column), for this principal's rows only: what the dashboard holds for them."""
    rows = []
    for name, spec in TABLES.items():
        if not scope.principal.can_see(name):
            continue
        t = scope.table(name)
        date = t[spec.date_column]
        stats = scope.run(t.aggregate(rows=t.count(), first=date.min(), last=date.max()))
        rows.append({"table": name, **stats.row(0, named=True)})
    schema = {"table": pl.String, "rows": pl.Int64, "first": pl.Date, "last": pl.Date}
    return pl.DataFrame(rows, schema=schema)
