"""The Entry Summary page's chart tabs: trends, breakdowns, trade programs, AD/CVD.

Split from pages/entry_summary.py to keep each module short; every figure comes from one
`entry_summary.*` report and is drawn with its table and exports one click away.
"""

from __future__ import annotations

import plotly.express as px
import polars as pl
import streamlit as st

from ui.data import View, run
from ui.drill_down import clickable_bars, drill_to, next_level
from ui.widgets import chart_with_table, empty_state

MONEY_LABELS = {
    "entered_value": "Entered value (USD)",
    "duties": "Duties (USD)",
    "amount": "Amount (USD)",
    "month": "Month of entry",
}


def plottable(frame: pl.DataFrame, code: str) -> pl.DataFrame:
    """Money as floats for plotly, and a `label` of code and description for the axis."""
    description = f"{code}_description" if f"{code}_description" in frame.columns else None
    code_text = pl.col(code).cast(pl.String)
    label = code_text.fill_null("(none)")
    if description:  # a missing code reads as its description ("No special program")
        named = pl.concat_str(code_text, pl.lit(" "), pl.col(description).fill_null(""))
        label = named.fill_null(pl.col(description)).fill_null("(none)")
    label = label.str.strip_chars()
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64), label=label)


# --- trends -----------------------------------------------------------------------------
def trends(view: View, recon: str) -> None:
    monthly = run(view, "entry_summary.monthly_by_entry_type", recon=recon)
    if empty_state(monthly):
        return
    plotted = plottable(monthly, "entry_type")
    for measure, what in (("entered_value", "Entered value"), ("duties", "Duties")):
        figure = px.bar(
            plotted, x="month", y=measure, color="label",
            labels={**MONEY_LABELS, "label": "Entry type"},
        )  # fmt: skip
        chart_with_table(
            figure,
            monthly,
            title=f"{what} per month by entry type",
            alt=f"Stacked bars: {what.lower()} per month of entry, one colour per entry "
            "type; the table lists month, entry type, entries, lines, value and duties.",
            key=f"entry-summary-monthly-{measure.replace('_', '-')}",
        )
    rate = run(view, "entry_summary.duty_rate_trend", recon=recon)
    figure = px.line(
        plottable(rate, "month"), x="month", y="effective_duty_rate", markers=True,
        labels={**MONEY_LABELS, "effective_duty_rate": "Duties / entered value"},
    )  # fmt: skip
    figure.update_yaxes(tickformat=".1%")
    chart_with_table(
        figure,
        rate,
        title="Effective duty rate over time",
        alt="Line: duties (including antidumping, countervailing and Chapter 99 duties) "
        "divided by entered value, per month of entry.",
        key="entry-summary-duty-rate",
    )


# --- breakdowns -------------------------------------------------------------------------
def breakdowns(view: View, recon: str) -> None:
    _hts(view, recon)
    countries = run(view, "entry_summary.countries", recon=recon)
    left, right = st.columns(2)
    with left:
        _ranked(countries.head(15), "country_of_origin", "Countries of origin", "countries")
    with right:
        figure = px.choropleth(
            plottable(countries, "country_of_origin"), locations="iso3", color="entered_value",
            hover_name="label", labels=MONEY_LABELS, color_continuous_scale="Blues",
        )  # fmt: skip
        chart_with_table(
            figure,
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
    figure = px.bar(
        plottable(frame, code).reverse(), x="entered_value", y="label", orientation="h",
        hover_data={"duties": ":,.2f", "entries": ":,"},
        labels={**MONEY_LABELS, "label": ""},
    )  # fmt: skip
    chart_with_table(
        figure,
        frame,
        title=title,
        alt=f"Horizontal bars: {title[0].lower() + title[1:]} by entered value, largest at "
        "the top; the "
        "table adds entries, lines, duties, share of value and effective duty rate.",
        key=f"entry-summary-{key}",
    )


def _hts(view: View, recon: str) -> None:
    prefix = view.filters.hts_prefix
    level = next_level(prefix)
    frame = run(view, "entry_summary.hts", recon=recon, level=level, prefix=prefix)
    if empty_state(frame):
        return
    figure = px.bar(
        plottable(frame.rename({"description": "hts_code_description"}), "hts_code").reverse(),
        x="entered_value", y="label", orientation="h", custom_data=["hts_code"],
        hover_data={"duties": ":,.2f", "lines": ":,"}, labels={**MONEY_LABELS, "label": ""},
    )  # fmt: skip
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
    figure = px.area(
        plottable(shares, "spi"), x="month", y="share", color="label",
        labels={**MONEY_LABELS, "share": "Share of entered value", "label": "Program"},
    )  # fmt: skip
    figure.update_yaxes(tickformat=".0%")
    chart_with_table(
        figure,
        shares,
        title="Share of value by special program (SPI)",
        alt="Stacked areas: each month's entered value split by special program indicator, "
        "as shares adding up to 100%; 'No special program' is value claimed under none.",
        key="entry-summary-spi-share",
    )
    extra = run(view, "entry_summary.chapter99_duties", recon=recon)
    if extra.is_empty():
        st.info("No Chapter 99 additional duties (such as Section 301) for these filters.")
        return
    figure = px.bar(
        plottable(extra, "country_of_origin"), x="month", y="duties", color="label",
        labels={**MONEY_LABELS, "label": "Country of origin"},
    )  # fmt: skip
    chart_with_table(
        figure,
        extra,
        title="Chapter 99 additional duties by country",
        alt="Stacked bars: duty paid on Chapter 99 numbers (e.g. Section 301, 232) per "
        "month of entry, one colour per country of origin.",
        key="entry-summary-chapter99",
    )


def adcvd(view: View, recon: str) -> None:
    cases = run(view, "entry_summary.adcvd_cases", recon=recon)
    if cases.is_empty():
        st.info("No antidumping or countervailing duty (type 03) entries for these filters.")
        return
    figure = px.bar(
        plottable(cases, "case_number"), x="label", y="amount", color="duty",
        barmode="group", labels={**MONEY_LABELS, "label": "Case number", "duty": "Duty"},
    )  # fmt: skip
    chart_with_table(
        figure,
        cases,
        title="AD/CVD by case number",
        alt="Bars: antidumping (ADD) and countervailing (CVD) duty per case number on "
        "type 03 entries; the table adds entries, lines and the entered value covered.",
        key="entry-summary-adcvd",
    )
