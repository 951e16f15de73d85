"""Where the lake keeps its files: the one definition of its layout.

    <lake>/<table>/year=YYYY/*.parquet            the tables (`table_files`, `table_glob`)
    <lake>/_rollups/<rollup>/year=YYYY/*.parquet  the rollups (same pattern, `files`, `glob`)
    <lake>/_manifest/  _quarantine/               what was loaded, what was refused
    <lake>/_current -> _snapshots/<id>            every name above links into `_current`

Readers and writers build every path from here: the partition folder (`year_folder`),
the files under a folder (`files`), the same as a glob DuckDB reads (`glob`,
`hive_scan`) and the year a file belongs to (`year_of`). This module also answers the
read-only questions about a lake (whether there is one, its snapshot, its coverage and
manifest); writing is `store`'s.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import polars as pl

from data_access.schema import TABLES, table

SNAPSHOTS = "_snapshots"
CURRENT = "_current"
MANIFEST = "_manifest"
QUARANTINE = "_quarantine"
ROLLUPS_DIR = "_rollups"
SPECIAL_DIRS = (MANIFEST, QUARANTINE, ROLLUPS_DIR)
MANIFEST_FILE = "files.parquet"
COVERAGE_FILE = "coverage.json"

PARTITION = "year"  # the hive partition column every table and rollup folder has
FILES = f"{PARTITION}=*/*.parquet"  # the data files under a table or rollup folder


class LakeError(RuntimeError):
    """A lake that cannot be read or written as asked."""


def year_folder(folder: Path, year: int | str) -> Path:
    """The partition folder of `year` under a table or rollup folder."""
    return folder / f"{PARTITION}={year}"


def year_of(file: Path) -> str:
    """The year (as written in the folder name) of a data file."""
    return file.parent.name.split("=", 1)[1]


def files(folder: Path) -> list[Path]:
    """The data files under a table or rollup folder, sorted."""
    return sorted(folder.glob(FILES))


def glob(folder: Path) -> str:
    """`files` as one glob string (for DuckDB's read_parquet)."""
    return str(folder / f"{PARTITION}=*" / "*.parquet")


def hive_scan(pattern: str, *, union_by_name: bool = False) -> str:
    """DuckDB's read_parquet over `pattern` (a glob or a $parameter), `year` an INTEGER."""
    source = pattern if pattern.startswith("$") else "'" + pattern.replace("'", "''") + "'"
    union = ", union_by_name = true" if union_by_name else ""
    return (
        f"read_parquet({source}, hive_partitioning = true, "
        f"hive_types = {{'{PARTITION}': INTEGER}}{union})"
    )


def table_files(lake: Path, name: str) -> list[Path]:
    table(name)
    return files(lake / name)


def table_glob(lake: Path, name: str) -> str:
    return glob(lake / name)


def exists(lake: Path) -> bool:
    return (lake / CURRENT).is_symlink()


def generation(lake: Path) -> str:
    """The id of the committed snapshot; changes with every write ("" when empty)."""
    try:
        return os.readlink(lake / CURRENT).rsplit("/", 1)[-1]
    except FileNotFoundError:
        return ""


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


def coverage(lake: Path) -> dict:
    """Rows and date range per table and when the lake was written ({} when no lake)."""
    path = lake / MANIFEST / COVERAGE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def manifest(lake: Path) -> pl.DataFrame:
    """Every file or data set loaded into the lake, oldest first."""
    path = lake / MANIFEST / MANIFEST_FILE
    return pl.read_parquet(path) if path.exists() else pl.DataFrame()
