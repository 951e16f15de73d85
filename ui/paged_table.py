"""A detail report one page at a time, with exports of the whole filtered result.

Millions of rows never reach the browser: the page asks the report's `_count` companion
how many rows there are, then for one page (`offset`, `limit`). The download buttons run
the report again without a limit, only when clicked, and uncached (a whole result is too
big to keep in the shared cache).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import polars as pl
import streamlit as st

from data_access import codes, export, labels, lake
from data_access.engines import get_engine
from data_access.reports import REPORTS, Scope
from ui.column_formats import column_config as formatted_columns
from ui.data import View, run
from ui.widgets import dataframe, empty_state, export_buttons

PAGE_SIZES = (10, 100, 1000)


def paged_table(
    view: View,
    report: str,
    *,
    count_report: str = "",
    total: int | None = None,
    key: str,
    options: Mapping[str, object] | None = None,
    display: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    column_config: Callable[[pl.DataFrame], dict[str, object]] | None = None,
) -> int:
    """Draw one page of `report` with a pager and whole-result exports; returns the count.

    `key` names the widgets and the exported files (`<key>.csv`, `<key>.xlsx`, ...), so
    both stay stable for bookmarks and browser tests. `display` reshapes the visible page
    only (exports keep the stored values, as ACE exports do). On screen the columns read
    as ACE's headers (those of the report's first lake table first) with formatted
    numbers; `column_config` adds to the visible page's (st.column_config per column).
    The row count is `count_report`'s, or `total` where the page has it already.
    """
    options = dict(options or {})
    if total is None:
        total = int(run(view, count_report, **options).item(0, "rows"))
    if total == 0:
        empty_state(pl.DataFrame())
        return 0
    table = st.container()
    size_column, pager_column = st.columns([1, 4], vertical_alignment="bottom")
    page_size = size_column.selectbox("Rows per page", PAGE_SIZES, index=1, key=f"{key}-page-size")
    pages = -(-total // page_size)
    with pager_column:
        page = st.pagination(pages, key=f"{key}-page") if pages > 1 else 1
    rows = run(view, report, offset=(page - 1) * page_size, limit=page_size, **options)
    shown = display(rows) if display else rows
    headers = labels.report_table(REPORTS[report])  # the words its file's ACE headers use
    config = formatted_columns(shown, headers, column_config(shown) if column_config else None)
    dataframe(shown, column_config=config, where=table)
    first = (page - 1) * page_size + 1
    st.caption(f"Rows {first:,}–{first + rows.height - 1:,} of {total:,}.")
    export_buttons(
        lambda: whole_batches(view, report, options), name=key, total=total, width=rows.width,
        table=headers, version=repr((view, lake.generation(view.lake), report, options)),
    )  # fmt: skip
    st.caption(excel_note(total))
    return total


def whole_result(view: View, report: str, options: Mapping[str, object]) -> pl.DataFrame:
    """Every row of `report` for this view (what the download buttons write)."""
    scope = Scope(get_engine(view.lake, view.engine), view.principal, view.filters)
    return REPORTS[report](scope, **options)


def whole_batches(view: View, report: str, options: Mapping[str, object]) -> Iterator[pl.DataFrame]:
    """Every row of `report` for this view, export.BATCH_ROWS at a time (the downloads:
    memory does not grow with the rows)."""
    scope = Scope(get_engine(view.lake, view.engine), view.principal, view.filters)
    return REPORTS[report].batches(scope, export.BATCH_ROWS, **options)


def excel_note(total: int) -> str:
    """What the export buttons will give for `total` rows, said before anyone clicks
    (when Excel is not offered, the buttons say why: export.excel_refusal)."""
    return f"Exports hold all {total:,} filtered rows, not only this page."


def dashed_entry_numbers(*columns: str) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """A `display` that shows stored entry numbers as XXX-NNNNNNN-C, and dates as
    YYYY-MM-DD (st.dataframe draws a polars date with a midnight time)."""

    def show(frame: pl.DataFrame) -> pl.DataFrame:
        present = [c for c in columns if c in frame.columns]
        return frame.with_columns(
            *(codes.format_entry_numbers(c) for c in present),
            pl.col(pl.Date).dt.to_string("%Y-%m-%d"),
        )

    return show


ENTRY_NUMBERS_NOTE = (
    "Entry numbers show as XXX-NNNNNNN-C here; exports keep ACE's stored 11-character form "
    "(e.g. ABC12345676), so they line up with ACE downloads."
)


def detail_table(
    view: View,
    report: str,
    *,
    key: str,
    entry_columns: tuple[str, ...] = ("entry_number",),
    options: Mapping[str, object] | None = None,
    note: str = "",
    column_config: Callable[[pl.DataFrame], dict[str, object]] | None = None,
) -> int:
    """An ACE detail report, paged (`<report>_count` counts it), its entry numbers dashed
    on screen and a caption saying so (plus `note`); returns the count."""
    if entry_columns:
        st.caption(" ".join(filter(None, (ENTRY_NUMBERS_NOTE, note))))
    return paged_table(
        view,
        report,
        count_report=f"{report}_count",
        key=key,
        options=options,
        display=dashed_entry_numbers(*entry_columns),
        column_config=column_config,
    )
