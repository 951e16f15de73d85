"""Which reports one render of each page runs: recorded, not copied by hand.

Each page's `render(view)` runs headless under Streamlit's AppTest with `ui.data`'s cached
runner swapped for a recorder, so the query set follows the pages as they change. The
recorder answers every call straight from the report (no result cache) and notes
(report name, options, filters): the filters the page asked it under, which are not
always the view's (`ui.data.held_by` asks `overview.holdings` without any), so a replay
runs each call with its own. A call a render repeats is counted once, as the cache would.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import NamedTuple

import polars as pl

from data_access.access import Principal
from data_access.engines import Engine
from data_access.filters import Filters

PAGES = (
    "overview",
    "entry_summary",
    "exams",
    "cargo_release",
    "bond",
    "reconciliation",
    "tariff_layers",
    "refunds",
    "audit",
)


class Call(NamedTuple):
    """One report a render asks for: its name, its options and the filters it ran under."""

    report: str
    options: tuple[tuple[str, object], ...]
    filters: Filters


_calls: list[Call] = []
_lock = threading.Lock()


def _recording_runner(
    lake_dir: str,
    generation: str,
    engine: str,
    principal: Principal,
    filters: Filters,
    report_name: str,
    options: tuple[tuple[str, object], ...],
):
    from data_access.engines import get_engine
    from data_access.reports import REPORTS, Scope

    call = Call(report_name, options, filters)
    with _lock:
        if call not in _calls:
            _calls.append(call)
    scope = Scope(get_engine(Path(lake_dir), engine), principal, filters)
    return REPORTS[report_name](scope, **dict(options))


def _page_script(lake_dir: str, page: str, principal: object, filters: dict) -> None:
    import importlib
    from pathlib import Path

    from data_access.access import Principal
    from data_access.filters import Filters
    from ui.data import View

    who = principal if isinstance(principal, Principal) else Principal.parse(str(principal))
    view = View(Path(lake_dir), "duckdb", who, Filters.parse(filters))
    importlib.import_module(f"pages.{page}").render(view)


def record(lake: Path, page: str, principal: str | Principal, filters: dict) -> list[Call]:
    """The distinct (report, options, filters) calls of one render of `page` (its default tab),
    signed in as `principal` (text as `Principal.parse` reads it, or a Principal) under
    `filters` (as `Filters.parse` reads them)."""
    from streamlit.testing.v1 import AppTest

    import ui.data

    original = ui.data._cached_report
    ui.data._cached_report = _recording_runner  # type: ignore[assignment]
    _calls.clear()
    try:
        at = AppTest.from_function(
            _page_script, args=(str(lake), page, principal, filters), default_timeout=600
        )
        at.run()
        if at.exception:
            raise RuntimeError(f"page {page} failed to render: {at.exception}")
        return list(_calls)
    finally:
        ui.data._cached_report = original


def replay(
    engine: Engine,
    principal: Principal,
    calls: list[Call],
    took: dict[Call, list[float]] | None = None,
) -> list[pl.DataFrame]:
    """Every recorded call's rows, run once straight through the reports (no result cache),
    each under the filters it was recorded with; each call's milliseconds appended to
    `took[call]` when given."""
    from data_access.reports import REPORTS, Scope

    forget_results()
    frames = []
    for call in calls:
        started = time.perf_counter()
        frames.append(
            REPORTS[call.report](Scope(engine, principal, call.filters), **dict(call.options))
        )
        if took is not None:
            took.setdefault(call, []).append((time.perf_counter() - started) * 1e3)
    return frames


def forget_results() -> None:
    """Drop the results a report keeps in this process (the audit's findings, computed once
    per scope and shared by its summary, page and count), so each replay computes them as a
    first render does, not as a second one."""
    from data_access.reports.audit import _every_finding

    _every_finding.cache_clear()
