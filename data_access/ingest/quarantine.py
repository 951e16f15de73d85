"""The quarantine: rejected rows with file, row number, column, reason and value.

Written through the transaction to ``<lake>/_quarantine/<sha256 prefix>/part-NNNNN.parquet``
(one folder per ingested file), so it commits, or vanishes, with the rows it explains.
Each row also carries the rejected line's own fields, so the download can be fixed and
loaded again.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from data_access import lake
from data_access.ingest.workbook import FORMULA

FIXED = ("file", "row", "column", "reason", "value")


def folder_name(sha256: str) -> str:
    return sha256[:16]


def rows(
    source: str, raw: pl.DataFrame, failures: pl.DataFrame, headers: dict[str, str]
) -> pl.DataFrame:
    """Quarantine rows for `failures` (_row, lake column, reason) of the text batch `raw`.

    `headers` maps lake columns to the file's headers, so users read their own names.
    """
    if failures.is_empty():
        return pl.DataFrame()
    header_of = pl.col("column").replace_strict(headers, default=pl.col("column"))
    failing = raw.join(failures.select("_row").unique(), on="_row", how="semi")
    failing = failing.drop(c for c in failing.columns if c.startswith(FORMULA))  # flags
    wanted = [h for h in dict.fromkeys(headers.values()) if h in raw.columns]
    values = failing.select("_row", *wanted).unpivot(
        index="_row", variable_name="header", value_name="value"
    )
    fields = failing.rename({c: f"{c} (file)" for c in failing.columns if c in FIXED})
    return (
        failures.with_columns(header=header_of)
        .join(values, on=["_row", "header"], how="left")
        .select(
            pl.lit(source).alias("file"),
            pl.col("_row").alias("row"),
            pl.col("header").alias("column"),
            "reason",
            "value",
        )
        .join(fields, left_on="row", right_on="_row", how="left")
        .sort("row", "column")
    )


def ragged_rows(source: str, ragged: list[dict], header_count: int) -> pl.DataFrame:
    """Lines whose field count differs from the header's (cut or extra delimiters)."""
    return pl.DataFrame(
        {
            "file": [source] * len(ragged),
            "row": [r["row"] for r in ragged],
            "column": ["(whole line)"] * len(ragged),
            "reason": [
                f"has {r['fields']} fields where the header has {header_count}" for r in ragged
            ],
            "value": [r["text"] for r in ragged],
        },
        schema={
            "file": pl.String,
            "row": pl.Int64,
            "column": pl.String,
            "reason": pl.String,
            "value": pl.String,
        },
    )


def write(folder: Path, frame: pl.DataFrame, index: int) -> None:
    if frame.is_empty():
        return
    folder.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(folder / f"part-{index:05d}.parquet", compression="zstd")


def read(where: Path, sha256: str | None = None) -> pl.DataFrame:
    """The quarantined rows of one ingested file (by content hash), or of all files."""
    base = where / lake.QUARANTINE
    pattern = f"{folder_name(sha256)}/*.parquet" if sha256 else "*/*.parquet"
    files = sorted(base.glob(pattern))
    if not files:
        return pl.DataFrame(schema=dict.fromkeys(FIXED, pl.String) | {"row": pl.Int64})
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")
