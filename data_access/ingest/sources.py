"""Which reader a file takes: text exports and workbooks (`readers`), Access databases
(`access_db`, which builds on `readers`' CSV reading of what mdbtools exports)."""

from __future__ import annotations

from pathlib import Path

from data_access.ingest import access_db, readers
from data_access.ingest.readers import Part

EXCEL = {".xlsx", ".xlsm", ".xls"}
ACCESS = {".mdb", ".accdb"}


def parts(
    path: Path, label: str | None = None, mapping: dict[str, str] | None = None
) -> list[Part]:
    """The readable parts of `path` (a CSV/TXT file, a workbook, an Access database)."""
    label = label or path.name
    suffix = path.suffix.lower()
    if suffix in EXCEL:
        return readers.excel_parts(path, label)
    if suffix in ACCESS:
        return access_db.parts(path, label, mapping or {})
    return [readers.csv_part(path, label)]
