"""CSV extracts of a lake for the pandas comparison, written once and cached beside the
lake (never in the repository): `<lake parent>/<lake name>-csv/<snapshot>/<scope>/`."""

from __future__ import annotations

from pathlib import Path

import duckdb

from data_access import lake as lake_files


def extract_dir(lake: Path, scope_name: str) -> Path:
    return lake.parent / f"{lake.name}-csv" / lake_files.generation(lake) / scope_name


def csv_extract(lake: Path, table: str, scope_name: str, importer: str | None) -> Path:
    """The table's rows of the scope's principal as ACE would extract them (all dates)."""
    folder = extract_dir(lake, scope_name)
    target = folder / f"{table}.csv"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    query = (
        f"SELECT * EXCLUDE (year) FROM {lake_files.hive_scan(lake_files.table_glob(lake, table))}"
    )
    params: list[object] = []
    if importer:
        query += " WHERE importer_number = ?"
        params.append(importer)
    partial = target.with_suffix(".partial")
    with duckdb.connect() as con:
        con.sql(query, params=params).write_csv(str(partial), header=True)
    partial.replace(target)
    return target
