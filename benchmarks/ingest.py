"""Ingest against DuckDB's own CSV-to-Parquet COPY of the same file, with peak memory.

A multi-GB ES-003 CSV is generated once (tests/ingest_files.py's generator, cached in
`work`); then `itrac ingest` loads it into a fresh lake and DuckDB copies it to one
Parquet file, each in its own process under /usr/bin/time -v (wall time, peak RSS).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import ROOT, emit

GIB = 2**30
COPY_SCRIPT = """
import sys, duckdb
source, target = (a.replace("'", "''") for a in sys.argv[1:3])
con = duckdb.connect()
con.execute(
    f"COPY (SELECT * FROM read_csv('{source}')) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
)
"""


def es003_file(work: Path, gib: float) -> Path:
    """An ES-003 CSV of about `gib` GiB (generated once; ~170 bytes a row)."""
    from tests.ingest_files import es003_frame, write_es003

    target = work / f"es003_{gib:g}gib.csv"
    if not target.exists():
        work.mkdir(parents=True, exist_ok=True)
        sample = es003_frame(10_000).write_csv(quote_style="non_numeric").encode()
        rows = int(gib * GIB / (len(sample) / 10_000))
        partial = target.with_suffix(".partial")
        write_es003(partial, rows)
        partial.replace(target)
    return target


def timed_process(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of one process, from GNU time."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", *argv], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed:\n{done.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and peak, done.stderr
    hours, minutes, seconds = (float(g) if g else 0.0 for g in wall.groups())
    return hours * 3600 + minutes * 60 + seconds, int(peak.group(1)) / 1024


def run_ingest(work: Path, gib: float, out: Callable[[str], None] = print) -> list[dict]:
    source = es003_file(work, gib)
    size = source.stat().st_size
    lake = work / "ingest-lake"
    shutil.rmtree(lake, ignore_errors=True)
    itrac = [sys.executable, "-m", "data_access.cli", "ingest", str(source)]
    ingest_s, ingest_mib = timed_process([*itrac, "--lake", str(lake), "--json"])
    copy_s, copy_mib = timed_process(
        [sys.executable, "-c", COPY_SCRIPT, str(source), str(work / "copy.parquet")]
    )
    shutil.rmtree(lake, ignore_errors=True)
    (work / "copy.parquet").unlink(missing_ok=True)
    line = {
        "bench": "ingest",
        "file_gib": round(size / GIB, 2),
        "ingest_s": ingest_s,
        "ingest_mib_s": size / 2**20 / ingest_s,
        "ingest_peak_rss_mib": ingest_mib,
        "copy_s": copy_s,
        "copy_mib_s": size / 2**20 / copy_s,
        "copy_peak_rss_mib": copy_mib,
        "ratio_to_copy": round(copy_s / ingest_s, 2),
        "met": "yes" if copy_s / ingest_s >= 0.7 and ingest_mib < 2048 else "no",
    }
    return [emit(line, out)]
