"""The lake on disk: layout, atomic snapshots, the manifest and the coverage summary.

Layout (the contract readers rely on)::

    <lake>/<table>/year=YYYY/*.parquet      zstd, sorted by importer then date per file
    <lake>/_manifest/  _quarantine/  _rollups/

Every top-level name is a symlink into ``_current``, itself a symlink to one immutable
snapshot under ``_snapshots/``. A write builds a new snapshot (unchanged files are hard
links, so this is cheap) and commits by swapping ``_current`` with one atomic rename: a
failed or killed write leaves the previous lake exactly as it was, and readers never see
half a write. Readers address files only through ``<lake>/<table>``.

The rename is the commit point: before it, an exception, Ctrl-C or SIGTERM removes the
half-built snapshot; after it, nothing removes it (the links readers use exist before it,
so a lake is whole the instant `_current` names it). The snapshot records a checksum of
each of its files (`integrity`), which `itrac check` verifies.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from data_access import integrity, rollups
from data_access.schema import TABLES, conform, table

SNAPSHOTS = "_snapshots"
CURRENT = "_current"
MANIFEST = "_manifest"
QUARANTINE = "_quarantine"
ROLLUPS = rollups.ROLLUPS_DIR
SPECIAL_DIRS = (MANIFEST, QUARANTINE, ROLLUPS)
MANIFEST_FILE = "files.parquet"
COVERAGE_FILE = "coverage.json"


class LakeError(RuntimeError):
    """A lake that cannot be read or written as asked."""


def exists(lake: Path) -> bool:
    return (lake / CURRENT).is_symlink()


def generation(lake: Path) -> str:
    """The id of the committed snapshot; changes with every write ("" when empty)."""
    try:
        return os.readlink(lake / CURRENT).rsplit("/", 1)[-1]
    except FileNotFoundError:
        return ""


def table_files(lake: Path, name: str) -> list[Path]:
    table(name)
    return sorted((lake / name).glob("year=*/*.parquet"))


def table_glob(lake: Path, name: str) -> str:
    return str(lake / name / "year=*" / "*.parquet")


@dataclass
class Transaction:
    """A snapshot being built; visible to readers only after `commit`."""

    lake: Path
    root: Path
    id: str
    manifest_rows: list[dict] = field(default_factory=list)
    _counter: int = 0

    def path(self, name: str) -> Path:
        return self.root / name

    def write(self, name: str, frame: pl.DataFrame) -> int:
        """Add `frame`'s rows to table `name`, one new file per year; returns rows."""
        spec = table(name)
        frame = conform(name, frame)
        if frame.is_empty():
            return 0
        years = frame.get_column(spec.date_column).dt.year()
        for (year,), part in frame.with_columns(_year=years).group_by("_year"):
            self._write_part(name, int(year), part.drop("_year"))
        return frame.height

    def _write_part(self, name: str, year: int, part: pl.DataFrame) -> None:
        spec = table(name)
        folder = self.path(name) / f"year={year}"
        folder.mkdir(parents=True, exist_ok=True)
        self._counter += 1
        target = folder / f"part-{self.id}-{self._counter:05d}.parquet"
        part.sort(spec.sort_columns, nulls_last=True, maintain_order=True).write_parquet(
            target, compression="zstd", statistics=True, row_group_size=122_880
        )

    def scan(self, name: str) -> pl.LazyFrame:
        """The table as this transaction sees it (for rewrites and rollups)."""
        files = sorted(self.path(name).glob("year=*/*.parquet"))
        if not files:
            return conform(name, pl.DataFrame()).lazy()
        return pl.scan_parquet(files, hive_partitioning=False)

    def delete_where(self, name: str, keep: Callable[[pl.LazyFrame], pl.LazyFrame]) -> int:
        """Rewrite the files of `name` through `keep`; returns how many rows were dropped."""
        dropped = 0
        for file in sorted(self.path(name).glob("year=*/*.parquet")):
            before = pl.scan_parquet(file).select(pl.len()).collect().item()
            kept = keep(pl.scan_parquet(file)).collect()
            if kept.height == before:
                continue
            dropped += before - kept.height
            file.unlink()  # never edit in place: the file may be a link into the last snapshot
            if kept.height:
                self._write_part(name, int(file.parent.name.split("=")[1]), kept)
        return dropped

    def record(self, **entry: object) -> None:
        """Add one row to the manifest (an ingested file or a generated data set)."""
        self.manifest_rows.append(entry)

    def replace_file(self, relative: str, content: bytes) -> None:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        target.write_bytes(content)


@contextmanager
def transaction(lake: Path, *, fresh: bool = False, check: bool = True) -> Iterator[Transaction]:
    """Build a new snapshot of `lake` and commit it atomically when the block ends.

    `fresh` starts from an empty lake instead of the current one; otherwise a damaged lake
    is refused (`check=False` only for `itrac check --repair`, which rebuilds what is
    derived). An exception, an interrupt or a kill before the commit leaves the committed
    lake untouched; after the commit the new snapshot stands, whatever arrives.
    """
    lake = lake.resolve()
    lake.mkdir(parents=True, exist_ok=True)
    with _locked(lake):
        if not fresh and check:
            _require_whole(lake)
        _collect_garbage(lake)
        tx_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        root = lake / SNAPSHOTS / tx_id
        root.mkdir(parents=True)
        try:
            if not fresh and exists(lake):
                _link_tree(lake / CURRENT, root)
            for name in (*TABLES, *SPECIAL_DIRS):
                (root / name).mkdir(exist_ok=True)
            tx = Transaction(lake=lake, root=root, id=tx_id)
            yield tx
            _commit(tx)
        except BaseException:
            if generation(lake) != tx_id:  # after the commit point the snapshot is the lake
                shutil.rmtree(root, ignore_errors=True)
            raise


def _require_whole(lake: Path) -> None:
    """Refuse to build on a damaged lake: a write would carry the damage into a snapshot
    that records it as sound (a lost file unlisted, an added one listed), and on a missing
    current snapshot it would start from nothing and collect the previous one."""
    from data_access import lake_check  # it reads the lake through this module

    links = (*TABLES, *SPECIAL_DIRS)  # missing links the commit recreates
    problems = [p for p in lake_check.structural(lake) if p.where not in links]
    if problems:
        raise lake_check.LakeDamaged(lake, problems, "so nothing was written")


def _commit(tx: Transaction) -> None:
    previous = generation(tx.lake)
    _write_manifest(tx)
    rollups.rebuild(tx)  # derived from the lines: rebuilt by every write, same atomic swap
    coverage = json.dumps(_coverage(tx), indent=1).encode()
    tx.replace_file(f"{MANIFEST}/{COVERAGE_FILE}", coverage)
    before = tx.lake / SNAPSHOTS / previous if previous else None
    tx.replace_file(integrity.CHECKSUMS, integrity.checksums(tx.root, before))
    _fsync_tree(tx.root)
    ensure_links(tx.lake)  # before the commit point: a committed lake is whole at once
    link = tx.lake / f".{CURRENT}-{tx.id}"
    link.symlink_to(f"{SNAPSHOTS}/{tx.id}")
    with _signals_deferred():  # SIGINT/SIGTERM arrive before the rename or after the fsync
        os.replace(link, tx.lake / CURRENT)  # the commit point
        _fsync_dir(tx.lake)
    _collect_garbage(tx.lake, keep=(previous,))


def point_current_at(lake: Path, snapshot: str) -> None:
    """Make `snapshot` (an existing one) the lake's current state, atomically (repair)."""
    if not (lake / SNAPSHOTS / snapshot).is_dir():
        raise LakeError(f"{lake}: no snapshot {snapshot}")
    with _locked(lake):
        link = lake / f".{CURRENT}-{snapshot}"
        link.unlink(missing_ok=True)
        link.symlink_to(f"{SNAPSHOTS}/{snapshot}")
        with _signals_deferred():
            os.replace(link, lake / CURRENT)
            _fsync_dir(lake)


def ensure_links(lake: Path) -> None:
    """Create each top-level name's link into `_current` that is missing (idempotent)."""
    for name in (*TABLES, *SPECIAL_DIRS):
        entry = lake / name
        if entry.is_symlink():
            continue
        if entry.exists():
            raise LakeError(f"{entry} should be the link {CURRENT}/{name}; move it away")
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            entry.symlink_to(f"{CURRENT}/{name}")


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then deliver them as usual.

    Python raises signal exceptions in the main thread only, so elsewhere nothing can
    interrupt the block and nothing needs holding.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, _frame: caught.append(signum)) for s in held}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        for number in dict.fromkeys(caught):
            signal.raise_signal(number)


def _write_manifest(tx: Transaction) -> None:
    if not tx.manifest_rows:
        return
    target = tx.root / MANIFEST / MANIFEST_FILE
    rows = pl.DataFrame(tx.manifest_rows, infer_schema_length=None)
    if target.exists():
        rows = pl.concat([pl.read_parquet(target), rows], how="diagonal_relaxed")
        target.unlink()
    rows.write_parquet(target)


def _coverage(tx: Transaction) -> dict:
    summary: dict[str, object] = {
        "snapshot": tx.id,
        "written_at": _now(),
        "checksums": integrity.ALGORITHM,  # a lake that says so must have them
    }
    tables = {}
    for name, spec in TABLES.items():
        stats = (
            tx.scan(name)
            .select(
                pl.len().alias("rows"),
                pl.col(spec.date_column).min().alias("first"),
                pl.col(spec.date_column).max().alias("last"),
            )
            .collect()
            .row(0, named=True)
        )
        tables[name] = {
            k: (str(v) if v is not None and k != "rows" else v) for k, v in stats.items()
        }
    summary["tables"] = tables
    return summary


def coverage(lake: Path) -> dict:
    """Rows and date range per table and when the lake was written ({} when no lake)."""
    path = lake / MANIFEST / COVERAGE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def manifest(lake: Path) -> pl.DataFrame:
    """Every file or data set loaded into the lake, oldest first."""
    path = lake / MANIFEST / MANIFEST_FILE
    return pl.read_parquet(path) if path.exists() else pl.DataFrame()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _link_tree(source: Path, target: Path) -> None:
    if not source.is_dir():
        raise LakeError(f"{source} is missing: nothing to build on")
    for folder, _dirs, files in os.walk(source, followlinks=True, onerror=_raise):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            os.link(Path(folder) / name, target / relative / name)


def _raise(error: OSError) -> None:
    raise error


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(Path(folder) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _collect_garbage(lake: Path, keep: tuple[str, ...] = ()) -> None:
    """Remove snapshots that are neither current nor kept (leftovers of killed writes).

    Never the one `_current` names, and nothing while that one is missing: the others
    are what `itrac check --repair` can go back to.
    """
    current = generation(lake)
    if current and not (lake / SNAPSHOTS / current).is_dir():
        return
    for stale in lake.glob(f".{CURRENT}-*"):
        stale.unlink(missing_ok=True)
    for snapshot in (lake / SNAPSHOTS).glob("*"):
        if snapshot.name not in (current, *keep):
            shutil.rmtree(snapshot, ignore_errors=True)


@contextmanager
def _locked(lake: Path) -> Iterator[None]:
    with (lake / ".lock").open("w") as handle:
        deadline = time.monotonic() + 600
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LakeError(f"{lake} is locked by another writer") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
