"""Query engines: DuckDB embedded (the default) and Apache Spark (scale-out).

Reports are Ibis expressions written once; an engine turns a table name into an Ibis
table over the lake and an expression into a polars DataFrame. Engine differences stay
in this package: `base` (the `Engine` protocol reports rely on), `duckdb`, `spark` (an
optional extra, imported only when selected) and `registry` (`get_engine`, the
process-wide engine of a lake).
"""

from data_access.engines.base import Engine, ReadsRollups, result_batches
from data_access.engines.duckdb import DuckDBEngine
from data_access.engines.registry import get_engine

__all__ = ["DuckDBEngine", "Engine", "ReadsRollups", "get_engine", "result_batches"]
