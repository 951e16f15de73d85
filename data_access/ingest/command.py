"""`itrac ingest FILE... --lake DIR [--mapping M] [--json] [--as ROLE:ID]`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from data_access.access import Principal
from data_access.ingest import storage
from data_access.ingest.load import FileResult, ingest
from data_access.ingest.mapping import MappingError, load_mapping


def add_command(commands: argparse._SubParsersAction) -> None:
    from data_access.cli import lake_option, principal_option

    parser = commands.add_parser(
        "ingest",
        help="load ACE Reports exports (CSV, TXT, Excel) and ITRAC Access databases",
        description="Load extract files into the lake in one transaction. Files load oldest "
        "first (by modification time), so where exports overlap the newest one wins.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    lake_option(parser)
    parser.add_argument(
        "--mapping", type=Path, help="YAML file: 'Header in your file: lake_column' lines"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per file")
    principal_option(
        parser, help_text="who loads: cbp, or importer:<number> (loads only their own rows)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from data_access.cli import EXIT_FAILED, EXIT_OK, UsageError, lake_of

    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    try:
        principal = Principal.parse(args.principal)
        mapping = load_mapping(args.mapping)
    except (ValueError, MappingError) as error:
        raise UsageError(str(error)) from None
    files = sorted(args.files, key=lambda f: f.stat().st_mtime)
    where = lake_of(args)
    reading: list[str] = []  # the part the ingest was at, for a message when it stops
    try:
        results = _with_progress(where, files, principal, mapping, reading)
    except BaseException as error:  # one line, never a traceback (ITRAC_DEBUG=1 shows it)
        # BaseException: a panic in polars or calamine is one (pyo3's PanicException).
        if isinstance(error, KeyboardInterrupt | SystemExit) or os.environ.get("ITRAC_DEBUG"):
            raise
        print(stopped_message(error, where, reading[-1] if reading else None), file=sys.stderr)
        return EXIT_FAILED
    for result in results:
        if args.json:
            print(json.dumps(result.to_json()), flush=True)
        else:
            _print_summary(result)
    return EXIT_FAILED if any(r.status == "failed" for r in results) else EXIT_OK


def stopped_message(error: BaseException, where: Path, reading: str | None) -> str:
    """One line for an ingest that stopped: where, why, and that nothing was loaded."""
    at = f" while loading {reading}" if reading else ""
    cause = storage.problem(error)
    if cause:
        why = f"cannot write the lake at {where}: {cause}"
    else:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        why = f"{type(error).__name__}: {first[:300]}"
    return f"itrac: ingest stopped{at}: {why}. Nothing was loaded (the lake is as it was)."


def _with_progress(
    where: Path,
    files: list[Path],
    principal: Principal,
    mapping: dict[str, str],
    reading: list[str],
) -> list[FileResult]:
    from tqdm import tqdm

    sizes = {f.name: f.stat().st_size for f in files}
    with tqdm(
        total=sum(sizes.values()), unit="B", unit_scale=True, desc="ingest", file=sys.stderr
    ) as bar:
        finished: dict[str, int] = {}

        def progress(part: str, done: int, _total: int) -> None:
            reading[:] = [part]
            finished[part] = done
            bar.set_postfix_str(part, refresh=False)
            bar.update(sum(finished.values()) - bar.n)

        return ingest(where, files, principal=principal, mapping=mapping, progress=progress)


def _print_summary(result: FileResult) -> None:
    if result.status == "skipped":
        print(f"{result.file}: skipped: {result.note}")
        return
    if result.status != "loaded":
        for error in result.errors:
            print(f"{result.file}: {result.status}: {error}", file=sys.stderr)
        return
    tables = ", ".join(f"{name} {rows:,}" for name, rows in result.tables.items())
    print(
        f"{result.file}: loaded {result.rows_loaded:,} of {result.rows_read:,} rows "
        f"({tables}); rejected {result.rows_rejected:,}; replaced {result.rows_replaced:,}"
    )
    if result.note:
        print(f"  note: {result.note}")
    for reason, count in sorted(result.reasons.items(), key=lambda r: -r[1]):
        print(f"  {count:,} x {reason}")
    if result.rows_rejected:
        print("  rejected rows are in the lake's _quarantine (see the Data page)")
