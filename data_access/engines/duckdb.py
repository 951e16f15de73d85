"""DuckDB embedded, the default engine: views over the lake, locked down, a cursor per thread."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import ibis
import ibis.backends.duckdb
import polars as pl
import pyarrow as pa

from data_access import lake as lake_files
from data_access.engines.shapes import CompiledShapes
from data_access.lake import rollups
from data_access.schema import TABLES, Table

if TYPE_CHECKING:
    import ibis.expr.types as ir

try:  # what `con.sql(...).to_arrow_table()` runs in the end, without binding twice first
    from duckdb._seam import submit as _submit
except ImportError:  # another DuckDB: the public way
    _submit = None

DUCKDB_MEMORY_LIMIT = "512MB"  # DuckDB's buffers; Python and Streamlit come on top

_DUCKDB_TYPES = {
    "String": "VARCHAR",
    "Date": "DATE",
    "Boolean": "BOOLEAN",
    "Int16": "SMALLINT",
    "Int32": "INTEGER",
    "Float64": "DOUBLE",
}


class DuckDBEngine:
    """DuckDB in this process: views over the lake, locked down, a cursor per thread."""

    name = "duckdb"

    def __init__(self, lake: Path, *, use_rollups: bool = True) -> None:
        self.lake = lake.resolve()
        self.generation = lake_files.generation(self.lake)
        self._con = duckdb.connect(config={"threads": os.cpu_count() or 2})
        for spec in TABLES.values():
            self._con.execute(_view_sql(self._con, self.lake, spec))
        self.rollups = _rollup_views(self._con, self.lake) if use_rollups else frozenset()
        self.rollup_dates = rollups.entry_dates(self.lake) if self.rollups else {}
        # Lake files never change in place (a write makes new files in a new snapshot), so
        # their Parquet footers can be cached: each query skips re-reading them.
        self._con.execute("SET GLOBAL parquet_metadata_cache = true")
        # A session's peak memory is DuckDB's hash tables on the widest pages (CBP's exam
        # rates over 50M lines took the server to 1.5 GiB); capped, DuckDB spills the
        # largest aggregates to its temp directory instead, no slower (benchmarks/README.md).
        self._con.execute(f"SET GLOBAL memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
        # One directory per process: DuckDB removes the directory it created when it closes.
        folder = Path(tempfile.gettempdir()) / f"itrac-duckdb-{os.getpid()}"
        spill = str(folder).replace("'", "''")
        self._con.execute(f"SET GLOBAL temp_directory = '{spill}'")
        _lock_down(self._con, self.lake)
        self._local = threading.local()
        self.shapes = CompiledShapes()

    def _backend(self) -> ibis.BaseBackend:
        backend = getattr(self._local, "backend", None)
        if backend is None:  # a DuckDB connection is not thread-safe: one cursor per thread
            backend = _LockedBackend.from_connection(self._con.cursor())
            self._local.backend = backend
        return backend

    def table(self, name: str) -> ir.Table:
        # Ibis asks DuckDB for the view's schema on every `table()` (tens of ms under load,
        # several per page); the views are fixed for this engine's snapshot, and Ibis
        # expressions are immutable, so one table object per thread serves every report.
        tables = self._local.__dict__.setdefault("tables", {})
        if name not in tables:
            tables[name] = self._backend().table(name)
        return tables[name]

    def to_polars(self, expr: ir.Table) -> pl.DataFrame:
        """Run `expr` (its SQL from the compile cache, `engines.shapes`), Ibis' types.

        The statement is bound once (`_executed`); the in-memory tables it reads are
        registered for this query only (a name each render made afresh stayed registered
        on the cursor for the life of the process)."""
        from ibis.backends.duckdb.converter import DuckDBPyArrowData

        backend = self._backend()
        con = backend.con
        table = expr.as_table()
        sql, values, memtables = self.shapes.sql(backend, table)
        for name, memtable in memtables.items():
            con.register(name, memtable.data.to_pyarrow(memtable.schema))
        try:
            arrow = _executed(con, sql, values)
        finally:
            for name in memtables:
                con.unregister(name)
        arrow = table.__pyarrow_result__(arrow, data_mapper=DuckDBPyArrowData)
        return expr.__polars_result__(pl.from_arrow(arrow))

    def to_batches(self, expr: ir.Table, rows: int) -> Iterator[pl.DataFrame]:
        """`expr`'s rows in order, `rows` at a time, with `to_polars`'s types.

        One query on a cursor of its own (queries on this thread's cursor would end the
        stream), read as Arrow record batches: only DuckDB's buffers (DUCKDB_MEMORY_LIMIT,
        a sort spills beyond it) and one batch are in memory, however many rows there are.
        """
        from ibis.backends.duckdb.converter import DuckDBPyArrowData

        backend = _LockedBackend.from_connection(self._con.cursor())
        try:
            backend._run_pre_execute_hooks(expr)  # e.g. registers in-memory tables
            relation = backend.con.sql(backend.compile(expr.as_table()))
            for batch in relation.to_arrow_reader(rows):
                table = expr.__pyarrow_result__(
                    pa.Table.from_batches([batch]), data_mapper=DuckDBPyArrowData
                )
                yield expr.__polars_result__(pl.from_arrow(table))
        finally:
            backend.con.close()


def _executed(con: duckdb.DuckDBPyConnection, sql: str, values: dict[str, object]) -> pa.Table:
    """The rows of `sql` with `values` bound, as Arrow, the statement bound once.

    `con.sql` makes a lazy relation, which binds the statement to learn its columns, and
    binds it again to run it: 2-3 ms of a small report's 10. DuckDB 2.0's relations run
    through `duckdb._seam.submit`; where it is missing, `con.sql` as before."""
    if _submit is None:
        return con.sql(sql, params=values or None).to_arrow_table()
    return _submit(con, sql, values or None, "arrow").arrow_table()


class _LockedBackend(ibis.backends.duckdb.Backend):
    """Ibis over a locked connection: the settings Ibis wants were made before the lock."""

    def _post_connect(self, extensions: object = None) -> None:
        self._record_batch_readers_consumed = {}


def _view_sql(con: duckdb.DuckDBPyConnection, lake: Path, spec: Table) -> str:
    """The table's files as a view with every contract column: a column the contract
    gained after the files were written reads as NULL (as Spark's schema-on-read does)."""
    if lake_files.table_files(lake, spec.name):
        glob = lake_files.table_glob(lake, spec.name)
        files = lake_files.hive_scan(glob, union_by_name=not _one_schema(con, glob))
        present = {row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {files}").fetchall()}
        added = "".join(
            f", CAST(NULL AS {_duckdb_type(c.dtype)}) AS {c.name}"
            for c in spec.columns
            if c.name not in present
        )
        return f"CREATE VIEW {spec.name} AS SELECT *{added} FROM {files}"
    columns = ", ".join(f"CAST(NULL AS {_duckdb_type(c.dtype)}) AS {c.name}" for c in spec.columns)
    return f"CREATE VIEW {spec.name} AS SELECT {columns}, CAST(NULL AS INTEGER) AS year WHERE false"


def _one_schema(con: duckdb.DuckDBPyConnection, glob: str) -> bool:
    """Whether every file of `glob` has the same columns (names and types). Then the view
    reads them without `union_by_name`, which leaves DuckDB no row counts to estimate
    from: it then built a header table's match through its lines on the entry keys
    (millions of rows) rather than on the header rows, even with none (benchmarks/README.md,
    session 8)."""
    schemas = con.execute(
        "SELECT DISTINCT columns FROM (SELECT file_name, "
        "list_sort(list(name || ' ' || coalesce(type, '') || ' ' || coalesce(logical_type, ''))) "
        "AS columns FROM parquet_schema(?) WHERE num_children IS NULL GROUP BY file_name)",
        [glob],
    ).fetchall()
    return len(schemas) == 1


def _rollup_views(con: duckdb.DuckDBPyConnection, lake: Path) -> frozenset[str]:
    """A view per rollup whose table has rows, if the lake's rollups match its tables
    (else none: the tables only)."""
    if not rollups.usable(lake):
        return frozenset()
    present = set()
    for name, rollup in rollups.ROLLUPS.items():
        if not lake_files.table_files(lake, rollup.source):
            continue  # an empty table has no rollup files: its questions read the table
        files = lake_files.hive_scan(rollups.rollup_glob(lake, name))
        con.execute(f"CREATE VIEW {rollups.view_name(name)} AS SELECT * FROM {files}")
        present.add(name)
    return frozenset(present)


def _duckdb_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Decimal):
        return f"DECIMAL({dtype.precision}, {dtype.scale})"
    return _DUCKDB_TYPES[str(dtype.base_type())]


def _lock_down(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    """Only the lake is readable; no network, no extensions, no changing this later."""
    con.execute("SET GLOBAL timezone = 'UTC'")  # what Ibis would set on each connection
    con.execute("SET GLOBAL python_enable_replacements = false")
    roots = sorted({str(lake), str(lake.resolve())})
    con.execute(f"SET allowed_directories = {[r + '/' for r in roots]!r}")
    con.execute("SET enable_external_access = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET lock_configuration = true")
