"""Data: load ACE Reports exports and ITRAC Access databases, see what loaded and why not."""

from __future__ import annotations

import polars as pl
import streamlit as st

from data_access import rollups
from data_access.ingest.load import FileResult
from data_access.ingest.uploads import ingest_uploads, ingested_files, rejected_rows
from ui.data import View
from ui.widgets import export_buttons, intro

FILE_TYPES = ["csv", "txt", "xlsx", "mdb", "accdb"]
RESULTS_KEY = "data-ingest-results"


def render(view: View) -> None:
    intro(
        "Data",
        "Load the files you have (ACE Reports exports as CSV, TXT or Excel, and ITRAC "
        "Access databases): see what loaded, what was rejected and why, and every file "
        "loaded so far.",
    )
    _upload(view)
    results: list[FileResult] | None = st.session_state.get(RESULTS_KEY)
    if results:
        _summary(view, results)
    _ingested(view)


def _upload(view: View) -> None:
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
        key="data-uploads",
        help="ES-003 Line Tariff Details and the other ACE reports; several files at once. "
        "Where they overlap, the file listed last wins.",
    )
    if not st.button("Load files", type="primary", disabled=not uploads, key="data-load"):
        return
    bar = st.progress(0.0, text="Loading…")

    def progress(part: str, done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"Loading {part}…")

    files = [(u.name, u.getvalue()) for u in uploads or []]
    st.session_state[RESULTS_KEY] = ingest_uploads(view.lake, files, who, progress)
    bar.progress(1.0, text="Done")


def _summary(view: View, results: list[FileResult]) -> None:
    st.subheader("This load")
    rows = [
        {
            "file": r.file,
            "status": r.status,
            "tables": ", ".join(f"{t} {n:,}" for t, n in r.tables.items()),
            "rows read": r.rows_read,
            "rows loaded": r.rows_loaded,
            "rows rejected": r.rows_rejected,
            "rows replaced": r.rows_replaced,
            "note": "; ".join(r.errors) or r.note,
        }
        for r in results
    ]
    st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch")
    for r in results:
        if r.status == "failed":
            st.error(f"{r.file}: {'; '.join(r.errors)}")
        for reason, count in sorted(r.reasons.items(), key=lambda item: -item[1]):
            st.warning(f"{r.file}: {count:,} × {reason}")
    rejected = rejected_rows(view.lake, results)
    if not rejected.is_empty():
        st.markdown(f"**Rejected rows** ({rejected.height:,} problems): fix and load again.")
        st.dataframe(rejected.head(1000), hide_index=True, width="stretch")
        export_buttons(lambda: rejected, name="rejected-rows", formats=("csv",))


def _ingested(view: View) -> None:
    st.subheader("Files loaded")
    st.caption(rollups.status(view.lake))
    files = ingested_files(view.lake, view.principal)
    if files.is_empty():
        st.info("Nothing loaded yet: upload an export above.", icon="📂")
        return
    st.dataframe(files, hide_index=True, width="stretch")


if __name__ == "__main__":  # run by the legacy pages/ runner: go through the frame
    from ui.handoff import run_frame

    run_frame()
