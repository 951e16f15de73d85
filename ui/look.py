"""The dashboard's look beyond Streamlit's theme: one stylesheet on every page, and plotly
figures whose text is large enough to read on a projector.

Colours stay the theme's (the stylesheet takes them from the page's text colour), so
light and dark read alike; see ui/look.css for what each rule fixes.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

STYLESHEET = Path(__file__).with_name("look.css")
TICK_PX = 14  # Streamlit's plotly theme draws 12 px ticks
TITLE_PX = 15


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
    return figure


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
