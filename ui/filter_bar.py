"""The global filters in the sidebar, bound to the URL so every view can be shared."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from data_access import settings
from data_access.filters import PERIODS, FilterError, Filters, period_range
from ui.data import View, run

# URL key -> (label, Filters field, dimension in overview.filter_options)
CHOICES = (
    ("importer", "Importer", "importer_numbers", "importer_number"),
    ("filer", "Filer (broker)", "filer_codes", "filer_code"),
    ("port", "Port of entry", "ports", "port_of_entry"),
    ("country", "Country of origin", "countries", "country_of_origin"),
    ("entry_type", "Entry type", "entry_types", "entry_type"),
    ("mode", "Mode of transport", "modes", "mode_of_transport"),
)


def global_filters(base: View, *, today: date | None = None) -> Filters:
    """Draw the filter bar for `base` (whose filters are empty) and return the choice."""
    today = today or settings.today()
    sidebar = st.sidebar
    sidebar.header("Filters")
    start, end = _date_range(today)
    options = run(base, "overview.filter_options")
    picked: dict[str, object] = {"start": start, "end": end}
    for key, label, field, dimension in CHOICES:
        values = options.filter(pl.col("dimension") == dimension)
        picked[field] = _codes(key, label, values)
    picked["hts_prefix"] = sidebar.text_input(
        "HTS number starts with", key="hts", bind="query-params", placeholder="e.g. 8471 or 8471.30"
    )
    try:
        return Filters.parse(picked)
    except FilterError as error:
        sidebar.error(f"Filter not applied: {error}")
        picked["hts_prefix"] = ""
        return Filters.parse(picked)


def _date_range(today: date) -> tuple[date, date]:
    period = st.sidebar.selectbox("Period", PERIODS, index=3, key="period", bind="query-params")
    preset = period_range(period, today)
    if preset:
        st.sidebar.caption(f"{preset[0]:%d %b %Y} – {preset[1]:%d %b %Y}")
        return preset
    default = period_range("Last 12 months", today)
    assert default
    left, right = st.sidebar.columns(2)
    start = left.date_input("From", value=default[0], key="start", bind="query-params")
    end = right.date_input("To", value=default[1], key="end", bind="query-params")
    if start > end:
        st.sidebar.warning("'From' is after 'To': the dates were swapped.")
        start, end = end, start
    return start, end


def _codes(key: str, label: str, values: pl.DataFrame) -> list[str]:
    codes = values.get_column("code").to_list()
    described = dict(zip(codes, values.get_column("description").to_list(), strict=True))
    chosen = st.sidebar.multiselect(
        label,
        codes,
        format_func=lambda code: f"{code} {described.get(code, '')}".strip(),
        key=key,
        bind="query-params",
        placeholder="All",
    )
    return list(chosen)
