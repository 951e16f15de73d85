"""Overview: the filtered scope in figures, its monthly trend, top origins and chapters."""

from __future__ import annotations

import plotly.express as px
import polars as pl
import streamlit as st

from ui import labels
from ui.data import View, run
from ui.widgets import Kpi, chart_with_table, count, empty_state, intro, kpi_row, money, percent


def render(view: View) -> None:
    intro(
        "Overview",
        "How much did we import, what did it cost in duties, taxes and fees, "
        "and where did it come from, for the period and filters on the left?",
    )
    kpis = run(view, "overview.kpis")
    if empty_state(kpis.filter(kpis.get_column("entries") > 0)):
        return
    _kpi_row(kpis.row(0, named=True))
    _trend(run(view, "overview.monthly_trend"))
    left, right = st.columns(2)
    with left:
        _top(run(view, "overview.top_countries"), "country_of_origin", "Top countries of origin")
    with right:
        _top(run(view, "overview.top_hts_chapters"), "hts_chapter", "Top HTS chapters")


def _kpi_row(k: dict) -> None:
    kpi_row(
        [
            Kpi("Entries", count(k["entries"])),
            Kpi(labels.LINES, count(k["lines"]), labels.LINES_HELP),
            Kpi("Entered value", money(k["entered_value"])),
            Kpi("Duties", money(k["duties"]), "Duty plus antidumping and countervailing duty"),
            Kpi("Taxes and fees", money(k["taxes"] + k["fees"]), "Taxes, MPF and HMF"),
            Kpi("Effective duty rate", percent(k["effective_duty_rate"]), "Duties / entered value"),
        ]
    )


def _trend(trend: pl.DataFrame) -> None:
    plotted = trend.with_columns(pl.col("entered_value", "duties").cast(pl.Float64))
    figure = px.bar(
        plotted,
        x="month",
        y="entered_value",
        labels={"month": "Month of entry", "entered_value": "Entered value (USD)"},
        hover_data={"duties": ":,.0f", "entries": ":,"},
    )
    chart_with_table(
        figure,
        trend,
        title="Monthly trend",
        alt="Bar chart of entered value per month of entry; the table adds entries, duties, "
        "taxes, fees and the effective duty rate per month.",
        key="overview-monthly-trend",
    )


def _top(frame: pl.DataFrame, key: str, title: str) -> None:
    plotted = frame.with_columns(
        pl.col("entered_value").cast(pl.Float64),
        label=pl.concat_str(pl.col(key), pl.lit(" "), pl.col(f"{key}_description")),
    )
    figure = px.bar(
        plotted.reverse(),
        x="entered_value",
        y="label",
        orientation="h",
        labels={"entered_value": "Entered value (USD)", "label": ""},
    )
    chart_with_table(
        figure,
        frame,
        title=title,
        alt=f"Horizontal bars: {title[0].lower()}{title[1:]} by entered value, largest first.",
        key=f"overview-{key}",
    )


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
