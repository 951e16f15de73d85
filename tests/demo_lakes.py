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


def plant_mtb_goods(where: Path, *, every: int) -> None:
    """File the goods row of the layered lines of the entries whose serial is `every` + 1
    modulo `every` under a Miscellaneous Tariff Bill number of its own (9902 and its last
    six digits), as ACE has it where the 9902 number comes first: a goods row whose own
    number is Chapter 99, so a "9902" prefix takes its layers by their goods number and a
    "99" prefix rows that are not 9903 layers. Writes to `where`: a copy."""
    lines = pl.read_parquet(lake.table_files(where, "entry_lines"), hive_partitioning=False)
    serial = pl.col("entry_number").str.slice(4, 7).cast(pl.Int64)
    layered = lines.filter((pl.col("tariff_ordinal") > 1) & (serial % every == 1))
    keys = layered.select("entry_number", "line_number").unique()
    chosen = keys.get_column("entry_number").unique()
    entries = lines.filter(pl.col("entry_number").is_in(chosen.implode()))
    goods = (pl.col("tariff_ordinal") == 1) & pl.struct("entry_number", "line_number").is_in(
        keys.to_struct().implode()
    )
    planted = entries.with_columns(
        hts_number=pl.when(goods)
        .then(pl.lit("9902") + pl.col("hts_number").str.slice(4, 6))
        .otherwise(pl.col("hts_number"))
    )
    with lake.transaction(where) as tx:
        tx.delete_where(
            "entry_lines", lambda f: f.filter(~pl.col("entry_number").is_in(chosen.implode()))
        )
        tx.write("entry_lines", planted)


def plant_chapter_99_goods(where: Path, *, every: int, number: str = "9903012500") -> None:
    """File the goods row of the first line of the entries without layers whose serial is
    `every` + 2 modulo `every` under a 9903 `number`, as ACE has it where a Chapter 99
    number comes first: a 9903 row that is not a layer (ordinal 1), so a "9903" prefix
    takes those entries' rows without taking them as entries with a layer. Writes to
    `where`: a copy."""
    lines = pl.read_parquet(lake.table_files(where, "entry_lines"), hive_partitioning=False)
    serial = pl.col("entry_number").str.slice(4, 7).cast(pl.Int64)
    layered = lines.filter(pl.col("tariff_ordinal") > 1).get_column("entry_number").unique()
    plain = ~pl.col("entry_number").is_in(layered.implode()) & (serial % every == 2)
    chosen = lines.filter(plain).get_column("entry_number").unique()
    entries = lines.filter(pl.col("entry_number").is_in(chosen.implode()))
    first = (pl.col("tariff_ordinal") == 1) & (pl.col("line_number") == 1)
    planted = entries.with_columns(
        hts_number=pl.when(first).then(pl.lit(number)).otherwise(pl.col("hts_number"))
    )
    with lake.transaction(where) as tx:
        tx.delete_where(
            "entry_lines", lambda f: f.filter(~pl.col("entry_number").is_in(chosen.implode()))
        )
        tx.write("entry_lines", planted)
