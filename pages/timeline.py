"""Transition timeline: the ITRAC-to-ACE-Reports rollout, phase by phase, as of a date.

The phase table is `config/transition_phases.yaml` (or $ITRAC_PHASES), read at every
render so an edit shows on reload. The "as of" date lives in the URL (?as_of=YYYY-MM-DD).
"""

from __future__ import annotations

from datetime import date, timedelta

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from data_access import lake, settings
from data_access.access import Principal
from data_access.schema import TABLES
from data_access.timeline import (
    Position,
    TimelineError,
    TransitionPlan,
    default_path,
    load_phases,
)
from ui.charts import wrapped
from ui.column_formats import column_config
from ui.data import View, held_by
from ui.look import readable
from ui.widgets import dataframe, export_buttons, moment
from ui.words import counted

AVAILABILITY_LABELS = {
    "available": "Available",
    "partial": "Partly available",
    "discontinued": "Discontinued",
    "unavailable": "Not available",
}
MARGIN = timedelta(days=31)
PHASE_COLOURS = {"in force": "#0068c9", "other phase": "#a3c4e8"}
MILESTONE_COLOUR = "#e8710a"
MILESTONE_LINE_CHARACTERS = 18  # a milestone title wraps after this many


def render(view: View) -> None:
    st.title("ITRAC to ACE Reports transition")
    st.write(
        "Where CBP's move of ITRAC data from CDs to ACE Reports stood on a given date, "
        "where each kind of data could be had, and what this dashboard holds."
    )
    try:
        plan = load_phases(default_path())
    except TimelineError as error:
        st.error(str(error))
        st.stop()
    as_of = _as_of_input(plan)
    position = plan.position(as_of)
    _phase_in_force(plan, position)
    _timeline(plan, as_of)
    _availability(plan, position)
    _holdings(plan, view)
    _gaps_and_questions(plan)
    _help(plan)


def _as_of_input(plan: TransitionPlan) -> date:
    today = settings.today()
    latest = max(today, plan.phases[-1].end)
    chosen = st.date_input(
        "As of",
        value="today",
        min_value=date(plan.phases[0].start.year - 10, 1, 1),
        max_value=date(latest.year + 10, 12, 31),
        key="as_of",
        bind="query-params",
        help="The date to show the transition at; it is kept in the page's address.",
        width=220,
    )
    return chosen if isinstance(chosen, date) else today


def _phase_in_force(plan: TransitionPlan, position: Position) -> None:
    st.header(f"As of {position.as_of.isoformat()}")
    if position.phase is not None:
        st.success(_md(f"Phase in force: {position.describe()}"))
        st.markdown(_md("\n".join(f"- {line}" for line in position.phase.status)))
    elif position.kind == "between":
        st.info(_md(f"{position.describe()}: no phase is in force on this date."))
    elif position.kind == "before":
        st.info(_md(position.describe()))
        st.markdown(_md(plan.before_first_phase))
    else:
        st.success(_md(position.describe()))
        st.markdown(_md(plan.after_last_phase))
    reached = [m for m in plan.milestones if m.date <= position.as_of]
    if reached:
        st.caption(
            "Milestones reached by then: "
            + "; ".join(f"{m.date.isoformat()} {m.title}" for m in reached)
        )


def _phase_frame(plan: TransitionPlan) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "phase": [p.name for p in plan.phases],
            "start": [p.start for p in plan.phases],
            "end": [p.end for p in plan.phases],
            "status": ["; ".join(p.status) for p in plan.phases],
        }
    )


def _milestone_frame(plan: TransitionPlan) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": [m.date for m in plan.milestones],
            "milestone": [m.title for m in plan.milestones],
            "detail": [m.detail for m in plan.milestones],
        },
        schema={"date": pl.Date, "milestone": pl.String, "detail": pl.String},
    )


def _timeline_figure(plan: TransitionPlan, as_of: date) -> go.Figure:
    # Phase ends are inclusive days; a bar must reach the end of its last day.
    in_force = plan.phase_in_force(as_of)
    shown = ["in force" if p == in_force else "other phase" for p in plan.phases]
    bars = _phase_frame(plan).with_columns(
        finish=pl.col("end") + pl.duration(days=1), shown=pl.Series(shown, dtype=pl.String)
    )
    figure = px.timeline(
        bars,
        x_start="start",
        x_end="finish",
        y="phase",
        color="shown",
        color_discrete_map=PHASE_COLOURS,
        hover_data={"end": True, "finish": False, "shown": False},
    )
    milestones = plan.milestones
    figure.add_trace(
        go.Scatter(
            x=[m.date for m in milestones],
            y=["Milestones"] * len(milestones),
            mode="markers+text",
            marker={"symbol": "diamond", "size": 14, "color": MILESTONE_COLOUR},
            # Wrapped, so a title centred on its marker stays inside a phone's chart.
            text=[wrapped(m.title, MILESTONE_LINE_CHARACTERS) for m in milestones],
            textposition="top center",
            name="Milestone",
            hovertext=[f"{m.date.isoformat()}: {m.title}" for m in milestones],
            hoverinfo="text",
        )
    )
    low, high = _span(plan)
    figure.update_xaxes(range=[low, high], title=None)
    rows = [*(p.name for p in plan.phases), "Milestones"]
    figure.update_yaxes(categoryorder="array", categoryarray=rows[::-1], title=None)
    figure.update_layout(showlegend=False, margin={"t": 40})
    _mark_as_of(figure, as_of, low, high)
    return figure


def _span(plan: TransitionPlan) -> tuple[date, date]:
    return plan.phases[0].start - MARGIN, plan.phases[-1].end + MARGIN


def _alt_text(plan: TransitionPlan, as_of: date) -> str:
    low, high = _span(plan)
    marker = "a dashed line marks" if low <= as_of <= high else "an arrow at the edge points to"
    in_force = plan.phase_in_force(as_of)
    return (
        f"Gantt chart of the {len(plan.phases)} transition phases from "
        f"{plan.phases[0].start.isoformat()} to {plan.phases[-1].end.isoformat()} with "
        f"{counted(len(plan.milestones), 'milestone')}; {marker} the as-of date {as_of.isoformat()}"
        + (f", and {in_force.name}, in force then, is drawn darker." if in_force else ".")
    )


def _mark_as_of(figure: go.Figure, as_of: date, low: date, high: date) -> None:
    """A dashed line at `as_of`, or an arrow at the edge when it is off the chart."""
    label = f"As of {as_of.isoformat()}"
    if low <= as_of <= high:
        figure.add_shape(
            type="line",
            x0=as_of,
            x1=as_of,
            y0=0,
            y1=1,
            yref="paper",
            line={"dash": "dash", "width": 2},
        )
        figure.add_annotation(
            x=as_of, y=1, yref="paper", text=label, showarrow=False, yanchor="bottom"
        )
        return
    edge, arrow = (low, f"← {label}") if as_of < low else (high, f"{label} →")
    figure.add_annotation(
        x=edge,
        y=1,
        yref="paper",
        text=arrow,
        showarrow=False,
        yanchor="bottom",
        xanchor="left" if as_of < low else "right",
    )


def _timeline(plan: TransitionPlan, as_of: date) -> None:
    st.header("Phases and milestones")
    chart, table = st.tabs(["Chart", "Table"])
    alt = _alt_text(plan, as_of)
    with chart:
        st.plotly_chart(readable(_timeline_figure(plan, as_of)), alt=alt)
        st.caption(alt)
    with table:
        _table_with_download(_phase_frame(plan), "transition_phases")
        _table_with_download(_milestone_frame(plan), "transition_milestones")
    st.caption(_md(plan.notice.dates_note))


def _availability_frame(plan: TransitionPlan, position: Position) -> pl.DataFrame:
    columns: dict[str, list[str]] = {
        "channel": [c.name for c in plan.channels],
        "what_it_is": [c.description for c in plan.channels],
    }
    for phase in plan.phases:
        heading = f"{phase.name} (in force)" if phase == position.phase else phase.name
        columns[heading] = [AVAILABILITY_LABELS[phase.availability[c.id]] for c in plan.channels]
    return pl.DataFrame(columns)


def _availability(plan: TransitionPlan, position: Position) -> None:
    st.header("Where ITRAC data could be had, phase by phase")
    st.caption(
        "One row per channel, one column per phase; each cell says whether the channel "
        "gave ITRAC data in that phase."
    )
    _table_with_download(_availability_frame(plan, position), "channel_availability")


NOT_FOR_BROKERS = "not available to brokers"
NO_ROWS = "no rows"


def _holdings_frame(
    plan: TransitionPlan, tables: dict[str, dict], principal: Principal
) -> pl.DataFrame:
    """One row per category and table: rows and dates held for `principal`; a table it may
    not see (brokers: bonds) says so instead of 0 rows and no dates."""
    rows = []
    for category in plan.categories:
        reports = ", ".join(category.reports) or "No report (a known gap)"
        for name in category.tables:
            stats = tables.get(name) or {}
            hidden = not principal.can_see(name)
            empty = NOT_FOR_BROKERS if hidden else NO_ROWS
            rows.append(
                {
                    "category": category.name,
                    "in_ace_reports": reports,
                    "in_this_dashboard": TABLES[name].label,
                    "rows": None if hidden else int(stats.get("rows") or 0),
                    "first": stats.get("first") or empty,
                    "last": stats.get("last") or empty,
                }
            )
    schema = {"rows": pl.Int64, "first": pl.String, "last": pl.String}
    return pl.DataFrame(rows, schema_overrides=schema)


def _holdings(plan: TransitionPlan, view: View) -> None:
    st.header("What this dashboard holds")
    held = held_by(view)
    if held.is_empty() or not held.get_column("rows").sum():
        st.info(
            "No data is loaded yet. Load ITRAC or ACE Reports extracts with `itrac ingest`, "
            "or build the demo data set with `itrac demo`."
        )
        return
    stored = lake.coverage(view.lake).get("written_at")
    written = moment(stored) if stored else "at an unknown time"
    st.caption(
        f"Rows and date range per report category that you may see; lake last written {written}."
    )
    tables = {
        row["table"]: {**row, "first": _iso(row["first"]), "last": _iso(row["last"])}
        for row in held.to_dicts()
    }
    _table_with_download(_holdings_frame(plan, tables, view.principal), "dashboard_holdings")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _gaps_and_questions(plan: TransitionPlan) -> None:
    if plan.gaps:
        st.header("Known gaps in ACE Reports")
        st.markdown(_md("\n".join(f"- **{gap.title}**: {gap.detail}" for gap in plan.gaps)))
    if plan.questions:
        st.header("Questions and answers")
        for item in plan.questions:
            with st.expander(_md(item.question)):
                st.markdown(_md(item.answer))


def _help(plan: TransitionPlan) -> None:
    st.header("Training and contact")
    lines = [f"- {_linked(r.title, r.url)}: {r.detail}" for r in plan.training]
    lines.append(
        f"- Questions: {_linked(plan.contact.title, plan.contact.url)}. {plan.contact.detail}"
    )
    if plan.updates:
        lines.append(f"- Updates: {plan.updates}")
    st.markdown(_md("\n".join(lines)))
    st.caption(f"Source: {plan.notice.issued_by}, {plan.notice.issued}: {plan.notice.title}.")


def _md(text: str) -> str:
    """YAML text shown as Markdown: a literal dollar sign must not start LaTeX."""
    return text.replace("$", "\\$")


def _linked(text: str, url: str | None) -> str:
    return f"[{text}]({url})" if url else text


def _table_with_download(frame: pl.DataFrame, name: str) -> None:
    """The table, and its CSV (the one export writer: safe to open in Excel) with stable
    names or ACE headers."""
    dataframe(frame, column_config=column_config(frame))
    export_buttons(lambda: frame, name=name, formats=("csv",))


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
