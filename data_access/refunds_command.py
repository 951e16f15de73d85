"""`itrac refunds` (rule check, deadline alerts) and `itrac cape` (CAPE declaration files).

    itrac refunds --check [FILE]
    itrac refunds --as-of DATE --within DAYS [--as WHO] [--out F.csv]   what is due soon
    itrac cape --as WHO [--importer N] [--as-of DATE] --out DIR          declaration files

Both read the report `refunds.by_entry` for the principal `--as` names, so an importer
sees its own entries, a broker those it filed, CBP all.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from data_access import cape, export, refund_routes, settings
from data_access.access import CBP, Refused
from data_access.engines import get_engine
from data_access.filters import Filters

ALERT_COLUMNS = {
    "entry_number": "Entry Summary Number",
    "importer_number": "Importer Number",
    "filer_code": "Filer Code",
    "entry_date": "Entry Date",
    "ieepa_duty": "IEEPA Duty Amount",
    "route_name": "Refund Route",
    "deadline": "Deadline",
    "days_left": "Days Left",
    "next_step": "If Nothing Is Done",
}


def add_command(commands: argparse._SubParsersAction) -> None:
    _add_refunds(commands)
    _add_cape(commands)


def _common(parser: argparse.ArgumentParser) -> None:
    from data_access.cli import _day, lake_option, principal_option

    lake_option(parser)
    principal_option(parser)
    parser.add_argument(
        "--as-of", type=_day, default=None, help="the day to judge on, YYYY-MM-DD (default: today)"
    )


def _add_refunds(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "refunds",
        help="IEEPA refund deadlines due soon, or --check the refund rules",
        description="With --check: validate config/refund_routes.yaml. Otherwise: the entries "
        "whose refund route closes within --within days of --as-of (for a weekly cron job); "
        "exit 0 with nothing due.",
    )
    parser.add_argument(
        "--check",
        type=Path,
        nargs="?",
        const=refund_routes.default_path(),
        default=None,
        metavar="FILE",
        help="validate the rules file (default: ITRAC_REFUNDS or config/refund_routes.yaml)",
    )
    _common(parser)
    parser.add_argument("--within", type=int, default=30, help="days ahead (default 30)")
    parser.add_argument("--out", type=Path, help="write CSV here instead of printing")
    parser.set_defaults(run=_refunds)


def _add_cape(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "cape",
        help="write CAPE Declaration files of one importer's eligible entries",
        description="One CSV per 9,999 entries, one column 'Entry Number', named for the "
        "importer and its number in the batch.",
    )
    _common(parser)
    parser.add_argument("--importer", help="the importer number (needed if you see several)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the files")
    parser.set_defaults(run=_cape)


def _by_entry(args: argparse.Namespace) -> pl.DataFrame | None:
    """refunds.by_entry for the principal and day of `args`; None after printing why not."""
    from data_access.cli import UsageError, existing_lake, export_principal
    from data_access.reports import REPORTS, Scope

    try:
        principal = export_principal(args.principal) if args.principal else CBP
    except ValueError as error:
        raise UsageError(str(error)) from None
    where = existing_lake(args)
    if where is None:
        return None
    scope = Scope(get_engine(where), principal, Filters())
    try:
        return REPORTS["refunds.by_entry"](scope, as_of=_as_of(args))
    except Refused as error:
        print(f"itrac: refused: {error}", file=sys.stderr)
        return None


def _as_of(args: argparse.Namespace) -> date:
    return args.as_of or settings.today()


def _refunds(args: argparse.Namespace) -> int:
    from data_access.cli import EXIT_FAILED, EXIT_OK, UsageError

    if args.check is not None:
        return refund_routes.check(args.check)
    if args.within < 0:
        raise UsageError("--within: give a number of days, 0 or more")
    frame = _by_entry(args)
    if frame is None:
        return EXIT_FAILED
    as_of = _as_of(args)
    last = as_of + timedelta(days=args.within)
    due = frame.filter(pl.col("deadline").is_between(as_of, last)).sort("deadline", "entry_number")
    if due.is_empty():
        print(f"No IEEPA refund deadline falls between {as_of} and {last}.")
        return EXIT_OK
    table = due.select(list(ALERT_COLUMNS)).rename(ALERT_COLUMNS)
    duty = due.get_column("ieepa_duty").sum()
    print(
        f"{due.height:,} entries, ${duty:,.2f} of IEEPA duty: refund deadline between "
        f"{as_of} and {last}",
        file=sys.stderr if args.out is None else sys.stdout,
    )
    export.write(table, args.out or sys.stdout.buffer, "csv")
    return EXIT_OK


def _cape(args: argparse.Namespace) -> int:
    from data_access.cli import EXIT_FAILED, EXIT_OK

    frame = _by_entry(args)
    if frame is None:
        return EXIT_FAILED
    rules = refund_routes.load()
    try:
        found = cape.declarations(frame, rules, args.importer)
    except cape.CapeError as error:
        print(f"itrac: {error}", file=sys.stderr)
        return EXIT_FAILED
    if not found:
        print(f"No CAPE-eligible entries as of {_as_of(args)}: no file written.")
        return EXIT_OK
    for declaration, path in zip(found, cape.write(found, args.out, rules), strict=True):
        print(
            f"{path}: {len(declaration.entries):,} entries, "
            f"${declaration.ieepa_duty:,.2f} of IEEPA duty"
        )
    return EXIT_OK
