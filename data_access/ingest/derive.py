"""Entry summary headers implied by a line file (ACE's ES-003 Line Tariff Details).

ES-003 is the file most importers have; it has no header rows, but every line carries
its entry's number, type, port, importer and dates. The header is derived: entered
value and duty are the sums of the lines, the filer code is the entry number's first
three characters, header-level columns repeated on the lines are taken as written.
What the file does not carry stays empty, never invented. Lines stream in batches and
an entry's lines may span two, so each batch is reduced to partial sums and then the
partials to one row per entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from data_access.schema import ENTRY_SUMMARIES, MONEY_MAX

# Header money as sums of line columns (duty includes AD/CVD, fees are MPF and HMF).
SUMS: dict[str, tuple[str, ...]] = {
    "entered_value": ("entered_value",),
    "duty_amount": ("duty_amount", "add_amount", "cvd_amount"),
    "tax_amount": ("tax_amount",),
    "fee_amount": ("mpf_amount", "hmf_amount"),
}
# Partials are split by a hash of the entry number, so the final group-by holds one
# bucket's entries at a time: memory stays bounded however many entries a file has.
BUCKETS = 16
EARLIEST = ("entry_date", "entry_summary_date", "export_date", "liquidation_date")


def _plan(present: set[str]) -> tuple[dict[str, tuple[str, ...]], list[str], list[str]]:
    """Which header columns are sums, earliest dates, or first values, given the file."""
    sums = {
        header: tuple(c for c in lines if c in present)
        for header, lines in SUMS.items()
        if header not in present - set(lines) and any(c in present for c in lines)
    }
    earliest = [c for c in EARLIEST if c in present]
    first = [
        c
        for c in ENTRY_SUMMARIES.column_names
        if c in present and c != "entry_number" and c not in sums and c not in earliest
    ]
    return sums, earliest, first


def partial(lines: pl.DataFrame, present: set[str]) -> pl.DataFrame:
    """One row per entry of this batch: its sums, earliest dates and first values."""
    sums, earliest, first = _plan(present)
    return lines.group_by("entry_number", maintain_order=True).agg(
        *(pl.sum_horizontal(pl.col(list(cols)).sum()).alias(h) for h, cols in sums.items()),
        *(pl.col(c).min() for c in earliest),
        *(pl.col(c).drop_nulls().first() for c in first),
    )


def write_partial(lines: pl.DataFrame, present: set[str], folder: Path, batch: int) -> None:
    """This batch's partials, one file per entry-number bucket."""
    rows = partial(lines, present).with_columns(
        _bucket=pl.col("entry_number").hash(seed=0) % BUCKETS
    )
    for (bucket,), part in rows.group_by("_bucket"):
        part.drop("_bucket").write_parquet(folder / f"b{bucket:02d}-{batch:05d}.parquet")


def header_batches(folder: Path, present: set[str]) -> Iterator[pl.DataFrame]:
    """The entry summary rows of all the partials in `folder`, one bucket at a time."""
    for bucket in range(BUCKETS):
        files = sorted(folder.glob(f"b{bucket:02d}-*.parquet"))
        if files:
            yield headers(files, present).collect()


def headers(partials: list[Path], present: set[str]) -> pl.LazyFrame:
    """The entry summary rows of these partials."""
    sums, earliest, first = _plan(present)
    return (
        pl.scan_parquet(partials)
        .group_by("entry_number", maintain_order=True)
        .agg(
            *(pl.col(h).sum() for h in sums),
            *(pl.col(c).min() for c in earliest),
            *(pl.col(c).drop_nulls().first() for c in first),
        )
    )


def too_large(headers: pl.DataFrame) -> str:
    """'' when every derived sum fits an entry summary's amount (decimal(18,2)), else what
    does not: more than a million lines at the $10 billion ceiling on one entry."""
    for column in SUMS:
        if column not in headers.columns:
            continue
        over = headers.filter(pl.col(column).abs() > pl.lit(MONEY_MAX))
        if not over.is_empty():
            entry, amount = over.select("entry_number", column).row(0)
            label = ENTRY_SUMMARIES.column(column).label
            return (
                f"entry {entry}: its lines add up to a {label} of ${amount:,.2f}, more than "
                f"an entry summary holds (${MONEY_MAX:,.2f}); split or correct the file"
            )
    return ""


def merge_existing(
    derived: pl.DataFrame, existing: pl.DataFrame, present: set[str]
) -> pl.DataFrame:
    """Derived headers completed from earlier rows of the same entries where the file is
    silent (a richer header export loaded before keeps its liquidation data)."""
    if existing.is_empty():
        return derived
    sums, earliest, first = _plan(present)
    provided = {"entry_number", *sums, *earliest, *first}
    silent = [c for c in ENTRY_SUMMARIES.column_names if c not in provided]
    old = existing.unique("entry_number", keep="last").select("entry_number", *silent)
    return derived.join(old, on="entry_number", how="left")
