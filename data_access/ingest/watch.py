"""`itrac watch DIR --lake LAKE [--as WHO] [--once] [--interval S]`: keep a lake current
from a folder ACE's scheduled reports (or a person) drop downloads into.

Every file that appears in DIR, once its size and modification time held still across
two polls (temp names such as *.part and Office's ~$ lock files are never touched), is
loaded by `ingest` (one lake transaction per file) and then moved to DIR/loaded/ or
DIR/rejected/ with `<name>.result.json` beside it: status, rows, and the errors with
file, row and column. One line per file goes to standard output.

Restarts: before loading a file the watcher writes a claim (DIR/.itrac-watch/claims/)
with the file's sha256. A kill before the lake's commit leaves the lake as it was and
the file in DIR: it is loaded again. A kill after the commit but before the move leaves
the claim and the file: the lake's manifest already records that sha256 as loaded during
the claim, so the file is moved with that record's counts and is not loaded again.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from data_access import lake
from data_access.access import Principal
from data_access.ingest import quarantine
from data_access.ingest.load import FileResult, ingest, sha256_of

STATE = ".itrac-watch"
LOADED, REJECTED = "loaded", "rejected"
RESULT_SUFFIX = ".result.json"
TEMP_PREFIXES = ("~$", ".", "~")
TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".filepart", "~")
ERRORS_KEPT = 200  # rejected rows listed in a result file (the rest are in the quarantine)
Observation = tuple[int, int]  # (size, mtime in ns)


def add_command(commands: argparse._SubParsersAction) -> None:
    from data_access.cli import lake_option, principal_option

    parser = commands.add_parser(
        "watch",
        help="load every file that appears in a folder (ACE scheduled reports), then move it",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument("folder", type=Path, metavar="DIR")
    lake_option(parser)
    principal_option(
        parser, help_text="who loads: cbp, importer:<number>, or user:<id> of the entitlements file"
    )
    parser.add_argument(
        "--once", action="store_true", help="load what is there and stop (for cron)"
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=5.0,
        help="seconds between polls (default 5); with --once, how long a file must hold "
        "still before it is loaded",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from data_access.cli import EXIT_FAILED, EXIT_OK, UsageError, export_principal, lake_of

    if not args.folder.is_dir():
        raise UsageError(f"no such folder: {args.folder}")
    if args.interval <= 0:
        raise UsageError("--interval must be more than 0 seconds")
    try:
        principal = export_principal(args.principal)
    except ValueError as error:
        raise UsageError(str(error)) from None
    watcher = Watcher(args.folder.resolve(), lake_of(args), principal)
    with watcher.locked() as free:
        if not free:
            print(f"itrac: another itrac watch is running on {watcher.folder}", file=sys.stderr)
            return EXIT_FAILED
        watcher.recover()
        if args.once:
            watcher.stable()
            time.sleep(args.interval)
            return EXIT_OK if watcher.process(watcher.stable()) else EXIT_FAILED
        log(f"watching {watcher.folder} every {args.interval:g}s, loading into {watcher.lake}")
        while True:
            watcher.process(watcher.stable())
            time.sleep(args.interval)


def log(text: str) -> None:
    print(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {text}", flush=True)


def is_temporary(name: str) -> bool:
    """A name browsers, copy tools or Office use while a file is still being written."""
    lower = name.lower()
    return lower.startswith(TEMP_PREFIXES) or lower.endswith(TEMP_SUFFIXES)


@dataclass
class Watcher:
    folder: Path
    lake: Path
    principal: Principal
    seen: dict[str, Observation] = field(default_factory=dict)

    @property
    def state(self) -> Path:
        return self.folder / STATE

    @property
    def claims(self) -> Path:
        return self.state / "claims"

    @contextmanager
    def locked(self) -> Iterator[bool]:
        """Hold the folder's lock (False: another watcher holds it). The kernel drops it
        when the process dies, however it dies."""
        self.claims.mkdir(parents=True, exist_ok=True)
        with (self.state / "lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True

    def recover(self) -> None:
        """Drop claims of files no longer in the folder (moved just before a kill)."""
        for claim in self.claims.glob("*.json"):
            if not (self.folder / claim.stem).exists():
                claim.unlink()

    def stable(self) -> list[Path]:
        """Files whose size and modification time are what the last poll saw, oldest
        first; the rest are remembered for the next poll."""
        now: dict[str, Observation] = {}
        for path in self.folder.iterdir():
            if is_temporary(path.name) or not path.is_file():
                continue
            info = path.stat()
            now[path.name] = (info.st_size, info.st_mtime_ns)
        ready = [name for name, seen in now.items() if self.seen.get(name) == seen]
        self.seen = now
        return sorted((self.folder / n for n in ready), key=lambda p: (now[p.name][1], p.name))

    def process(self, files: list[Path]) -> bool:
        """Load and move each file; False when one could not be handled (it stays)."""
        handled = True
        for path in files:
            try:
                self.one(path)
            except Exception as error:  # the lake or disk failed, not the file: retry later
                handled = False
                first = (str(error).strip().splitlines() or [type(error).__name__])[0]
                log(f"error {path.name}: {type(error).__name__}: {first[:300]}; left in place")
            self.seen.pop(path.name, None)
        return handled

    def one(self, path: Path) -> dict:
        sha = sha256_of(path)
        self.claims.mkdir(parents=True, exist_ok=True)
        claim = self.claims / f"{path.name}.json"
        earlier = _read_json(claim)
        if earlier.get("sha256") == sha and (row := self._committed(sha, earlier)):
            result = _from_manifest(row, path.name)
        else:
            started = datetime.now(UTC).isoformat(timespec="seconds")
            _write_json(claim, {"file": path.name, "sha256": sha, "started_at": started})
            [result] = ingest(self.lake, [path], principal=self.principal)
        report = self._report(result, path.name)
        target = _target(self.folder / report["moved_to"], path.name, sha)
        report["moved_to"] = f"{report['moved_to']}/{target.name}"
        _write_json(target.with_name(target.name + RESULT_SUFFIX), report)
        os.replace(path, target)
        claim.unlink(missing_ok=True)
        log(_line(report))
        return report

    def _committed(self, sha: str, claim: dict) -> dict | None:
        """The manifest row the lake committed for this content during the claim."""
        rows = lake.manifest(self.lake)
        if rows.is_empty() or "sha256" not in rows.columns:
            return None
        hits = rows.filter(
            (pl.col("sha256") == sha)
            & (pl.col("loaded_for") == self.principal.key)
            & (pl.col("loaded_at") >= claim.get("started_at", ""))
        )
        return hits.row(-1, named=True) if hits.height else None

    def _report(self, result: FileResult, name: str) -> dict:
        errors = [{"file": name, "row": None, "column": None, "reason": e} for e in result.errors]
        if result.rows_rejected and result.sha256:
            rejected = quarantine.read(self.lake, result.sha256).head(ERRORS_KEPT)
            errors += [
                {"file": name, "row": r["row"], "column": r["column"], "reason": r["reason"]}
                for r in rejected.select("row", "column", "reason").iter_rows(named=True)
            ]
        refused = result.status == "failed" or (result.rows_rejected and not result.rows_loaded)
        return {
            "file": name,
            "status": result.status,
            "moved_to": REJECTED if refused else LOADED,
            "sha256": result.sha256,
            "rows": {
                "read": result.rows_read,
                "loaded": result.rows_loaded,
                "rejected": result.rows_rejected,
                "replaced": result.rows_replaced,
            },
            "tables": result.tables,
            "note": result.note,
            "errors": errors,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "loaded_for": self.principal.key,
        }


def _from_manifest(row: dict, name: str) -> FileResult:
    """The result of a load the lake committed before a kill stopped the move."""
    counts = {k: int(row.get(k) or 0) for k in ("rows_read", "rows_loaded", "rows_rejected")}
    tables = [t for t in str(row.get("tables") or "").split(", ") if t]
    return FileResult(
        name,
        **counts,
        rows_replaced=int(row.get("rows_replaced") or 0),
        tables=dict.fromkeys(tables, 0),
        note="loaded before a restart (the lake had committed it); not loaded again",
        sha256=str(row["sha256"]),
    )


def _target(folder: Path, name: str, sha: str) -> Path:
    """Where the file goes: its own name, else name-2, name-3...; a result file left by
    a kill just before the move, for the same content, is taken over."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, 10_000):
        candidate = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        result = _read_json(candidate.with_name(candidate.name + RESULT_SUFFIX))
        if not candidate.exists() and (not result or result.get("sha256") == sha):
            return candidate
    raise RuntimeError(f"{folder} holds 10,000 files named like {name}")


def _line(report: dict) -> str:
    rows = report["rows"]
    text = f"{report['status']} {report['file']} -> {report['moved_to']}: "
    text += f"{rows['loaded']:,} of {rows['read']:,} rows loaded, {rows['rejected']:,} rejected"
    if report["status"] == "failed" and report["errors"]:
        text += f"; {report['errors'][0]['reason'][:300]}"
    elif report["note"]:
        text += f"; {report['note'][:300]}"
    return text


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, content: dict) -> None:
    """Write whole or not at all (a kill mid-write leaves the old file or none)."""
    partial = path.with_name(f".{path.name}.tmp")
    partial.write_text(json.dumps(content, indent=2, default=str))
    os.replace(partial, path)


RECENT_SCHEMA = {
    "file": pl.String,
    "status": pl.String,
    "moved_to": pl.String,
    "rows_loaded": pl.Int64,
    "rows_rejected": pl.Int64,
    "finished_at": pl.String,
    "problem": pl.String,
}


def recent_results(folder: Path, principal: Principal, limit: int = 50) -> pl.DataFrame:
    """The latest `limit` result files of a watched folder, newest first: those of loads
    made for `principal` (CBP: all), since a file's name is its loader's to see."""
    found = [p for where in (LOADED, REJECTED) for p in (folder / where).glob(f"*{RESULT_SUFFIX}")]
    found.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    rows = []
    for path in found:
        report = _read_json(path)
        if not report or (principal.role != "cbp" and report.get("loaded_for") != principal.key):
            continue
        counts = report.get("rows") or {}
        errors = report.get("errors") or []
        rows.append({
            "file": str(report.get("file", "")),
            "status": str(report.get("status", "")),
            "moved_to": str(report.get("moved_to", "")),
            "rows_loaded": int(counts.get("loaded") or 0),
            "rows_rejected": int(counts.get("rejected") or 0),
            "finished_at": str(report.get("finished_at", "")),
            "problem": str(errors[0]["reason"]) if errors else str(report.get("note") or ""),
        })  # fmt: skip
        if len(rows) == limit:
            break
    return pl.DataFrame(rows, schema=RECENT_SCHEMA)


def waiting(folder: Path) -> int:
    """How many files wait in the folder (not yet loaded, or still being written)."""
    return sum(1 for p in folder.iterdir() if p.is_file()) if folder.is_dir() else 0
