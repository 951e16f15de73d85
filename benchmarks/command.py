"""`itrac bench`: the benchmark harness's command (benchmarks/ is in the checkout, not
installed: `data_access.cli` finds it beside data_access/ or in the working directory)."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.pages import PAGES
from data_access.filters import FilterError, Filters

HERE = Path(__file__).resolve().parent

SCOPES = ("importer", "cbp", "ingest", "session")
SINGLE_VALUED = ("start", "end", "hts")  # the other filter options take several values


def add_command(commands: argparse._SubParsersAction) -> None:
    from data_access.cli import FILTER_OPTIONS, lake_option, principal_option

    parser = commands.add_parser(
        "bench",
        help="benchmark the pages, ingest and a dashboard session (runs from the checkout)",
        description="Time every page's query set warm and cold for the largest importer's "
        "whole lake and for CBP's all-importer view, beside a hand-written DuckDB query "
        "and pandas over CSV (answers checked equal), and optionally ingest and a "
        "dashboard session's memory. One key=value line per measurement. Needs the "
        f"source checkout ({HERE}): benchmarks/ is not installed.",
    )
    lake_option(parser)
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
    parser.add_argument(
        "--pages",
        action="append",
        metavar="PAGE,PAGE",
        help=f"only these pages, comma-separated ({','.join(PAGES)})",
    )
    principal_option(
        parser,
        default=None,
        help_text="measure exactly this scope: who, as `itrac export --as` reads it (cbp, "
        "importer:<number>, broker:<filer code>, user:<id>), or `largest` (the lake's "
        "largest importer); with the filter options below. Default: the two page scopes",
    )
    for option, field in FILTER_OPTIONS.items():
        many = option not in SINGLE_VALUED  # `--country CN --country VN` or `--country CN,VN`
        parser.add_argument(
            f"--{option.replace('_', '-')}",
            dest=option,
            action="append" if many else "store",
            help=f"filter: {field} (as `itrac export`"
            + ("; repeatable or comma-separated" if many else "")
            + "); the period defaults to the lake's first to last entry date",
        )
    parser.add_argument(
        "--sessions",
        type=int,
        default=0,
        metavar="N",
        help="N concurrent dashboard sessions over Streamlit's websocket against the same "
        "loads one after another (p50/p95 per page load, totals, errors, server RSS)",
    )
    parser.add_argument("--cold", type=int, default=5, help="cold runs (fresh processes) per page")
    parser.add_argument("--repeat", type=int, default=10, help="warm runs per measurement")
    parser.add_argument(
        "--quick", action="store_true", help="few repeats, one cold run, small ingest file"
    )
    parser.add_argument(
        "--ingest-gb", type=float, default=5.0, help="size of the generated ES-003 CSV"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from benchmarks import harness
    from data_access.cli import UsageError, lake_of

    try:
        args.bench_scope = _given_scope(args)
    except (ValueError, FilterError) as error:
        raise UsageError(str(error)) from None
    try:
        return int(harness.main(lake_of(args), args))
    except ValueError as error:  # an unknown page name
        raise UsageError(str(error)) from None


def _given_scope(args: argparse.Namespace) -> tuple[object, Filters] | None:
    """(principal, filters) when `--as` or a filter option was given, else None."""
    from data_access.cli import FILTER_OPTIONS, export_principal

    raw = {FILTER_OPTIONS[k]: _joined(getattr(args, k, None)) for k in FILTER_OPTIONS}
    if args.principal is None and not any(raw.values()):
        return None
    text = args.principal or "cbp"
    principal = "largest" if text == "largest" else export_principal(text)
    return principal, Filters.parse(raw)


def _joined(value: object) -> object:
    """A repeated option's values as one comma-separated text (`Filters.parse` splits it):
    given twice, a filter option kept only its last value before."""
    return ",".join(value) if isinstance(value, list) else value
