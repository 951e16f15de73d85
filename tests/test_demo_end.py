"""`itrac demo --end`: a demo lake fixed in time, the same whatever day it is built on."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from data_access import cli, lake, schema

ARGS = ["--end", "2026-06-30", "--seed", "7", "--lines", "20000"]


def build(where: Path, today: str, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    monkeypatch.setenv("ITRAC_TODAY", today)
    return cli.main(["demo", "--lake", str(where), *extra])


def files(root: Path, folder: str) -> list[tuple[str, bytes]]:
    """The Parquet files of a table or rollup, by year and write order (names hold the
    snapshot id, a timestamp; their order and bytes do not)."""
    found = sorted((root / folder).glob("year=*/*.parquet"))
    return [(p.parent.name, p.read_bytes()) for p in found]


def test_a_fixed_end_gives_the_same_lake_whatever_today_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert build(one, "2026-07-01", monkeypatch, *ARGS) == 0
    assert build(two, "2031-03-15", monkeypatch, *ARGS) == 0
    a, b = one / "_current", two / "_current"
    for name in schema.TABLES:
        left = pl.read_parquet(lake.table_glob(a, name))
        right = pl.read_parquet(lake.table_glob(b, name))
        key = list(schema.TABLES[name].key)
        assert left.height > 0 or name == "exams", name
        assert left.sort(key).equals(right.sort(key)), name
        assert files(a, name) == files(b, name), name  # byte-identical files
    rollups = sorted(p.name for p in (a / "_rollups").iterdir() if p.is_dir())
    assert len(rollups) >= 5
    for rollup in rollups:  # same rows (their order within a file may differ)
        left, right = (pl.read_parquet(r / "_rollups" / rollup / "year=*/*") for r in (a, b))
        assert left.height > 0 and left.sort(left.columns).equals(right.sort(right.columns)), rollup
    sources = [json.loads((r / "_rollups" / "sources.json").read_text()) for r in (a, b)]
    assert sources[0]["dates"] == sources[1]["dates"]
    coverage = [json.loads((r / "_manifest" / "coverage.json").read_text()) for r in (a, b)]
    assert coverage[0]["tables"] == coverage[1]["tables"]
    # The end is honoured: nothing after it, and the last week has entries (20,000 lines
    # leave some weekdays without one, so the very last day is the seed's to decide).
    assert "2026-06-24" <= coverage[0]["tables"]["entry_lines"]["last"] <= "2026-06-30"
    manifest = lake.manifest(a).row(0, named=True)
    assert (manifest["kind"], manifest["seed"], manifest["end"]) == ("demo", 7, "2026-06-30")


def test_without_end_the_lake_ends_today(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert build(tmp_path, "2024-02-29", monkeypatch, "--lines", "5000", "--seed", "3") == 0
    es = pl.read_parquet(lake.table_glob(tmp_path, "entry_summaries"))
    assert lake.manifest(tmp_path).row(0, named=True)["end"] == "2024-02-29"
    assert date(2024, 2, 20) <= es["entry_date"].max() <= date(2024, 2, 29)
    assert es["entry_date"].min() >= date(2019, 3, 1)  # five years: from 1 March 2019
    monkeypatch.setenv("ITRAC_TODAY", "29/02/2024")
    assert cli.main(["demo", "--lake", str(tmp_path), "--lines", "5000"]) == cli.EXIT_USAGE


def test_if_changed_keeps_the_same_demo_and_never_replaces_other_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    small = ["--end", "2025-06-30", "--lines", "5000", "--if-changed"]
    assert build(tmp_path, "2026-01-05", monkeypatch, *small) == 0
    first = lake.generation(tmp_path)
    assert build(tmp_path, "2026-09-09", monkeypatch, *small) == 0
    assert lake.generation(tmp_path) == first
    assert "already the demo lake of seed 42 up to 2025-06-30" in capsys.readouterr().out
    other_end = ["--end", "2024-12-31", "--lines", "5000", "--if-changed"]
    assert build(tmp_path, "2026-09-09", monkeypatch, *other_end) == 0
    assert lake.generation(tmp_path) != first  # another end: rebuilt
    with lake.transaction(tmp_path) as tx:
        tx.record(file="es.csv", kind="ingest", rows_loaded=1)
    kept = lake.generation(tmp_path)
    assert build(tmp_path, "2026-09-09", monkeypatch, *small) == 0
    assert lake.generation(tmp_path) == kept
    assert "not a demo lake; left as it is" in capsys.readouterr().out
