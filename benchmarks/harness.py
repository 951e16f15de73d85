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
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from benchmarks import extract, pages, pandas_answers, questions
from benchmarks.common import ROOT, emit, percentiles
from data_access import lake as lake_files
from data_access.access import CBP, Principal
from data_access.engines import get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope

TARGET_MS = {"importer": 300.0, "cbp": 1500.0}
COLD_TARGET_MS = 3000.0


@dataclass(frozen=True)
class BenchScope:
    """Who (principal) asks about what (filters); `name` is "importer", "cbp" (the two
    default scopes, also answered by pandas) or "filtered" (`itrac bench --as ... --hts
    ...`: exactly the scope given, the floor only)."""

    name: str
    principal: Principal
    filters: Filters
    importer: str | None = None  # the default importer scope's number (its CSV extract)

    @property
    def start(self) -> date | None:
        return self.filters.start

    @property
    def end(self) -> date | None:
        return self.filters.end

    @property
    def with_pandas(self) -> bool:
        return self.name in TARGET_MS

    @property
    def target_ms(self) -> float:
        return TARGET_MS["cbp" if self.principal.role == "cbp" else "importer"]

    def as_dict(self, as_of: date) -> dict:
        return {
            "importer": self.importer,
            "start": self.start,
            "end": self.end,
            "as_of": as_of,
            "principal": self.principal,
            "filters": self.filters,
        }

    def described(self) -> dict:
        """The scope as key=value fields of a page line (filters without spaces)."""
        query = {
            k: ",".join(v) if isinstance(v, list) else v for k, v in self.filters.to_query().items()
        }
        return {"as": self.principal.key.replace("|", "/"), **query}


def lake_span(lake: Path) -> tuple[date, date]:
    cover = lake_files.coverage(lake)["tables"]["entry_lines"]
    return date.fromisoformat(cover["first"]), date.fromisoformat(cover["last"])


def largest_importer(lake: Path) -> str:
    top = REPORTS["overview.importers"](Scope(get_engine(lake, "duckdb"), CBP))
    return str(top.get_column("importer_number")[0])


def bench_scopes(lake: Path, names: tuple[str, ...]) -> list[BenchScope]:
    """The lake's whole date range, for its largest importer and for CBP."""
    start, end = lake_span(lake)
    span = Filters(start=start, end=end)
    out = []
    for name in names:
        if name == "importer":
            number = largest_importer(lake)
            out.append(BenchScope(name, Principal.parse(f"importer:{number}"), span, number))
        else:
            out.append(BenchScope(name, CBP, span))
    return out


def filtered_scope(lake: Path, principal: Principal | str, filters: Filters) -> BenchScope:
    """Exactly the scope given (`principal` "largest" is the lake's largest importer by
    entries); the period defaults to the lake's whole date range, as the default scopes."""
    if principal == "largest":
        principal = Principal.parse(f"importer:{largest_importer(lake)}")
    elif isinstance(principal, str):
        principal = Principal.parse(principal)
    start, end = lake_span(lake)
    filters = replace(filters, start=filters.start or start, end=filters.end or end)
    return BenchScope("filtered", principal, filters)


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1e3)
    return samples, result


def run_pages(
    lake: Path,
    scope_names: tuple[str, ...] = ("importer", "cbp"),
    *,
    repeat: int = 10,
    cold_repeat: int = 5,
    pandas_repeat: int = 1,
    page_names: tuple[str, ...] = pages.PAGES,
    out: Callable[[str], None] = print,
    scopes: list[BenchScope] | None = None,
) -> list[dict]:
    """Every page of `page_names` in each scope (`scopes`, or the named default ones)."""
    lake = lake.resolve()
    as_of = date.today()
    lines: list[dict] = []
    for scope in scopes if scopes is not None else bench_scopes(lake, scope_names):
        engine = get_engine(lake, "duckdb")
        report_scope = Scope(engine, scope.principal, scope.filters)
        filters = scope.filters.to_query()
        for page in page_names:
            calls = pages.record(lake, page, scope.principal, filters)
            floor = _questions(lake, scope, page, report_scope, as_of, repeat, pandas_repeat, out)
            lines += floor
            who = scope.principal
            took: dict[pages.Call, list[float]] = {}
            warm, _ = timed(
                lambda c=calls, e=engine, p=who, t=took: pages.replay(e, p, c, t), repeat
            )
            cold = _cold(lake, scope, calls, cold_repeat) if cold_repeat else []
            calls_timed = _call_lines(page, scope, took, out)
            lines += calls_timed
            lines += _page_lines(page, scope, calls, warm, cold, floor, out, calls_timed)
    return lines


def _call_lines(
    page: str, scope: BenchScope, took: dict[pages.Call, list[float]], out: Callable[[str], None]
) -> list[dict]:
    """One `bench=call` line per recorded call of the warm replays, in the page's order:
    where a page's time goes (most calls have no floor of their own)."""
    lines = []
    for call, samples in took.items():
        p50, p95 = percentiles(samples)
        options = ",".join(f"{k}:{v}" for k, v in call.options).replace(" ", "_") or "-"
        filtered = "yes" if call.filters != Filters() else "no"
        line = {"bench": "call", "page": page, "scope": scope.name, "report": call.report,
                "options": options, "filtered": filtered, "n": len(samples), "p50_ms": p50,
                "p95_ms": p95}  # fmt: skip
        lines.append(emit(line, out))
    return lines


def _cold(lake: Path, scope: BenchScope, calls: list[pages.Call], repeat: int) -> list[dict]:
    payload = pickle.dumps((lake, scope.principal, calls))
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
    calls_timed: list[dict],
) -> list[dict]:
    project = sum(q["p50_ms"] for q in floor)
    floor_ms = sum(q["floor_p50_ms"] for q in floor)
    twins = [q for q in floor if q["pandas_ms"] != "na"]
    pandas_ms = sum(q["pandas_ms"] for q in twins)
    project_twins = sum(q["p50_ms"] for q in twins)
    common = {"bench": "page", "page": page, "scope": scope.name, "queries": len(calls)}
    if scope.name == "filtered":
        common |= scope.described()
    p50, p95 = percentiles(warm)
    warm_line = common | {
        "kind": "warm",
        "n": len(warm),
        "p50_ms": p50,
        "p95_ms": p95,
        "floor_ms": round(floor_ms, 1) if floor else "na",
        "ratio_to_floor": round(project / floor_ms, 2) if floor_ms else "na",
        "ratio_to_pandas": round(pandas_ms / project_twins, 1) if twins else "na",
        "target_ms": scope.target_ms,
        "met": "yes" if p95 <= scope.target_ms else "no",
        "load_1m": round(os.getloadavg()[0], 2),
    }
    if calls_timed:
        slowest = max(calls_timed, key=lambda c: c["p50_ms"])
        warm_line |= {"slowest": slowest["report"], "slowest_p50_ms": slowest["p50_ms"]}
    lines = [emit(warm_line, out)]
    if cold:  # none asked for: the unit tests skip the fresh processes
        c50, c95 = percentiles([c["render_ms"] for c in cold])
        cold_line = common | {
            "kind": "cold",
            "n": len(cold),
            "p50_ms": c50,
            "p95_ms": c95,
            "import_ms": percentiles([c["import_ms"] for c in cold])[0],
            "floor_ms": "na",
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
    asked = [
        q
        for q in questions.questions(as_of)
        if q.page == page and all(map(scope.principal.can_see, REPORTS[q.report].tables))
    ]  # a broker's bond page asks nothing of bonds
    if not asked:
        return []
    values = scope.as_dict(as_of)
    theirs = _pandas(lake, scope, asked, values, pandas_repeat) if scope.with_pandas else {}
    pandas_share = theirs.pop("_share", "na")
    lines = []
    with duckdb.connect(config={"threads": os.cpu_count() or 2}) as con:
        for question in asked:
            sql, params = question.sql(lake, values)
            ours_ms, floor_ms, ours, floor = interleaved(
                lambda q=question: REPORTS[q.report](report_scope, **q.options),
                lambda s=sql, p=params: con.sql(s, params=p).pl(),
                repeat,
            )
            questions.check(question, ours, floor, "the DuckDB floor")
            if question.report in theirs:
                questions.check(question, ours, theirs[question.report], "pandas over CSV")
            p50, p95 = percentiles(ours_ms)
            f50 = percentiles(floor_ms)[0]
            share = pandas_share if question.report in theirs else "na"
            line = {
                "bench": "question",
                "page": page,
                "scope": scope.name,
                "report": question.report,
                "rows": ours.height,
                "p50_ms": p50,
                "p95_ms": p95,
                "floor_p50_ms": f50,
                "pandas_ms": share,
                "ratio_to_floor": round(p50 / f50, 2),
                "ratio_to_pandas": round(share / p50, 1) if share != "na" else "na",
                "equal": "yes",
            }
            lines.append(emit(line, out))
    return lines


def check_floors(
    lake: Path, scope: BenchScope, *, repeat: int = 1, out: Callable[[str], None] = print
) -> list[dict]:
    """Every page's questions in `scope`, answered by the project and by the floor, timed
    and checked equal (`questions.Mismatch` if not); no page render, no pandas."""
    report_scope = Scope(get_engine(lake.resolve(), "duckdb"), scope.principal, scope.filters)
    return [
        line
        for page in pages.PAGES
        for line in _questions(lake.resolve(), scope, page, report_scope, date.today(), repeat,
                               0, out)
    ]  # fmt: skip


def interleaved(
    ours: Callable[[], pl.DataFrame], floor: Callable[[], pl.DataFrame], repeat: int
) -> tuple[list[float], list[float], pl.DataFrame, pl.DataFrame]:
    """Both timed `repeat` times in turns, so a change of load hits them alike."""
    ours_ms, floor_ms = [], []
    ours_frame = floor_frame = pl.DataFrame()
    for _ in range(repeat):
        samples, ours_frame = timed(ours, 1)
        ours_ms += samples
        samples, floor_frame = timed(floor, 1)
        floor_ms += samples
    return ours_ms, floor_ms, ours_frame, floor_frame  # type: ignore[return-value]


def _pandas(
    lake: Path, scope: BenchScope, asked: list, values: dict, repeat: int
) -> dict[str, object]:
    """pandas' answers to the questions that have a pandas twin, and `_share`: the time of
    reading the page's CSV columns and answering, per question (one read serves the page)."""
    twins = [q for q in asked if q.pandas is not None]
    if not twins:
        return {}
    tables = sorted({t for q in twins for t in q.tables})
    csvs = {t: extract.csv_extract(lake, t, scope.name, scope.importer) for t in tables}

    def with_pandas() -> list[pl.DataFrame]:
        frames = {t: pandas_answers.read(p, t, pandas_answers.COLUMNS[t]) for t, p in csvs.items()}
        return [pl.from_pandas(q.pandas(frames, values)) for q in twins]

    samples, frames = timed(with_pandas, repeat)
    answers: dict[str, object] = {q.report: f for q, f in zip(twins, frames, strict=True)}
    answers["_share"] = percentiles(samples)[0] / len(twins)
    return answers


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
    page_names = chosen_pages(args)
    if int(getattr(args, "sessions", 0) or 0):  # `--sessions N`: the concurrency figures
        from benchmarks import sessions

        n = int(args.sessions)  # type: ignore[attr-defined]
        given = getattr(args, "pages", None) or getattr(args, "page", None)
        loads = page_names if given else sessions.PAGES
        sessions.run_sessions(lake, n, loads, sessions.filter_sets(lake), sessions.demo_users())
        return 0
    cold_repeat = 1 if quick else int(getattr(args, "cold", 5))
    given = getattr(args, "bench_scope", None)
    if given is not None:  # `--as` or a filter option: exactly that scope, every page asked
        principal, filters = given
        scope = filtered_scope(lake, principal, filters)
        run_pages(lake, repeat=repeat, cold_repeat=cold_repeat, page_names=page_names,
                  scopes=[scope])  # fmt: skip
        return 0
    page_scopes = tuple(s for s in chosen if s in TARGET_MS)
    if page_scopes:
        run_pages(lake, page_scopes, repeat=repeat, cold_repeat=cold_repeat, page_names=page_names)
    if "ingest" in chosen:
        from benchmarks import ingest

        size = 0.02 if quick else float(getattr(args, "ingest_gb", 5.0))
        ingest.run_ingest(lake.parent / f"{lake.name}-ingest", size, out=print)
    if "session" in chosen:
        from benchmarks import session

        session.run_session(lake, out=print)
    return 0


def chosen_pages(args: object) -> tuple[str, ...]:
    """`--pages a,b` and `--page a` (repeatable) together; every page when neither."""
    names = list(getattr(args, "page", None) or [])
    for text in getattr(args, "pages", None) or []:
        names += [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(pages.PAGES))
    if unknown:
        raise ValueError(f"no page {unknown[0]!r}; pages: {', '.join(pages.PAGES)}")
    return tuple(dict.fromkeys(names)) or pages.PAGES


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
