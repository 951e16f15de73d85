"""The download buttons under every table: CSV, Excel, Parquet, stable names or ACE's.

Files keep the stable column names (`entry_number`) unless the user picks ACE's headers
("Entry Summary Number", from data_access/labels.py: the words the table shows, and
those of `itrac export --headers ace`).

Every file is written a batch at a time (export.write_batches: a paged table's rows come
from the engine in batches) to a temporary file on disk, then read once: the bytes
Streamlit serves are all the memory a download takes, besides one batch (Streamlit keeps
a download's bytes in memory until the page moves on; building in a BytesIO took more
again). How each is offered, by its size (rows x columns):
- small (at most QUICK_CELLS cells for Excel, a few seconds; QUICK_DATA_CELLS for CSV
  and Parquet): built when clicked;
- larger: "Build CSV" (or XLSX, Parquet) builds it in the background (ui/export_jobs.py)
  with a progress bar, then "⬇ CSV" downloads it; a file that grows past
  DOWNLOAD_MAX_BYTES stops, and the page says why and what to do instead;
- Excel past export.EXCEL_OFFER_CELLS or the sheet limit: no Excel button; the page says
  why (export.excel_refusal) and offers CSV and Parquet, instead of a button whose
  download never arrives.

The buttons' callables run off the script thread: no st.* inside, and what they export
(rows, principal, filters, the header choice) is captured by value on the script thread.
"""

from __future__ import annotations

import io
import itertools
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from data_access import export
from ui import export_jobs
from ui.words import counted

Rows = Callable[[], pl.DataFrame | Iterable[pl.DataFrame]]
QUICK_CELLS = 1_000_000  # about 10 s of Excel: built while the browser waits
QUICK_DATA_CELLS = 10_000_000  # CSV or Parquet of 300,000 ES-003 rows: about 6 s
# The largest file the page builds: Streamlit serves a download from memory, so this is
# the memory one download may take (a 1M-line demo lake's 1,000,273 ES-003 rows are
# 341 MiB of CSV, 21 MiB of Parquet, each built in about 18 s). Larger: Parquet, narrower
# filters, or `itrac export`, which writes to disk in bounded memory.
DOWNLOAD_MAX_BYTES = 512 * 2**20
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
    # One row that wraps: the buttons side by side at every width (columns spread them
    # over the page, and stacked them one a row on a phone), the header choice after.
    row = st.container(horizontal=True, vertical_alignment="bottom", gap="small")
    buttons = [row.container(width="content") for _ in formats]
    picked = row.segmented_control(
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
        elif cells and cells > quick_cells(fmt) and version:
            with column:
                _in_background(rows, name, fmt, headers, table, (total or 0, width), version)
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


def quick_cells(fmt: str) -> int:
    """The most cells a `fmt` file is built of while the browser waits for it."""
    return QUICK_CELLS if fmt == "xlsx" else QUICK_DATA_CELLS


def file_bytes(rows: Rows, fmt: str, headers: str, table: str | None) -> bytes:
    """The file of `rows()` in `fmt` with `headers` ("stable" or "ace"): written a batch
    at a time to a temporary file, then read once (the bytes Streamlit serves)."""
    with tempfile.TemporaryDirectory(prefix="itrac-download-") as folder:
        path = Path(folder) / f"download.{fmt}"
        write_file(rows, path, fmt, headers, table, max_bytes=DOWNLOAD_MAX_BYTES)
        return path.read_bytes()


def write_file(
    rows: Rows,
    target: Path | io.BytesIO,
    fmt: str,
    headers: str,
    table: str | None,
    progress: export.Progress | None = None,
    max_bytes: int | None = None,
) -> int:
    """Write `rows()` to `target` a batch at a time; ACE headers as the table shows them
    (`table`'s words, data_access/labels.py); export.TooLarge past `max_bytes`."""
    result = rows()
    batches = iter([result] if isinstance(result, pl.DataFrame) else result)
    first = next(batches, pl.DataFrame())
    names = export.header_names(first.columns, headers, table=table)  # type: ignore[arg-type]
    return export.write_batches(
        itertools.chain([first], batches), target, fmt, headers=names, progress=progress,
        max_bytes=max_bytes,
    )  # fmt: skip


def _in_background(
    rows: Rows,
    name: str,
    fmt: str,
    headers: str,
    table: str | None,
    size: tuple[int, int],
    version: str,
) -> None:
    """ "Build XLSX" (CSV, Parquet), its progress, then "⬇ XLSX" of the built file
    (`size`: rows, columns)."""
    total, width = size
    label = fmt.upper()
    context = get_script_run_ctx()
    key = (context.session_id if context else "", version, name, headers, fmt)
    job = export_jobs.current(key)
    if job is not None and job.too_large:
        st.error(too_large(job.error, fmt))
        return
    if job is None or job.error:
        if job is not None:
            st.error(f"The {label} file could not be built ({job.error}); try CSV or Parquet.")
        if not st.button(f"Build {label}", key=f"{name}-{fmt}-build", help=_build_help(
                fmt, total, width)):  # fmt: skip
            return
        job = export_jobs.start(
            key,
            lambda path, progress: write_file(
                rows, path, fmt, headers, table, progress, max_bytes=DOWNLOAD_MAX_BYTES
            ),
            file_name=f"{name}.{fmt}",
            total=total,
        )
    if job.running:
        _progress(job)
        return
    st.download_button(
        f"⬇ {label}",
        data=lambda: job.path.read_bytes(),
        file_name=job.file_name,
        mime=export.MEDIA_TYPES[fmt],
        key=f"{name}-{fmt}",
        on_click="ignore",
    )


def _build_help(fmt: str, total: int, width: int) -> str:
    if fmt != "xlsx":
        return f"{total:,} rows: built on the server first; the progress shows here"
    minutes = max(1, round(total * width / export.EXCEL_CELLS_PER_SECOND / 60))
    return f"{total:,} rows: up to about {counted(minutes, 'minute')}; the progress shows here"


def too_large(reason: str, fmt: str) -> str:
    """What the page says when a file grew past DOWNLOAD_MAX_BYTES."""
    instead = "Parquet (a fraction of the size), " if fmt != "parquet" else ""
    return (
        f"No {fmt.upper()} file for these rows: {reason}, the most a download may take on "
        f"the server (it serves a file from memory). Pick "
        f"{instead}narrow the filters, or write it with `itrac export` (to disk, any size)."
    )


@st.fragment(run_every=1.0)
def _progress(job: export_jobs.ExportJob) -> None:
    """The build's progress bar, redrawn each second; the page reruns when it is done."""
    if job.running:
        st.progress(job.fraction(), text=job.status())
    else:
        st.rerun(scope="app")
