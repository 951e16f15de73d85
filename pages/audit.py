"""Audit: the checks consultants run by hand over our filings, each finding with its rows.

The checks are the reports `audit.*` (data_access/reports/audit), which read only what
the principal may see; their dated rules are config/audit_rules.yaml and the tariff layer
registry.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from data_access import codes
from ui.data import View, run
from ui.labels import label
from ui.paged_table import ENTRY_NUMBERS_NOTE, paged_table
from ui.widgets import (
    Kpi,
    count,
    empty_state,
    intro,
    kpi_row,
    lazy_tabs,
    money,
    money_columns,
    table_with_export,
)

HEADERS = {  # the audit's own columns (the rest: ui.labels)
    "check": "Check Code",
    "check_title": "Check",
    "title": "Check",
    "severity": "Severity",
    "findings": "Findings",
    "rows": "Rows",
    "dollars": "Dollars Involved",
    "explanation": "What It Means",
    "dollars_are": "Dollars Are",
    "finding": "Finding",
    "detail": "What Was Found",
}
SUMMARY_COLUMNS = ("title", "severity", "findings", "rows", "dollars", "explanation")
ROW_COLUMNS = (
    "severity", "check_title", "entry_number", "line_number", "tariff_ordinal", "entry_date",
    "hts_number", "country_of_origin", "dollars", "detail", "finding",
)  # fmt: skip
ALL_CHECKS = "All checks with findings"


def header(column: str) -> str:
    return HEADERS.get(column) or label(column, "entry_lines")


def headed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.rename({c: header(c) for c in frame.columns})


def render(view: View) -> None:
    intro(
        "Audit",
        "Which of our filings would a compliance consultant question: duplicates, "
        "classification and valuation outliers, wrong fees, trade-program claims the origin "
        "could not make, and Chapter 99 layers missing or misfiled? Each finding shows the "
        "rows that prove it and what is at stake.",
    )
    summary = run(view, "audit.summary")
    _kpis(summary)
    lazy_tabs(TABS, key="audit_tab", args=(view,))


def _kpis(summary: pl.DataFrame) -> None:
    found = summary.filter(pl.col("findings") > 0)
    high = found.filter(pl.col("severity") == "high")
    judged = found.filter(pl.col("severity") != "info")
    kpi_row(
        [
            Kpi("Findings", count(int(judged["findings"].sum())), "Findings of every check "
                "except the informational ones"),
            Kpi("High severity", count(int(high["findings"].sum())),
                "Findings where duty may be owed or was paid twice"),
            Kpi("Dollars involved", money(judged["dollars"].sum()),
                "The sum of every finding's dollars (each check says what its dollars are)"),
            Kpi("Checks with findings", f"{judged.height} of {summary.height}"),
        ]
    )  # fmt: skip


# --- tabs ---------------------------------------------------------------------------------
def _findings(view: View) -> None:
    summary = run(view, "audit.summary")
    st.subheader("Findings by check")
    st.caption(
        "Most serious first, then by dollars. A check with no finding is listed with 0, so "
        "you can see what was checked."
    )
    table_with_export(
        headed(summary.select(SUMMARY_COLUMNS)),
        name="audit-summary",
        full=lambda: summary,
        column_config=money_columns(header("dollars")),
    )
    found = summary.filter(pl.col("findings") > 0)
    if empty_state(found, "audit findings with these filters"):
        return
    titles = dict(zip(found["title"], found["check"], strict=True))
    chosen = st.selectbox(
        "Check",
        [ALL_CHECKS, *titles],
        key="audit_check",
        bind="query-params",
        help="Show the rows that prove the findings of one check, or of all.",
    )
    check = titles.get(chosen or ALL_CHECKS, "")
    if check:
        row = found.row(found["check"].to_list().index(check), named=True)
        st.markdown(f"**{row['title']}** ({row['severity']} severity). {row['explanation']}")
        st.caption(f"Dollars involved: {row['dollars_are']}.")
    st.caption(
        f"Each row proves a finding; rows with the same Finding belong together. "
        f"{ENTRY_NUMBERS_NOTE}"
    )
    paged_table(
        view,
        "audit.findings",
        count_report="audit.findings_count",
        key="audit-findings" + (f"-{check.replace('_', '-')}" if check else ""),
        options={"check": check},
        display=_display,
        column_config=lambda _page: money_columns(header("dollars")),
    )


def _display(frame: pl.DataFrame) -> pl.DataFrame:
    shown = frame.select(ROW_COLUMNS).with_columns(
        codes.format_entry_numbers("entry_number"),
        pl.col(pl.Date).dt.to_string("%Y-%m-%d"),
    )
    return headed(shown)


TABS: dict[str, Callable[[View], None]] = {
    "Findings": _findings,
}


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
