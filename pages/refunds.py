"""IEEPA refunds: each entry's route, deadline and dollars, and the CAPE files to claim them.

The routes, windows and exclusions are the dated rules of `config/refund_routes.yaml`;
the figures are the reports `refunds.*`, which read only what the principal may see.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import plotly.express as px
import polars as pl
import streamlit as st

from data_access import cape, labels, refund_routes, settings
from data_access.refund_routes import RefundRules
from data_access.reports.refunds import NONE, NOT_ELIGIBLE, WEEKS
from ui import charts
from ui.data import View, run
from ui.paged_table import detail_table
from ui.palette import PALETTE
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
    money_columns,
)

ROUTE_KPIS = {  # KPI label -> route (after "IEEPA duty paid")
    "Claimable now via CAPE": "cape",
    "Protest": "protest",
    "Final / court": "final",
    "Not eligible": NOT_ELIGIBLE,
}
ALL_ROUTES = "All routes"
# The tables' columns and headers (data_access/labels.py: "Refund Route", "IEEPA Duty").
BY_ROUTE = labels.labels(["route_name", "entries", "ieepa_duty"])
BY_WEEK = labels.labels(["week", "week_start", "week_end", "route_name", "entries", "ieepa_duty"])


def render(view: View) -> None:
    intro(
        "IEEPA refunds",
        "How much IEEPA duty did we pay, by which route does each entry's duty come back "
        "(CAPE, protest, or the court), before which day, and which CAPE Declaration files "
        "claim it?",
    )
    as_of = as_of_input(
        "The day routes and deadlines are judged on; it is kept in the page's address.",
        settings.today(),
    )
    summary = run(view, "refunds.summary", as_of=as_of)
    paid = summary.filter(pl.col("route") != NONE)
    if empty_state(paid.filter(pl.col("entries") > 0), "IEEPA duty with these filters"):
        return
    _kpi_row(paid)
    lazy_tabs(TABS, key="refunds_tab", args=(view, as_of))


def _kpi_row(paid: pl.DataFrame) -> None:
    by_route = {row["route"]: row for row in paid.iter_rows(named=True)}
    total = paid.get_column("ieepa_duty").sum()
    entries = int(paid.get_column("entries").sum())
    kpis = [Kpi("IEEPA duty paid", money(total), f"{_exact(total)} on {count(entries)} entries")]
    for label, route in ROUTE_KPIS.items():
        row = by_route[route]
        help_text = f"{_exact(row['ieepa_duty'])} on {count(row['entries'])} entries"
        kpis.append(Kpi(label, money(row["ieepa_duty"]), f"{row['route_name']}: {help_text}"))
    kpi_row(kpis)


def _exact(amount: object) -> str:
    """An exact amount for markdown and tooltips ($ escaped: two would start LaTeX)."""
    return f"\\${amount:,.2f}"


def _plotted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))


# --- tabs ---------------------------------------------------------------------------------
def _by_route(view: View, as_of: date) -> None:
    summary = run(view, "refunds.summary", as_of=as_of).filter(pl.col("route") != NONE)
    figure = px.bar(
        _plotted(summary), x="route_name", y="ieepa_duty", hover_data={"entries": ":,"},
        labels={"route_name": "Refund route", "ieepa_duty": "IEEPA duty (USD)",
                "entries": "Entries"}, text_auto="$,.3s", color_discrete_sequence=PALETTE,
    )  # fmt: skip
    charts.category_ticks(figure)
    chart_with_table(
        figure,
        summary.select(list(BY_ROUTE)).rename(BY_ROUTE),  # files: stable names (full)
        title=f"IEEPA duty by refund route, as of {as_of:%d %b %Y}",
        alt="Bars: the IEEPA duty of the entries each route takes back (CAPE Phase 1, "
        "protest, final - court, not eligible for CAPE); the table adds how many entries.",
        key="refunds-by-route",
        column_config=money_columns("IEEPA Duty"),
        full=lambda: summary.select(list(BY_ROUTE)),
    )


def _closing(view: View, as_of: date) -> None:
    weeks = run(view, "refunds.closing_by_week", as_of=as_of)
    if weeks.is_empty():
        st.success(f"No refund window closes in the {WEEKS} weeks from {as_of:%d %b %Y}.")
        return
    at_risk = weeks.get_column("ieepa_duty").sum()
    st.warning(
        f"{_exact(at_risk)} of IEEPA duty on {count(int(weeks['entries'].sum()))} entries "
        f"loses its route in the next {WEEKS} weeks unless claimed.",
        icon=":material/hourglass_top:",
    )
    plotted = _plotted(weeks)
    figure = px.bar(
        plotted, x="week_start", y="ieepa_duty", color="route_name",
        color_discrete_map=charts.colours(plotted, "route_name", key="route",
                                          order=list(ROUTE_KPIS.values())),
        hover_data={"entries": ":,", "week_end": True},
        labels={"week_start": "Week starting", "ieepa_duty": "IEEPA duty (USD)",
                "route_name": "Window closing", "entries": "Entries", "week_end": "Week ending"},
    )  # fmt: skip
    chart_with_table(
        figure,
        weeks.select(list(BY_WEEK)).rename(BY_WEEK),  # files: stable names (full)
        title=f"Money at risk: refund windows closing in the next {WEEKS} weeks",
        alt=f"Stacked bars: per week from {as_of:%d %b %Y}, the IEEPA duty of the entries "
        "whose route's window (CAPE Phase 1 or protest) closes that week; the table adds "
        "how many entries.",
        key="refunds-closing-by-week",
        column_config=money_columns("IEEPA Duty"),
        full=lambda: weeks.select(list(BY_WEEK)),
    )


def _entries(view: View, as_of: date) -> None:
    summary = run(view, "refunds.summary", as_of=as_of).filter(pl.col("route") != NONE)
    names = dict(zip(summary["route_name"], summary["route"], strict=True))
    chosen = st.selectbox(
        "Refund route",
        [ALL_ROUTES, *names],
        key="refund_route",
        bind="query-params",
        help="Show the entries of one route, or all.",
    )
    route = names.get(chosen or ALL_ROUTES)
    detail_table(
        view,
        "refunds.entries",
        key="refunds-entries",
        options={"as_of": as_of, "route": route},
        note="The earliest deadline is first; entries without one (unliquidated, final) last.",
        column_config=lambda _page: money_columns("ieepa_duty"),
    )


def _cape(view: View, as_of: date) -> None:
    rules = refund_routes.load()
    st.warning(f"**Before you declare:** {rules.declaration.blocks}", icon=":material/door_front:")
    _checks(rules)
    rows = run(view, "refunds.by_entry", as_of=as_of)
    eligible = rows.filter(pl.col("route") == cape.CAPE_ROUTE)
    importers = sorted(set(eligible.get_column("importer_number").to_list()))
    if not importers:
        st.info(f"No entry is claimable through CAPE as of {as_of:%d %b %Y}.")
        return
    importer = importers[0]
    if len(importers) > 1:
        importer = st.selectbox(
            "Importer",
            importers,
            key="cape_importer",
            bind="query-params",
            help="A CAPE Declaration holds one importer's entries.",
        )
    found = cape.declarations(rows, rules, importer)
    _declaration_files(found, rules, importer, as_of)


def _checks(rules: RefundRules) -> None:
    """The exclusions ACE entry data cannot show: the user checks them."""
    unchecked = [e.reason for e in rules.exclusions if not e.checkable]
    if unchecked:
        items = "\n".join(f"- {reason}" for reason in unchecked)
        st.info(
            "**Check these yourself** (ACE entry data does not show them), and take such "
            f"entries out of the file before you declare it:\n{items}",
            icon=":material/checklist:",
        )


def _declaration_files(
    found: list[cape.Declaration], rules: RefundRules, importer: str, as_of: date
) -> None:
    st.header(f"CAPE Declaration files of {importer}")
    entries = sum(len(d.entries) for d in found)
    duty = sum(d.ieepa_duty for d in found)
    st.markdown(
        f"{len(found)} file{'s' if len(found) > 1 else ''} claiming {_exact(duty)} of IEEPA "
        f"duty on {count(entries)} entries (at most {rules.declaration.max_entries:,} a file, "
        f'one column headed "{rules.declaration.header}").'
    )
    for declaration in found:
        st.markdown(
            f"- `{declaration.file_name}`: {count(len(declaration.entries))} entries, "
            f"{_exact(declaration.ieepa_duty)} of IEEPA duty"
        )
    st.download_button(
        "⬇ CAPE Declaration files (ZIP)",
        data=_zip(found, rules),
        file_name=f"CAPE-{importer}-{as_of:%Y-%m-%d}.zip",
        mime="application/zip",
        key="cape-zip",
        on_click="ignore",
    )


def _zip(found: list[cape.Declaration], rules: RefundRules) -> Callable[[], bytes]:
    """The zip, built when clicked, off the script thread: from the declarations already
    made for this principal (captured here), never from st.* or the session."""
    files, kept = tuple(found), rules
    return lambda: cape.zipped(list(files), kept)


TABS: dict[str, Callable[[View, date], None]] = {
    "By route": _by_route,
    "Closing by week": _closing,
    "Entries": _entries,
    "CAPE declaration": _cape,
}


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
