"""A snapshot being built: what a write adds to, rewrites and records before `store`
commits it (`store.transaction` makes one and swaps it in atomically)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from data_access.lake import layout
from data_access.schema import conform, table

ROW_GROUP_ROWS = 122_880


@dataclass
class Transaction:
    """A snapshot being built; visible to readers only after `commit`."""

    lake: Path
    root: Path
    id: str
    manifest_rows: list[dict] = field(default_factory=list)
    # Called while the commit rebuilds the rollups: (source rows rolled up so far, total).
    rollup_progress: Callable[[int, int], None] | None = None
    _counter: int = 0

    def path(self, name: str) -> Path:
        return self.root / name

    def write(self, name: str, frame: pl.DataFrame) -> int:
        """Add `frame`'s rows to table `name`, one new file per year; returns rows."""
        spec = table(name)
        frame = conform(name, frame)
        if frame.is_empty():
            return 0
        years = frame.get_column(spec.date_column).dt.year()
        for (year,), part in frame.with_columns(_year=years).group_by("_year"):
            self._write_part(name, int(year), part.drop("_year"))
        return frame.height

    def _write_part(self, name: str, year: int, part: pl.DataFrame) -> None:
        spec = table(name)
        folder = layout.year_folder(self.path(name), year)
        folder.mkdir(parents=True, exist_ok=True)
        self._counter += 1
        target = folder / f"part-{self.id}-{self._counter:05d}.parquet"
        part.sort(spec.sort_columns, nulls_last=True, maintain_order=True).write_parquet(
            target, compression="zstd", statistics=True, row_group_size=ROW_GROUP_ROWS
        )

    def scan(self, name: str) -> pl.LazyFrame:
        """The table as this transaction sees it (for rewrites and rollups)."""
        files = layout.files(self.path(name))
        if not files:
            return conform(name, pl.DataFrame()).lazy()
        return pl.scan_parquet(files, hive_partitioning=False)

    def delete_where(self, name: str, keep: Callable[[pl.LazyFrame], pl.LazyFrame]) -> int:
        """Rewrite the files of `name` through `keep`; returns how many rows were dropped."""
        dropped = 0
        for file in layout.files(self.path(name)):
            before = pl.scan_parquet(file).select(pl.len()).collect().item()
            kept = keep(pl.scan_parquet(file)).collect()
            if kept.height == before:
                continue
            dropped += before - kept.height
            file.unlink()  # never edit in place: the file may be a link into the last snapshot
            if kept.height:
                self._write_part(name, int(layout.year_of(file)), kept)
        return dropped

    def record(self, **entry: object) -> None:
        """Add one row to the manifest (an ingested file or a generated data set)."""
        self.manifest_rows.append(entry)

    def replace_file(self, relative: str, content: bytes) -> None:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        target.write_bytes(content)
