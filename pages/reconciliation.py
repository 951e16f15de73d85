"""Reconciliation: which flagged entries still need a reconciliation filed, and by when."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import plotly.express as px
import polars as pl
import streamlit as st

from data_access.periods import mark_partial
from data_access.reports.reconciliation import SOON_DAYS
from ui import charts
from ui.data import View, run
from ui.entry_summary_charts import plottable
from ui.labels import label
from ui.paged_table import ENTRY_NUMBERS_NOTE, dashed_entry_numbers, detail_table, paged_table
from ui.widgets import (
    Kpi,
    as_of_input,
    chart_with_table,
    count,
    empty_state,
    intro,
    kpi_row,
    lazy_tabs,
    money,
)

DETAILS = {  # tab -> (report, export name)
    "Reconciliation Header": ("reconciliation.header", "reconciliation-header"),
    "Reconciliation Details": ("reconciliation.details", "reconciliation-details"),
}
ENTRY_COLUMNS = ("flagged_entry_number", "recon_entry_number")


def render(view: View) -> None:
    intro(
        "Reconciliation",
        "Which flagged entries still need a reconciliation entry filed, how many days are "
        "left before each deadline (21 months after the entry summary date, 12 months after "
        "the entry date for FTA claims), and what did the filed ones change?",
    )
    as_of = _as_of()
    by_month = run(view, "reconciliation.deadlines_by_month", as_of=as_of)
    flagged = int(run(view, "reconciliation.details_count").item())
    if by_month.is_empty() and flagged == 0:
        empty_state(pl.DataFrame(), "reconciliation flags with these filters")
        return
    open_flags = int(by_month.get_column("open_flags").sum())
    overdue = int(by_month.filter(pl.col("overdue")).get_column("open_flags").sum())
    soon = int(by_month.get_column("due_soon").sum())
    adjustments = run(view, "reconciliation.adjustments")
    kpi_row(
        [
            Kpi("Flagged entries", count(flagged), "Flagged in the period"),
            Kpi("Open flags", count(open_flags), "Not yet reconciled, any period"),
            Kpi("Overdue", count(overdue), f"Past the due date on {as_of:%d %b %Y}"),
            Kpi(f"Due in {SOON_DAYS} days", count(soon), "Open and due within 90 days"),
            Kpi("Value adjustments", money(adjustments["value_adjustment"].sum())),
            Kpi("Duty adjustments", money(adjustments["duty_adjustment"].sum())),
        ]
    )
    if overdue:
        st.error(
            f"{overdue:,} open flag{'s are' if overdue > 1 else ' is'} past the filing "
            "deadline: they are listed first under Deadlines.",
            icon=":material/warning:",
        )
    lazy_tabs(
        TABS,
        key="reconciliation_tab",
        args=(
            view,
            as_of,
        ),
    )


def _as_of() -> date:
    return as_of_input("The day days left are counted from; it is kept in the page's address.")


def deadline_table(open_flags: pl.DataFrame) -> pl.DataFrame:
    """A page of open flags as shown: a plain `deadline` column first (OVERDUE, or the
    days left), then the due date, and entry numbers dashed."""
    days = pl.col("days_left")
    text = (
        pl.when(pl.col("overdue"))
        .then(pl.format("OVERDUE by {} days", -days))
        .otherwise(pl.format("{} days left", days))
    )
    table = open_flags.with_columns(deadline=text.fill_null("due date unknown"))
    first = ["deadline", "due_date", "days_left", "flagged_entry_number", "importer_number"]
    return dashed_entry_numbers("flagged_entry_number")(table.select(*first, pl.exclude(first)))


def _deadlines(view: View, as_of: date) -> None:
    by_month = run(view, "reconciliation.deadlines_by_month", as_of=as_of)
    if by_month.is_empty():
        st.success("No open flags: every flagged entry in scope has been reconciled.")
        return
    st.header("Open flags, overdue first")
    st.caption(ENTRY_NUMBERS_NOTE)
    paged_table(
        view, "reconciliation.deadlines", total=int(by_month.get_column("open_flags").sum()),
        key="reconciliation-open-flags", options={"as_of": as_of}, display=deadline_table,
    )  # fmt: skip
    per_month = by_month.filter(pl.col("due_month").is_not_null()).drop("due_soon")
    status = pl.when(pl.col("overdue")).then(pl.lit("Overdue")).otherwise(pl.lit("Open"))
    figure = px.bar(
        per_month.with_columns(status=status),
        x="due_month",
        y="open_flags",
        color="status",
        color_discrete_map={"Overdue": "#d62728", "Open": "#1f77b4"},
        labels={"due_month": "Month due", "open_flags": "Open flags", "status": ""},
    )
    chart_with_table(
        figure,
        per_month,
        title="Open flags by due date",
        alt=f"Bars: open flags per month they are due, overdue ones (as of {as_of:%d %b %Y}) "
        "in red; the table gives the count per month.",
        key="reconciliation-deadlines",
    )


def _flags(view: View, _as_of: date) -> None:
    flags = run(view, "reconciliation.flags_monthly")
    if empty_state(flags):
        return
    where = charts.span(view, "reconciliations")
    figure = charts.month_bars(
        plottable(flags, "flag_type"), y="flagged_entries", where=where, color="label",
        key="flag_type", order=charts.stable_order(view, "flag_type"),
    )  # fmt: skip
    figure.update_layout(legend_title_text=label("flag_type_description"))
    table = mark_partial(flags, where)
    chart_with_table(
        figure,
        table,
        title="Flagged entries by flag type",
        alt="Stacked bars: flagged entries per month of entry summary, one colour per "
        "reconciliation flag (value, classification, 9802 and their combinations); the "
        "table adds how many also carry an FTA flag." + charts.partial_caption(table, where),
        key="reconciliation-flags-monthly",
    )


def _filed_vs_open(view: View, as_of: date) -> None:
    frame = run(view, "reconciliation.filed_vs_open", as_of=as_of)
    if empty_state(frame):
        return
    where = charts.span(view, "reconciliations")
    figure = charts.month_bars(
        frame, y=["filed", "open"], where=where, y_title=label("flagged_entries")
    )
    table = mark_partial(frame, where)
    chart_with_table(
        figure,
        table,
        title="Filed vs open",
        alt="Stacked bars: per month the entries were flagged, how many are reconciled and "
        f"how many are still open; the table adds those overdue on {as_of:%d %b %Y}."
        + charts.partial_caption(table, where),
        key="reconciliation-filed-vs-open",
    )


def _adjustments(view: View, _as_of: date) -> None:
    frame = run(view, "reconciliation.adjustments")
    if empty_state(frame, "filed reconciliations with these filters"):
        return
    figure = charts.month_bars(
        frame, y=["value_adjustment", "duty_adjustment"], where=None, barmode="group",
        y_title=f"{label('amount')} (USD; negative: refund)",
    )  # fmt: skip
    figure.update_xaxes(title="Month Filed")
    chart_with_table(
        figure,
        frame,
        title="Value and duty adjustments of filed reconciliations",
        alt="Grouped bars: per month of filing, the value and duty adjustments the "
        "reconciliations made (negative values lowered them); the table adds how many "
        "reconciliation entries and flagged entries.",
        key="reconciliation-adjustments",
    )


def _details(name: str) -> Callable[[View, date], None]:
    report, key = DETAILS[name]

    def draw(view: View, _as_of: date) -> None:
        note = "Due dates follow the rule above."
        detail_table(view, report, key=key, entry_columns=ENTRY_COLUMNS, note=note)

    return draw


TABS = {
    "Deadlines": _deadlines,
    "Flags over time": _flags,
    "Filed vs open": _filed_vs_open,
    "Adjustments": _adjustments,
    **{name: _details(name) for name in DETAILS},
}


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
