"""Exams: how often CBP examines our entries, where, how, and what it finds."""

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
from ui.widgets import (
    Kpi,
    chart_with_table,
    count,
    empty_state,
    intro,
    kpi_row,
    lazy_tabs,
    percent,
)

RATES = (  # report (its export name with dashes), code column, title
    ("exams.rate_by_port", "port_of_entry", "Exam rate by port of entry"),
    ("exams.rate_by_country", "country_of_origin", "Exam rate by country of origin"),
    ("exams.rate_by_hts_chapter", "hts_chapter", "Exam rate by HTS chapter"),
    ("exams.rate_by_mode", "mode_of_transport", "Exam rate by mode of transport"),
)
SHOWN = 15  # bars per exam-rate chart: the highest rates, then the rest as one "Other"
# A rate ranks only from this many entries: at the 3-5% exam rates of trade, 50 entries
# expect about 2 exams, and one exam more or less moves the rate by 2 points; under it, a
# port with 1 entry and 1 exam led the chart at 100%. Smaller groups are one bar, last.
RANKED_FROM = 50
EXAM_RATE = "Exam Rate (exams per entry)"


SERIES = {"exams": "Exams", "discrepancies": "Exams that found a discrepancy"}


def render(view: View) -> None:
    intro(
        "Exams",
        "How often does CBP examine our entries, at which ports, for which goods and "
        "origins, what kind of exam, and what does it find? (ACE Reports has no exam report.)",
    )
    kpis = run(view, "exams.kpis")
    k = kpis.row(0, named=True)
    if empty_state(kpis.filter((pl.col("exams") > 0) | (pl.col("entries") > 0))):
        return
    kpi_row(
        [
            Kpi("Exams", count(k["exams"])),
            Kpi("Entries", count(k["entries"]), "Entry summaries in the same period and filters"),
            Kpi("Exam rate", percent(k["exam_rate"]), "Exams per entry, as a percent"),
            Kpi("Discrepancies", count(k["discrepancies"]), "Exams whose result was a discrepancy"),
            Kpi("Discrepancy rate", percent(k["discrepancy_rate"]), "Discrepancies / exams"),
            Kpi("CF-28", count(k["cf28"]), "Entries with a request for information"),
            Kpi("CF-29", count(k["cf29"]), "Entries with a notice of action"),
        ]
    )  # fmt: skip
    lazy_tabs(TABS, key="exam_tab", args=(view,))


def _rates(view: View) -> None:
    charts.trend_with_table(
        run(view, "exams.rate_by_month"),
        title="Exam rate over time",
        alt="Line: exams per entry each month, as a percent (exams by exam date, entries by "
        "entry date); the table adds the exam and entry counts.",
        key="exams-rate-by-month",
        where=charts.span(view, "entry_summaries"),  # exams are events: entries say what is covered
        y=["exam_rate"],
        y_title=EXAM_RATE,
        percent=True,
    )
    for (report, code, title), column in zip(RATES, st.columns(2) * 2, strict=True):
        with column:
            _rate_bars(run(view, report), code, title, report.replace(".", "-").replace("_", "-"))


def _rate_bars(frame: pl.DataFrame, code: str, title: str, key: str) -> None:
    figure = charts.ranked_bars(
        plottable(frame, code), value="exam_rate", n=SHOWN, sums=("exams", "entries"),
        rate=("exams", "entries"), hover={"exams": ":,", "entries": ":,"}, percent=True,
        x_title=f"Exam Rate (ranked from {RANKED_FROM} entries)",  # fits a phone's width
        least=("entries", RANKED_FROM),
    )  # fmt: skip
    chart_with_table(
        figure,
        frame,
        title=title,
        alt=f"Horizontal bars: exams per entry as a percent, highest at the top ({title}), "
        f"ranked among those with at least {RANKED_FROM} entries (a rate of a few entries "
        f"says little): the {SHOWN} highest by name, the rest together as Other, and those "
        f"under {RANKED_FROM} entries together in one bar, last. The table lists every one. "
        "An entry with goods from several countries or chapters counts under each.",
        key=key,
    )


def _types_and_results(view: View) -> None:
    types = run(view, "exams.types")
    if empty_state(types, "exams with these filters"):
        return
    long = (
        plottable(types, "exam_type")
        .unpivot(
            on=["exams", "discrepancies"], index="label", variable_name="series", value_name="value"
        )
        .with_columns(pl.col("series").replace_strict(SERIES))
    )
    figure = px.bar(
        long, x="label", y="value", color="series", barmode="group", text_auto=",",
        color_discrete_map=charts.colours(long, "series"),
        labels={"label": label("exam_type_description"), "value": "Exams", "series": ""},
    )  # fmt: skip
    charts.category_ticks(figure)
    chart_with_table(
        figure,
        types,
        title="Exam types",
        alt="Grouped bars: per exam type, exams and the exams that found a discrepancy.",
        key="exams-types",
    )
    results = run(view, "exams.results")
    plotted = plottable(results, "discrepancy_type").with_columns(
        label=pl.when(pl.col("discrepancy_type").is_null())
        .then(pl.col("result_description"))
        .otherwise(pl.col("label"))
    )
    figure = px.pie(plotted, names="label", values="exams", hole=0.4, color="label",
                    color_discrete_map=charts.colours(plotted, "label"))  # fmt: skip
    chart_with_table(
        figure,
        results,
        title="Results and discrepancy types",
        alt="Donut: exams by result; exams that found a discrepancy are split by its type "
        "(quantity, classification, value, marking, IPR, PGA).",
        key="exams-results",
    )


def _cf_forms(view: View) -> None:
    forms = run(view, "exams.cf28_cf29_by_month")
    if empty_state(forms):
        return
    where = charts.span(view, "entry_summaries")
    figure = charts.month_bars(
        forms, y=["cf28", "cf29"], where=where, barmode="group", y_title="Entries"
    )
    table = mark_partial(forms, where)
    chart_with_table(
        figure,
        table,
        title="CF-28 and CF-29 over time",
        alt="Grouped bars: per month of entry, entries that drew a CF-28 (request for "
        "information) and a CF-29 (notice of action); the table adds all entries."
        + charts.partial_caption(table, where),
        key="exams-cf28-cf29",
    )


def _details(view: View) -> None:
    detail_table(view, "exams.details", key="exams-details")


TABS = {
    "Exam rate": _rates,
    "Types and results": _types_and_results,
    "CF-28 / CF-29": _cf_forms,
    "Exam details": _details,
}


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
