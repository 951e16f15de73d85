"""Apache Spark as a query engine: the same Ibis reports over the same lake, scaled out.

`ITRAC_ENGINE=spark` selects it. With `SPARK_REMOTE=sc://host:15002` the session is a
Spark Connect client of a cluster; without it Spark runs in this process (local mode,
what the tests use). PySpark is an optional extra (`pip install '.[spark]'`), imported
only here and only when a SparkEngine is opened.

The lake is a local directory or an object-storage URI (`s3a://bucket/lake`); Spark
reads `<lake>/<table>/year=YYYY/*.parquet` with the contract's schema, so the columns and
their types (and the hive `year` partition column, an int as on DuckDB) do not depend on
what Spark would infer from the files.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import polars as pl

from data_access.lake import layout as lake_files
from data_access.schema import TABLES, Table

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

INSTALL_HINT = "pip install '.[spark]'"
REMOTE_HINT = "pip install 'pyspark[connect]>=4.0,<4.1'"

# Local mode is for tests and small lakes (a lake that needs throughput needs a cluster),
# so it favours latency: no whole-stage or expression code generation, no adaptive
# re-planning, and a JVM that stops at the quick JIT tier. On the parity tests this
# halves Spark's CPU time; results are the same (Spark checks codegen against the
# interpreter in its own tests).
LOCAL_MASTER = "local[2]"
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",  # the default 200 is for clusters
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
}
# Set on every session, local or remote. ANSI on (the Spark 4 default, made explicit):
# overflow and bad casts raise errors as on DuckDB instead of turning money into nulls.
# The price: dividing by zero raises where DuckDB gives inf or NaN, so reports divide by
# `nullif(0)` (pinned in tests/test_spark_parity.py). UTC so that a date Spark widens to
# a timestamp never moves to another day.
SESSION_CONF = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
}

_session: SparkSession | None = None
_session_lock = threading.Lock()


def spark_session() -> SparkSession:
    """The process-wide Spark session, created on first use and shared by every engine."""
    global _session
    with _session_lock:
        if _session is None:
            _session = _new_session(os.environ.get("SPARK_REMOTE", "").strip())
        return _session


def _new_session(remote: str) -> SparkSession:
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise ImportError(
            f"ITRAC_ENGINE=spark needs PySpark, an optional extra: {INSTALL_HINT}"
        ) from error
    if remote:
        try:
            session = SparkSession.builder.remote(remote).getOrCreate()
        except ImportError as error:  # the Connect client needs grpcio and friends
            raise ImportError(
                f"SPARK_REMOTE={remote} needs the Spark Connect client: {REMOTE_HINT}"
            ) from error
    else:
        builder = SparkSession.builder.master(LOCAL_MASTER).appName("itrac")
        for key, value in LOCAL_CONF.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
    for key, value in SESSION_CONF.items():
        session.conf.set(key, value)
    return session


def is_uri(lake: Path | str) -> bool:
    """True for an object-storage location such as s3a://bucket/lake."""
    return isinstance(lake, str) and "://" in lake


class SparkEngine:
    """Spark over the lake: one temporary view per table, reports compiled by Ibis."""

    name = "spark"
    # Spark reads the lines, never the rollups (it is no `ReadsRollups`): the parity tests
    # then compare DuckDB's rollup answers with Spark's line answers (a second proof).

    def __init__(self, lake: Path | str) -> None:
        self.lake: Path | str = lake.rstrip("/") if is_uri(lake) else Path(lake).resolve()
        # An object-storage lake has no `_current` link: publish each snapshot under its
        # own prefix and point ITRAC_LAKE at it (docs/spark.md), so "" never goes stale.
        self.generation = "" if is_uri(self.lake) else lake_files.generation(self.lake)
        self._session = spark_session()
        self._backend = _arrow_backend()().connect(self._session)
        # View names are per engine: the session is shared by engines on other lakes
        # or older snapshots of this one.
        suffix = uuid.uuid4().hex[:8]
        self._views = {name: f"itrac_{name}_{suffix}" for name in TABLES}
        frames = {name: self._read(spec) for name, spec in TABLES.items()}
        if all(frame is None for frame in frames.values()) and is_uri(self.lake):
            raise FileNotFoundError(f"no lake at {self.lake}: none of {', '.join(TABLES)}")
        for name, frame in frames.items():
            if frame is None:  # no files: the contract's columns, no rows (as on DuckDB)
                frame = self._session.createDataFrame([], spark_schema(TABLES[name]))
            frame.createOrReplaceTempView(self._views[name])
        # Looking a view up asks Spark for its schema: once per table, not per report.
        self._tables = {name: self._backend.table(view) for name, view in self._views.items()}

    def table(self, name: str) -> ir.Table:
        return self._tables[name]

    def to_polars(self, expr: ir.Table) -> pl.DataFrame:
        return self._backend.to_polars(expr)

    def _read(self, spec: Table) -> DataFrame | None:
        """The table's Parquet files read with the contract's schema; None when none."""
        if isinstance(self.lake, Path):
            if not lake_files.table_files(self.lake, spec.name):
                return None
            # The real snapshot folder, not the `<lake>/<table>` link: a write that swaps
            # `_current` mid-query cannot change the files Spark already listed.
            location = str((self.lake / spec.name).resolve())
        else:
            location = f"{self.lake}/{spec.name}"
        reader = self._session.read.schema(spark_schema(spec)).option("basePath", location)
        try:
            frame = reader.parquet(location)
            frame.schema  # noqa: B018  (Spark Connect resolves the path only when asked)
        except Exception as error:
            if _condition(error) == "PATH_NOT_FOUND":
                return None  # object storage has no empty folders: a table with no files
            raise
        return frame


def spark_schema(spec: Table) -> Any:
    """The contract's columns plus `year` as a Spark schema (`year` int, as on DuckDB)."""
    from ibis.backends.pyspark.datatypes import PySparkSchema

    columns = {**dict(spec.polars_schema), "year": pl.Int32}
    return PySparkSchema.from_ibis(ibis.Schema.from_polars(columns))


def _condition(error: Exception) -> str | None:
    get = getattr(error, "getCondition", None) or getattr(error, "getErrorClass", None)
    return get() if get else None


@cache
def _arrow_backend() -> type[ibis.BaseBackend]:
    """Ibis's PySpark backend, collecting through Arrow (imported once Spark is known to be).

    Ibis collects with `toPandas`, which turns nullable integers into floats and NaN into
    null. `DataFrame.toArrow` keeps Spark's values as they are; the one conversion after
    it is Ibis's cast to the expression's declared schema, the step DuckDB's results take.
    """
    from ibis.backends.pyspark import Backend

    class ArrowBackend(Backend):
        def to_pyarrow(
            self,
            expr: ir.Expr,
            /,
            *,
            params: Mapping[ir.Scalar, Any] | None = None,
            limit: int | str | None = None,
            **kwargs: Any,
        ) -> pa.Table:
            self._run_pre_execute_hooks(expr)
            sql = self.compile(expr.as_table(), params=params, limit=limit, **kwargs)
            return expr.__pyarrow_result__(self._session.sql(sql).toArrow())

    ArrowBackend.register_options()  # what loading it as `ibis.pyspark` would have done
    return ArrowBackend
