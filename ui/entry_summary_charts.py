"""The Entry Summary page's chart tabs: trends, breakdowns, trade programs, AD/CVD.

Split from pages/entry_summary.py to keep each module short; every figure comes from one
`entry_summary.*` report and is drawn with its table and exports one click away.
"""

from __future__ import annotations

import plotly.express as px
import polars as pl
import streamlit as st

from data_access.periods import mark_partial
from ui import charts
from ui.data import View, run
from ui.drill_down import clickable_bars, drill_to, next_level
from ui.labels import label
from ui.look import world_map
from ui.widgets import chart_with_table, empty_state

MONEY_LABELS = {
    "entered_value": "Entered Value (USD)",
    "duties": "Duties (USD)",
    "amount": "Amount (USD)",
    "month": "Month of Entry",
}
MEASURES = ("entries", "lines", "entered_value", "duties")  # what adds up into "Other"


def plottable(frame: pl.DataFrame, code: str) -> pl.DataFrame:
    """Money as floats for plotly, and a `label` of code and description for the axis."""
    description = f"{code}_description" if f"{code}_description" in frame.columns else None
    code_text = pl.col(code).cast(pl.String)
    label = code_text.fill_null("(none)")
    if description:  # a missing code reads as its description ("No special program")
        said = pl.col(description).fill_null("")
        same = said.str.to_lowercase() == code_text.str.to_lowercase()  # "Released Released"
        named = (
            pl.when(said == "").then(code_text).when(same).then(said)
            .otherwise(pl.concat_str(code_text, pl.lit(" "), said))
        )  # fmt: skip
        label = named.fill_null(pl.col(description)).fill_null("(none)")
    label = label.str.strip_chars()
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64), label=label)


# --- trends -----------------------------------------------------------------------------
def trends(view: View, recon: str) -> None:
    monthly = run(view, "entry_summary.monthly_by_entry_type", recon=recon)
    if empty_state(monthly):
        return
    where = charts.span(view, "entry_lines")
    table = mark_partial(monthly, where)
    order = charts.stable_order(view, "entry_type")
    for measure, what in (("entered_value", "Entered value"), ("duties", "Duties")):
        plotted = charts.top_n(
            plottable(monthly, "entry_type"), "label", measure, sums=MEASURES, by=("month",),
            also=("entry_type",),
        )  # fmt: skip
        figure = charts.month_bars(
            plotted, y=measure, where=where, color="label", key="entry_type", order=order,
            y_title=MONEY_LABELS[measure],
        )  # fmt: skip
        figure.update_layout(legend_title_text=label("entry_type_description"))
        chart_with_table(
            figure,
            table,
            title=f"{what} per month by entry type",
            alt=f"Stacked bars: {what.lower()} per month of entry, one colour per entry "
            f"type (the {charts.shown()} largest, the rest as Other); the table lists month, "
            "entry type, entries, lines, value and duties." + charts.partial_caption(table, where),
            key=f"entry-summary-monthly-{measure.replace('_', '-')}",
        )
    charts.trend_with_table(
        run(view, "entry_summary.duty_rate_trend", recon=recon),
        title="Effective duty rate over time",
        alt="Line: duties (including antidumping, countervailing and Chapter 99 duties) "
        "divided by entered value, per month of entry, as a percent.",
        key="entry-summary-duty-rate",
        where=where,
        y=["effective_duty_rate"],
        y_title="Effective Duty Rate (duties / entered value)",
        percent=True,
    )


# --- breakdowns -------------------------------------------------------------------------
def breakdowns(view: View, recon: str) -> None:
    _hts(view, recon)
    countries = run(view, "entry_summary.countries", recon=recon)
    left, right = st.columns(2)
    with left:
        _ranked(countries, "country_of_origin", "Countries of origin", "countries")
    with right:
        figure = px.choropleth(
            plottable(countries, "country_of_origin"), locations="iso3", color="entered_value",
            hover_name="label", labels=MONEY_LABELS, color_continuous_scale="Blues",
        )  # fmt: skip
        chart_with_table(
            world_map(figure),
            countries,
            title="World map of origins",
            alt="World map shaded by entered value per country of origin; darker is more. "
            "The bars beside it hold the same figures.",
            key="entry-summary-country-map",
        )
    left, right = st.columns(2)
    with left:
        _ranked(run(view, "entry_summary.ports", recon=recon), "port_of_entry", "Ports", "ports")
    with right:
        _ranked(run(view, "entry_summary.filers", recon=recon), "filer_code", "Filers", "filers")
    makers = run(view, "entry_summary.manufacturers", recon=recon)
    _ranked(makers, "manufacturer_id", "Manufacturers (MID)", "manufacturers")


def _ranked(frame: pl.DataFrame, code: str, title: str, key: str) -> None:
    sums = [c for c in MEASURES if c in frame.columns]
    figure = charts.ranked_bars(
        plottable(frame, code), value="entered_value", sums=sums, money=True,
        hover={"duties": ":$,.2f", "entries": ":,"}, x_title=MONEY_LABELS["entered_value"],
    )  # fmt: skip
    chart_with_table(
        figure,
        frame,
        title=title,
        alt=f"Horizontal bars: {title[0].lower() + title[1:]} by entered value, largest at "
        f"the top: the {charts.shown()} largest by name, the rest together as Other; the "
        "table lists every one with entries, lines, duties, share of value and effective "
        "duty rate.",
        key=f"entry-summary-{key}",
    )


def _hts(view: View, recon: str) -> None:
    prefix = view.filters.hts_prefix
    level = next_level(prefix)
    frame = run(view, "entry_summary.hts", recon=recon, level=level, prefix=prefix)
    if empty_state(frame):
        return
    plotted = plottable(frame.rename({"description": "hts_code_description"}), "hts_code")
    plotted = plotted.with_columns(_text=charts.money_text(pl.col("entered_value")))
    figure = px.bar(
        plotted.reverse(), x="entered_value", y="label", orientation="h", text="_text",
        custom_data=["hts_code"], hover_data={"duties": ":$,.2f", "lines": ":,", "_text": False},
        labels={**MONEY_LABELS, "label": "", "duties": label("duties"), "lines": label("lines")},
    )  # fmt: skip
    figure.update_traces(textposition="outside", cliponaxis=False)
    charts.category_ticks(figure, "y")  # every chapter named, not every other one
    charts.room_for_labels(figure, plotted.get_column("entered_value").max())
    figure.update_layout(height=max(260, 60 + 24 * plotted.height))
    picked = clickable_bars(
        figure,
        frame,
        title=f"HTS drill-down: {level}s" + (f" under {prefix}" if prefix else ""),
        alt=f"Horizontal bars: entered value per HTS {level}, largest at the top. Click a "
        "bar to narrow the whole page to it (chapter, then heading, then 10-digit number). "
        "Chapter 99 numbers carry duty but no value, as in ACE's tariff details.",
        key="entry-summary-hts",
        chart_key=f"entry-summary-hts-chart-{prefix or 'all'}",
    )
    if picked and picked != prefix and picked.startswith(prefix):
        drill_to(picked)


# --- trade programs and AD/CVD ----------------------------------------------------------
def trade_programs(view: View, recon: str) -> None:
    shares = run(view, "entry_summary.spi_share", recon=recon)
    if empty_state(shares):
        return
    title = "Share of value by special program (SPI)"
    st.header(title)
    where = charts.span(view, "entry_lines")
    table = mark_partial(shares, where)
    partial = bool(table.get_column("partial_month").any())
    include = charts.partial_toggle("entry-summary-spi-share") if partial else False
    plotted = charts.top_n(
        plottable(shares, "spi"),
        "label",
        "entered_value",
        sums=("entered_value", "share"),
        by=("month",),
        also=("spi",),
    )
    if not include:
        plotted = mark_partial(plotted, where).filter(~pl.col("partial_month"))
    figure = charts.month_bars(
        plotted, y="share", where=where, color="label", key="spi",
        order=charts.stable_order(view, "spi"), y_title="Share of Entered Value", percent=True,
    )  # fmt: skip
    figure.update_layout(legend_title_text=label("spi_description"))
    shown = charts.HATCHED if include else "left out"
    chart_with_table(
        figure,
        table,
        title=None,
        alt="Stacked bars: each month's entered value split by special program indicator, "
        "as shares adding up to 100%; 'No special program' is value claimed under none."
        + charts.partial_caption(table, where, shown=shown),
        key="entry-summary-spi-share",
    )
    extra = run(view, "entry_summary.chapter99_duties", recon=recon)
    if extra.is_empty():
        st.info("No Chapter 99 additional duties (such as Section 301) for these filters.")
        return
    where = charts.span(view, "entry_lines")
    sums = [c for c in extra.columns if c in ("duties", "tariff_rows", "entries")]
    plotted = charts.top_n(plottable(extra, "country_of_origin"), "label", "duties", sums=sums,
                           by=("month",), also=("country_of_origin",))  # fmt: skip
    figure = charts.month_bars(
        plotted, y="duties", where=where, color="label", key="country_of_origin",
        order=charts.stable_order(view, "country_of_origin"), y_title=MONEY_LABELS["duties"],
    )  # fmt: skip
    figure.update_layout(legend_title_text=label("country_of_origin_description"))
    table = mark_partial(extra, where)
    chart_with_table(
        figure,
        table,
        title="Chapter 99 additional duties by country",
        alt="Stacked bars: duty paid on Chapter 99 numbers (e.g. Section 301, 232) per "
        f"month of entry, one colour per country of origin (the {charts.shown()} largest, the "
        "rest as Other)." + charts.partial_caption(table, where),
        key="entry-summary-chapter99",
    )


def adcvd(view: View, recon: str) -> None:
    cases = run(view, "entry_summary.adcvd_cases", recon=recon)
    if cases.is_empty():
        st.info("No antidumping or countervailing duty (type 03) entries for these filters.")
        return
    plotted = plottable(cases, "case_number")
    figure = px.bar(
        plotted, x="label", y="amount", color="duty", barmode="group",
        color_discrete_map=charts.colours(plotted, "duty"),
        labels={**MONEY_LABELS, "label": label("case_number"), "duty": label("duty")},
    )  # fmt: skip
    charts.category_ticks(figure)
    chart_with_table(
        figure,
        cases,
        title="AD/CVD by case number",
        alt="Bars: antidumping (ADD) and countervailing (CVD) duty per case number on "
        "type 03 entries; the table adds entries, lines and the entered value covered.",
        key="entry-summary-adcvd",
    )
