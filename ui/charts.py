"""The figures every page draws, built one way (issue 16, items 1, 3, 4 and 5).

- Partial months (data_access.periods): bars of a month the data does not cover from its
  first to its last day are hatched and lighter, their hover says "partial month", and a
  trend leaves them out unless the reader turns on "Include partial months" (then they
  are drawn dotted, with open markers).
- Rates are percents: axis ticks `PERCENT_TICKS`, values `PERCENT` (as widgets.percent);
  money axes read as dollars ($800k, hover $812,345.67): ui/look.values_as_in_tables, for
  every chart whose axis title names a money column.
- Many categories: the `TOP_N` largest and one "Other (k more)", bars labelled directly,
  every tick label shown, colours from ui.palette (a category keeps its colour from chart
  to chart).
- Words from ui.labels: legends, axis titles and series names are never storage names.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from data_access import codes
from data_access.filters import Filters
from data_access.periods import PARTIAL, PARTIAL_NOTE, Span, data_span, mark_partial
from ui import look
from ui.data import View, held_by, run
from ui.labels import label
from ui.palette import OTHER_COLOUR, PALETTE, colour_map
from ui.widgets import chart_with_table

TOP_N = 10  # categories shown by name; the rest are summed into "Other"
TOP_RANGE = (3, 30)  # what `?top=` may ask for (30: the palette's distinct colours)
PERCENT, PERCENT_TICKS = look.PERCENT, look.PERCENT_TICKS  # 12.50% on hover, 12.5% on ticks
MONTHS = "%b %Y"
OTHER = "Other"
TICK_CHARACTERS = 42  # a longer category name is cut on the axis (the hover has it all)
TICK_LINE_CHARACTERS = 14  # a category name under a bar wraps after this many
FILTER_DIMENSIONS = ("importer_number", "filer_code", "port_of_entry", "country_of_origin",
                     "entry_type", "mode_of_transport")  # fmt: skip
NOTE = "_note"  # hover text column: "partial month" or ""
POOLED = "_pooled"  # a ranked bar that adds rows up ("Other", "Under 50 entries"): grey
SERIES, VALUE = "series", "value"
HATCHED, LEFT_OUT, DOTTED = "hatched and lighter", "left out of the lines", "dotted, open markers"


# --- what the data covers ---------------------------------------------------------------
def span(view: View, *tables: str) -> Span | None:
    """The days `tables` all hold data on for this principal, within the view's dates."""
    return data_span(held_by(view), tables, view.filters)


def partial_toggle(key: str) -> bool:
    return st.toggle(
        "Include partial months",
        key=f"{key}-partial",
        bind="query-params",
        help="Months the data does not cover from the first to the last day (the first and "
        "last month of the data, or of the period picked) are left out of the trend.",
    )


def partial_caption(frame: pl.DataFrame, where: Span | None, *, shown: str = HATCHED) -> str:
    """What the alt text adds about partial months ('' when none): how they are `shown`."""
    if where is None or PARTIAL not in frame.columns:
        return ""
    months = frame.filter(pl.col(PARTIAL)).get_column("month").unique().sort()
    if months.is_empty():
        return ""
    names = ", ".join(f"{m:%b %Y}" for m in months)
    return f" Partial months ({names}; data {where.describe()}) are {shown}."


# --- shaping ----------------------------------------------------------------------------
def shown() -> int:
    """How many categories a chart names: `TOP_N`, or the address's `?top=N` (3 to 30),
    so a presenter can share a view with more or fewer."""
    asked = str(st.query_params.get("top", ""))
    low, high = TOP_RANGE
    return min(high, max(low, int(asked))) if asked.isdigit() else TOP_N


def top_n(
    frame: pl.DataFrame,
    category: str,
    value: str,
    *,
    sums: Sequence[str],
    n: int | None = None,
    by: Sequence[str] = (),
    also: Sequence[str] = (),
) -> pl.DataFrame:
    """The `n` (default `shown()`) categories with the largest total `value` by name, the
    rest summed into one "Other (k more)" per `by` group (`sums` are the columns added up;
    `also` are columns that follow the category, such as its code, and read "Other" too)."""
    n = n or shown()
    totals = frame.group_by(category).agg(pl.col(value).sum())
    if totals.height <= n + 1:  # an "Other" of one would hide a name for nothing
        return frame
    kept = totals.sort([value, category], descending=[True, False]).head(n).get_column(category)
    other = f"{OTHER} ({totals.height - n} more)"
    named = pl.col(category).is_in(kept.implode())
    keys = [*by, category, *also]
    relabelled = frame.with_columns(
        pl.when(named).then(pl.col(c).cast(pl.String)).otherwise(pl.lit(other)).alias(c)
        for c in (category, *also)
    )
    grouped = relabelled.group_by(keys, maintain_order=True).agg(pl.col(s).sum() for s in sums)
    named_first = grouped.with_columns(_named=~pl.col(category).str.starts_with(OTHER))
    return named_first.sort(
        [*by, "_named"], descending=[False] * len(by) + [True], maintain_order=True
    ).drop("_named")


def stable_order(view: View, code: str) -> list[str]:
    """A dimension's codes in a fixed order, so each keeps its colour on every chart: the
    view's filter values by lines (largest first) for the filter dimensions, the code
    list's order for coded fields, else none (colours then follow the chart's order)."""
    if code in FILTER_DIMENSIONS:
        options = run(replace(view, filters=Filters()), "overview.filter_options")
        mine = options.filter(pl.col("dimension") == code)
        return mine.sort(["lines", "code"], descending=[True, False]).get_column("code").to_list()
    return list(codes.CODE_LISTS.get(code, {}))


def colours(
    frame: pl.DataFrame, color: str, *, key: str | None = None, order: Sequence[str] = ()
) -> dict[str, str]:
    """`color`'s values -> colour: by `key` (the code beside a label) in `order`."""
    key = key or color
    shown = pl.col(color).cast(pl.String).alias("_shown")
    pairs = frame.select(pl.col(key).cast(pl.String), shown).unique(maintain_order=True)
    by_code = colour_map(pairs.get_column(key).to_list(), [str(c) for c in order])
    return {shown: by_code[code] for code, shown in pairs.iter_rows()}


def _long(frame: pl.DataFrame, y: Sequence[str], index: Sequence[str]) -> pl.DataFrame:
    """Several measures as one `value` column with a human `series` name."""
    long = frame.unpivot(on=list(y), index=list(index), variable_name=SERIES, value_name=VALUE)
    return long.with_columns(pl.col(SERIES).replace_strict({c: label(c) for c in y}))


# --- monthly bars -----------------------------------------------------------------------
def month_bars(
    frame: pl.DataFrame,
    *,
    y: str | Sequence[str],
    where: Span | None,
    color: str | None = None,
    key: str | None = None,
    order: Sequence[str] = (),
    y_title: str | None = None,
    barmode: str = "relative",
    percent: bool = False,
) -> go.Figure:
    """Bars per month (stacked by `color`, or one per measure when `y` lists several);
    the months `where` does not cover whole are hatched, lighter and say so on hover."""
    marked = mark_partial(frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64)), where)
    if not isinstance(y, str):
        marked = _long(marked, y, [c for c in marked.columns if c not in y])
        color, value = SERIES, VALUE
    else:
        value = y
    note = f"<br><b>{PARTIAL_NOTE}</b>: data {where.describe()}" if where else ""
    marked = marked.with_columns(
        pl.when(pl.col(PARTIAL)).then(pl.lit(note)).otherwise(pl.lit("")).alias(NOTE)
    )
    legend = {SERIES: "", **({color: _legend_title(color)} if color else {})}
    figure = px.bar(
        marked, x="month", y=value, color=color, custom_data=[NOTE, PARTIAL], barmode=barmode,
        color_discrete_map=colours(marked, color, key=key, order=order) if color else None,
        category_orders={color: _ranked(marked, color, value)} if color else None,
        labels={"month": label("month"), value: y_title or label(value), **legend},
    )  # fmt: skip
    for trace in figure.data:
        _hover(trace, percent)
    grouped = barmode == "group"
    parts = [part for t in figure.data for part in _split_partial(t, grouped)]
    figure = go.Figure(data=parts, layout=figure.layout)
    figure.update_xaxes(tickformat=MONTHS)
    if percent:
        figure.update_yaxes(tickformat=PERCENT_TICKS)
    return figure


def _split_partial(trace: go.Bar, grouped: bool) -> list[go.Bar]:
    """The trace's whole months, and beside it (same legend entry, not listed twice; in
    grouped bars the same slot) its partial months, hatched and lighter: so a legend
    swatch is never hatched."""
    flags = [bool(row[1]) for row in trace.customdata]
    if not any(flags):
        return [trace]
    group = trace.legendgroup or trace.name
    parts = []
    for partial in (False, True):
        keep = [i for i, flag in enumerate(flags) if flag == partial]
        if not keep:
            continue
        part = go.Bar(trace)
        part.update(x=[trace.x[i] for i in keep], y=[trace.y[i] for i in keep],
                    customdata=[trace.customdata[i] for i in keep], legendgroup=group,
                    offsetgroup=group if grouped else None)  # fmt: skip
        if partial:
            hatched = {"shape": "/", "solidity": 0.4}
            part.update(marker_pattern=hatched, marker_opacity=0.45)
            if parts:  # listed once, under the whole months' swatch
                part.update(showlegend=False, name=f"{trace.name} ({PARTIAL_NOTE})")
        parts.append(part)
    return parts


def _hover(trace: go.Bar, percent: bool) -> None:
    template = trace.hovertemplate.replace("%{x}", f"%{{x|{MONTHS}}}")
    if percent:
        template = template.replace("%{y}", f"%{{y:{PERCENT}}}")
    else:
        template = template.replace("%{y}", "%{y:,}")
    trace.hovertemplate = template.replace("<extra>", "%{customdata[0]}<extra>")


def _ranked(frame: pl.DataFrame, color: str, value: str) -> list[str]:
    """`color`'s values, largest total first, "Other" last (the legend's and stack's order)."""
    totals = frame.group_by(color).agg(pl.col(value).sum())
    totals = totals.with_columns(_other=pl.col(color).cast(pl.String).str.starts_with(OTHER))
    ranked = totals.sort(["_other", value, color], descending=[False, True, False])
    return ranked.get_column(color).cast(pl.String).to_list()


def _legend_title(color: str) -> str:
    return "" if color == SERIES else label(color)


# --- trends -----------------------------------------------------------------------------
def trend(
    frame: pl.DataFrame,
    *,
    y: Sequence[str],
    where: Span | None,
    include_partial: bool,
    y_title: str,
    percent: bool = False,
    digits: str = ",.1f",
) -> go.Figure:
    """Lines per month, one per measure in `y`: partial months left out, or (when asked)
    drawn dotted with open markers whose hover says "partial month"."""
    marked = mark_partial(frame, where)
    fmt = PERCENT if percent else digits
    figure = go.Figure()
    for i, measure in enumerate(y):
        colour, name = PALETTE[i % len(PALETTE)], label(measure)
        whole = marked.filter(~pl.col(PARTIAL))
        hover = f"%{{x|{MONTHS}}}<br>{name}: %{{y:{fmt}}}"
        if include_partial and marked.height > whole.height:
            figure.add_scatter(
                x=marked["month"], y=marked[measure], mode="lines", showlegend=False,
                line={"color": colour, "dash": "dot"}, hoverinfo="skip", name=f"{name} (all)",
            )  # fmt: skip
            partial = marked.filter(pl.col(PARTIAL))
            figure.add_scatter(
                x=partial["month"], y=partial[measure], mode="markers", showlegend=False,
                marker={"color": colour, "symbol": "circle-open", "size": 10},
                name=f"{name} ({PARTIAL_NOTE})",
                hovertemplate=f"{hover}<br><b>{PARTIAL_NOTE}</b>: data "
                f"{where.describe() if where else ''}<extra></extra>",
            )  # fmt: skip
        figure.add_scatter(
            x=whole["month"], y=whole[measure], mode="lines+markers", name=name,
            line={"color": colour}, hovertemplate=f"{hover}<extra></extra>",
        )  # fmt: skip
    figure.update_xaxes(title=label("month"), tickformat=MONTHS)
    figure.update_yaxes(title=y_title, tickformat=PERCENT_TICKS if percent else None)
    figure.update_layout(showlegend=len(y) > 1, legend_title_text="")
    return figure


def trend_with_table(
    frame: pl.DataFrame,
    *,
    title: str,
    alt: str,
    key: str,
    where: Span | None,
    y: Sequence[str],
    y_title: str,
    percent: bool = False,
    digits: str = ",.1f",
) -> None:
    """`trend` under its heading and the "Include partial months" toggle (shown when there
    are partial months), with the table (every month, flagged) one click away."""
    st.header(title)
    table = mark_partial(frame, where)
    include = partial_toggle(key) if table.get_column(PARTIAL).any() else False
    figure = trend(frame, y=y, where=where, include_partial=include, y_title=y_title,
                   percent=percent, digits=digits)  # fmt: skip
    shown = DOTTED if include else LEFT_OUT
    caption = alt + partial_caption(table, where, shown=shown)
    chart_with_table(figure, table, title=None, alt=caption, key=key)


# --- ranked categories ------------------------------------------------------------------
def ranked_bars(
    frame: pl.DataFrame,
    *,
    value: str,
    name: str = "label",
    n: int | None = None,
    sums: Sequence[str] = (),
    rate: tuple[str, str] | None = None,
    hover: Mapping[str, str] | None = None,
    x_title: str | None = None,
    percent: bool = False,
    money: bool = False,
    least: tuple[str, int] | None = None,
) -> go.Figure:
    """Horizontal bars, largest first: the `n` largest by name and (when `sums` can add
    the rest up) "Other (k more)" last; `rate` (numerator, denominator) recomputes
    `value` for Other. Each bar carries its value; every name is on the axis.

    `least` (column, minimum): a row whose `column` is under `minimum` is not ranked (a
    rate of 1 exam in 1 entry would lead at 100%): such rows are added up into one bar
    after the others, "Under 50 entries (k more)" (none when they add up to no rate)."""
    n = n or shown()
    plotted = frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64)).sort(
        [value, name], descending=[True, False], nulls_last=True
    )
    small = plotted.clear()
    if least:
        column, minimum = least
        small = plotted.filter(pl.col(column) < minimum)
        plotted = plotted.filter(pl.col(column) >= minimum)
    if sums and plotted.height > n + 1:
        rest = _pooled(plotted.slice(n), value, name, sums, rate, OTHER)
        plotted = pl.concat([plotted.head(n), rest], how="diagonal_relaxed")
    elif not sums:  # nothing adds the rest up: the n largest
        plotted = plotted.head(n)  # (with sums, n + 1 are all named: an Other of one hides one)
    if least and sums and not small.is_empty():
        under = _pooled(
            small, value, name, sums, rate, f"Under {least[1]:,} {label(least[0]).lower()}"
        )
        if under.item(0, value) is not None:  # not exams of no entry in the period: no rate
            plotted = pl.concat([plotted, under], how="diagonal_relaxed")
    plotted = plotted.with_columns(_tick=short_names(pl.col(name)), _text=money_text(pl.col(value)))
    names = plotted.get_column("_tick").to_list()
    figure = px.bar(
        plotted.reverse(), x=value, y="_tick", orientation="h", text="_text" if money else None,
        hover_name=name,
        hover_data={"_tick": False, "_text": False, **(hover or {})},
        labels={value: x_title or label(value), **{c: label(c) for c in (hover or {})}},
    )  # fmt: skip
    template = None if money else (f"%{{x:{PERCENT}}}" if percent else "%{x:,}")
    pooled = plotted.get_column(POOLED).to_list()[::-1] if POOLED in plotted.columns else []
    colours = [OTHER_COLOUR if p else PALETTE[0] for p in pooled] or PALETTE[0]
    figure.update_traces(textposition="outside", cliponaxis=False, texttemplate=template,
                         marker_color=colours)  # fmt: skip
    if percent:
        figure.update_xaxes(tickformat=PERCENT_TICKS)
        for trace in figure.data:
            trace.hovertemplate = trace.hovertemplate.replace("%{x}", f"%{{x:{PERCENT}}}")
    figure.update_yaxes(title=None, tickmode="array", tickvals=names, ticktext=names)
    room_for_labels(figure, plotted.get_column(value).max())
    figure.update_layout(height=max(260, 60 + 26 * len(names)))
    return figure


def short_names(name: pl.Expr, limit: int = TICK_CHARACTERS) -> pl.Expr:
    """Each name as a bar shows it: whole up to `limit` characters, else cut to `limit`
    ending in "…" (the hover has it whole). Two names cut alike would be one bar (plotly
    draws a category once), so those are cut in the middle instead ("90 Optical, medica…
    parts and accessories"), keeping the end where they differ; alike even so, numbered
    ("… (1)", "… (2)", in the bars' order)."""
    whole = name.cast(pl.String).fill_null("(none)")
    long = whole.str.len_chars() > limit
    kept = limit - 1  # the characters beside the "…"
    end_cut = pl.when(long).then(whole.str.slice(0, kept) + "…").otherwise(whole)
    middle_cut = whole.str.slice(0, kept // 2) + "…" + whole.str.tail(kept - kept // 2)
    ordinal = (pl.int_range(pl.len()).over(middle_cut) + 1).cast(pl.String)
    numbered = pl.concat_str(whole.str.slice(0, limit - 6), pl.lit("… ("), ordinal, pl.lit(")"))
    return (
        pl.when(~long | ~end_cut.is_duplicated())
        .then(end_cut)
        .when(~middle_cut.is_duplicated())
        .then(middle_cut)
        .otherwise(numbered)
    )


def _pooled(
    rows: pl.DataFrame,
    value: str,
    name: str,
    sums: Sequence[str],
    rate: tuple[str, str] | None,
    title: str,
) -> pl.DataFrame:
    """`rows` added up into one bar named "`title` (k more)" (`rate` recomputed)."""
    totals = rows.select(pl.col(s).sum() for s in sums)
    if rate:
        numerator, denominator = (totals.item(0, c) for c in rate)
        totals = totals.with_columns(
            pl.lit(numerator / denominator if denominator else None).alias(value)
        )
    return totals.with_columns(pl.lit(f"{title} ({rows.height} more)").alias(name),
                               pl.lit(True).alias(POOLED))  # fmt: skip


def money_text(value: pl.Expr) -> pl.Expr:
    """Dollars as a bar's own label, as widgets.money shows them: $1.2M, $850.0K, $12."""
    size = value.abs()
    text = pl.format("${}", size.round(0).cast(pl.Int64))
    for limit, suffix in ((1e3, "K"), (1e6, "M"), (1e9, "B")):
        scaled = pl.format("${}{}", (size / limit).round(1), pl.lit(suffix))
        text = pl.when(size >= limit).then(scaled).otherwise(text)
    return pl.when(value < 0).then(pl.lit("-") + text).otherwise(text)


LABEL_MARGIN = 72  # px: "$309.4M" at the chart font's size


def room_for_labels(figure: go.Figure, largest: object, axis: str = "x") -> None:
    """Widen the value axis so the label past the longest bar is not cut off, and let
    labels draw into a right margin kept for them (a narrow chart has too little axis)."""
    if isinstance(largest, int | float | Decimal) and largest > 0:
        update = figure.update_xaxes if axis == "x" else figure.update_yaxes
        update(range=[0, float(largest) * 1.2])
    figure.update_traces(cliponaxis=False, selector={"type": "bar"})
    if axis == "x":
        figure.update_layout(margin={"r": max(figure.layout.margin.r or 0, LABEL_MARGIN)})


def category_ticks(figure: go.Figure, axis: str = "x") -> go.Figure:
    """Every category named on `axis` (plotly would drop every other one when crowded);
    under vertical bars a long name wraps onto lines (plotly would turn the names
    aslant, and on a phone they took half the chart's height: Bond's surety bars were
    87 px wide)."""
    trace_axis = "x" if axis == "x" else "y"
    values = (getattr(trace, trace_axis) for trace in figure.data)
    names = list(dict.fromkeys(v for shown in values if shown is not None for v in shown))
    texts = [wrapped(name) for name in names] if axis == "x" else names
    update = figure.update_xaxes if axis == "x" else figure.update_yaxes
    update(tickmode="array", tickvals=names, ticktext=texts, automargin=True, tickangle=0)
    return figure


def wrapped(name: object, width: int = TICK_LINE_CHARACTERS) -> str:
    """A tick label on lines of at most `width` characters (plotly's <br>)."""
    return "<br>".join(textwrap.wrap(str(name), width)) or str(name)
