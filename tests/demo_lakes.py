"""Demo lakes for tests, one per set of `synth.build_demo_lake` arguments a session (the
`demo_lake` fixture of conftest.py hands out the one `DemoLakes`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from data_access import lake
from data_access.synth import build_demo_lake


class DemoLakes:
    """`demo_lake(lines=..., seed=..., end=..., **options)`: the lake `build_demo_lake`
    writes for those arguments, built the first time they are asked for and shared by every
    test that asks for the same ones. Read it only; copy it before writing to it."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._built: dict[tuple[Any, ...], Path] = {}

    def __call__(self, *, lines: int, seed: int, end: date | None = None, **options: Any) -> Path:
        key = (lines, seed, end, *sorted(options.items()))
        if key not in self._built:
            where = self._tmp.mktemp(f"demo-{lines}-{seed}") / "lake"
            build_demo_lake(where, lines=lines, seed=seed, end=end, **options)
            self._built[key] = where
        return self._built[key]


def mix_origins(where: Path, *, every: int, countries: tuple[str, str]) -> None:
    """Give the entries with two or more lines whose serial is a multiple of `every` a
    second country of origin on their later lines (layers included): the second of
    `countries` where the first line is from the first, else the first. The demo's
    entries each come from one country; counting entries under countries must not rely on
    it. Writes to `where`: a copy, never a shared `DemoLakes` lake."""
    first, second = countries
    lines = pl.read_parquet(lake.table_files(where, "entry_lines"), hive_partitioning=False)
    several = lines.group_by("entry_number").agg(pl.col("line_number").max() > 1)
    serial = pl.col("entry_number").str.slice(4, 7).cast(pl.Int64)
    chosen = several.filter(pl.col("line_number") & (serial % every == 0)).get_column(
        "entry_number"
    )
    other = pl.when(pl.col("country_of_origin") == first).then(pl.lit(second))
    mixed = lines.filter(pl.col("entry_number").is_in(chosen.implode())).with_columns(
        country_of_origin=pl.when(pl.col("line_number") > 1)
        .then(other.otherwise(pl.lit(first)))
        .otherwise(pl.col("country_of_origin"))
    )
    with lake.transaction(where) as tx:
        tx.delete_where(
            "entry_lines", lambda f: f.filter(~pl.col("entry_number").is_in(chosen.implode()))
        )
        tx.write("entry_lines", mixed)
