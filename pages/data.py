"""Data: load ACE Reports exports and ITRAC Access databases, see what loaded and why not."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from data_access import settings
from data_access.access import Principal
from data_access.ingest.load import FileResult
from data_access.ingest.uploads import ingested_files, rejected_rows
from data_access.ingest.watch import recent_results, waiting
from data_access.lake import rollups
from data_access.schema import TABLES
from ui import load_jobs
from ui.column_formats import column_config
from ui.data import View
from ui.widgets import dataframe, export_buttons, intro
from ui.words import counted

FILE_TYPES = ["csv", "txt", "xlsx", "mdb", "accdb"]
UPLOADS_KEY = "data-uploads"
POLL_S = 0.5  # how often the progress bar of a running load is redrawn
MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def render(view: View) -> None:
    intro(
        "Data",
        "Load the files you have (ACE Reports exports as CSV, TXT or Excel, and ITRAC "
        "Access databases): see what loaded, what was rejected and why, and every file "
        "loaded so far.",
    )
    key = _job_key(view)
    job = load_jobs.current(key)
    _upload(view, key, running=job is not None and job.running)
    job = load_jobs.current(key)  # the click's callback may have just started one
    if job is not None and job.running:
        _progress(key)
    elif job is not None:
        _outcome(view, job)
    _watched(view)
    _ingested(view)


def _job_key(view: View) -> load_jobs.Key:
    """This session and principal: a load's result is shown to whoever started it."""
    ctx = get_script_run_ctx()
    return load_jobs.session_key(ctx.session_id if ctx else "", view.principal, view.lake)


def _upload(view: View, key: load_jobs.Key, *, running: bool) -> None:
    who = view.principal
    if who.role == "importer":
        st.caption(
            f"You load as importer {', '.join(who.importer_numbers)}: rows of other "
            "importers are rejected."
        )
    uploads = st.file_uploader(
        "Export files",
        type=FILE_TYPES,
        accept_multiple_files=True,
        key=UPLOADS_KEY,
        help="ES-003 Line Tariff Details and the other ACE reports; several files at once. "
        "Where they overlap, the file listed last wins.",
    )
    st.button(
        "Load files",
        type="primary",
        disabled=not uploads or running,
        key="data-load",
        on_click=_start_load,
        args=(key, view.lake, who),
        help="The load goes on while you use the page; its result appears here."
        if running
        else None,
    )


def _start_load(key: load_jobs.Key, where: Path, principal: Principal) -> None:
    """The button's callback: runs first thing in the click's run, before anything a
    later rerun could stop, and hands the bytes to a background job."""
    uploads = st.session_state.get(UPLOADS_KEY) or []
    files = [(u.name, u.getvalue()) for u in uploads]
    if files:
        load_jobs.start(key, where, files, principal)


@st.fragment(run_every=POLL_S)
def _progress(key: load_jobs.Key) -> None:
    """The running load's progress, redrawn on its own; the whole page reruns once the
    load ends, so its result and the file list show."""
    job = load_jobs.current(key)
    if job is None or not job.running:
        st.rerun()
    st.progress(job.fraction(), text=plain(job.status()))


def _outcome(view: View, job: load_jobs.LoadJob) -> None:
    if job.error:
        st.error(
            plain(
                f"The load of {', '.join(job.files)} failed and wrote nothing ({job.error}); "
                "the lake is as it was."
            )
        )
    elif job.results:
        _summary(view, job.results)


TABLE_LABELS = {name: spec.label for name, spec in TABLES.items()}


def table_label(name: str) -> str:
    """A lake table as ACE names its report ("Entry Summary Line Tariff Details")."""
    return TABLE_LABELS.get(name, name)


def plain(text: str) -> str:
    """`text` shown as it is inside Markdown (file names, values, reasons)."""
    return MARKDOWN.sub(r"\\\1", text)


def _summary(view: View, results: list[FileResult]) -> None:
    st.header("This load")
    rows = [
        {
            "file": r.file,
            "status": r.status,
            "tables": ", ".join(f"{table_label(t)} {n:,}" for t, n in r.tables.items()),
            "rows read": r.rows_read,
            "rows loaded": r.rows_loaded,
            "rows rejected": r.rows_rejected,
            "rows replaced": r.rows_replaced,
            "note": "; ".join(r.errors) or r.note,
        }
        for r in results
    ]
    loaded = pl.DataFrame(rows)
    dataframe(loaded, column_config=column_config(loaded))
    for r in results:
        if r.status == "failed":
            st.error(plain("; ".join(r.errors)))
        for reason, count in sorted(r.reasons.items(), key=lambda item: -item[1]):
            st.warning(plain(f"{r.file}: {count:,} × {reason}"))
    rejected = rejected_rows(view.lake, results)
    if not rejected.is_empty():
        st.markdown(f"**Rejected rows** ({rejected.height:,} problems): fix and load again.")
        shown = rejected.head(1000)
        dataframe(shown, column_config=column_config(shown))
        export_buttons(lambda: rejected, name="rejected-rows", formats=("csv",))


WATCH_HEADERS = {
    "file": "File",
    "status": "Status",
    "moved_to": "Moved to",
    "rows_loaded": "Rows loaded",
    "rows_rejected": "Rows rejected",
    "finished_at": "Finished (UTC)",
    "problem": "Note or first error",
}


def _watched(view: View) -> None:
    """The watched folder's latest results (`itrac watch`), when one is configured."""
    folder = settings.watch_dir()
    if folder is None:
        return
    st.header("Watched folder")
    st.caption(
        plain(
            f"`itrac watch` loads what appears in {folder.name}; "
            f"{counted(waiting(folder), 'file')} waiting. Each result file is beside its "
            "file in loaded/ or rejected/."
        )
    )
    results = recent_results(folder, view.principal)
    if results.is_empty():
        st.info(
            "No file from the watched folder has been loaded yet.", icon=":material/folder_open:"
        )
        return
    shown = results.rename(WATCH_HEADERS)
    dataframe(shown, column_config=column_config(shown))


def _ingested(view: View) -> None:
    st.header("Files loaded")
    st.caption(rollups.status(view.lake))
    files = ingested_files(view.lake, view.principal)
    if files.is_empty():
        st.info("Nothing loaded yet: upload an export above.", icon=":material/folder_open:")
        return
    shown = files
    if "tables" in files.columns:  # the reports' names, not the lake's
        names = pl.col("tables").str.split(", ").list.eval(pl.element().replace(TABLE_LABELS))
        shown = files.with_columns(names.list.join(", "))
    dataframe(shown, column_config=column_config(shown))


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
