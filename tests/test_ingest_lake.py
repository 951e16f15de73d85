"""Ingest safety: re-ingest skipped, overlaps replaced (newest wins), kills leave no trace."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from data_access import lake
from data_access.ingest import ingest, readers
from data_access.ingest.quarantine import read
from data_access.settings import ROOT
from tests.ingest_files import lake_rows, write_es003, write_export

HEADER = ["Entry Summary Number", "Entry Summary Line Number", "Importer Number", "Entry Type Code",
          "Port of Entry Code", "Entry Date", "HTS Number - Full", "Country of Origin Code",
          "Line Tariff Goods Value Amount"]  # fmt: skip
A, B, C = "ABC12345676", "BII05992854", "ABC00000028"
ACME = "27-1234567AB"


def _line(entry: str, line: int, value: str, day: str = "01/05/2024") -> list[str]:
    return [entry, str(line), ACME, "01", "2704", day, "0901210000", "BR", value]


def _first(tmp_path: Path) -> Path:
    rows = [HEADER, _line(A, 1, "100.00"), _line(A, 2, "200.00"), _line(B, 1, "300.00")]
    return write_export(tmp_path / "first.csv", rows)


def _second(tmp_path: Path) -> Path:
    # Entry A re-exported after a correction: one line now; entry C is new.
    rows = [HEADER, _line(A, 1, "150.00"), _line(C, 1, "50.00", "12/31/2024")]
    return write_export(tmp_path / "second.csv", rows)


def _values(where: Path, table: str, *columns: str) -> list[tuple]:
    return lake_rows(where, table).select(*columns).rows()


def test_the_same_file_again_is_skipped_and_the_lake_untouched(tmp_path):
    where = tmp_path / "lake"
    [first] = ingest(where, [_first(tmp_path)])
    generation = lake.generation(where)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(_first(tmp_path).read_bytes())
    [again] = ingest(where, [copy])
    assert (again.status, again.note, again.rows_loaded) == (
        "skipped",
        "same content as first.csv, already loaded",
        0,
    )
    assert again.sha256 == first.sha256
    assert lake.generation(where) == generation
    assert lake.manifest(where)["file"].to_list() == ["first.csv"]


@pytest.mark.parametrize("one_call", [False, True], ids=["two-ingests", "one-ingest"])
def test_a_newer_export_replaces_overlapping_entries(tmp_path, one_call):
    where = tmp_path / "lake"
    if one_call:
        [_, second] = ingest(where, [_first(tmp_path), _second(tmp_path)])
    else:
        ingest(where, [_first(tmp_path)])
        [second] = ingest(where, [_second(tmp_path)])
    # A's two old lines are replaced by its one new line; B stays; C is added.
    assert _values(where, "entry_lines", "entry_number", "line_number", "entered_value") == [
        (C, 1, Decimal("50.00")),
        (A, 1, Decimal("150.00")),
        (B, 1, Decimal("300.00")),
    ]
    assert _values(where, "entry_summaries", "entry_number", "entered_value") == [
        (C, Decimal("50.00")),
        (A, Decimal("150.00")),
        (B, Decimal("300.00")),
    ]
    assert second.rows_replaced == 3  # two lines and one header of entry A
    assert lake.manifest(where)["file"].to_list() == ["first.csv", "second.csv"]


def test_derived_headers_keep_what_an_earlier_header_export_knew(tmp_path):
    where = tmp_path / "lake"
    header = [
        ["Entry Summary Number", "Entry Type Code", "Importer Number", "Port of Entry Code",
         "Entry Date", "Entered Value", "Liquidation Date", "Liquidation Status"],
        [A, "01", ACME, "2704", "01/05/2024", "$999.00", "11/01/2024", "Liquidated"],
    ]  # fmt: skip
    [loaded] = ingest(where, [write_export(tmp_path / "es001.csv", header)])
    assert loaded.tables == {"entry_summaries": 1}
    ingest(where, [_first(tmp_path)])
    [row] = lake_rows(where, "entry_summaries").filter(entry_number=A).to_dicts()
    assert (row["entry_number"], row["entered_value"]) == (A, Decimal("300.00"))  # the lines'
    assert (row["liquidation_date"], row["liquidation_status"]) == (date(2024, 11, 1), "Liquidated")


def test_a_file_failing_midway_leaves_nothing_while_the_others_load(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "BLOCK_BYTES", 4096)  # many batches from a small file
    broken = write_es003(tmp_path / "broken.csv", 2000)
    with broken.open("ab") as handle:  # after many batches, a row longer than a block
        handle.write(b'"BII00000018","9","01","' + b"x" * 10_000 + b"\n")
    where = tmp_path / "lake"
    good, bad = ingest(where, [_first(tmp_path), broken])
    assert (good.status, bad.status) == ("loaded", "failed")
    assert bad.errors[0].startswith("broken.csv: cannot read past row ")
    assert "a row longer than" in bad.errors[0]
    assert len(lake_rows(where, "entry_lines")) == 3
    assert read(where).is_empty()
    assert lake.manifest(where)["file"].to_list() == ["first.csv"]


# --- the killed ingest --------------------------------------------------------------------
def _state(where: Path) -> dict[str, str]:
    """Every committed file's content hash (tables, manifest, quarantine, rollups)."""
    root = (where / lake.CURRENT).resolve()
    state = {"_current": os.readlink(where / lake.CURRENT)}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            state[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def _uncommitted_parts(where: Path) -> int:
    current = lake.generation(where)
    return sum(
        len(list(snapshot.rglob("part-*.parquet")))
        - len(list((where / lake.SNAPSHOTS / current).rglob("part-*.parquet")))
        for snapshot in (where / lake.SNAPSHOTS).iterdir()
        if snapshot.name != current
    )


def test_a_killed_ingest_leaves_the_lake_byte_identical(tmp_path):
    where = tmp_path / "lake"
    ingest(where, [_first(tmp_path)])
    before = _state(where)
    big = write_es003(tmp_path / "big.csv", 300_000)
    command = [sys.executable, "-m", "data_access.cli", "ingest", str(big), "--lake", str(where)]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    seen, deadline = b"", time.monotonic() + 120
    while not re.search(rb"ingest:\s+[1-9]\d*%", seen):  # a batch is in the new snapshot
        assert process.poll() is None, f"ingest ended before it could be killed: {seen!r}"
        assert time.monotonic() < deadline, "no progress within 2 minutes"
        seen += process.stderr.read() or b""
        time.sleep(0.02)
    written = _uncommitted_parts(where)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    assert written > 0  # it was killed midway, with rows written to the uncommitted snapshot
    assert _state(where) == before
    assert lake_rows(where, "entry_lines").height == 3
    # The next write sweeps the killed one's leftovers away.
    [after] = ingest(where, [_second(tmp_path)])
    assert after.status == "loaded"
    assert len(list((where / lake.SNAPSHOTS).iterdir())) <= 2
