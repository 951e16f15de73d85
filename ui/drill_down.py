"""Drill-down: bars that narrow the page when clicked, the path kept in the URL.

The drill path is a query parameter, so a narrowed view can be bookmarked and shared
like the global filters. The HTS drill (chapter -> heading -> 10-digit number) narrows
through the filters' own `hts_prefix`, so every report on the page sees it.
"""

from __future__ import annotations

import dataclasses

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from data_access.filters import FilterError
from ui.data import View
from ui.look import framed, readable
from ui.widgets import PLOTLY_CONFIG, table_with_export

HTS_PARAM = "hts_drill"
HTS_STEPS = ((2, "chapter"), (4, "heading"), (10, "line"))


def clickable_bars(
    figure: go.Figure,
    frame: pl.DataFrame,
    *,
    title: str,
    alt: str,
    key: str,
    chart_key: str,
) -> str | None:
    """`chart_with_table`'s layout, but a clicked bar's code (its first customdata
    value) is returned. `chart_key` should change with the drill level, so a click made
    at one level is not read again at the next."""
    st.header(title)
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        framed(figure)
        event = st.plotly_chart(
            readable(figure),
            key=chart_key,
            on_select="rerun",
            selection_mode="points",
            config=PLOTLY_CONFIG,
        )
        st.caption(alt)
    with table_tab:
        table_with_export(frame, name=key)
    points = event.selection.points if event else []
    return str(points[0]["customdata"][0]) if points else None


def hts_drill() -> str:
    """The HTS prefix the user drilled to ("" when none); junk in the URL is ignored."""
    value = str(st.query_params.get(HTS_PARAM, ""))
    return value if value.isdigit() and 2 <= len(value) <= 10 else ""


def narrowed(view: View, drill: str) -> View:
    """`view` narrowed to the drilled HTS prefix, when it is inside the global one."""
    current = view.filters.hts_prefix
    if not drill or not drill.startswith(current) or drill == current:
        return view
    try:
        filters = dataclasses.replace(view.filters, hts_prefix=drill)
    except FilterError:
        return view
    return dataclasses.replace(view, filters=filters)


def next_level(prefix: str) -> str:
    """The level of the bars under `prefix`: chapters, then headings, then numbers."""
    for digits, level in HTS_STEPS:
        if len(prefix) < digits:
            return level
    return "line"


def drill_to(prefix: str) -> None:
    """Narrow the page to `prefix` ("" for all) and draw it again."""
    if prefix:
        st.query_params[HTS_PARAM] = prefix
    elif HTS_PARAM in st.query_params:
        del st.query_params[HTS_PARAM]
    st.rerun()


def hts_breadcrumb(prefix: str, base: str, *, key: str) -> None:
    """Where the drill stands, with a button back to each level above it."""
    steps = [(f"HTS {base}" if base else "All HTS", base)] + [
        (prefix[:digits], prefix[:digits])
        for digits, _ in HTS_STEPS
        if len(base) < digits <= len(prefix)
    ]
    st.info(
        f"Narrowed to HTS {prefix} (clicked in the HTS drill-down). "
        "Every figure on this page covers those tariff numbers only.",
        icon=":material/filter_alt:",
    )
    columns = st.columns(len(steps) + 3)
    for column, (label, target) in zip(columns, steps[:-1], strict=False):
        if column.button(f"↑ {label}", key=f"{key}-up-{target or 'all'}"):
            drill_to(target)
