"""A page download in bounded memory: the file is written a batch at a time to disk and
read once, so building it takes the bytes Streamlit serves and one batch, no more; and a
file past a stated size stops, leaving nothing behind.

Before, the page built CSV and Parquet in a BytesIO: for a 1M-row CSV of 51.9 MB the
build peaked at 59.8 MB of Python memory (the buffer grows by an eighth each time), past
the file plus one batch this test allows."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import polars as pl
import pyarrow.parquet  # noqa: F401  (imported before measuring: its import is not the file)
import pytest

from data_access import export
from ui import exports

ROWS = 1_000_000
BATCH = export.BATCH_ROWS
ONE_BATCH = 4 * 2**20  # a batch of these rows as CSV text is 2.6 MB


def batch(start: int, rows: int) -> pl.DataFrame:
    """Rows start..start+rows of a built ES-003-like table (native: no Python objects)."""
    n = pl.int_range(start, start + rows, eager=True)
    return pl.DataFrame({"n": n}).select(
        entry_number=pl.lit("ABC") + pl.col("n").cast(pl.String).str.zfill(7) + pl.lit("0"),
        entry_date=pl.date(2024, 1, 1) + pl.duration(days=pl.col("n") % 900),
        entered_value=(pl.col("n").cast(pl.Decimal(18, 2)) / 100).cast(pl.Decimal(18, 2)),
        importer_name=pl.lit("=HYPERLINK(1)"),  # a formula: the CSV must not run it
    )


def batches() -> pl.DataFrame | list[pl.DataFrame]:
    return (batch(start, min(BATCH, ROWS - start)) for start in range(0, ROWS, BATCH))  # type: ignore[return-value]


def peak(fmt: str) -> tuple[bytes, int]:
    """The download's bytes, and the most Python memory building them took."""
    tracemalloc.start()
    try:
        data = exports.file_bytes(batches, fmt, "ace", "entry_lines")
        return data, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_csv_download_takes_its_bytes_and_one_batch() -> None:
    data, most = peak("csv")
    assert most <= len(data) + ONE_BATCH, (len(data), most)
    assert len(data) == 51_889_085  # the file Streamlit serves: 1M rows
    lines = data.splitlines()
    assert len(lines) == ROWS + 1
    assert lines[0] == (
        b'"Entry Summary Number","Entry Date","Line Tariff Goods Value Amount","Importer Name"'
    )
    assert lines[1] == b'"ABC00000000","2024-01-01",0.00,"\'=HYPERLINK(1)"'  # guarded
    assert lines[-1] == b'"ABC09999990","2024-04-09",9999.99,"\'=HYPERLINK(1)"'


def test_a_parquet_download_takes_its_bytes_and_one_batch() -> None:
    data, most = peak("parquet")
    assert most <= len(data) + ONE_BATCH, (len(data), most)
    back = pl.read_parquet(io.BytesIO(data))
    assert back.height == ROWS
    assert back.row(-1) == ("ABC09999990", back.item(-1, 1), back.item(-1, 2), "=HYPERLINK(1)")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "json"])
def test_a_file_past_its_size_stops_and_leaves_nothing(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"big.{fmt}"
    rows = [batch(0, 1000), batch(1000, 1000), batch(2000, 1000)]
    with pytest.raises(export.TooLarge) as stopped:
        export.write_batches(iter(rows), target, fmt, max_bytes=10_000)
    assert (stopped.value.fmt, stopped.value.limit) == (fmt, 10_000)
    # stopped after the batch that took it past (Parquet's first row group is written out
    # with the second), and Excel once packed
    assert stopped.value.rows == {"csv": 1000, "json": 1000, "parquet": 2000, "xlsx": 3000}[fmt]
    assert str(stopped.value).startswith(
        f"the {fmt.upper()} file passed 10,000 bytes at {stopped.value.rows:,} rows"
    )
    assert list(tmp_path.iterdir()) == []  # no file, no partial file
    written = export.write_batches(iter(rows), target, fmt, max_bytes=100 * 2**20)
    assert written == 3000 and target.exists()
