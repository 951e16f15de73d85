"""Concurrent dashboard sessions (`itrac bench --sessions N`): page loads through
Streamlit's own websocket protocol, all at once and one after another.

A real `streamlit run dashboard.py` serves the lake (demo mode). Each session is a
websocket to `/_stcore/stream`, the connection a browser opens: the client sends the
`rerun_script` message a browser sends when it opens a page (the page's url path and the
URL's query: who to view as, the period, the filters) and waits for the run's
`script_finished`. It renders nothing and decodes only the message envelopes, so it takes
next to none of the cores the server runs on (its own CPU time is reported beside).

Every session has a scope of its own (a demo user and a filter set), so no session is
served another's cached results: the concurrent run does the same work as the serial
one. Both runs start on a fresh server (an empty result cache). An error is an exception
element in a page, a page Streamlit did not find, or a run that did not finish.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import resource
import time
import urllib.parse
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from benchmarks.common import ROOT, emit, percentiles
from benchmarks.session import _free_port, _memory_mib, _start

T = TypeVar("T")

PAGE_TIMEOUT_S = 900.0
PAGES = ("overview", "entry_summary", "tariff_layers")  # a session's loads by default


@dataclass(frozen=True)
class Load:
    """One session's page loads: `query` (the URL's query string) on each page."""

    session: int
    query: str
    pages: tuple[str, ...]


@dataclass
class Outcome:
    session: int
    page: str
    ms: float
    errors: list[str] = field(default_factory=list)


def loads(
    users: list[str], filter_sets: list[dict[str, list[str] | str]], pages: tuple[str, ...], n: int
) -> list[Load]:
    """`n` sessions, each a distinct (demo user, filter set): filter sets vary fastest."""
    pairs = itertools.islice(itertools.product(users, filter_sets), n)
    out = []
    for i, (user, filters) in enumerate(pairs):
        query = urllib.parse.urlencode(
            {"view_as": user, "period": "Last 5 years", **filters}, doseq=True
        )
        out.append(Load(i, query, pages))
    if len(out) < n:
        raise ValueError(f"only {len(out)} distinct scopes for {n} sessions")
    return out


async def _session(url: str, load: Load) -> list[Outcome]:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from websockets.asyncio.client import connect

    outcomes = []
    async with connect(url, subprotocols=["streamlit"], max_size=None, open_timeout=120) as ws:  # type: ignore[list-item]
        for page in load.pages:
            back = BackMsg()
            back.rerun_script.query_string = load.query
            back.rerun_script.page_name = page
            started = time.perf_counter()
            await ws.send(back.SerializeToString())
            errors = await _until_finished(ws, page)
            ms = (time.perf_counter() - started) * 1e3
            outcomes.append(Outcome(load.session, page, ms, errors))
    return outcomes


async def _until_finished(ws: object, page: str) -> list[str]:
    """Read the run's messages until its script finishes (a rerun it asks for included);
    the errors it showed."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    errors: list[str] = []
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(ws.recv(), PAGE_TIMEOUT_S))  # type: ignore[attr-defined]
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "exception":
                errors.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "page_not_found":
            errors.append(f"page not found: {page}")
        elif (
            kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
        ):
            if msg.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                errors.append(f"script finished with status {msg.script_finished}")
            return errors


async def _all(url: str, chosen: list[Load], concurrent: bool) -> list[Outcome]:
    if concurrent:
        done = await asyncio.gather(*(_session(url, load) for load in chosen))
        return [o for outcomes in done for o in outcomes]
    out = []
    for load in chosen:
        out += await _session(url, load)
    return out


@contextmanager
def _server(lake: Path, log: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    server = _start(lake, port, log)
    try:
        yield f"ws://127.0.0.1:{port}/_stcore/stream", server.pid
    finally:
        server.terminate()
        server.wait(timeout=60)


def _run(lake: Path, chosen: list[Load], mode: str, out: Callable[[str], None]) -> dict:
    with _server(lake, lake.parent / f"{lake.name}-sessions-{mode}.log") as (url, pid):
        warm_up = Load(-1, "", ("data",))
        _run_loop(_all(url, [warm_up], concurrent=False))  # imports, engine: not the loads'
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        outcomes = _run_loop(_all(url, chosen, concurrent=mode == "concurrent"))
        total_s = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        rss, peak = _memory_mib(pid)
    p50, p95 = percentiles([o.ms for o in outcomes])
    errors = [f"session {o.session} {o.page}: {e}" for o in outcomes for e in o.errors]
    client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
        cpu_before.ru_utime + cpu_before.ru_stime
    )
    line = {
        "bench": "sessions",
        "mode": mode,
        "sessions": len(chosen),
        "page_loads": len(outcomes),
        "p50_ms": p50,
        "p95_ms": p95,
        "total_s": total_s,  # printed to 3 decimals below: a small lake's totals are < 1 s
        "errors": len(errors),
        "client_cpu_s": client_cpu,
        "server_rss_mib": rss,
        "server_peak_rss_mib": peak,
        "load_1m": round(os.getloadavg()[0], 2),
    }
    emit({**line, "total_s": f"{total_s:.3f}"}, out)
    for error in errors[:20]:
        out(f"bench=sessions_error {error}")
    return line


def _run_loop(work: Coroutine[object, object, T]) -> T:
    """`work` on an event loop of its own thread: the caller's thread may have one running
    already (in `make test`, Playwright's sync API leaves one in the main thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def run_sessions(
    lake: Path,
    n: int,
    pages: tuple[str, ...],
    filter_sets: list[dict[str, list[str] | str]],
    users: list[str],
    out: Callable[[str], None] = print,
) -> list[dict]:
    """The same `n` sessions' page loads one after another, then all at once (each on a
    fresh server); a `bench=sessions mode=ratio` line compares the totals (target <= 1.5)."""
    chosen = loads(users, filter_sets, pages, n)
    serial = _run(lake, chosen, "serial", out)
    concurrent = _run(lake, chosen, "concurrent", out)
    ratio = concurrent["total_s"] / serial["total_s"]
    line = {
        "bench": "sessions",
        "mode": "ratio",
        "sessions": n,
        "total_ratio": f"{ratio:.2f}",
        "target": 1.5,
        "met": "yes" if ratio <= 1.5 and not (serial["errors"] or concurrent["errors"]) else "no",
    }
    return [serial, concurrent, emit(line, out)]


def demo_users() -> list[str]:
    """The demo users (config/demo_users.yaml), CBP first, as the "View as" box shows them
    (a query value names a widget's option as shown: ui.identity)."""
    from data_access.entitlements import load_users

    users = load_users(ROOT / "config" / "demo_users.yaml")
    return [f"{p.name} ({p.role})" for p in users.values()]


def filter_sets(lake: Path) -> list[dict[str, list[str] | str]]:
    """Filter sets a user sets from the filter bar (URL query keys of ui.filter_bar), on
    the lake's most common countries and ports: none, a country, two countries, a
    heading, a chapter and a country, a port and a country and a heading, a mode."""
    import polars as pl

    from data_access.access import CBP
    from data_access.engines import get_engine
    from data_access.reports import REPORTS, Scope

    options = REPORTS["overview.filter_options"](Scope(get_engine(lake, "duckdb"), CBP))

    def top(dimension: str, k: int) -> list[str]:
        """The `k` values with most lines, as the filter bar shows them (ui.filter_bar)."""
        rows = options.filter(pl.col("dimension") == dimension).sort("lines", descending=True)
        return [f"{r['code']} {r['description'] or ''}".strip() for r in rows.head(k).to_dicts()]

    countries, ports, modes = (
        top("country_of_origin", 2),
        top("port_of_entry", 1),
        top("mode_of_transport", 1),
    )
    return [
        {},
        {"country": countries[:1]},
        {"hts": "8471"},
        {"country": countries},
        {"hts": "85", "country": countries[:1]},
        {"port": ports, "country": countries[:1], "hts": "8471"},
        {"mode": modes},
    ]
