"""How every on-screen table shows its columns: ACE's headers and formatted numbers.

`column_config(frame)` gives `st.dataframe` a column config for each column of a polars
frame, from its type and data_access/labels.py: the header people read (the very header
a file exported with ACE headers has, `export.header_names`), money as dollars with
thousands separators ($1,234.56), rates as percents (12.34%), counts with separators
(1,234), dates as dates. Only the screen changes: the frame (and its exports) keep the
stored names and values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

import polars as pl
import streamlit as st

from data_access import codes, export, schema
from ui import labels

MONEY = "dollar"  # $1,234.57
PERCENT = "percent"  # 0.1234 -> 12.34%
COUNT = "%,d"  # 1,234
NUMBER = "%,.2f"  # 1,234.57
DAYS = "%,.1f"  # 12.5
DATE = "YYYY-MM-DD"
MONTH = "MMM YYYY"

RATES = frozenset(
    {
        "exam_rate",
        "discrepancy_rate",
        "effective_duty_rate",
        "rate_without_layers",
        "share",
        "duty_rate",
        "hold_rate",
        "cf28_rate",
        "cf29_rate",
    }
)
# Money by name, where a frame's type is not at hand (a chart's axis title): the lake
# contract's decimal(18,2) columns and the money columns the reports make. A frame's
# decimal columns are money too (`column`); tests/test_look.py holds the two together.
MONEY_COLUMNS = frozenset(
    {c.name for t in schema.TABLES.values() for c in t.columns if c.dtype == schema.MONEY}
    | set(labels.DERIVED_MONEY)
)
UNIT = re.compile(r"\s*\([^()]*\)$")  # "Entered Value (USD)": the words before the unit
DAY_COUNTS = frozenset({"median_days", "p90_days", "within_days", "days_left", "release_days"})
MONTHS = frozenset({"month", "due_month"})
NUMBERS_NOT_COUNTS = frozenset({"line_number", "tariff_ordinal", "week"})  # no separators
ENTRY_NUMBERS = ("entry_number", "flagged_entry_number", "recon_entry_number")


def on_screen(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with its entry numbers as ACE shows them (XXX-NNNNNNN-C): the stored
    11 characters stay in the exports."""
    present = [c for c in ENTRY_NUMBERS if c in frame.columns]
    return frame.with_columns(codes.format_entry_numbers(c) for c in present) if present else frame


def column_config(
    frame: pl.DataFrame,
    table: str | None = None,
    overrides: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """`st.dataframe`'s column config for `frame`: each column's header (for lake table
    or page `table`, see `labels.label`) and format; `overrides` add to a column's."""
    headers = export.header_names(frame.columns, "ace", table=table)
    config: dict[str, object] = {
        name: column(name, dtype, table, headers[name]) for name, dtype in frame.schema.items()
    }
    for name, extra in (overrides or {}).items():
        if name in config and isinstance(extra, dict):
            config[name] = {**config[name], **{k: v for k, v in extra.items() if v is not None}}  # type: ignore[dict-item]
        else:
            config[name] = extra
    return config


def column(
    name: str, dtype: pl.DataType, table: str | None = None, header: str | None = None
) -> object:
    """One column's config: its header (`labels.label` unless given) and the format its
    type and meaning call for."""
    header = header or labels.label(name, table)
    stored = stored_name(name, table)
    if isinstance(dtype, pl.Decimal):
        return st.column_config.NumberColumn(header, format=MONEY)
    if dtype.is_float():
        fmt = PERCENT if stored in RATES else DAYS if stored in DAY_COUNTS else NUMBER
        return st.column_config.NumberColumn(header, format=fmt)
    if dtype.is_integer():
        fmt = "%d" if stored in NUMBERS_NOT_COUNTS else COUNT
        return st.column_config.NumberColumn(header, format=fmt)
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        return st.column_config.DateColumn(header, format=MONTH if stored in MONTHS else DATE)
    if dtype == pl.Boolean:
        return st.column_config.CheckboxColumn(header)
    if dtype == pl.String:
        return st.column_config.TextColumn(header)
    return st.column_config.Column(header)


def stored_name(name: str, table: str | None = None) -> str:
    """The storage name behind `name`, which may already be a header ("Effective duty
    rate" on the Tariff layers page): what the format is decided by."""
    if labels.is_storage_name(name):
        return name
    return _headers(table).get(name, name)


def axis_format(title: str | None) -> str | None:
    """What a chart axis titled `title` shows, as the tables decide it: `MONEY` when the
    title names a money column ("Entered Value (USD)", "IEEPA duty (USD)"), `PERCENT` when
    it names a rate ("Exam Rate (exams per entry)"), else None. The title is matched whole,
    then without its last parenthesis, in any case."""
    for words in dict.fromkeys((title or "", UNIT.sub("", title or ""))):
        stored = _names().get(words.casefold())
        if stored in MONEY_COLUMNS:
            return MONEY
        if stored in RATES:
            return PERCENT
    return None


@cache
def _names() -> dict[str, str]:
    """Header or storage name, case folded -> storage name."""
    headers = _headers(None)
    return {
        name.casefold(): stored
        for name, stored in {**headers, **{s: s for s in headers.values()}}.items()
    }


@cache
def _headers(table: str | None) -> dict[str, str]:
    """Header -> storage name, for the names `labels` knows (the page's first)."""
    names = set(labels.DERIVED) | {c.name for t in schema.TABLES.values() for c in t.columns}
    names |= set(labels.CONTEXTS.get(table or "", {}))
    return {labels.label(n, table): n for n in sorted(names)}
