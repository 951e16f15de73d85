"""`itrac check --lake DIR [--repair]`: verify every file's checksum and the rollups.

Exit 0 and one summary line when the lake is whole; else exit 1 and one line per problem,
each naming the file and the fix. `--repair` does what is safe: points `_current` back at
the newest intact snapshot when the one it names is missing, recreates missing links and
rebuilds what derives from the lines (rollups, coverage, checksums) in a new snapshot.
It never touches the lines themselves: a damaged line file needs its data restored.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from data_access import integrity, lake
from data_access.lake import check as lake_check
from data_access.lake import rollups


def add_command(commands: argparse._SubParsersAction) -> None:
    from data_access.cli import lake_option

    parser = commands.add_parser(
        "check",
        help="verify the lake: every file's checksum, the links, the rollups against the lines",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lake_option(parser)
    parser.add_argument("--repair", action="store_true", help="fix what can be fixed safely")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from data_access.cli import EXIT_FAILED, EXIT_OK, lake_of

    where = lake_of(args)
    if not lake.exists(where):
        print(f"itrac check: no lake at {where}", file=sys.stderr)
        return EXIT_FAILED
    if args.repair:
        for action in repair(where):
            print(f"itrac check: repaired: {action}")
    started = time.perf_counter()
    problems = check(where)
    seconds = time.perf_counter() - started
    for problem in problems:
        print(f"itrac check: {where}/{problem.line()}", file=sys.stderr)
    if problems:
        return EXIT_FAILED
    root = where / lake.SNAPSHOTS / lake.generation(where)
    sizes = sum(size for size, _ in (integrity.read(root) or {}).values())
    print(
        f"{where}: intact (snapshot {lake.generation(where)}: {sizes / 2**20:,.1f} MiB "
        f"verified in {seconds:.1f} s; the rollups agree with the lines)"
    )
    return EXIT_OK


def check(where: Path) -> list[lake_check.Problem]:
    """Every problem of the lake, checksums and rollup totals included."""
    problems = lake_check.verify(where)
    if problems:  # totals over damaged files would only repeat the damage
        return problems
    return lake_check.rollup_agreement(where)


def repair(where: Path) -> list[str]:
    """Fix what can be fixed without the lines' source files; returns what was done."""
    actions = []
    snapshot = lake.generation(where)
    if not (where / lake.SNAPSHOTS / snapshot).is_dir():
        target = _newest_intact(where, snapshot)
        if target is None:
            return actions
        lake.point_current_at(where, target)
        actions.append(
            f"{lake.CURRENT} named the missing snapshot {snapshot}; it now names {target}, "
            "the newest intact one (the write that made the missing one is lost)"
        )
    links = (*lake.TABLES, *lake.SPECIAL_DIRS)
    missing = [p.where for p in lake_check.structural(where) if p.where in links]
    if missing:
        lake.ensure_links(where)
        actions.append(f"recreated the links {', '.join(missing)}")
    problems = check(where)
    if problems and all(p.repairable for p in problems):
        _rebuild_derived(where)
        actions.append("rebuilt the rollups, the coverage summary and the checksums")
    return actions


def _newest_intact(where: Path, missing: str) -> str | None:
    for candidate in lake_check.snapshots(where):
        root = where / lake.SNAPSHOTS / candidate
        intact = integrity.read(root) is not None and not lake_check.snapshot_problems(where, root)
        if candidate != missing and intact:
            return candidate
    return None


def _rebuild_derived(where: Path) -> None:
    with lake.transaction(where, check=False) as tx:
        shutil.rmtree(tx.path(rollups.ROLLUPS_DIR))  # unlinks only: the last snapshot keeps its own
        tx.path(rollups.ROLLUPS_DIR).mkdir()
