"""One cold render in a fresh process: `python -m benchmarks.cold` reads (lake, principal,
filters, calls) pickled on stdin, opens the engine, runs the calls once and prints JSON:
`import_ms` (loading the project's modules) and `render_ms` (opening the engine over the
lake and running every query of the render)."""

from __future__ import annotations

import json
import pickle
import sys
import time


def main() -> None:
    started = time.perf_counter()
    from data_access.engines import get_engine
    from data_access.reports import REPORTS, Scope

    imported = time.perf_counter()
    lake, principal, filters, calls = pickle.load(sys.stdin.buffer)
    scope = Scope(get_engine(lake, "duckdb"), principal, filters)
    for name, options in calls:
        REPORTS[name](scope, **dict(options))
    done = time.perf_counter()
    print(
        json.dumps({"import_ms": (imported - started) * 1e3, "render_ms": (done - imported) * 1e3})
    )


if __name__ == "__main__":
    main()
