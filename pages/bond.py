"""Bond: is each continuous bond large enough, which bonds end soon, what did we post.

Brokers never see bond data (a CBP rule): for them this page shows a notice and runs no
query (the data layer would refuse it anyway).
"""

from __future__ import annotations

from datetime import date

import plotly.express as px
import polars as pl
import streamlit as st

from data_access.reports import bond_sufficiency
from ui import charts
from ui.data import View, run
from ui.entry_summary_charts import plottable
from ui.labels import label
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
    table_with_export,
)
from ui.words import counted

BROKER_NOTICE = "Bond data is not available to brokers (a CBP rule)."
AMOUNTS = {"bond_amount": "Bond in force", "required_amount": "Required amount"}
# Which global filters each part follows (data_access.reports.bond says why).
IN_FORCE = (
    "Follows the importer filter only: what is in force on the as-of day, whatever the "
    "period, port, filer, entry type, mode, country or HTS filters."
)
FILTERS_APPLY = (
    "Which filters apply: the judgement, Ending soon and Activity codes follow the importer "
    "filter only (what is in force on the as-of day, judged on all the importer's entries); "
    "the Sufficiency series also follows the period (the months shown); Bonds in the period, "
    "Single-transaction bonds and Bond Details follow the period and the importer filter. "
    "Port, filer, entry type and mode filters do not apply to bonds."
)
FOLLOWS = {
    "sufficiency": "Follows the importer filter and the period (the months shown); each "
    "month is judged on all the importer's entries of the 12 months before, whatever the "
    "port, filer, entry type, mode, country or HTS filters.",
    "ending": IN_FORCE,
    "activity": IN_FORCE,
    "posted": "Follows the period (by effective date) and the importer filter; a country or "
    "HTS filter keeps the single-transaction bonds of matching entries. Port, filer, entry "
    "type and mode filters do not apply: bonds have no such fields.",
}


def render(view: View) -> None:
    if not view.principal.can_see("bonds"):
        st.title("Bond")
        st.info(BROKER_NOTICE, icon=":material/lock:")
        return
    intro(
        "Bond",
        "Is each importer's continuous bond at least 10% of the duties, taxes and fees of "
        "the last 12 months (and at least \\$50,000), which bonds end soon, and which "
        "single-transaction bonds did we post?",
    )
    as_of = _as_of()
    now = _now(view, as_of)
    ending = run(view, "bond.ending_soon", as_of=as_of)
    posted = int(run(view, "bond.details_count").item())
    if now.is_empty() and ending.is_empty() and posted == 0:
        empty_state(pl.DataFrame(), "bonds with these filters")
        return
    short = now.filter(~pl.col("sufficient"))  # null (insufficient history) is neither
    judged = now.filter(pl.col("sufficient").is_not_null())
    kpi_row(
        [
            Kpi("Continuous bonds judged", count(judged.height), "Importers with an activity-1 "
                "bond and 12 months of data before this month"),
            Kpi("Insufficient now", count(short.height), f"Judged on {as_of:%d %b %Y}"),
            Kpi("Ending in 90 days", count(ending.height), "Termination date within 90 days"),
            Kpi("Bonds in the period", count(posted), "Bonds taking effect in the period"),
        ]
    )  # fmt: skip
    st.caption(FILTERS_APPLY)
    _insufficient_history(now)
    _insufficient_now(short)
    lazy_tabs(
        TABS,
        key="bond_tab",
        args=(
            view,
            as_of,
        ),
    )


def _now(view: View, as_of: date) -> pl.DataFrame:
    """Each importer's judgement for `as_of`'s month."""
    return _judged(view, as_of)[1]


def _judged(view: View, as_of: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the Sufficiency tab's series, the judgement now), from one query: the series asks
    `as_of`'s month too where the period leaves it out (`bond_sufficiency.split`)."""
    frame = run(view, "bond.sufficiency", as_of=as_of, with_now=True)
    return bond_sufficiency.split(frame, view.filters, as_of)


def _as_of() -> date:
    return as_of_input("The day bonds are judged on; it is kept in the page's address.")


def _insufficient_now(short: pl.DataFrame) -> None:
    for row in short.iter_rows(named=True):
        bond = (
            f"bond {row['bond_number']} of {_usd(row['bond_amount'])}"
            if row["bond_number"]
            else "no activity-1 continuous bond in force"
        )
        st.error(
            f"**{row['importer_number']}**: {bond}, but 10% of the duties, taxes and fees of "
            f"{row['window_start']:%b %Y} to {row['window_end']:%b %Y} "
            f"({_usd(row['dtf_trailing_12m'])}) requires {_usd(row['required_amount'])}. "
            f"Raise the bond to **{_usd(row['raise_to'])}**.",
            icon=":material/warning:",
        )


def history_note(
    frame: pl.DataFrame, one: str = "importer-month", many: str | None = None
) -> str | None:
    """What the page says of the months left unjudged (None when there are none)."""
    unjudged = frame.filter(pl.col("judgement") == bond_sufficiency.NO_HISTORY)
    if unjudged.is_empty():
        return None
    first = frame.get_column("history_start").drop_nulls()
    since = f"the lake's first entry ({first[0]:%d %b %Y})" if first.len() else "any entry"
    return (
        f"{counted(unjudged.height, one, many)} read **insufficient history**: their "
        f"12-month window starts before {since}, so their duties, taxes and fees cover part "
        "of a year only. They are neither sufficient nor insufficient."
    )


def _insufficient_history(now: pl.DataFrame) -> None:
    note = history_note(now, "importer this month", "importers this month")
    if note:
        st.info(
            note,
            icon=":material/hourglass_empty:",
        )


def _usd(amount: object) -> str:
    """An exact amount for markdown ($ escaped: two of them would start LaTeX)."""
    return f"\\${amount:,.2f}"


def _sufficiency(view: View, as_of: date) -> None:
    series, now = _judged(view, as_of)  # now: insufficient first, open on those
    if empty_state(series, "continuous bonds in this period"):
        return
    importers = series.get_column("importer_number").unique(maintain_order=True).to_list()
    first = next((i for i in now.get_column("importer_number") if i in importers), importers[0])
    names = dict(run(view, "overview.importers").select("importer_number", "importer_name").rows())
    importer = st.selectbox(
        "Importer",
        importers,
        index=importers.index(first),
        format_func=lambda number: f"{number} {names.get(number) or ''}".strip(),
        key="bond_importer",
        bind="query-params",
    )
    st.caption(FOLLOWS["sufficiency"])
    note = history_note(series)
    if note:
        st.info(note, icon=":material/hourglass_empty:")
    mine = series.filter(pl.col("importer_number") == importer)
    plotted = mine.with_columns(pl.col(pl.Decimal).cast(pl.Float64))
    figure = px.line(
        plotted,
        x="month",
        y=list(AMOUNTS),
        line_shape="hv",
        markers=True,
        labels={"month": "Month", "value": f"{label('amount')} (USD)", "variable": ""},
    )
    figure.for_each_trace(lambda trace: trace.update(name=AMOUNTS[trace.name]))
    short = plotted.filter(~pl.col("sufficient"))
    figure.add_scatter(
        x=short["month"],
        y=short["required_amount"],
        mode="markers",
        marker={"symbol": "x", "size": 12, "color": "#d62728"},
        name="Insufficient month",
    )
    chart_with_table(
        figure,
        mine,
        title=f"Continuous bond sufficiency, {importer}",
        alt="Step lines: the bond in force and the required amount (10% of the duties, taxes "
        "and fees of the 12 full months before, at least \\$50,000, rounded up) per month; red "
        "crosses mark months the bond was insufficient. The table adds the window, the DTF, "
        "the judgement (insufficient history where the window starts before the lake's "
        "data) and the amount to raise the bond to.",
        key="bond-sufficiency",
    )


def _ending_soon(view: View, as_of: date) -> None:
    ending = run(view, "bond.ending_soon", as_of=as_of)
    st.header("Bonds ending in the next 90 days")
    st.caption(FOLLOWS["ending"])
    if ending.is_empty():
        st.success(f"No bond ends between {as_of:%d %b %Y} and 90 days later.")
        return
    table_with_export(ending, name="bond-ending-soon", table="bonds")


def _single_transaction(view: View, _as_of: date) -> None:
    bonds = run(view, "bond.single_transaction")
    st.caption(FOLLOWS["posted"])
    if empty_state(bonds, "single-transaction bonds in this period"):
        return
    plotted = plottable(bonds, "surety_code")
    figure = px.bar(
        plotted,
        x="label",
        y="bonds",
        color="amount_band",
        color_discrete_map=charts.colours(plotted, "amount_band"),
        hover_data={"total_amount": ":$,.2f"},
        labels={"label": "Surety", "bonds": "Bonds", "amount_band": "Amount",
                "total_amount": label("total_amount")},
    )  # fmt: skip
    charts.category_ticks(figure)
    chart_with_table(
        figure,
        bonds,
        title="Single-transaction bonds by surety and amount",
        alt="Stacked bars: single-transaction bonds per surety code (998 cash in lieu of "
        "surety, 999 waived), one colour per amount band; the table adds total amounts.",
        key="bond-single-transaction",
    )


def _activity_codes(view: View, as_of: date) -> None:
    codes = run(view, "bond.activity_codes", as_of=as_of)
    st.caption(FOLLOWS["activity"])
    if empty_state(codes, "continuous bonds"):
        return
    figure = px.bar(
        plottable(codes, "activity_code"),
        x="label",
        y="amount_in_force",
        hover_data={"bonds": ":,", "in_force": ":,"},
        labels={"label": label("activity_code_description"),
                "amount_in_force": "Amount in Force (USD)", "bonds": label("bonds"),
                "in_force": label("in_force")},
        color_discrete_sequence=PALETTE,
    )  # fmt: skip
    charts.category_ticks(figure)
    chart_with_table(
        figure,
        codes,
        title="Continuous bonds by activity code",
        alt=f"Bars: amount of continuous bonds in force on {as_of:%d %b %Y} per activity "
        "code; the table adds all bonds with the code and those in force.",
        key="bond-activity-codes",
    )


def _details(view: View, _as_of: date) -> None:
    st.caption(FOLLOWS["posted"])
    detail_table(view, "bond.details", key="bond-details", entry_columns=())


TABS = {
    "Sufficiency": _sufficiency,
    "Ending soon": _ending_soon,
    "Single-transaction bonds": _single_transaction,
    "Activity codes": _activity_codes,
    "Bond Details": _details,
}


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
