"""The `itrac` command: build a demo lake, ingest files, export reports, benchmark."""

from __future__ import annotations

import argparse
import importlib
import itertools
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from data_access import (
    audit_rules,
    entitlements,
    export,
    labels,
    lake,
    settings,
    tariff_layers,
    timeline,
)
from data_access.access import CBP, Principal, Refused
from data_access.engines import get_engine
from data_access.filters import FilterError, Filters

if TYPE_CHECKING:
    from data_access.reports import Report, Scope

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

FILTER_OPTIONS = {  # CLI option -> Filters field
    "start": "start",
    "end": "end",
    "importer": "importer_numbers",
    "filer": "filer_codes",
    "port": "ports",
    "country": "countries",
    "entry_type": "entry_types",
    "mode": "modes",
    "hts": "hts_prefix",
}


# Modules that add a subcommand through `add_command(subparsers)`; the rest live here.
COMMAND_MODULES: tuple[str, ...] = (
    "data_access.ingest.command",
    "data_access.ingest.watch",
    "data_access.digest_command",
    "data_access.check_command",
    "data_access.refunds_command",
)
EXIT_INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C
# `itrac bench` is benchmarks/command.py: benchmarks/ sits beside data_access/ in the
# checkout and is not installed. `make` installs the package editable, so this file's
# grandparent is the checkout whatever the working directory; a regular install falls
# back to the working directory (run it from the checkout).
CHECKOUT = Path(__file__).resolve().parents[1]
BENCH_COMMAND = Path("benchmarks") / "command.py"


class UsageError(Exception):
    """Bad arguments: exit 2 with the message."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    terminate_like_interrupt()
    try:
        return int(args.run(args))
    except UsageError as error:
        print(f"itrac: {error}", file=sys.stderr)
        return EXIT_USAGE
    except lake.LakeError as error:
        print(f"itrac: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(
            "itrac: interrupted; a lake being written holds its previous or its new state, "
            "never half of one",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


def terminate_like_interrupt() -> None:
    """SIGTERM (kill, systemd, docker stop) raises KeyboardInterrupt like Ctrl-C, so a
    write being built is cleaned up instead of left for the next writer to remove."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="itrac", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _add_demo(commands)
    _add_export(commands)
    _add_timeline(commands)
    _add_layers(commands)
    _add_audit(commands)
    for module in COMMAND_MODULES:
        importlib.import_module(module).add_command(commands)
    _add_bench(commands)
    return parser


def _add_bench(commands: argparse._SubParsersAction) -> None:
    """`itrac bench` from the checkout's benchmarks/, or a command saying where it is."""
    root = next((r for r in (CHECKOUT, Path.cwd()) if (r / BENCH_COMMAND).is_file()), None)
    if root is None:
        bench = commands.add_parser("bench", help="benchmark the pages (needs the checkout)")
        bench.set_defaults(run=_no_benchmarks)
        return
    if str(root) not in sys.path:
        sys.path.append(str(root))
    importlib.import_module("benchmarks.command").add_command(commands)


def _no_benchmarks(_args: argparse.Namespace) -> int:
    print(f"itrac: no benchmarks/ in {CHECKOUT}; run from the source checkout", file=sys.stderr)
    return EXIT_FAILED


# --- options the commands share ----------------------------------------------------------
PRINCIPAL_HELP = "cbp, importer:<number>, broker:<filer code> or user:<id> of the entitlements file"


def lake_option(parser: argparse.ArgumentParser) -> None:
    """`--lake DIR` as `args.lake` (`lake_of` reads it: default ITRAC_LAKE or data/lake)."""
    parser.add_argument(
        "--lake", type=Path, default=None, help="lake directory (default: ITRAC_LAKE or data/lake)"
    )


def principal_option(
    parser: argparse.ArgumentParser,
    *,
    default: str | None = "cbp",
    required: bool = False,
    help_text: str = PRINCIPAL_HELP,
) -> None:
    """`--as WHO` as `args.principal` (`export_principal` reads it)."""
    parser.add_argument(
        "--as", dest="principal", default=default, required=required, help=help_text
    )


def lake_of(args: argparse.Namespace) -> Path:
    return (args.lake or settings.lake_path()).resolve()


def existing_lake(args: argparse.Namespace) -> Path | None:
    """The lake `args` names, or None after saying how to build one (it does not exist)."""
    where = lake_of(args)
    if lake.exists(where):
        return where
    print(f"itrac: no lake at {where}; build one with `itrac demo --lake {where}`", file=sys.stderr)
    return None


# --- demo ------------------------------------------------------------------------------
def _add_demo(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="build a synthetic 5-year ITRAC lake")
    lake_option(demo)
    demo.add_argument("--lines", type=int, default=1_000_000, help="about how many entry lines")
    demo.add_argument("--seed", type=int, default=42, help="same seed, same rows")
    demo.add_argument(
        "--end",
        type=_day,
        default=None,
        help="last day of the data, YYYY-MM-DD (default: today); fixed, the lake is the same "
        "on every day it is built",
    )
    demo.add_argument(
        "--if-changed",
        action="store_true",
        help="keep the lake when it is already the demo of this seed, size and end; never "
        "replace a lake that holds other data",
    )
    demo.set_defaults(run=_demo)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day; write YYYY-MM-DD") from None


def _demo(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from data_access import synth

    if args.lines < 1000:
        raise UsageError("--lines must be at least 1000")
    where = lake_of(args)
    try:
        end = args.end or settings.today()
    except ValueError as error:
        raise UsageError(str(error)) from None
    if args.if_changed and lake.exists(where):
        built = _demo_built(where)
        if built is None:
            print(f"itrac: {where} holds data that is not a demo lake; left as it is")
            return EXIT_OK
        if built == (args.seed, args.lines, end.isoformat()):
            print(f"itrac: {where} is already the demo lake of seed {args.seed} up to {end}")
            return EXIT_OK
    with tqdm(total=args.lines, unit=" lines", unit_scale=True, desc="demo lake") as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        def rolled(done: int, total: int) -> None:  # the commit: rows of every table
            if not bar.desc.startswith(ROLLING):
                bar.reset(total=total)
                bar.unit = " rows"  # of lines, entry summaries and releases
                bar.set_description(ROLLING)
            bar.update(done - bar.n)

        rows = synth.build_demo_lake(
            where, lines=args.lines, seed=args.seed, end=end, progress=progress,
            plant_findings=True, rollup_progress=rolled,
        )  # fmt: skip
    for name, count in rows.items():
        print(f"{name}: {count:,} rows")
    return EXIT_OK


ROLLING = "demo lake: monthly rollups"


def _demo_built(where: Path) -> tuple[object, object, object] | None:
    """(seed, lines, end) of the demo lake at `where`; None when it holds other data."""
    rows = lake.manifest(where)
    if rows.is_empty() or set(rows.get_column("kind")) != {"demo"}:
        return None
    last = rows.row(-1, named=True)
    return last["seed"], last["lines"], last.get("end")  # no end: built before --end


# --- export ----------------------------------------------------------------------------
def _add_export(commands: argparse._SubParsersAction) -> None:
    out = commands.add_parser("export", help="write one report for one principal")
    out.add_argument("report", nargs="?", help="report name (see --list)")
    out.add_argument("--list", action="store_true", help="print the report names, one a line")
    lake_option(out)
    principal_option(
        out,
        help_text="cbp; importer:<number>; broker:<filer code> (every importer that filer "
        "filed for); or user:<id>, a user of the entitlements file (ITRAC_USERS, default "
        "config/demo_users.yaml) with exactly that user's limits, e.g. a broker's clients",
    )
    out.add_argument("--format", choices=export.FORMATS, default="csv")
    out.add_argument(
        "--headers",
        choices=export.HEADERS,
        default="stable",
        help="column names: stable storage names (entry_number, the default) or ACE's "
        "headers (Entry Summary Number)",
    )
    out.add_argument(
        "--out",
        type=Path,
        help="output file (default: standard output; xlsx and parquet need --out)",
    )
    for option in FILTER_OPTIONS:
        out.add_argument(
            f"--{option.replace('_', '-')}", dest=option, help=f"filter: {FILTER_OPTIONS[option]}"
        )
    out.set_defaults(run=_export)


def _export(args: argparse.Namespace) -> int:
    from data_access.reports import REPORTS, Scope

    if args.list:
        print("\n".join(sorted(REPORTS)))
        return EXIT_OK
    if not args.report:
        raise UsageError("name a report (itrac export --list shows them)")
    if args.report not in REPORTS:
        raise UsageError(f"no report {args.report!r}; itrac export --list shows the names")
    if args.format in ("xlsx", "parquet") and not args.out:
        raise UsageError(f"--format {args.format} needs --out FILE")
    try:
        principal = export_principal(args.principal) if args.principal else CBP
        filters = Filters.parse({FILTER_OPTIONS[k]: getattr(args, k) for k in FILTER_OPTIONS})
    except (ValueError, FilterError) as error:
        raise UsageError(str(error)) from None
    where = existing_lake(args)
    if where is None:
        return EXIT_FAILED
    scope = Scope(get_engine(where), principal, filters)
    try:
        rows = _export_rows(REPORTS, args, scope)
    except Refused as error:
        print(f"itrac: refused: {error}", file=sys.stderr)
        return EXIT_FAILED
    if args.out:
        print(f"{args.report}: {rows:,} rows -> {args.out}", file=sys.stderr)
    return EXIT_OK


def _export_rows(reports: Mapping[str, Report], args: argparse.Namespace, scope: Scope) -> int:
    """Write the report in batches (memory does not grow with rows), with a progress bar
    on a terminal; returns the rows written."""
    from tqdm import tqdm

    report = reports[args.report]
    batches = report.batches(scope, export.BATCH_ROWS)
    first = next(batches)  # the columns (and for a report that does not stream, its rows)
    counter = reports.get(f"{args.report}_count")
    total = int(counter(scope).item(0, "rows")) if counter and report.streams else first.height
    if args.format == "xlsx" and (reason := export.excel_refusal(total, first.width)):
        print(f"itrac: note: {reason} Writing the Excel file all the same.", file=sys.stderr)
    names = export.header_names(first.columns, args.headers, table=labels.report_table(report))
    with tqdm(total=total, unit=" rows", unit_scale=True, desc=args.report, disable=None) as bar:
        return export.write_batches(
            itertools.chain([first], batches),
            args.out or sys.stdout.buffer,
            args.format,
            headers=names,
            progress=lambda done: bar.update(done - bar.n),
        )


def export_principal(text: str) -> Principal:
    """The principal `--as` names: a user of the entitlements file (`user:<id>`, the
    principal the dashboard builds for them), or a role and its codes (`Principal.parse`).
    Raises ValueError (EntitlementError for users) with the message to show."""
    kind, _, identity = text.partition(":")
    if kind.strip().lower() != "user":
        try:
            return Principal.parse(text)
        except ValueError as error:
            if str(error).startswith("cannot read principal"):
                raise ValueError(f"{error}, or user:<id> of the entitlements file") from None
            raise
    if not identity.strip():
        raise ValueError("--as user: name a user, e.g. user:ops@fastbroker.example")
    where = settings.users_file()
    principal = entitlements.user_principal(where, identity)
    print(f"itrac: as {principal.name} ({principal.key}), from {where}", file=sys.stderr)
    return principal


# --- timeline, layers: check a YAML rules file ------------------------------------------
def add_check_command(
    commands: argparse._SubParsersAction,
    name: str,
    help_text: str,
    default: str,
    check: Callable[[Path | None], int],
) -> argparse.ArgumentParser:
    """`itrac NAME --check [FILE]`: validate a rules file (`default` says which by default)."""
    parser = commands.add_parser(name, help=help_text)
    parser.add_argument(
        "--check", type=Path, nargs="?", const=None, metavar="FILE",
        help=f"the YAML file (default: {default})",
    )  # fmt: skip
    parser.set_defaults(run=lambda args: check(args.check))
    return parser


def _add_timeline(commands: argparse._SubParsersAction) -> None:
    add_check_command(
        commands, "timeline", "check the transition phase table",
        "ITRAC_PHASES or config/transition_phases.yaml", timeline.check,
    )  # fmt: skip


def _add_layers(commands: argparse._SubParsersAction) -> None:
    add_check_command(
        commands, "layers", "check the Chapter 99 tariff layer registry",
        "ITRAC_LAYERS or config/tariff_layers.yaml", tariff_layers.check,
    )  # fmt: skip


def _add_audit(commands: argparse._SubParsersAction) -> None:
    add_check_command(
        commands, "audit", "check the audit rules (MPF limits, HMF modes, SPI eligibility)",
        "ITRAC_AUDIT_RULES or config/audit_rules.yaml", audit_rules.check,
    )  # fmt: skip


if __name__ == "__main__":
    # `python -m data_access.cli` runs this file as __main__; the subcommand modules raise
    # data_access.cli's UsageError, so run that module's main, which catches it.
    from data_access.cli import main as module_main

    sys.exit(module_main())
