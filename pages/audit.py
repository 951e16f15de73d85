"""Audit: the checks consultants run by hand over our filings, each finding with its rows.

The checks are the reports `audit.*` (data_access/reports/audit), which read only what
the principal may see; their dated rules are config/audit_rules.yaml and the tariff layer
registry.
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.express as px
import polars as pl
import streamlit as st

from data_access import codes
from data_access.periods import PARTIAL, mark_partial
from ui import charts
from ui.data import View, run
from ui.labels import label
from ui.paged_table import ENTRY_NUMBERS_NOTE, paged_table
from ui.widgets import (
    Kpi,
    chart_with_table,
    count,
    empty_state,
    intro,
    kpi_row,
    lazy_tabs,
    money,
    money_columns,
    table_with_export,
)

WORDS = "audit"  # the page's own words for its columns: data_access/labels.py's CONTEXTS
RATE_COLUMNS = ("exam_rate", "discrepancy_rate", "hold_rate", "cf28_rate", "cf29_rate",
                "psc_rate")  # fmt: skip
TREND_MEASURES = {  # what the trend chart can show -> column
    "Exam rate": "exam_rate",
    "CF-28 rate": "cf28_rate",
    "CF-29 rate": "cf29_rate",
    "Post-summary correction rate": "psc_rate",
    "Audit findings per 1,000 lines": "findings_per_1000_lines",
    "Entries": "entries",
    "Median days to release": "median_days",
}
SUMMARY_COLUMNS = ("title", "severity", "findings", "rows", "dollars", "explanation")
ROW_COLUMNS = (
    "severity", "check_title", "entry_number", "line_number", "tariff_ordinal", "entry_date",
    "hts_number", "country_of_origin", "dollars", "detail", "finding",
)  # fmt: skip
ALL_CHECKS = "All checks with findings"


def header(column: str) -> str:
    return label(column, WORDS)


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
    st.header("Findings by check")
    st.caption(
        "Most serious first, then by dollars. A check with no finding is listed with 0, so "
        "you can see what was checked."
    )
    table_with_export(
        headed(summary.select(SUMMARY_COLUMNS)),
        name="audit-summary",
        full=lambda: summary,
        column_config=money_columns(header("dollars")),
        table=WORDS,
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


def _formats(frame: pl.DataFrame) -> dict[str, object]:
    """Money as dollars, rates as percents (headers as shown)."""
    money_names = [header(c) for c in ("entered_value", "finding_dollars", "duties", "dollars")]
    config = money_columns(*(n for n in money_names if n in frame.columns))
    for column in RATE_COLUMNS:
        if header(column) in frame.columns:
            config[header(column)] = st.column_config.NumberColumn(format="percent")
    return config


def _scorecard(view: View) -> None:
    card = run(view, "filers.scorecard")
    if empty_state(card, "filers with these filters"):
        return
    if view.principal.role == "broker":
        st.caption("Your own card: a broker sees only the entries it filed.")
    st.header("Broker scorecard")
    st.caption(
        "Per filer: exam rate = exams per entry; hold rate = releases held by an agency; "
        "CF-28 and CF-29 rates = entries that drew one, per entry; post-summary corrections "
        "= entries ES-003's Post Summary Correction Indicator marks, their rate per entry "
        "whose data says (empty where no entry of the filer says: an ITRAC CD or a layout "
        "without the column); audit findings per 1,000 goods lines (informational checks "
        "left out). A filer the data does not name shows its code."
    )
    shown = headed(card)
    table_with_export(shown, name="filers-scorecard", full=lambda: card,
                      column_config=_formats(shown), table=WORDS)  # fmt: skip
    _trend(view)


def _trend(view: View) -> None:
    trend = run(view, "filers.trend")
    if trend.is_empty():
        return
    chosen = st.selectbox("Trend of", list(TREND_MEASURES), key="filer_trend")
    measure = TREND_MEASURES[chosen or "Exam rate"]
    title = f"{chosen} per filer, by month"
    st.header(title)
    where = charts.span(view, "entry_summaries")  # a partial month's rate is a few days'
    plotted = mark_partial(trend.with_columns(pl.col(pl.Decimal).cast(pl.Float64)), where)
    include = charts.partial_toggle("filers-trend") if plotted[PARTIAL].any() else False
    shown_months = "included" if include else "left out"
    if not include:
        plotted = plotted.filter(~pl.col(PARTIAL))
    order = charts.stable_order(view, "filer_code")
    figure = px.line(
        plotted, x="month", y=measure, color="filer_name", markers=True,
        color_discrete_map=charts.colours(plotted, "filer_name", key="filer_code", order=order),
        labels={"month": "Month", measure: chosen, "filer_name": "Filer"},
    )  # fmt: skip
    if measure in RATE_COLUMNS:
        figure.update_yaxes(tickformat=charts.PERCENT_TICKS)
        for line in figure.data:
            line.hovertemplate = (
                f"{line.name}<br>%{{x|{charts.MONTHS}}}<br>{chosen}: %{{y:{charts.PERCENT}}}"
                "<extra></extra>"
            )
    columns = ["filer_code", "filer_name", "month", measure, PARTIAL]
    flagged = mark_partial(trend, where)
    table = headed(flagged.select(columns).with_columns(pl.col("month").dt.to_string("%Y-%m")))
    chart_with_table(
        figure,
        table,
        title=None,
        alt=f"Lines: {chosen.lower()} per filer each month (entries by entry date, exams by "
        "exam date, releases by arrival date); the table has the same figures."
        + charts.partial_caption(flagged, where, shown=shown_months),
        key="filers-trend",
        column_config=_formats(table),
        table=WORDS,
        full=lambda: flagged.select(columns),  # the files: stable names unless ACE headers
    )


def _cf_forms(view: View) -> None:
    st.header("CF-28 requests for information and CF-29 notices of action")
    st.info(
        "ITRAC and ACE entry data say whether CBP issued a CF-28 or CF-29 on an entry, not "
        "when, nor whether it was answered: the forms, their dates and status are in the "
        "ACE Portal's Forms, not in a file you can download and load here. So the response "
        "due date (30 days after a CF-28 is issued) and open or answered are not shown, and "
        "every form reads as issued. What the data does say is beside each form: the other "
        "form on the same entry, a post-summary correction, the entry's liquidation (a "
        "liquidated entry is settled). Each form is listed with its entry's lines.",
        icon=":material/info:",
    )
    paged_table(
        view,
        "cf_forms.requests",
        count_report="cf_forms.requests_count",
        key="cf-forms",
        display=_dashed,
        column_config=_formats,
    )
    st.header("Their lines")
    paged_table(
        view,
        "cf_forms.lines",
        count_report="cf_forms.lines_count",
        key="cf-forms-lines",
        display=_dashed,
        column_config=_formats,
    )


def _dashed(frame: pl.DataFrame) -> pl.DataFrame:
    return headed(
        frame.with_columns(
            codes.format_entry_numbers("entry_number"), pl.col(pl.Date).dt.to_string("%Y-%m-%d")
        )
    )


TABS: dict[str, Callable[[View], None]] = {
    "Findings": _findings,
    "Broker scorecard": _scorecard,
    "CF-28 / CF-29": _cf_forms,
}


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
