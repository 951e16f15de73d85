"""The data's freshness and coverage, and the notices when there is no lake yet or the
lake is damaged."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import streamlit as st

from data_access import lake
from data_access.lake import check as lake_check
from ui import labels
from ui.data import View, held_by


def coverage_note(view: View) -> None:
    """Freshness and coverage of the data this principal may see, in the sidebar."""
    held = held_by(view).filter(pl.col("table") == "entry_lines")
    if held.is_empty():
        return
    lines = held.row(0, named=True)
    written = lake.coverage(view.lake)["written_at"].replace("T", " ")[:16]
    span = f"entries {lines['first']} to {lines['last']} · " if lines["rows"] else ""
    rows = f"{lines['rows']:,} {labels.TARIFF_ROWS.lower()}"  # Chapter 99 rows included
    st.sidebar.caption(f"Data loaded {written} UTC · {span}{rows}", help=labels.TARIFF_ROWS_HELP)


def require_lake(where: Path) -> None:
    if not lake.exists(where):
        st.warning(
            f"No data yet at `{where}`. Build the demo lake with `itrac demo --lake {where}` "
            "(make run does this), or load your ACE exports on the Data page."
        )
        st.stop()


def require_intact_lake(where: Path) -> None:
    """Stop the page with one message when the lake has a known problem: no figures from
    a damaged lake. Checked once per snapshot (cheap), then verified in the background."""
    problems = lake_check.known_problems(where, verify_in_background=True)
    if not problems:
        return
    shown = "\n".join(
        f"- `{p.where}` {p.what}. {p.fix[:1].upper()}{p.fix[1:]}." for p in problems[:5]
    )
    more = f"\n- and {len(problems) - 5} more" if len(problems) > 5 else ""
    st.error(
        f"The data lake at `{where}` is damaged, so no figures are shown.\n\n{shown}{more}\n\n"
        f"Run `itrac check --lake {where}` for the full list; "
        f"`itrac check --lake {where} --repair` fixes what can be fixed safely.",
        icon=":material/dangerous:",
    )
    st.stop()
