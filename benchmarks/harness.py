"""The page benchmark: each page's query set, warm and cold, beside the DuckDB floor and
pandas over CSV, for one large importer's 5 years and CBP's all-importer view.

`run_pages(lake, ...)` prints one `key=value` line per measurement and returns them as
dicts. Lines (`bench=` says which kind):

- `bench=page kind=warm`: the page's whole query set run again and again in this process
  (engine open, file cache warm, no result cache): p50_ms, p95_ms; ratio_to_floor and
  ratio_to_pandas over the page's benchmark questions.
- `bench=page kind=cold`: the same set in a fresh process per measurement (engine opened
  there): p50_ms, p95_ms of opening the engine and running the set; import_ms beside.
- `bench=question`: one question answered by the project, the floor and pandas, all
  three checked equal (a mismatch raises `questions.Mismatch`).
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from benchmarks import extract, pages, pandas_answers, questions
from data_access import lake as lake_files
from data_access.access import CBP, Principal
from data_access.engine import get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope

ROOT = Path(__file__).resolve().parents[1]  # the checkout: `python -m benchmarks.cold` runs here
TARGET_MS = {"importer": 300.0, "cbp": 1500.0}
COLD_TARGET_MS = 3000.0


@dataclass(frozen=True)
class BenchScope:
    name: str  # "importer" or "cbp"
    principal: Principal
    start: date
    end: date
    importer: str | None

    @property
    def principal_text(self) -> str:
        return f"importer:{self.importer}" if self.importer else "cbp"

    @property
    def filters(self) -> Filters:
        return Filters(start=self.start, end=self.end)

    def as_dict(self, as_of: date) -> dict:
        return {"importer": self.importer, "start": self.start, "end": self.end, "as_of": as_of}


def bench_scopes(lake: Path, names: tuple[str, ...]) -> list[BenchScope]:
    """The lake's whole date range, for its largest importer and for CBP."""
    cover = lake_files.coverage(lake)["tables"]["entry_lines"]
    start, end = date.fromisoformat(cover["first"]), date.fromisoformat(cover["last"])
    out = []
    for name in names:
        if name == "importer":
            top = REPORTS["overview.importers"](Scope(get_engine(lake, "duckdb"), CBP))
            number = top.get_column("importer_number")[0]
            out.append(BenchScope(name, Principal.parse(f"importer:{number}"), start, end, number))
        else:
            out.append(BenchScope(name, CBP, start, end, None))
    return out


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return ordered[len(ordered) // 2], p95


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1e3)
    return samples, result


def emit(line: dict, out: Callable[[str], None]) -> dict:
    def show(v: object) -> str:
        return f"{v:.1f}" if isinstance(v, float) else str(v)

    out(" ".join(f"{k}={show(v)}" for k, v in line.items()))
    return line


def run_pages(
    lake: Path,
    scope_names: tuple[str, ...] = ("importer", "cbp"),
    *,
    repeat: int = 10,
    cold_repeat: int = 5,
    pandas_repeat: int = 1,
    page_names: tuple[str, ...] = pages.PAGES,
    out: Callable[[str], None] = print,
) -> list[dict]:
    lake = lake.resolve()
    as_of = date.today()
    lines: list[dict] = []
    for scope in bench_scopes(lake, scope_names):
        engine = get_engine(lake, "duckdb")
        report_scope = Scope(engine, scope.principal, scope.filters)
        filters = {"start": scope.start.isoformat(), "end": scope.end.isoformat()}
        for page in page_names:
            calls = pages.record(lake, page, scope.principal_text, filters)
            floor = _questions(lake, scope, page, report_scope, as_of, repeat, pandas_repeat, out)
            lines += floor
            warm, _ = timed(lambda c=calls, s=report_scope: _render(s, c), repeat)
            cold = _cold(lake, scope, calls, cold_repeat)
            lines += _page_lines(page, scope, calls, warm, cold, floor, out)
    return lines


def _render(scope: Scope, calls: list[pages.Call]) -> None:
    for name, options in calls:
        REPORTS[name](scope, **dict(options))


def _cold(lake: Path, scope: BenchScope, calls: list[pages.Call], repeat: int) -> list[dict]:
    payload = pickle.dumps((lake, scope.principal, scope.filters, calls))
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.cold"],
            input=payload,
            capture_output=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
        )
        runs.append(json.loads(done.stdout.decode().strip().splitlines()[-1]))
    return runs


def _page_lines(
    page: str,
    scope: BenchScope,
    calls: list[pages.Call],
    warm: list[float],
    cold: list[dict],
    floor: list[dict],
    out: Callable[[str], None],
) -> list[dict]:
    project = sum(q["p50_ms"] for q in floor)
    floor_ms = sum(q["floor_p50_ms"] for q in floor)
    pandas_ms = sum(q["pandas_ms"] for q in floor)
    common = {"bench": "page", "page": page, "scope": scope.name, "queries": len(calls)}
    p50, p95 = percentiles(warm)
    warm_line = common | {
        "kind": "warm",
        "n": len(warm),
        "p50_ms": p50,
        "p95_ms": p95,
        "ratio_to_floor": round(project / floor_ms, 2) if floor_ms else "na",
        "ratio_to_pandas": round(pandas_ms / project, 1) if project else "na",
        "target_ms": TARGET_MS[scope.name],
        "met": "yes" if p95 <= TARGET_MS[scope.name] else "no",
    }
    lines = [emit(warm_line, out)]
    if cold:  # none asked for: the unit tests skip the fresh processes
        c50, c95 = percentiles([c["render_ms"] for c in cold])
        cold_line = common | {
            "kind": "cold",
            "n": len(cold),
            "p50_ms": c50,
            "p95_ms": c95,
            "import_ms": percentiles([c["import_ms"] for c in cold])[0],
            "ratio_to_floor": "na",
            "ratio_to_pandas": "na",
            "target_ms": COLD_TARGET_MS,
            "met": "yes" if c95 <= COLD_TARGET_MS else "no",
        }
        lines.append(emit(cold_line, out))
    return lines


def _questions(
    lake: Path,
    scope: BenchScope,
    page: str,
    report_scope: Scope,
    as_of: date,
    repeat: int,
    pandas_repeat: int,
    out: Callable[[str], None],
) -> list[dict]:
    """The page's questions three ways, timed and checked equal."""
    asked = [q for q in questions.questions(as_of) if q.page == page]
    if not asked:
        return []
    values = scope.as_dict(as_of)
    tables = sorted({t for q in asked for t in q.tables})
    csvs = {t: extract.csv_extract(lake, t, scope.name, scope.importer) for t in tables}

    def with_pandas() -> list[pl.DataFrame]:
        frames = {t: pandas_answers.read(p, t, pandas_answers.COLUMNS[t]) for t, p in csvs.items()}
        return [pl.from_pandas(q.pandas(frames, values)) for q in asked]

    pandas_samples, pandas_frames = timed(with_pandas, pandas_repeat)
    pandas_share = percentiles(pandas_samples)[0] / len(asked)  # one read serves the page
    lines = []
    with duckdb.connect(config={"threads": os.cpu_count() or 2}) as con:
        for question, theirs in zip(asked, pandas_frames, strict=True):
            sql, params = question.sql(lake, values)
            ours_ms, ours = timed(
                lambda q=question: REPORTS[q.report](report_scope, **q.options), repeat
            )
            floor_ms, floor = timed(lambda s=sql, p=params: con.sql(s, params=p).pl(), repeat)
            questions.check(question, ours, floor, "the DuckDB floor")
            questions.check(question, ours, theirs, "pandas over CSV")
            p50, p95 = percentiles(ours_ms)
            f50 = percentiles(floor_ms)[0]
            line = {
                "bench": "question",
                "page": page,
                "scope": scope.name,
                "report": question.report,
                "rows": ours.height,
                "p50_ms": p50,
                "p95_ms": p95,
                "floor_p50_ms": f50,
                "pandas_ms": pandas_share,
                "ratio_to_floor": round(p50 / f50, 2),
                "ratio_to_pandas": round(pandas_share / p50, 1),
                "equal": "yes",
            }
            lines.append(emit(line, out))
    return lines


def main(lake: Path, args: object) -> int:
    """`itrac bench`: the scopes asked for (default the two page scopes), lines to stdout."""
    chosen = tuple(getattr(args, "scope", None) or ("importer", "cbp"))
    quick = bool(getattr(args, "quick", False))
    repeat = 3 if quick else int(getattr(args, "repeat", 10))
    if not lake_files.exists(lake):
        print(
            f"itrac: no lake at {lake}; build one with `itrac demo --lake {lake}`", file=sys.stderr
        )
        return 1
    emit(_machine(), print)
    page_scopes = tuple(s for s in chosen if s in TARGET_MS)
    if page_scopes:
        run_pages(
            lake,
            page_scopes,
            repeat=repeat,
            cold_repeat=1 if quick else 5,
            page_names=tuple(getattr(args, "page", None) or pages.PAGES),
        )
    if "ingest" in chosen:
        from benchmarks import ingest

        size = 0.02 if quick else float(getattr(args, "ingest_gb", 5.0))
        ingest.run_ingest(lake.parent / f"{lake.name}-ingest", size, out=print)
    if "session" in chosen:
        from benchmarks import session

        session.run_session(lake, out=print)
    return 0


def _machine() -> dict:
    cpu = "unknown"
    for text in Path("/proc/cpuinfo").read_text().splitlines():
        if text.startswith("model name"):
            cpu = text.split(":", 1)[1].strip().replace(" ", "_")
            break
    memory = Path("/proc/meminfo").read_text().split()[1]
    load = os.getloadavg()[0]
    return {
        "bench": "machine",
        "nproc": os.cpu_count(),
        "ram_gib": round(int(memory) / 2**20, 1),
        "cpu": cpu,
        "load_1m": round(load, 2),
    }
