"""The dashboard's look beyond Streamlit's theme: one stylesheet on every page, and plotly
figures whose text is large enough to read on a projector.

Colours stay the theme's (the stylesheet takes them from the page's text colour), so
light and dark read alike; see ui/look.css for what each rule fixes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st
from plotly.basedatatypes import BaseTraceType

from ui import column_formats

STYLESHEET = Path(__file__).with_name("look.css")
TICK_PX = 14  # Streamlit's plotly theme draws 12 px ticks
TITLE_PX = 15
DEFAULT_HEIGHT = 450  # plotly's, and st.plotly_chart's, when a figure sets none
LEGEND_ROW_PX = 22  # one row of the legend at TICK_PX
LEGEND_PAD_PX = 16
# Horizontal bars with their names above them (names_above_bars): each category's slot,
# what a grouped bar adds to it per bar, the gap that leaves room for the name, and the
# figure's height beyond the slots (heading margin, value axis and its title).
BAR_SLOT_PX = 46
GROUP_SLOT_PX = 14
BAR_GAP = 0.45
BAR_CHART_PAD_PX = 100
GROUP_LABEL_PX = 40  # "12.5" beside a grouped bar
# Values as the tables show them (ui/column_formats), on the axes and in the hovers.
MONEY_PREFIX = "$"  # ticks in plotly's short form after it: $800k, $1.2M, $3B
MONEY_EXPONENT = "B"  # billions as B (d3's "~s" would say G: "$1.2G")
MONEY_HOVER = "$,.2f"  # $812,345.67
PERCENT = ".2%"  # a rate's value in hovers and on bars: 2 decimals, as widgets.percent
PERCENT_TICKS = ".2~%"  # axis ticks: the same, trailing zeros dropped (2%, 2.5%, 2.65%)
HOVER_FORMAT = {column_formats.MONEY: MONEY_HOVER, column_formats.PERCENT: PERCENT}


def apply_stylesheet() -> None:
    """Add ui/look.css to the page (a style-only st.html takes no space)."""
    st.html(STYLESHEET)


def framed(figure: go.Figure) -> go.Figure:
    """Tight margins for a chart under its heading (no title); a right margin the chart
    kept for the labels past its bars (charts.room_for_labels) stays."""
    right = max(10, figure.layout.margin.r or 0)
    return figure.update_layout(margin={"l": 10, "r": right, "t": 30, "b": 10}, title=None)


def readable(figure: go.Figure) -> go.Figure:
    """Ticks, axis titles, legend and hover text at sizes a room can read."""
    figure.update_xaxes(tickfont_size=TICK_PX, title_font_size=TITLE_PX)
    figure.update_yaxes(tickfont_size=TICK_PX, title_font_size=TITLE_PX)
    figure.update_layout(
        legend_font_size=TICK_PX,
        legend_title_font_size=TICK_PX,
        hoverlabel_font_size=TICK_PX,
    )
    if figure.layout.coloraxis.colorscale and figure.layout.coloraxis.colorscale:
        figure.update_coloraxes(colorbar_tickfont_size=TICK_PX)
    return legend_below(names_above_bars(values_as_in_tables(figure)))


def values_as_in_tables(figure: go.Figure) -> go.Figure:
    """Money axes read as money ($800k, $1.2M; hover $812,345.67) and rate axes as
    percents (12.5%; hover 12.50%), as the tables show those columns: an axis is money or
    a rate when its title names such a column (`column_formats.axis_format`), whichever
    page drew it. A colour bar (the world map) likewise."""
    for axis in [*figure.select_xaxes(), *figure.select_yaxes()]:
        shown = column_formats.axis_format(axis.title.text)
        if shown is None:
            continue
        letter, ref = axis.plotly_name[0], axis.plotly_name.replace("axis", "")
        if shown == column_formats.MONEY:
            axis.update(tickprefix=MONEY_PREFIX, exponentformat=MONEY_EXPONENT)
        elif axis.tickformat is None:
            axis.update(tickformat=PERCENT_TICKS)
        axis.update(hoverformat=HOVER_FORMAT[shown])
        on_axis = [t for t in figure.data if (getattr(t, f"{letter}axis", None) or letter) == ref]
        _hover_as(on_axis, letter, HOVER_FORMAT[shown])
    colorbar = figure.layout.coloraxis.colorbar
    if column_formats.axis_format(colorbar.title.text) == column_formats.MONEY:
        colorbar.update(tickprefix=MONEY_PREFIX, exponentformat=MONEY_EXPONENT)
        _hover_as(figure.data, "z", MONEY_HOVER)
    return figure


def _hover_as(traces: Sequence[BaseTraceType], variable: str, fmt: str) -> None:
    """`variable`'s value in each trace's hover in `fmt`, where it had none or thousands'
    separators only (a value given its own format, or a date's, is kept)."""
    for trace in traces:
        template = getattr(trace, "hovertemplate", None)
        if isinstance(template, str):
            for plain in (f"%{{{variable}}}", f"%{{{variable}:,}}"):
                template = template.replace(plain, f"%{{{variable}:{fmt}}}")
            trace.hovertemplate = template


def names_above_bars(figure: go.Figure) -> go.Figure:
    """Horizontal bars with each name written above its bar, not on the axis beside it:
    a long name ("90 Optical, medical and measuring instruments") took half a phone's
    width and was cut at the left edge, leaving the bars 64 px. Now the names and the
    bars both span the plot's width on every screen. Other figures are left as they are."""
    bars = list(figure.data)
    if not bars or any(t.type != "bar" or t.orientation != "h" for t in bars):
        return figure
    order = bar_order(figure)
    yaxis = figure.layout.yaxis
    names = dict(zip(yaxis.tickvals or (), yaxis.ticktext or (), strict=False))
    above = -1 if yaxis.autorange == "reversed" else 1  # the bar's top edge on screen
    groups = len(bars) if figure.layout.barmode == "group" else 1
    figure.update_layout(
        bargap=BAR_GAP,
        height=BAR_CHART_PAD_PX + len(order) * (BAR_SLOT_PX + GROUP_SLOT_PX * (groups - 1)),
    )
    figure.update_yaxes(showticklabels=False, ticks="", title=None)
    if groups > 1:  # values beside thin grouped bars, level, not squeezed inside them
        figure.update_traces(textposition="outside", textangle=0, cliponaxis=False)
        figure.update_layout(margin_r=max(figure.layout.margin.r or 0, GROUP_LABEL_PX))
    for position, category in enumerate(order):
        text = str(names.get(category, category)).replace("<", "&lt;").replace(">", "&gt;")
        figure.add_annotation(
            text=text, showarrow=False, xref="x domain", x=0, xanchor="left",
            yref="y", y=position + above * (1 - BAR_GAP) / 2, yanchor="bottom", yshift=1,
            font_size=TICK_PX, align="left",
        )  # fmt: skip
    return figure


def bar_order(figure: go.Figure) -> list[object]:
    """The categories of the y axis from bottom (position 0) up, as plotly places them:
    the axis's category array when it sets one, else the order they first appear in."""
    seen = list(dict.fromkeys(v for t in figure.data for v in (t.y if t.y is not None else ())))
    yaxis = figure.layout.yaxis
    if yaxis.categoryorder == "array" and yaxis.categoryarray:
        listed = [c for c in yaxis.categoryarray if c in set(seen)]
        return listed + [c for c in seen if c not in set(listed)]
    return seen


def legend_below(figure: go.Figure) -> go.Figure:
    """The legend in rows under the plot, not in a column beside it: on a phone a legend
    on the right took most of the width (Bond's sufficiency plot was 112 px of 358,
    Cargo Release's 64). Placed at the bottom of the whole figure, so it clears the x
    axis's ticks and title; never scrolled; the figure grows by the rows it takes (two
    entries a row, as on a phone's width), so the plot keeps its height."""
    entries = legend_entries(figure)
    if entries < 2 and figure.layout.showlegend is not True:
        return figure
    height = (figure.layout.height or DEFAULT_HEIGHT) + legend_height(
        entries, titled=bool(figure.layout.legend.title.text)
    )
    figure.update_layout(
        height=height,
        legend={
            "orientation": "h",
            "xref": "container",
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            "title_side": "top",
            "maxheight": 1,  # the whole figure's height: never a scrolled legend
        },
    )
    return figure


def legend_entries(figure: go.Figure) -> int:
    """How many entries the legend lists (one per legend group or shown trace)."""
    if figure.layout.showlegend is False:
        return 0
    shown = [t for t in figure.data if t.showlegend is not False]
    pies = [t for t in shown if t.type == "pie" and t.labels is not None]
    slices = sum(len(t.labels) for t in pies)  # a donut lists each slice
    return slices + len({t.legendgroup or t.name or id(t) for t in shown if t.type != "pie"})


def legend_height(entries: int, *, titled: bool) -> int:
    """The rows a legend below the plot takes: two entries a row, and its title's."""
    return LEGEND_ROW_PX * (-(-entries // 2) + titled) + LEGEND_PAD_PX


def world_map(figure: go.Figure) -> go.Figure:
    """A map that sits on either theme: no white box or frame, land and coastlines in the
    page's text colour, faint (ui/look.css), the colour bar under the map so the map
    gets the chart's whole width."""
    figure.update_geos(
        bgcolor="rgba(0,0,0,0)",
        showframe=False,
        showland=True,
        showcountries=False,
        projection_type="natural earth",
    )
    figure.update_coloraxes(
        colorbar={
            "orientation": "h",
            "thickness": 12,
            "y": -0.02,
            "yanchor": "top",
            "title": {"side": "top"},
        }
    )
    return figure
