"""The lake on disk: its layout, atomic snapshots, the rollups and the checks.

Modules: `layout` (where every file is: `<lake>/<table>/year=YYYY/*.parquet`, the one
definition, and the read-only questions), `snapshot` (a write being built), `store`
(transactions: build a snapshot, commit it atomically), `rollups` (monthly rollups,
rebuilt inside every commit) and `check` (whether a lake is whole; `itrac check`).
Callers use this package's names (`lake.transaction`, `lake.table_files`, ...).
"""

from data_access.lake.layout import (
    COVERAGE_FILE,
    CURRENT,
    FILES,
    MANIFEST,
    MANIFEST_FILE,
    PARTITION,
    QUARANTINE,
    ROLLUPS_DIR,
    SNAPSHOTS,
    SPECIAL_DIRS,
    LakeError,
    coverage,
    ensure_links,
    exists,
    files,
    generation,
    glob,
    hive_scan,
    manifest,
    table_files,
    table_glob,
    year_folder,
    year_of,
)
from data_access.lake.snapshot import Transaction
from data_access.lake.store import point_current_at, transaction
from data_access.schema import TABLES

__all__ = [
    "COVERAGE_FILE",
    "CURRENT",
    "FILES",
    "MANIFEST",
    "MANIFEST_FILE",
    "PARTITION",
    "QUARANTINE",
    "ROLLUPS_DIR",
    "SNAPSHOTS",
    "SPECIAL_DIRS",
    "TABLES",
    "LakeError",
    "Transaction",
    "coverage",
    "ensure_links",
    "exists",
    "files",
    "generation",
    "glob",
    "hive_scan",
    "manifest",
    "point_current_at",
    "table_files",
    "table_glob",
    "transaction",
    "year_folder",
    "year_of",
]
