"""Writing the lake: atomic snapshots, the manifest and the coverage summary.

The layout (`<lake>/<table>/year=YYYY/*.parquet`, zstd, sorted by importer then date per
file; `_manifest/`, `_quarantine/`, `_rollups/`) is `layout`'s, the contract readers rely
on. Every top-level name is a symlink into ``_current``, itself a symlink to one immutable
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

import fcntl
import json
import os
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from data_access import integrity
from data_access.lake import check as lake_check
from data_access.lake import rollups
from data_access.lake.layout import (
    COVERAGE_FILE,
    CURRENT,
    MANIFEST,
    MANIFEST_FILE,
    SNAPSHOTS,
    SPECIAL_DIRS,
    LakeError,
    ensure_links,
    exists,
    generation,
)
from data_access.lake.snapshot import Transaction
from data_access.schema import TABLES, Table


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
        tables[name]["holders"] = _holders(tx, spec)
    summary["tables"] = tables
    return summary


def _holders(tx: Transaction, spec: Table) -> list[dict]:
    """Rows and first and last date per importer and filer: what a principal holds adds
    up from these (`overview.holdings`, on every Overview render, reads no table)."""
    keys = [c for c in (spec.importer_column, spec.filer_column) if c is not None]
    date = pl.col(spec.date_column)
    held = (
        tx.scan(spec.name)
        .group_by(keys)
        .agg(pl.len().alias("rows"), date.min().alias("first"), date.max().alias("last"))
        .sort(keys, nulls_last=True)
        .collect()
    )
    return held.with_columns(pl.col("first", "last").cast(pl.String)).to_dicts()


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
