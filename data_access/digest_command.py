"""`itrac digest --lake LAKE --as WHO [--as-of DATE] [--out FILE] [--format html|json]`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from data_access import digest, settings
from data_access.access import Refused


def add_command(commands: argparse._SubParsersAction) -> None:
    from data_access.cli import lake_option, principal_option

    parser = commands.add_parser(
        "digest",
        help="one self-contained HTML page (or JSON) of what needs attention, for a mail",
        description=digest.__doc__.split("\n\n")[1],
    )
    lake_option(parser)
    principal_option(parser, default=None, required=True)
    parser.add_argument(
        "--as-of", type=_day, default=None, help="the day it is written for (default: today)"
    )
    parser.add_argument("--out", type=Path, help="output file (default: standard output)")
    parser.add_argument("--format", choices=("html", "json"), default="html")
    parser.add_argument(
        "--state",
        type=Path,
        help="what the last digest listed, read and then rewritten (default: FILE.state.json "
        "beside --out; none without --out: files of the last 7 days, every finding new)",
    )
    parser.set_defaults(run=run)


def _day(text: str):
    from data_access.cli import _day as day

    return day(text)


def run(args: argparse.Namespace) -> int:
    from data_access.cli import EXIT_FAILED, EXIT_OK, UsageError, existing_lake, export_principal

    try:
        principal = export_principal(args.principal)
        as_of = args.as_of or settings.today()
    except ValueError as error:
        raise UsageError(str(error)) from None
    where = existing_lake(args)
    if where is None:
        return EXIT_FAILED
    state = args.state or (args.out.with_name(args.out.name + ".state.json") if args.out else None)
    previous = _previous(state, principal.key)
    try:
        made = digest.build(where, principal, as_of=as_of, previous=previous)
    except Refused as error:
        print(f"itrac: refused: {error}", file=sys.stderr)
        return EXIT_FAILED
    text = (
        digest.html(made)
        if args.format == "html"
        else json.dumps(digest.as_json(made), indent=2, default=str)
    )
    if args.out:
        _write(args.out, text)
        print(f"digest for {made.principal} as of {as_of} -> {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text + "\n")
    if state:
        _write(state, json.dumps({"principal": principal.key, **digest.state(made)}, indent=2))
    return EXIT_OK


def _previous(state: Path | None, key: str) -> dict | None:
    """The last digest's state, when it was this principal's (another's is not theirs)."""
    if state is None or not state.exists():
        return None
    try:
        saved = json.loads(state.read_text())
    except ValueError:
        return None
    return saved if saved.get("principal") == key else None


def _write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
