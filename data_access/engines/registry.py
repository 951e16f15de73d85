"""The process-wide engine of each lake: opened once, reopened when the lake changes."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

from data_access.engines.base import Engine
from data_access.engines.duckdb import DuckDBEngine
from data_access.lake import check as lake_check
from data_access.lake import layout
from data_access.settings import engine_name, lake_path

_engines: dict[tuple[str, Path | str], Engine] = {}
_engines_lock = threading.Lock()


def get_engine(lake: Path | str | None = None, name: str | None = None) -> Engine:
    """The process-wide engine for `lake`, reopened when the lake's snapshot changes.

    `lake` is a directory, or (Spark only) an object-storage URI such as s3a://bucket/lake.
    A lake with a known problem (`lake_check`) raises `LakeDamaged` instead: no numbers
    are served from it.
    """
    lake = _location(lake if lake is not None else lake_path())
    name = name or engine_name()
    key = (name, lake)
    if isinstance(lake, Path):
        lake_check.require_intact(lake)  # once per snapshot, then a dictionary look-up
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None or engine.generation != _generation(lake):
            engine = _open(name, lake)
            _engines[key] = engine
            _freeze_heap()
        return engine


def _freeze_heap() -> None:
    """Move what is alive now (modules, Ibis, sqlglot, code lists, the engine) out of the
    garbage collector's reach: its full passes walked that whole heap in the middle of
    renders, 70 ms each, every few pages (benchmarks/README.md). Garbage is collected
    first, so nothing collectable is frozen."""
    gc.collect()
    gc.freeze()


def _location(lake: Path | str) -> Path | str:
    text = str(lake)
    return text.rstrip("/") if "://" in text else Path(lake).resolve()


def _generation(lake: Path | str) -> str:
    return "" if isinstance(lake, str) else layout.generation(lake)  # URI: see spark.md


def _open(name: str, lake: Path | str) -> Engine:
    if name == "spark":
        from data_access.engines.spark import SparkEngine  # optional extra, imported lazily

        return SparkEngine(lake)
    if isinstance(lake, str):
        raise ValueError(f"the lake {lake} is on object storage: set ITRAC_ENGINE=spark")
    return DuckDBEngine(lake)
