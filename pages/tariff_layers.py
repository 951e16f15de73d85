"""Tariff layers: the Chapter 99 duty on our goods, by program, as the layers really were."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from data_access import codes, settings, tariff_layers
from data_access.periods import mark_partial
from ui import charts, labels
from ui.column_formats import column_config
from ui.data import View, run
from ui.paged_table import ENTRY_NUMBERS_NOTE, paged_table
from ui.widgets import (
    Kpi,
    chart_with_table,
    count,
    dataframe,
    empty_state,
    export_buttons,
    intro,
    kpi_row,
    lazy_tabs,
    money,
)

PAGE = "tariff_layers"  # its wording in ui/labels.py
# Storage name -> the header shown and exported (ui/labels.py's words for this page).
HEADERS = labels.labels(
    [
        "entry_number", "line_number", "tariff_ordinal", "entry_date", "importer_number",
        "country_of_origin", "country_of_origin_description", "goods_hts_number",
        "layer_number", "hts_code", "description", "month", "partial_month", "program_name",
        "finding_name", "detail", "in_force", "refundable", "tariff_rows", "entries", "lines",
        "entered_value", "duties", "goods_duties", "refundable_duties",
        "effective_duty_rate", "rate_without_layers",
        *(f"{p}_duties" for p in tariff_layers.PROGRAM_NAMES_ALL),
    ],
    PAGE,
)  # fmt: skip
HIDDEN = ("program", "finding", "against")  # codes whose names are shown beside them


def render(view: View) -> None:
    intro(
        "Tariff layers",
        "How much Section 301, 232, IEEPA and 122 duty did we pay on which goods and "
        "entries, how much of it is refundable under the 2026 IEEPA ruling, and which "
        "Chapter 99 numbers were filed where the law did not have them?",
    )
    programs = run(view, "layers.by_program")
    if empty_state(programs, "Chapter 99 layers with these filters"):
        return
    _kpis(programs, int(run(view, "layers.entries_count").item(0, "rows")))
    lazy_tabs(TABS, key="layers_tab", args=(view,))


def _kpis(programs: pl.DataFrame, entries: int) -> None:
    def duty(*chosen: str) -> object:
        return programs.filter(pl.col("program").is_in(chosen)).get_column("duties").sum()

    kpi_row(
        [
            Kpi("Chapter 99 duty", money(programs.get_column("duties").sum())),
            Kpi(
                "Refundable IEEPA duty",
                money(programs.filter(pl.col("refundable")).get_column("duties").sum()),
                "IEEPA fentanyl and reciprocal layers: refunded through CAPE after the ruling",
            ),
            Kpi("Section 301", money(duty("section_301"))),
            Kpi("Section 232", money(duty("section_232"))),
            Kpi("Section 122", money(duty("section_122"))),
            Kpi("Entries with layers", count(entries)),
        ]
    )


# --- shaping for the screen -------------------------------------------------------------------
def ace(frame: pl.DataFrame) -> pl.DataFrame:
    """`shaped(frame)` with ACE's headers (the page's words, ui/labels.py)."""
    frame = shaped(frame)
    return frame.rename({c: HEADERS[c] for c in frame.columns if c in HEADERS})


def shaped(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with the code columns whose names sit beside them dropped, and Chapter 99
    numbers written 9903.88.03: the columns shown, under their stable names (the files'
    names unless ACE headers are picked)."""
    if "layer_number" in frame.columns:
        number = pl.col("layer_number")
        dotted = pl.concat_str(
            number.str.slice(0, 4), pl.lit("."), number.str.slice(4, 2), pl.lit("."),
            number.str.slice(6, 2),
        )  # fmt: skip
        frame = frame.with_columns(layer_number=dotted)
    return frame.drop([c for c in HIDDEN if c in frame.columns])


def _dashed(frame: pl.DataFrame) -> pl.DataFrame:
    column = HEADERS["entry_number"]
    if column not in frame.columns:
        return frame
    return frame.with_columns(codes.format_entry_numbers(column))


def table(frame: pl.DataFrame, *, name: str) -> None:
    """A table with ACE's headers and formatted numbers; exports hold the same columns,
    under their stable names unless ACE headers are picked."""
    shown = ace(frame)
    config = column_config(shown, PAGE)
    dataframe(_dashed(shown), column_config=config)
    export_buttons(lambda: shaped(frame), name=name, table=PAGE)


# --- tabs ----------------------------------------------------------------------------------
def _over_time(view: View) -> None:
    monthly = run(view, "layers.by_program_month")
    registry = tariff_layers.load()
    where = charts.span(view, "entry_lines")
    figure = charts.month_bars(
        monthly, y="duties", where=where, color="program_name", key="program",
        order=list(tariff_layers.PROGRAM_NAMES_ALL),
        y_title=f"{labels.label('chapter_99_duty_amount')} (USD)",
    )  # fmt: skip
    figure.update_layout(legend_title_text="")
    _mark_the_law(figure, registry)
    window = _section_122_window(registry)
    flagged = mark_partial(monthly, where)
    chart_with_table(
        figure,
        ace(flagged),  # shown with the page's headers; the files: stable names (full)
        title="Chapter 99 duty by program per month",
        alt="Stacked bars: the duty of the Chapter 99 layers per month of entry and program. "
        f"The dashed line marks the IEEPA ruling ({registry.refunds.ruling_date}); the shaded "
        f"band is the Section 122 duty ({window[0]} to {window[1]})."
        + charts.partial_caption(flagged, where),
        key="tariff-layers-by-month",
        table=PAGE,
        full=lambda: shaped(flagged),
    )
    st.header("Chapter 99 duty by program")
    table(run(view, "layers.by_program"), name="tariff-layers-by-program")


def _section_122_window(registry: tariff_layers.Registry) -> tuple[date, date]:
    spans = [x for x in registry.layers if x.program == "section_122" and x.kind == "duty"]
    start = min((x.effective_from for x in spans), default=registry.refunds.last_day)
    end = max((x.effective_to or settings.today() for x in spans), default=start)
    return start, end


def _mark_the_law(figure: go.Figure, registry: tariff_layers.Registry) -> None:
    ruling = registry.refunds.ruling_date.isoformat()
    start, end = _section_122_window(registry)
    figure.add_vrect(x0=start.isoformat(), x1=end.isoformat(), fillcolor="#999", opacity=0.15,
                     line_width=0)  # fmt: skip
    figure.add_shape(type="line", x0=ruling, x1=ruling, y0=0, y1=1, yref="paper",
                     line={"dash": "dash", "color": "#d62728"})  # fmt: skip
    figure.add_annotation(x=ruling, y=1, yref="paper", text="IEEPA ruling", showarrow=False,
                          xanchor="right", yanchor="bottom")  # fmt: skip
    figure.add_annotation(x=start.isoformat(), y=0.92, yref="paper", text="Section 122",
                          showarrow=False, xanchor="left")  # fmt: skip


def _by_country(view: View) -> None:
    frame = run(view, "layers.by_country", limit=30)
    stacked = _stacked(frame, "country_of_origin")
    figure = _layer_bars(stacked)
    chart_with_table(
        figure,
        ace(frame),
        title="Duty by country of origin, layers included",
        alt="Horizontal stacked bars per country of origin: the goods rows' own duty and each "
        "program's Chapter 99 duty; the table adds value and the rates with and without layers.",
        key="tariff-layers-by-country",
        table=PAGE,
        full=lambda: shaped(frame),
    )


def _by_hts(view: View) -> None:
    level = st.segmented_control(
        "Level", ["chapter", "heading"], default="chapter", required=True,
        key="layers_level", bind="query-params",
    )  # fmt: skip
    frame = run(view, "layers.by_hts", level=level or "chapter", limit=30)
    stacked = _stacked(frame, "hts_code")
    figure = _layer_bars(stacked)
    chart_with_table(
        figure,
        ace(frame),
        title=f"Duty by HTS {level}, layers included",
        alt=f"Horizontal stacked bars per HTS {level} of the goods: each line's own duty and "
        "the duty of the Chapter 99 layers filed with it, by program.",
        key=f"tariff-layers-by-{level}",
        table=PAGE,
        full=lambda: shaped(frame),
    )


def _layer_bars(stacked: pl.DataFrame) -> go.Figure:
    """Horizontal stacked bars, one colour per layer (the same on every chart), every
    name on the axis, largest at the top."""
    layers = ["Goods rows", *tariff_layers.PROGRAM_NAMES_ALL.values()]
    figure = px.bar(stacked, x="duty", y="label", color="layer", orientation="h",
                    color_discrete_map=charts.colours(stacked, "layer", order=layers),
                    category_orders={"label": _largest_first(stacked)},
                    labels={"duty": f"{labels.label('duties')} (USD)", "label": "",
                            "layer": ""})  # fmt: skip
    charts.category_ticks(figure, "y")
    figure.update_yaxes(autorange="reversed")
    figure.update_layout(height=max(260, 60 + 24 * stacked.get_column("label").n_unique()))
    return figure


def _largest_first(stacked: pl.DataFrame) -> list[str]:
    totals = stacked.group_by("label").agg(pl.col("duty").sum())
    return totals.sort(["duty", "label"], descending=[True, False]).get_column("label").to_list()


def _stacked(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Long form for a stacked bar: one row per key and part of the duty."""
    parts = {"goods_duties": "Goods rows", **{
        f"{p}_duties": name for p, name in tariff_layers.PROGRAM_NAMES_ALL.items()
    }}  # fmt: skip
    described = frame.columns[1]
    label = pl.concat_str(pl.col(key), pl.lit(" "), pl.col(described).fill_null(""))
    long = frame.with_columns(label=label).unpivot(
        index="label", on=list(parts), variable_name="layer", value_name="duty"
    )
    return long.with_columns(
        pl.col("duty").cast(pl.Float64), pl.col("layer").replace_strict(parts)
    ).filter(pl.col("duty") != 0)


def _entries(view: View) -> None:
    st.header("Entries and their layers")
    st.caption(ENTRY_NUMBERS_NOTE)
    paged_table(view, "layers.entries", count_report="layers.entries_count",
                key="tariff-layers-entries", display=lambda rows: _dashed(ace(rows)))  # fmt: skip
    st.header("Layers of an entry's lines")
    typed = st.text_input("Entry Summary Number", key="layer_entry", bind="query-params",
                          placeholder="ABC-1234567-6")  # fmt: skip
    if not typed:
        st.caption("Type an entry number from the table above to see its lines' layers.")
        return
    try:
        entry = codes.normalize_entry_number(typed)
    except ValueError as error:
        st.warning(f"{error}: write it as XXX-NNNNNNN-C, as in the table above.")
        return
    lines = run(view, "layers.entry_layers", entry_number=entry)
    if empty_state(lines, f"Chapter 99 layers on entry {typed}"):
        return
    table(lines, name=f"tariff-layers-{entry}")


def _audit(view: View) -> None:
    findings = run(view, "layers.audit")
    if findings.is_empty():
        st.success("No findings: every layer was filed in its era, none is missing.")
        return
    summary = (
        findings.group_by("finding_name")
        .agg(lines=pl.len(), duties=pl.col("duties").sum())
        .sort("lines", "finding_name", descending=[True, False])
    )
    st.header("Findings")
    table(summary, name="tariff-layers-audit-summary")
    st.header("Every finding")
    st.caption(
        "From the registry (config/tariff_layers.yaml): layers filed outside their effective "
        "dates, IEEPA filed after 2026-02-23, numbers the registry does not know, layers "
        "missing where the registry expects one, and layers stacked where they do not stack."
    )
    table(findings, name="tariff-layers-audit")


TABS: dict[str, Callable[[View], None]] = {
    "Over time": _over_time,
    "By country": _by_country,
    "By HTS": _by_hts,
    "Entries": _entries,
    "Audit": _audit,
}


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
