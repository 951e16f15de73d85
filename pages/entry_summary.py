"""Entry Summary: ACE's three entry-summary reports, and what ACE cannot show beside them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import plotly.express as px
import polars as pl
import streamlit as st

from data_access import settings
from ui import entry_summary_charts as charts
from ui import labels
from ui.data import View, run
from ui.drill_down import hts_breadcrumb, hts_drill, narrowed
from ui.paged_table import dashed_entry_numbers, detail_table
from ui.widgets import (
    Kpi,
    chart_with_table,
    count,
    empty_state,
    intro,
    kpi_row,
    lazy_tabs,
    money,
    percent,
    table_with_export,
)

RECON = {"All": "all", "Flagged": "flagged", "Not flagged": "not_flagged"}  # label -> option
DETAILS = {  # tab -> (report, export name)
    "Header": ("entry_summary.header", "entry-summary-header"),
    "Line details": ("entry_summary.line_details", "entry-summary-line-details"),
    "Line tariff details": (
        "entry_summary.line_tariff_details",
        "entry-summary-line-tariff-details",
    ),
}
DASHED = dashed_entry_numbers("entry_number")


def render(view: View) -> None:
    intro(
        "Entry Summary",
        "What did we declare to CBP, entry by entry and line by line, under which tariff "
        "numbers, programs and duties, and which entries are still open to liquidation "
        "or protest?",
    )
    base = view.filters.hts_prefix
    view = narrowed(view, hts_drill())
    recon = _recon_choice()
    if view.filters.hts_prefix != base:
        hts_breadcrumb(view.filters.hts_prefix, base, key="entry-summary-drill")
    kpis = run(view, "entry_summary.kpis", recon=recon)
    if empty_state(kpis.filter(pl.col("entries") > 0)):
        return
    _kpi_row(kpis.row(0, named=True))
    lazy_tabs(
        TABS,
        key="es_tab",
        args=(
            view,
            recon,
        ),
    )


def _recon_choice() -> str:
    """ACE's reconciliation-status filter, as a page option (the URL holds the label)."""
    choice = st.segmented_control(
        "Reconciliation flag",
        list(RECON),
        default="All",
        required=True,
        key="recon",
        bind="query-params",
        help="Entries flagged for reconciliation (value, classification, 9802 or FTA), "
        "entries not flagged, or all.",
    )
    return RECON.get(choice or "All", "all")


def _kpi_row(k: dict) -> None:
    kpi_row(
        [
            Kpi("Entries", count(k["entries"])),
            Kpi(labels.LINES, count(k["lines"]), labels.LINES_HELP),
            Kpi("Entered value", money(k["entered_value"])),
            Kpi("Duties", money(k["duties"]), "Duty (Chapter 99 included) plus ADD and CVD"),
            Kpi("Taxes and fees", money(k["taxes"] + k["fees"]), "Taxes, MPF and HMF"),
            Kpi("Effective duty rate", percent(k["effective_duty_rate"]), "Duties / entered value"),
        ]
    )


def _details(tab: str) -> Callable[[View, str], None]:
    report, key = DETAILS[tab]

    def draw(view: View, recon: str) -> None:
        detail_table(view, report, key=key, options={"recon": recon})

    return draw


# --- liquidation ------------------------------------------------------------------------
def _liquidation(view: View, recon: str) -> None:
    as_of = st.date_input("As of", value=settings.today(), key="as_of", bind="query-params")
    status = run(view, "entry_summary.liquidation_status", recon=recon, as_of=as_of)
    if empty_state(status):
        return
    figure = px.bar(
        charts.plottable(status, "entry_type"), x="label", y="entries", color="status",
        labels={"label": "Entry type", "entries": "Entries", "status": ""},
    )  # fmt: skip
    chart_with_table(
        figure,
        status,
        title="Liquidated and unliquidated entries by type",
        alt=f"Stacked bars: per entry type, entries liquidated on or before {as_of:%d %b %Y} "
        "and entries not yet liquidated.",
        key="entry-summary-liquidation-status",
    )
    _due(view, recon, as_of)
    _protests(view, recon, as_of)


def _due(view: View, recon: str, as_of: date) -> None:
    st.header("Expected to liquidate soon")
    summary = run(view, "entry_summary.liquidation_due_summary", recon=recon, as_of=as_of)
    kpi_row(
        [
            Kpi(
                row["window"],
                count(row["entries"]) + (" entry" if row["entries"] == 1 else " entries"),
                (
                    f"Expected before {as_of:%d %b %Y}, not liquidated"
                    if row["within_days"] is None
                    else f"Until {row['until']:%d %b %Y}"
                )
                + f"; entered value {money(row['entered_value'])}",
            )
            for row in summary.iter_rows(named=True)
        ]
    )
    st.caption(
        "Entries on CBP's usual clock: expected on the Friday on or after day 314 after "
        "entry (ACE posts liquidations weekly, on Fridays). Not forecast: AD/CVD entries "
        "(03, 07), suspended until Commerce's instructions; warehouse entries (21, 22, "
        "24-26), which liquidate on their withdrawals; TIBs (23), which close on export; "
        "entries whose liquidation is suspended or extended. Overdue entries are listed first."
    )
    due = run(view, "entry_summary.liquidation_due", recon=recon, as_of=as_of)
    if not due.is_empty():
        table_with_export(DASHED(due), name="entry-summary-liquidation-due", full=lambda: due)


def _protests(view: View, recon: str, as_of: date) -> None:
    st.header("Protest windows open")
    protests = run(view, "entry_summary.protest_windows", recon=recon, as_of=as_of)
    if protests.is_empty():
        st.info(f"No entry liquidated in the 180 days up to {as_of:%d %b %Y}.")
        return
    st.caption(
        f"{count(protests.height)} liquidated entries can still be protested (180 days "
        "after liquidation); the earliest deadline is first."
    )
    table_with_export(DASHED(protests), name="entry-summary-protest-windows", full=lambda: protests)


TABS: dict[str, Callable[[View, str], None]] = {
    **{tab: _details(tab) for tab in DETAILS},
    "Trends": charts.trends,
    "Breakdowns": charts.breakdowns,
    "Trade programs": charts.trade_programs,
    "AD/CVD": charts.adcvd,
    "Liquidation": _liquidation,
}


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
