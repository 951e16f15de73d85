"""MS-Access databases (the ITRAC CD format, JET3/JET4) read through mdbtools.

Tables are listed with `mdb-tables`, their columns read from `mdb-schema`, and the
rows exported with `mdb-export` using 4-digit-year formats (its default prints
`12/08/48`, which cannot be told from 2048). The ITRAC tables are the ones whose
columns map to a lake table; a database without one is an error that lists its tables.

mdbtools 1.0.0 (Debian 12) cannot decode dates before 1899-12-30 or after 4637 and
prints them as `1900-01-00 00:00:00`; validation names such a value instead of guessing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from data_access.ingest import readers
from data_access.ingest.mapping import MappingError, plan_for

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SCHEMA_TABLE = re.compile(r"CREATE TABLE \[(?P<name>[^\]]+)\]\s*\((?P<body>.*?)\n\);", re.S)
SCHEMA_COLUMN = re.compile(r"^\s*\[(?P<name>[^\]]+)\]", re.M)


class AccessError(readers.ReadError):
    """An Access database that cannot be read, or holds no ITRAC table."""


def _run(*args: str) -> str:
    tool = shutil.which(args[0])
    if tool is None:
        raise AccessError(
            "reading Access databases needs mdbtools: sudo apt-get install -y mdbtools"
        )
    done = subprocess.run([tool, *args[1:]], capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise AccessError(f"{args[0]} cannot read {Path(args[-1]).name}: {message}")
    return done.stdout.decode("utf-8", "replace")


def version(path: Path) -> str:
    """JET3 (Access 97), JET4 (Access 2000-2003), ACE12... as mdb-ver reports it."""
    return _run("mdb-ver", str(path)).strip()


def tables(path: Path) -> dict[str, list[str]]:
    """The user tables of the database and their columns, in the database's order."""
    names = [t for t in _run("mdb-tables", "-1", str(path)).splitlines() if t.strip()]
    schema = _run("mdb-schema", str(path))
    columns = {
        m["name"]: [c["name"] for c in SCHEMA_COLUMN.finditer(m["body"])]
        for m in SCHEMA_TABLE.finditer(schema)
    }
    return {name: columns.get(name, []) for name in names}


def export(path: Path, table: str, target: Path) -> None:
    """`table` as CSV in `target`: dates with 4-digit years, binary columns dropped."""
    with target.open("wb") as out:
        tool = shutil.which("mdb-export") or "mdb-export"
        done = subprocess.run(
            [tool, "-D", DATE_FORMAT, "-T", DATETIME_FORMAT, "-b", "strip", str(path), table],
            stdout=out,
            stderr=subprocess.PIPE,
            check=False,
        )
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise AccessError(f"mdb-export cannot export {table} from {path.name}: {message}")


def read_table(path: Path, table: str) -> pl.DataFrame:
    """One table as text columns (small tables; ingest streams through `parts`)."""
    with tempfile.TemporaryDirectory(prefix="itrac-mdb-") as folder:
        target = Path(folder) / "table.csv"
        export(path, table, target)
        part = readers.csv_part(target, table)
        frames = [frame for frame, _done in part.batches()]
    return pl.concat(frames) if frames else pl.DataFrame()


def itrac_tables(path: Path, mapping: dict[str, str] | None = None) -> list[str]:
    """The tables whose columns make a lake table; AccessError listing them when none."""
    found = tables(path)
    itrac = []
    for name, columns in found.items():
        try:
            plan_for(columns, mapping or {}, name)
        except MappingError:
            continue
        itrac.append(name)
    if not itrac:
        listed = ", ".join(found) or "none"
        raise AccessError(
            f"{path.name} holds no ITRAC table (no table has the columns of an entry summary, "
            f"line, release, exam, bond or reconciliation). Its tables: {listed}."
        )
    return itrac


def parts(path: Path, label: str, mapping: dict[str, str]) -> list[readers.Part]:
    """Each ITRAC table of the database as a streamed part."""
    names = itrac_tables(path, mapping)
    return [_table_part(path, label, name) for name in names]


def _table_part(path: Path, label: str, table: str) -> readers.Part:
    headers = readers.unique_headers(tables(path)[table])
    part = readers.Part(f"{label}:{table}", headers, path.stat().st_size, lambda: iter(()))

    def batches() -> Iterator[tuple[pl.DataFrame, int]]:
        with tempfile.TemporaryDirectory(prefix="itrac-mdb-") as folder:
            target = Path(folder) / "table.csv"
            export(path, table, target)
            inner = readers.csv_part(target, label)
            part.ragged = inner.ragged
            scale = part.size / max(target.stat().st_size, 1)
            for frame, done in inner.batches():
                yield frame, int(done * scale)

    part.batches = batches
    return part
