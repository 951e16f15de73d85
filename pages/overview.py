"""Overview: the filtered scope in figures, its monthly trend, top origins and chapters."""

from __future__ import annotations

import polars as pl
import streamlit as st

from data_access.periods import mark_partial
from ui import charts, labels
from ui.data import View, run
from ui.widgets import Kpi, chart_with_table, count, empty_state, intro, kpi_row, money, percent

ALL = 1000  # rows asked of a top-N report: every one (the chart shows the top and Other)
USD = "Entered Value (USD)"


def render(view: View) -> None:
    intro(
        "Overview",
        "How much did we import, what did it cost in duties, taxes and fees, "
        "and where did it come from, for the period and filters chosen in the sidebar?",
    )
    kpis = run(view, "overview.kpis")
    if empty_state(kpis.filter(kpis.get_column("entries") > 0)):
        return
    _kpi_row(kpis.row(0, named=True))
    _trend(view, run(view, "overview.monthly_trend"))
    left, right = st.columns(2)
    with left:
        countries = run(view, "overview.top_countries", limit=ALL)
        _top(countries, "country_of_origin", "Top countries of origin")
    with right:
        _top(run(view, "overview.top_hts_chapters", limit=ALL), "hts_chapter", "Top HTS chapters")


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


def _trend(view: View, trend: pl.DataFrame) -> None:
    where = charts.span(view, "entry_lines")
    figure = charts.month_bars(trend, y="entered_value", where=where, y_title=USD)
    table = mark_partial(trend, where)
    chart_with_table(
        figure,
        table,
        title="Monthly trend",
        alt="Bar chart of entered value per month of entry; the table adds entries, duties, "
        "taxes, fees and the effective duty rate per month." + charts.partial_caption(table, where),
        key="overview-monthly-trend",
    )


def _top(frame: pl.DataFrame, key: str, title: str) -> None:
    plotted = frame.with_columns(
        label=pl.concat_str(pl.col(key), pl.lit(" "), pl.col(f"{key}_description")),
    )
    figure = charts.ranked_bars(
        plotted, value="entered_value", sums=("entered_value", "duties", "lines"), money=True,
        x_title=USD, hover={"duties": ":$,.2f", "lines": ":,"},
    )  # fmt: skip
    chart_with_table(
        figure,
        frame,
        title=title,
        alt=f"Horizontal bars: {title[0].lower()}{title[1:]} by entered value, largest first: "
        f"the top {charts.shown()} by name and the rest as Other; the table lists every one.",
        key=f"overview-{key}",
    )


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
