"""What the Data page needs: ingest uploaded bytes, list ingested files, rejected rows."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from data_access import lake
from data_access.access import Principal
from data_access.ingest import quarantine
from data_access.ingest.load import FileResult, Progress, ingest

MANIFEST_COLUMNS = (
    "file",
    "tables",
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "rows_replaced",
    "loaded_at",
    "loaded_by",
)


def ingest_uploads(
    where: Path,
    uploads: Sequence[tuple[str, bytes]],
    principal: Principal,
    progress: Progress | None = None,
) -> list[FileResult]:
    """Ingest uploaded files (name, content) in upload order, as `principal`."""
    with tempfile.TemporaryDirectory(prefix="itrac-upload-") as folder:
        paths = []
        for index, (name, content) in enumerate(uploads):
            # One folder per upload keeps two of one name apart; inside it the file has
            # the user's name, so whatever a reader says names it as they know it.
            path = Path(folder) / f"{index:03d}" / stored_name(name)
            path.parent.mkdir()
            path.write_bytes(content)
            paths.append(path)
        return ingest(
            where,
            paths,
            labels=[name for name, _ in uploads],
            principal=principal,
            progress=progress,
        )


def stored_name(name: str) -> str:
    """`name` as a safe file name: no folders, no control characters, not too long; the
    suffix (which picks the reader) lower case."""
    base = re.sub(r"[\x00-\x1f/\\]", "_", name).strip(" .")
    found = re.search(r"\.[A-Za-z0-9]{1,5}$", base)
    suffix = found.group(0) if found else ""
    stem = base[: len(base) - len(suffix)].strip(" .")
    return f"{stem[:120] or 'upload'}{suffix.lower()}"


def ingested_files(where: Path, principal: Principal) -> pl.DataFrame:
    """The files loaded with their counts, newest first: all of them for CBP (the demo
    data set included), the ones they loaded themselves for anyone else (file names and
    counts of other importers' loads are theirs)."""
    loaded = lake.manifest(where)
    if principal.role != "cbp" and "loaded_for" in loaded.columns:
        loaded = loaded.filter(pl.col("loaded_for") == principal.key)
    elif principal.role != "cbp":
        loaded = pl.DataFrame()
    if loaded.is_empty():
        return pl.DataFrame(schema=dict.fromkeys(MANIFEST_COLUMNS, pl.String))
    present = [c for c in MANIFEST_COLUMNS if c in loaded.columns]
    return loaded.select(present).reverse()


def rejected_rows(where: Path, results: Sequence[FileResult]) -> pl.DataFrame:
    """The quarantined rows of these results' files (file, row, column, reason, value...)."""
    frames = [quarantine.read(where, r.sha256) for r in results if r.rows_rejected]
    frames = [f for f in frames if not f.is_empty()]
    return pl.concat(frames, how="diagonal_relaxed") if frames else quarantine.read(where, "-")
