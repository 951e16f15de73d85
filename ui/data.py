"""What a page is looking at (`View`), and the cached way to run a report for it.

Results are cached across sessions, so the key holds everything that decides the rows:
the lake snapshot, the engine, the principal and the filters. One session's rows never
reach another principal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
import streamlit as st

from data_access import lake
from data_access.access import Principal
from data_access.engines import get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope


@dataclass(frozen=True)
class View:
    lake: Path
    engine: str
    principal: Principal
    filters: Filters


def run(view: View, report_name: str, **options: object) -> pl.DataFrame:
    """The rows of report `report_name` for this view (served from cache when unchanged)."""
    return _cached_report(
        str(view.lake),
        lake.generation(view.lake),
        view.engine,
        view.principal,
        view.filters,
        report_name,
        tuple(sorted(options.items())),
    )


def held_by(view: View) -> pl.DataFrame:
    """What the lake holds for this principal, per table (no filters; empty: no lake)."""
    if not lake.exists(view.lake):
        return pl.DataFrame(schema={"table": pl.String, "rows": pl.Int64})
    return run(replace(view, filters=Filters()), "overview.holdings")


@st.cache_data(max_entries=2000, show_spinner=False)
def _cached_report(
    lake_dir: str,
    generation: str,
    engine: str,
    principal: Principal,
    filters: Filters,
    report_name: str,
    options: tuple[tuple[str, object], ...],
) -> pl.DataFrame:
    del generation  # part of the cache key only: a new snapshot means new answers
    scope = Scope(get_engine(Path(lake_dir), engine), principal, filters)
    return REPORTS[report_name](scope, **dict(options))
