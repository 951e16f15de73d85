"""The download buttons under every table: CSV, Excel, Parquet, stable names or ACE's.

Files keep the stable column names (`entry_number`) unless the user picks ACE's headers
("Entry Summary Number", from data_access/labels.py: the words the table shows, and
those of `itrac export --headers ace`). CSV and Parquet
take seconds at any size and are built when clicked. Excel is slow (cell by cell):
- small (at most QUICK_CELLS cells, a few seconds): built when clicked, like the others;
- up to export.EXCEL_OFFER_CELLS and the sheet limit: "Build XLSX" builds it in the
  background (ui/export_jobs.py) with a progress bar, then "⬇ XLSX" downloads it;
- larger: no Excel button; the page says why (export.excel_refusal) and offers CSV and
  Parquet, instead of a button whose download never arrives.

The buttons' callables run off the script thread: no st.* inside, and what they export
(rows, principal, filters, the header choice) is captured by value on the script thread.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from data_access import export
from ui import export_jobs

Rows = Callable[[], pl.DataFrame | Iterable[pl.DataFrame]]
QUICK_CELLS = 1_000_000  # about 10 s of Excel: built while the browser waits
HEADER_CHOICES = {"Stable names": "stable", "ACE headers": "ace"}


def export_buttons(
    rows: Rows,
    *,
    name: str,
    formats: Sequence[str],
    total: int | None = None,
    width: int | None = None,
    table: str | None = None,
    version: str = "",
) -> None:
    """Download buttons for `rows()` (a frame, or batches of one) as `<name>.<fmt>`.

    `total` rows of `width` columns, when known before building (paged tables), decide
    how Excel is offered; `table` is whose ACE headers win (data_access/labels.py); `version`
    names what the rows are (principal, filters, report), so a file built in the
    background is offered only for the rows it holds."""
    *buttons, choice_column = st.columns([1] * len(formats) + [3], vertical_alignment="center")
    picked = choice_column.segmented_control(
        "Column names",
        list(HEADER_CHOICES),
        default="Stable names",
        key=f"{name}-headers",
        help="Stable names (entry_number) stay the same from release to release; ACE "
        "headers (Entry Summary Number) read as ACE's own reports do.",
    )
    headers = HEADER_CHOICES.get(picked or "", "stable")
    refusal = None
    for column, fmt in zip(buttons, formats, strict=True):
        cells = total * width if total is not None and width else None
        if fmt == "xlsx" and total is not None and width:
            refusal = export.excel_refusal(total, width)
        if fmt == "xlsx" and refusal:
            column.button("⬇ XLSX", key=f"{name}-xlsx", disabled=True, help=refusal)
        elif fmt == "xlsx" and cells and cells > QUICK_CELLS and version:
            with column:
                _excel_in_background(rows, name, headers, table, (total or 0, width), version)
        else:
            column.download_button(
                f"⬇ {fmt.upper()}",
                data=lambda fmt=fmt: file_bytes(rows, fmt, headers, table),
                file_name=f"{name}.{fmt}",
                mime=export.MEDIA_TYPES[fmt],
                key=f"{name}-{fmt}",
                on_click="ignore",
            )
    if refusal:
        st.caption(f"No Excel file for these rows: {refusal}")


def file_bytes(rows: Rows, fmt: str, headers: str, table: str | None) -> bytes:
    """The file of `rows()` in `fmt` with `headers` ("stable" or "ace")."""
    buffer = io.BytesIO()
    write_file(rows, buffer, fmt, headers, table)
    return buffer.getvalue()


def write_file(
    rows: Rows,
    target: Path | io.BytesIO,
    fmt: str,
    headers: str,
    table: str | None,
    progress: export.Progress | None = None,
) -> int:
    """Write `rows()` to `target` a batch at a time; ACE headers as the table shows them
    (`table`'s words, data_access/labels.py)."""
    result = rows()
    batches = iter([result] if isinstance(result, pl.DataFrame) else result)
    first = next(batches, pl.DataFrame())
    names = export.header_names(first.columns, headers, table=table)  # type: ignore[arg-type]
    return export.write_batches(
        itertools.chain([first], batches), target, fmt, headers=names, progress=progress
    )


def _excel_in_background(
    rows: Rows, name: str, headers: str, table: str | None, size: tuple[int, int], version: str
) -> None:
    """ "Build XLSX", its progress, then "⬇ XLSX" of the built file (`size`: rows, columns)."""
    total, width = size
    context = get_script_run_ctx()
    key = (context.session_id if context else "", version, name, headers)
    job = export_jobs.current(key)
    if job is None or job.error:
        if job is not None:
            st.error(f"The Excel file could not be built ({job.error}); try CSV or Parquet.")
        minutes = max(1, round(total * width / export.EXCEL_CELLS_PER_SECOND / 60))
        if not st.button("Build XLSX", key=f"{name}-xlsx-build", help=f"{total:,} rows: up "
                         f"to about {minutes} minute(s); the progress shows here"):  # fmt: skip
            return
        job = export_jobs.start(
            key,
            lambda path, progress: write_file(rows, path, "xlsx", headers, table, progress),
            file_name=f"{name}.xlsx",
            total=total,
        )
    if job.running:
        _progress(job)
        return
    st.download_button(
        "⬇ XLSX",
        data=lambda: job.path.read_bytes(),
        file_name=job.file_name,
        mime=export.MEDIA_TYPES["xlsx"],
        key=f"{name}-xlsx",
        on_click="ignore",
    )


@st.fragment(run_every=1.0)
def _progress(job: export_jobs.ExportJob) -> None:
    """The build's progress bar, redrawn each second; the page reruns when it is done."""
    if job.running:
        st.progress(job.fraction(), text=job.status())
    else:
        st.rerun(scope="app")
