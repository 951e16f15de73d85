"""The data's freshness and coverage, and the notice when there is no lake yet."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from data_access import lake
from ui.data import View, held_by


def coverage_note(view: View) -> None:
    """Freshness and coverage of the data this principal may see, in the sidebar."""
    held = held_by(view).filter(pl.col("table") == "entry_lines")
    if held.is_empty():
        return
    lines = held.row(0, named=True)
    written = lake.coverage(view.lake)["written_at"].replace("T", " ")[:16]
    span = f"entries {lines['first']} to {lines['last']} · " if lines["rows"] else ""
    st.sidebar.caption(f"Data loaded {written} UTC · {span}{lines['rows']:,} lines")


def require_lake(where: Path) -> None:
    if not lake.exists(where):
        st.warning(
            f"No data yet at `{where}`. Build the demo lake with `itrac demo --lake {where}` "
            "(make run does this), or load your ACE exports on the Data page."
        )
        st.stop()
