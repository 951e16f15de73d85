"""`itrac bench`: the benchmark harness (benchmarks/ in the checkout, not installed)."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

# benchmarks/ sits beside data_access/ in the checkout. `make` installs the package
# editable, so this file's grandparent is the checkout whatever the working directory;
# a regular install falls back to the working directory (run it from the checkout).
CHECKOUT = Path(__file__).resolve().parents[1]


def checkout() -> Path | None:
    """The source checkout holding benchmarks/harness.py, or None."""
    for root in (CHECKOUT, Path.cwd()):
        if (root / "benchmarks" / "harness.py").is_file():
            return root
    return None


SCOPES = ("importer", "cbp", "ingest", "session")
PAGES = ("overview", "entry_summary", "exams", "cargo_release", "bond", "reconciliation")


def add_command(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "bench",
        help="benchmark the pages, ingest and a dashboard session (runs from the checkout)",
        description="Time every page's query set warm and cold for the largest importer's "
        "whole lake and for CBP's all-importer view, beside a hand-written DuckDB query "
        "and pandas over CSV (answers checked equal), and optionally ingest and a "
        "dashboard session's memory. One key=value line per measurement. Needs the "
        f"source checkout ({CHECKOUT / 'benchmarks'}): benchmarks/ is not installed.",
    )
    parser.add_argument(
        "--lake", type=Path, default=None, help="lake directory (default: ITRAC_LAKE or data/lake)"
    )
    parser.add_argument(
        "--scope",
        action="append",
        choices=SCOPES,
        help="what to measure (repeatable; default: importer and cbp)",
    )
    parser.add_argument(
        "--page",
        action="append",
        choices=PAGES,
        help="only this page (repeatable; default: every page)",
    )
    parser.add_argument("--repeat", type=int, default=10, help="warm runs per measurement")
    parser.add_argument(
        "--quick", action="store_true", help="few repeats, one cold run, small ingest file"
    )
    parser.add_argument(
        "--ingest-gb", type=float, default=5.0, help="size of the generated ES-003 CSV"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from data_access.cli import EXIT_FAILED, lake_of

    root = checkout()
    if root is None:
        print(f"itrac: no benchmarks/ in {CHECKOUT}; run from the source checkout", file=sys.stderr)
        return EXIT_FAILED
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    harness = importlib.import_module("benchmarks.harness")
    return int(harness.main(lake_of(args), args))
