"""CAPE Declaration files: the CAPE-eligible entries of one importer, as CBP takes them.

A declaration is a CSV file with one column headed "Entry Number" (the header of
`config/refund_routes.yaml`), one 11-character entry number a row, no duplicates, at most
`max_entries` (9,999) rows; more entries make more files. Files are named for the importer
and their number in the batch: ``CAPE-12-3456789AB-001.csv``. The entries are the rows of
`refunds.by_entry` whose route is CAPE, so the principal's rules apply as everywhere.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import polars as pl

from data_access.refund_routes import RefundRules

CAPE_ROUTE = "cape"


class CapeError(ValueError):
    """The declaration cannot be written as asked (the message says what to do)."""


@dataclass(frozen=True)
class Declaration:
    """One CAPE Declaration file: its name, entries and the IEEPA duty it claims."""

    importer_number: str
    number: int
    entries: tuple[str, ...]
    ieepa_duty: Decimal

    @property
    def file_name(self) -> str:
        return f"CAPE-{self.importer_number}-{self.number:03d}.csv"

    def content(self, header: str) -> bytes:
        return pl.DataFrame({header: list(self.entries)}).write_csv().encode()


def eligible(by_entry: pl.DataFrame, importer: str | None) -> tuple[str, pl.DataFrame]:
    """The one importer to declare for, and its CAPE rows (unique entry numbers, sorted).

    `importer` is required when the rows hold several importers."""
    cape = by_entry.filter(pl.col("route") == CAPE_ROUTE)
    held = sorted(set(by_entry.get_column("importer_number").to_list()))
    if importer is None:
        if len(held) > 1:
            shown = ", ".join(held[:10]) + (f" and {len(held) - 10} more" if len(held) > 10 else "")
            raise CapeError(
                f"these entries belong to {len(held)} importers ({shown}): a declaration is "
                "one importer's; name it with --importer"
            )
        importer = held[0] if held else ""
    elif importer not in held:
        raise CapeError(f"no IEEPA entries of importer {importer} in what you may see")
    rows = cape.filter(pl.col("importer_number") == importer)
    rows = rows.unique("entry_number", keep="first").sort("entry_number")
    return importer, rows


def declarations(
    by_entry: pl.DataFrame, rules: RefundRules, importer: str | None = None
) -> list[Declaration]:
    """The declaration files for one importer's CAPE entries, split at the file limit."""
    importer, rows = eligible(by_entry, importer)
    limit = rules.declaration.max_entries
    found = []
    for start in range(0, rows.height, limit):
        part = rows.slice(start, limit)
        duty = part.get_column("ieepa_duty").sum()
        found.append(
            Declaration(
                importer_number=importer,
                number=start // limit + 1,
                entries=tuple(part.get_column("entry_number").to_list()),
                ieepa_duty=Decimal(duty).quantize(Decimal("0.01")),
            )
        )
    return found


def write(found: list[Declaration], folder: Path, rules: RefundRules) -> list[Path]:
    """Write each declaration into `folder` (each file appears whole, or not at all)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for declaration in found:
        target = folder / declaration.file_name
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".cape-", suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(declaration.content(rules.declaration.header))
        os.replace(temporary, target)
        written.append(target)
    return written


def zipped(found: list[Declaration], rules: RefundRules) -> bytes:
    """All declarations of a batch in one zip (the page's download)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for declaration in found:
            archive.writestr(declaration.file_name, declaration.content(rules.declaration.header))
    return buffer.getvalue()
