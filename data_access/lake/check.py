"""Whether a lake is whole: what readers check before serving numbers, and `itrac check`.

Three depths:

- `structural` (readers, once per snapshot, milliseconds): `_current` names a snapshot
  that exists, every top-level link is there (readers recreate a missing one), the
  coverage summary and the rollups' sources parse, and every file the snapshot recorded
  exists with its recorded size and no other file has appeared.
- `verify` (`itrac check`, and the dashboard once per snapshot in a background thread):
  the above plus every file's SHA-256 against the one recorded at commit.
- `rollup_agreement` (`itrac check`): the rollups' totals per year equal the lines'.

A reader never serves numbers from a lake with a known problem (`require_intact` raises
`LakeDamaged`). Each problem names its file and the command or step that fixes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb

from data_access import integrity
from data_access.lake import layout, rollups
from data_access.schema import TABLES

DERIVED = (
    f"{layout.ROLLUPS_DIR}/",
    f"{layout.MANIFEST}/{layout.COVERAGE_FILE}",
    integrity.CHECKSUMS,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lake: where (relative to the lake), what, and the fix."""

    where: str
    what: str
    fix: str

    def line(self) -> str:
        return f"{self.where}: {self.what}. Fix: {self.fix}"

    @property
    def repairable(self) -> bool:
        """Whether `itrac check --repair` fixes it (links and files derived from the lines)."""
        return "--repair" in self.fix


class LakeDamaged(layout.LakeError):
    """The lake has problems: no numbers are served from it."""

    def __init__(
        self, where: Path, problems: list[Problem], consequence: str = "no figures are served"
    ) -> None:
        self.lake = where
        self.problems = problems
        lines = "\n".join(f"  {p.line()}" for p in problems)
        super().__init__(f"the lake at {where} is damaged, {consequence}:\n{lines}")


def repair_fix(where: Path, what: str) -> str:
    return f"`itrac check --lake {where} --repair` {what}"


def restore_fix(where: Path) -> str:
    return (
        f"restore {where} from a backup, or rebuild it: `itrac demo --lake {where}` for the "
        "demo data, or load your extract files into a new lake with "
        "`itrac ingest FILE... --lake NEW_DIR`"
    )


# --- the cheap check -------------------------------------------------------------------
def structural(where: Path, *, repair_links: bool = False) -> list[Problem]:
    """What a reader checks when it opens a snapshot (stats and two small JSON files)."""
    if not layout.exists(where):
        return []
    snapshot = layout.generation(where)
    root = where / layout.SNAPSHOTS / snapshot
    if not root.is_dir():
        return [_missing_snapshot(where, snapshot)]
    if repair_links:
        with contextlib.suppress(OSError, layout.LakeError):  # read-only: reported below
            layout.ensure_links(where)
    found = [*_link_problems(where), *_json_problems(where, root), *_file_problems(where, root)]
    return _one_per_file(found)


def _one_per_file(problems: list[Problem]) -> list[Problem]:
    """The first problem found for each file (one line each)."""
    seen: set[str] = set()
    return [p for p in problems if not (p.where in seen or seen.add(p.where))]


def _missing_snapshot(where: Path, snapshot: str) -> Problem:
    others = [s for s in snapshots(where) if s != snapshot]
    fix = (
        repair_fix(where, "points it back at the newest intact snapshot (that write is lost)")
        if others
        else restore_fix(where)
    )
    what = f"names the snapshot {layout.SNAPSHOTS}/{snapshot}, which is missing"
    return Problem(layout.CURRENT, what, fix)


def snapshots(where: Path) -> list[str]:
    """The snapshot ids under `_snapshots/`, newest first."""
    folder = where / layout.SNAPSHOTS
    if not folder.is_dir():
        return []
    return sorted((p.name for p in folder.iterdir() if p.is_dir()), reverse=True)


def _link_problems(where: Path) -> list[Problem]:
    problems = []
    for name in (*TABLES, *layout.SPECIAL_DIRS):
        entry = where / name
        target = f"{layout.CURRENT}/{name}"
        if not entry.is_symlink() or os.readlink(entry) != target:
            what = "is missing" if not entry.is_symlink() else "points elsewhere"
            fix = repair_fix(where, "recreates it")
            problems.append(Problem(name, f"the link to {target} {what}", fix))
    return problems


def _json_problems(where: Path, root: Path) -> list[Problem]:
    problems = []
    checks = (
        (f"{layout.MANIFEST}/{layout.COVERAGE_FILE}", ("written_at", "tables"), True),
        (f"{rollups.ROLLUPS_DIR}/{rollups.SOURCES}", ("version", "files"), False),
    )
    for relative, keys, required in checks:
        path = root / relative
        if not path.exists():
            if required:
                fix = repair_fix(where, "rebuilds it from the lines")
                problems.append(Problem(relative, "is missing", fix))
            continue
        try:
            content = json.loads(path.read_text())
            missing = [k for k in keys if k not in content]
        except (OSError, ValueError, TypeError) as error:
            missing, reason = keys, f"does not parse ({error})"
        else:
            reason = f"lacks {', '.join(missing)}"
        if missing:
            fix = repair_fix(where, "rebuilds it from the lines")
            problems.append(Problem(relative, reason, fix))
    return problems


def _file_problems(
    where: Path, root: Path, *, hashed: bool = False, legacy: bool = False
) -> list[Problem]:
    """Recorded files missing, resized or (`hashed`) changed, and files never recorded;
    `legacy`: also say that a lake written before checksums has none."""
    recorded = integrity.read(root)
    if recorded is None:
        return _no_checksums(where, root, legacy=legacy)
    present = set(integrity.files_of(root))
    problems = []
    for relative, (size, digest) in sorted(recorded.items()):
        what = _file_problem(root / relative, relative in present, size, digest, hashed=hashed)
        if what:
            problems.append(Problem(relative, what, _fix_for(where, relative)))
    for relative in sorted(present - set(recorded)):
        what = "is not one of the files its snapshot recorded (added after the commit)"
        problems.append(Problem(relative, what, f"move it out of {where}"))
    return problems


def _file_problem(path: Path, present: bool, size: int, digest: str, *, hashed: bool) -> str:
    if not present:
        return "is missing"
    actual = path.stat().st_size
    if actual != size:
        return f"is {actual:,} bytes, {size:,} when written (truncated or overwritten)"
    if hashed and integrity.digest(path) != digest:
        return f"content differs from its recorded {integrity.ALGORITHM} (bit rot or an edit)"
    return ""


def _no_checksums(where: Path, root: Path, *, legacy: bool) -> list[Problem]:
    relative = integrity.CHECKSUMS
    declared = _declares_checksums(root)
    if (root / relative).exists() or declared:
        what = "does not parse" if (root / relative).exists() else "is missing"
        fix = repair_fix(where, "records them anew (trusting the files as they are now)")
        return [Problem(relative, what, fix)]
    if legacy:  # a lake written before checksums were recorded: only `itrac check` says so
        fix = repair_fix(where, "records them (trusting the files as they are now)")
        return [Problem(relative, "is missing: this lake was written before checksums", fix)]
    return []


def _declares_checksums(root: Path) -> bool:
    try:
        content = json.loads((root / layout.MANIFEST / layout.COVERAGE_FILE).read_text())
        return bool(content.get("checksums"))
    except (OSError, ValueError, AttributeError):
        return True  # an unreadable summary is reported itself; be strict meanwhile


def _fix_for(where: Path, relative: str) -> str:
    if relative.startswith(DERIVED):
        return repair_fix(where, "rebuilds it from the lines")
    return restore_fix(where)


# --- the full check --------------------------------------------------------------------
def verify(where: Path) -> list[Problem]:
    """`structural` plus every file's checksum (reads every byte of the snapshot)."""
    problems = structural(where)
    if not layout.exists(where) or any(p.where == layout.CURRENT for p in problems):
        return problems
    root = where / layout.SNAPSHOTS / layout.generation(where)
    listed = {p.where for p in problems}
    found = _file_problems(where, root, hashed=True, legacy=True)
    hashed = [p for p in found if p.where not in listed]
    return [*problems, *hashed]


def snapshot_problems(where: Path, root: Path) -> list[Problem]:
    """The summaries and every file's checksum of one snapshot, current or not."""
    found = [*_json_problems(where, root), *_file_problems(where, root, hashed=True, legacy=True)]
    return _one_per_file(found)


def rollup_agreement(where: Path) -> list[Problem]:
    """The additive totals of each rollup per year against the same totals of its table;
    or, where the rollups are out of date (an older build's, or not of these lines), that."""
    if not rollups.usable(where):  # the pages read the lines: nothing can disagree with them
        if not rollups.out_of_date(where):
            return []
        what = (
            "the rollups are out of date (another version's, or not built from these lines): "
            "the pages read the lines, with the same answers, more slowly"
        )
        fix = repair_fix(where, "rebuilds them from the lines")
        return [Problem(f"{rollups.ROLLUPS_DIR}/{rollups.SOURCES}", what, fix)]
    con = duckdb.connect()
    problems = []
    try:
        for name, rollup in rollups.ROLLUPS.items():
            if rollup.kind != rollups.SUMS or not layout.table_files(where, rollup.source):
                continue  # entry keys and entries by countries are checksummed, not summed
            columns = [c for c, m in rollup.measures.items() if not m.distinct]
            lines = _line_totals(con, layout.table_glob(where, rollup.source), rollup)
            rolled = _totals(con, rollups.rollup_glob(where, name), columns)
            for year in sorted(set(lines) | set(rolled)):
                problems += _disagreements(where, name, year, columns, lines, rolled)
    finally:
        con.close()
    return problems


def _line_totals(con: duckdb.DuckDBPyConnection, glob: str, rollup: rollups.Rollup) -> dict:
    """{year: additive measures} of the rollup's table, from the measures' own definitions."""
    files = layout.hive_scan("$glob", union_by_name=True)
    present = rollups.columns_of(con, files, {"glob": glob})
    query = rollups.compiled(rollup.year_totals(present), files)
    return {row[0]: row[1:] for row in con.execute(query, {"glob": glob}).fetchall()}


def _totals(con: duckdb.DuckDBPyConnection, glob: str, columns: list[str]) -> dict[int, tuple]:
    """{year: the sums of `columns`} of a rollup's files."""
    select = [f"sum({c}) AS {c}" for c in columns]
    rows = con.execute(
        f"SELECT year, {', '.join(select)} FROM "
        f"{layout.hive_scan('$glob', union_by_name=True)} GROUP BY year",
        {"glob": glob},
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def _disagreements(
    where: Path, name: str, year: int, columns: list[str], lines: dict, rolled: dict
) -> list[Problem]:
    ours, theirs = lines.get(year), rolled.get(year)
    relative = str(layout.year_folder(Path(rollups.ROLLUPS_DIR) / name, year))
    source = rollups.ROLLUPS[name].source
    fix = repair_fix(where, f"rebuilds it from {source} (once its damaged files are restored)")
    if ours is None or theirs is None:
        what = f"exists only in the {'rollup' if ours is None else source}"
        return [Problem(relative, f"year {year} {what}", fix)]
    return [
        Problem(relative, f"{column} is {b} in the rollup and {a} in {source}", fix)
        for column, a, b in zip(columns, ours, theirs, strict=True)
        if a != b
    ]


# --- what readers ask ------------------------------------------------------------------
_known: dict[tuple[Path, str], list[Problem]] = {}
_known_lock = threading.Lock()
_verifying: dict[tuple[Path, str], threading.Thread] = {}


def known_problems(where: Path, *, verify_in_background: bool = False) -> list[Problem]:
    """The problems known for `where`'s current snapshot: the structural check the first
    time a snapshot is seen, plus what the background verification found so far."""
    key = (where, layout.generation(where))
    with _known_lock:
        found = _known.get(key)
        start = found is None and verify_in_background
        if found is None:
            found = _known[key] = structural(where, repair_links=True)
        start = start and not found and layout.exists(where)
        problems = list(found)
    if start:
        thread = threading.Thread(target=_verify_into, args=(where, key), daemon=True)
        _verifying[key] = thread
        thread.start()
    return problems


def wait_for_verification(where: Path, timeout: float | None = None) -> None:
    """Wait until the background verification of `where`'s current snapshot has ended."""
    thread = _verifying.get((where, layout.generation(where)))
    if thread is not None:
        thread.join(timeout)


def require_intact(where: Path) -> None:
    """Raise `LakeDamaged` when the lake's current snapshot has a known problem."""
    problems = known_problems(where)
    if problems:
        raise LakeDamaged(where, problems)


def _verify_into(where: Path, key: tuple[Path, str]) -> None:
    """Hash the snapshot's files once (hashlib releases the GIL: renders go on)."""
    root = where / layout.SNAPSHOTS / key[1]
    try:
        found = _file_problems(where, root, hashed=True)
    except OSError:  # the snapshot went away (a newer one replaced it): nothing to report
        return
    with _known_lock:
        listed = {p.where for p in _known.get(key, [])}
        _known.setdefault(key, []).extend(p for p in found if p.where not in listed)
