"""One cold render in a fresh process: `python -m benchmarks.cold` reads (lake, principal,
calls) pickled on stdin, opens the engine, runs the calls once and prints JSON:
`import_ms` (loading the project's modules) and `render_ms` (opening the engine over the
lake and running every query of the render)."""

from __future__ import annotations

import json
import pickle
import sys
import time


def main() -> None:
    started = time.perf_counter()
    from benchmarks import pages
    from data_access.engines import get_engine

    imported = time.perf_counter()
    lake, principal, calls = pickle.load(sys.stdin.buffer)
    pages.replay(get_engine(lake, "duckdb"), principal, calls)
    done = time.perf_counter()
    print(
        json.dumps({"import_ms": (imported - started) * 1e3, "render_ms": (done - imported) * 1e3})
    )


if __name__ == "__main__":
    main()
