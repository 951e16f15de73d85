"""The data's freshness and coverage, and the notice when there is no lake yet."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from data_access import lake


def coverage_note(where: Path) -> None:
    summary = lake.coverage(where)
    if not summary:
        return
    lines = summary["tables"]["entry_lines"]
    written = summary["written_at"].replace("T", " ")[:16]
    st.sidebar.caption(
        f"Data loaded {written} UTC · entries {lines['first']} to {lines['last']} · "
        f"{lines['rows']:,} lines"
    )


def require_lake(where: Path) -> None:
    if not lake.exists(where):
        st.warning(
            f"No data yet at `{where}`. Build the demo lake with `itrac demo --lake {where}` "
            "(make run does this), or load your ACE exports on the Data page."
        )
        st.stop()
