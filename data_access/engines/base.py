"""What reports need from an engine (`Engine`), what an engine that reads the rollups adds
(`ReadsRollups`), and reading a result in slices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import polars as pl


class Engine(Protocol):
    """What reports need from an engine."""

    name: str
    lake: Path | str  # a str only for an object-storage URI (Spark)
    generation: str

    def table(self, name: str) -> ir.Table:
        """The lake table `name` (contract columns plus the `year` partition column)."""
        ...

    def to_polars(self, expr: ir.Table) -> pl.DataFrame:
        """Run `expr` and return its rows."""
        ...


@runtime_checkable
class ReadsRollups(Protocol):
    """An engine that also serves the lake's monthly rollups (DuckDB), as tables named
    `lake.rollups.view_name(rollup)`. Reports never ask it: `Scope.rollup` does."""

    rollups: frozenset[str]  # the usable rollups (`data_access.lake.rollups`); may be empty
    rollup_dates: dict[str, tuple[date, date]]  # first and last entry date per source table


def result_batches(engine: Engine, expr: ir.Table, rows: int) -> Iterator[pl.DataFrame]:
    """`expr`'s rows, `rows` at a time: streamed where the engine can (DuckDB), else its
    whole result cut in slices (Spark collects to the driver anyway)."""
    stream = getattr(engine, "to_batches", None)
    if stream is not None:
        yield from stream(expr, rows)
        return
    yield from engine.to_polars(expr).iter_slices(rows)
