"""Cargo Release: how fast our cargo is released after arrival, where it waits, who holds it."""

from __future__ import annotations

import plotly.express as px
import polars as pl
import streamlit as st

from data_access.periods import mark_partial
from ui import charts
from ui.data import View, run
from ui.entry_summary_charts import plottable
from ui.labels import label
from ui.paged_table import detail_table
from ui.palette import PALETTE
from ui.widgets import (
    Kpi,
    chart_with_table,
    count,
    empty_state,
    intro,
    kpi_row,
    lazy_tabs,
)

DAYS = {"median_days": "Median days", "p90_days": "90th percentile days"}
SLOWEST = 15  # bars shown; the table behind each chart keeps every port or mode


def render(view: View) -> None:
    intro(
        "Cargo Release",
        "How many days does our cargo wait between arrival and release, at which ports and "
        "on which modes does it wait longest, and which agencies hold it?",
    )
    kpis = run(view, "cargo_release.kpis")
    k = kpis.row(0, named=True)
    if empty_state(kpis.filter(pl.col("releases") > 0)):
        return
    kpi_row(
        [
            Kpi("Releases", count(k["releases"]), "Shipments arrived in the period"),
            Kpi("Released", count(k["released"]), "Shipments with a release date"),
            Kpi("Median days to release", _days(k["median_days"]), "Arrival to release"),
            Kpi("90th percentile days", _days(k["p90_days"]), "9 in 10 released within"),
            Kpi("Holds", count(k["holds"]), "Shipments held by an agency"),
        ]
    )
    lazy_tabs(TABS, key="cargo_release_tab", args=(view,))


def _days(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def _volumes(view: View) -> None:
    monthly = run(view, "cargo_release.monthly")
    where = charts.span(view, "cargo_releases")
    table = mark_partial(monthly, where)
    for code, what in (("port_of_entry", "port of entry"), ("mode_of_transport", "mode")):
        named = [c for c in (code, f"{code}_description") if c in monthly.columns]
        per_code = monthly.group_by("month", *named).agg(pl.col("releases").sum()).sort("month")
        plotted = charts.top_n(
            plottable(per_code, code), "label", "releases", sums=("releases",), by=("month",),
            also=(code,),
        )  # fmt: skip
        figure = charts.month_bars(
            plotted, y="releases", where=where, color="label", key=code,
            order=charts.stable_order(view, code), y_title=label("releases"),
        )  # fmt: skip
        figure.update_layout(legend_title_text=label(f"{code}_description"))
        chart_with_table(
            figure,
            table,
            title=f"Releases per month by {what}",
            alt=f"Stacked bars: releases per month of arrival, one colour per {what} (the "
            f"{charts.shown()} busiest, the rest as Other); the table lists month, port, mode "
            "and releases." + charts.partial_caption(table, where),
            key=f"cargo-release-monthly-{code.replace('_', '-')}",
        )


def _release_time(view: View) -> None:
    trend = run(view, "cargo_release.release_time_monthly")
    if empty_state(trend, "released shipments with these filters"):
        return
    charts.trend_with_table(
        trend,
        title="Release time per month",
        alt="Lines: median and 90th percentile days from arrival to release, per month of "
        "arrival; the table adds how many shipments were released.",
        key="cargo-release-time-monthly",
        where=charts.span(view, "cargo_releases"),
        y=["median_days", "p90_days"],
        y_title="Days, arrival to release",
    )
    left, right = st.columns(2)
    slowest = (
        (left, "cargo_release.release_time_by_port", "port_of_entry", "Slowest ports"),
        (right, "cargo_release.release_time_by_mode", "mode_of_transport", "Slowest modes"),
    )
    for column, report, code, title in slowest:
        with column:
            _slowest(run(view, report), code, title, report.replace(".", "-").replace("_", "-"))


def _slowest(frame: pl.DataFrame, code: str, title: str, key: str) -> None:
    plotted = plottable(frame.head(SLOWEST), code).reverse()
    figure = px.bar(
        plotted,
        x=["median_days", "p90_days"],
        y="label",
        orientation="h",
        barmode="group",
        labels={**DAYS, "value": "Days", "label": "", "variable": ""},
        hover_data={"released": ":,"},
        text_auto=".1f",
        color_discrete_sequence=PALETTE,
    )
    figure.for_each_trace(lambda trace: trace.update(name=DAYS[trace.name]))
    charts.category_ticks(figure, "y")
    figure.update_layout(height=max(260, 60 + 40 * plotted.height))
    chart_with_table(
        figure,
        frame,
        title=title,
        alt=f"Horizontal bars: median and 90th percentile days to release, slowest at the "
        f"top ({SLOWEST} at most); the table lists every one with its released shipments.",
        key=key,
    )


def _status_and_holds(view: View) -> None:
    left, right = st.columns(2)
    with left:
        mix = run(view, "cargo_release.status_mix")
        plotted = plottable(mix, "release_status")
        order = charts.stable_order(view, "release_status")
        colours = charts.colours(plotted, "label", key="release_status", order=order)
        figure = px.pie(plotted, names="label", values="releases", hole=0.4, color="label",
                        color_discrete_map=colours)  # fmt: skip
        chart_with_table(
            figure,
            mix,
            title="Release status mix",
            alt="Donut: shipments by release status; the table adds each status's share.",
            key="cargo-release-status-mix",
        )
    with right:
        holds = run(view, "cargo_release.holds_by_agency")
        if empty_state(holds, "holds with these filters"):
            return
        figure = px.bar(
            plottable(holds, "hold_agency"),
            x="label",
            y="holds",
            hover_data={"median_days": ":.1f"},
            labels={
                "label": "Agency",
                "holds": "Shipments held",
                "median_days": DAYS["median_days"],
            },
            text_auto=",",
            color_discrete_sequence=PALETTE,
        )
        charts.category_ticks(figure)
        chart_with_table(
            figure,
            holds,
            title="Holds by agency",
            alt="Bars: shipments held per agency, most first; the table adds each agency's "
            "share of the holds and the median days to release of its held shipments.",
            key="cargo-release-holds",
        )


def _details(view: View) -> None:
    detail_table(view, "cargo_release.details", key="cargo-release-details")


TABS = {
    "Volumes": _volumes,
    "Release time": _release_time,
    "Status and holds": _status_and_holds,
    "Cargo Release Details": _details,
}


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
