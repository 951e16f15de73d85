"""`itrac watch`: a real watcher process on a real folder and lake, killed and restarted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from data_access import lake
from data_access.access import CBP
from data_access.ingest import ingest
from data_access.ingest.load import sha256_of
from data_access.ingest.watch import Watcher, is_temporary
from tests.ingest_files import es003_frame, es003_period, lake_rows, write_export

ROOT = Path(__file__).resolve().parents[1]
VALUE = "Line Tariff Goods Value Amount"
BIG_ROWS = 100_000


def _start(folder: Path, where: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "data_access.cli", "watch", str(folder)]
    command += ["--lake", str(where), "--interval", "0.3", *extra]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait(check: Callable[[], bool], process: subprocess.Popen | None, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not check():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"watcher exited {process.returncode}: {process.stderr.read()}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the watcher")
        time.sleep(0.05)


def _result(folder: Path, where: str, name: str) -> dict:
    return json.loads((folder / where / f"{name}.result.json").read_text())


def _file_total(rows: list[list[str]]) -> Decimal:
    at = rows[0].index(VALUE)
    return sum((Decimal(r[at].strip("$").replace(",", "")) for r in rows[1:]), Decimal(0))


def _big_file(path: Path) -> Decimal:
    """An ES-003 download of BIG_ROWS lines whose entries no other file here holds."""
    frame = es003_frame(BIG_ROWS, start=500_000)
    frame.write_csv(path, quote_style="non_numeric")
    cents = frame[VALUE].str.strip_chars("$").str.replace_all(",", "")
    return Decimal(str(cents.cast(pl.Decimal(18, 2)).sum()))


def _writing(where: Path) -> bool:
    """A transaction is writing lines: a snapshot other than the current one holds
    entry line files of its own (the watcher is mid-file)."""
    snapshots = where / lake.SNAPSHOTS
    if not snapshots.exists():
        return False
    current = lake.generation(where) if lake.exists(where) else ""
    for snapshot in snapshots.iterdir():
        if snapshot.name != current and any(
            (snapshot / "entry_lines").glob(f"year=*/part-{snapshot.name}-*.parquet")
        ):
            return True
    return False


def _manifest_counts(where: Path) -> dict[str, int]:
    rows = lake.manifest(where).filter(pl.col("rows_loaded") > 0)
    return dict(rows.group_by("file").len().sort("file").iter_rows())


def test_files_dropped_while_running_load_once_through_a_sigkill(tmp_path):
    folder, where = tmp_path / "drop", tmp_path / "lake"
    folder.mkdir()
    good = es003_period(date(2025, 3, 1), date(2025, 3, 5))
    watcher = _start(folder, where)
    try:
        write_export(folder / "es003-march.csv", good)
        write_export(folder / "broken.csv", [["Something", "Else"], ["1", "2"]])
        _wait(lambda: (folder / "rejected" / "broken.csv.result.json").exists(), watcher)
        _wait(lambda: (folder / "loaded" / "es003-march.csv.result.json").exists(), watcher)

        partial = folder / "big.csv.part"  # a download still arriving: never touched
        big_total = _big_file(partial)
        partial.rename(folder / "big.csv")
        _wait(lambda: _writing(where), watcher)
        watcher.send_signal(signal.SIGKILL)
        watcher.wait(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    assert (folder / "big.csv").exists()  # the half-done file is still waiting
    assert "big.csv" not in _manifest_counts(where)  # and the lake holds none of it

    again = _start(folder, where)
    try:
        _wait(lambda: (folder / "loaded" / "big.csv.result.json").exists(), again)
    finally:
        again.send_signal(signal.SIGTERM)
        out, _ = again.communicate(timeout=30)

    assert sorted(p.name for p in folder.iterdir()) == [".itrac-watch", "loaded", "rejected"]
    assert sorted(p.name for p in (folder / "loaded").iterdir()) == [
        "big.csv", "big.csv.result.json", "es003-march.csv", "es003-march.csv.result.json",
    ]  # fmt: skip
    assert list((folder / ".itrac-watch" / "claims").iterdir()) == []
    assert _manifest_counts(where) == {"big.csv": 1, "es003-march.csv": 1}
    lines = lake_rows(where, "entry_lines")
    assert lines.height == len(good) - 1 + BIG_ROWS
    assert lines["entered_value"].sum() == _file_total(good) + big_total

    big = _result(folder, "loaded", "big.csv")
    assert (big["status"], big["rows"]) == (
        "loaded", {"read": BIG_ROWS, "loaded": BIG_ROWS, "rejected": 0, "replaced": 0},
    )  # fmt: skip
    broken = _result(folder, "rejected", "broken.csv")
    assert (broken["status"], broken["rows"]["loaded"], len(broken["errors"])) == ("failed", 0, 1)
    assert broken["errors"][0]["file"] == "broken.csv"
    assert broken["errors"][0]["reason"].startswith("broken.csv: missing required columns")
    [line] = [t for t in out.splitlines() if " big.csv " in t]
    assert line.endswith(f"loaded big.csv -> loaded/big.csv: {BIG_ROWS:,} of {BIG_ROWS:,} rows "
                         "loaded, 0 rejected")  # fmt: skip


def test_a_kill_after_the_commit_before_the_move_loads_nothing_again(tmp_path):
    """The state a kill leaves between the lake's commit and the move: the claim, the
    file still in the folder, the lake holding its rows. The restart moves it, and says
    so, without a second load."""
    folder, where = tmp_path / "drop", tmp_path / "lake"
    folder.mkdir()
    rows = es003_period(date(2025, 4, 1), date(2025, 4, 3))
    source = write_export(folder / "april.csv", rows)
    claims = folder / ".itrac-watch" / "claims"
    claims.mkdir(parents=True)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    claim = {"file": "april.csv", "sha256": sha256_of(source), "started_at": started}
    (claims / "april.csv.json").write_text(json.dumps(claim))
    [loaded] = ingest(where, [source])  # the commit the killed watcher made
    generation = lake.generation(where)

    done = subprocess.run(
        [sys.executable, "-m", "data_access.cli", "watch", str(folder), "--lake", str(where),
         "--once", "--interval", "0.2"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert lake.generation(where) == generation  # no new transaction at all
    assert _manifest_counts(where) == {"april.csv": 1}
    result = _result(folder, "loaded", "april.csv")
    assert (result["status"], result["rows"]["loaded"]) == ("loaded", loaded.rows_loaded)
    assert result["rows"]["loaded"] == len(rows) - 1
    assert "not loaded again" in result["note"]
    assert list(claims.iterdir()) == []
    assert lake_rows(where, "entry_lines")["entered_value"].sum() == _file_total(rows)


def test_the_same_download_dropped_again_is_moved_as_skipped(tmp_path):
    folder, where = tmp_path / "drop", tmp_path / "lake"
    folder.mkdir()
    rows = es003_period(date(2025, 5, 1), date(2025, 5, 2))
    once = [sys.executable, "-m", "data_access.cli", "watch", str(folder), "--lake", str(where)]
    once += ["--once", "--interval", "0.2"]
    for _ in range(2):
        write_export(folder / "may.csv", rows)
        assert subprocess.run(once, cwd=ROOT, capture_output=True, timeout=120).returncode == 0
    first, second = _result(folder, "loaded", "may.csv"), _result(folder, "loaded", "may-2.csv")
    assert (first["status"], second["status"]) == ("loaded", "skipped")
    assert second["note"] == "same content as may.csv, already loaded"
    assert _manifest_counts(where) == {"may.csv": 1}
    assert lake_rows(where, "entry_lines").height == len(rows) - 1


def test_a_file_waits_until_it_holds_still_and_temp_names_wait_forever(tmp_path):
    watcher = Watcher(tmp_path, tmp_path / "lake", CBP)
    growing = tmp_path / "growing.csv"
    growing.write_text("a")
    for name in ("x.csv.part", "~$book.xlsx", "y.crdownload", ".hidden.csv"):
        (tmp_path / name).write_text("a")
    assert watcher.stable() == []  # first sight: nothing is known to hold still yet
    growing.write_text("ab")
    os.utime(growing, ns=(1, 1))
    assert watcher.stable() == []  # it changed since
    assert watcher.stable() == [growing]
    assert [n for n in ("x.csv.part", "~$book.xlsx", "a.csv") if is_temporary(n)] == [
        "x.csv.part", "~$book.xlsx",
    ]  # fmt: skip


def test_a_second_watcher_on_the_same_folder_is_refused(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    first = _start(folder, tmp_path / "lake")
    try:
        _wait(lambda: (folder / ".itrac-watch" / "lock").exists(), first)
        _wait(lambda: first.stdout.readline().find("watching") >= 0, first, timeout=60)
        second = subprocess.run(
            [sys.executable, "-m", "data_access.cli", "watch", str(folder), "--once"],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        first.kill()
        first.wait()
    assert second.returncode == 1
    assert second.stderr.strip() == f"itrac: another itrac watch is running on {folder}"


@pytest.mark.parametrize("bad", [["--interval", "0"], ["--as", "importer:nobody"]])
def test_usage_errors(tmp_path, bad, capsys):
    from data_access.cli import main

    assert main(["watch", str(tmp_path), "--once", *bad]) == 2
    assert capsys.readouterr().err.startswith("itrac: ")


def test_a_usage_error_through_python_m_is_one_line_exit_2(tmp_path):
    """`python -m data_access.cli` (as systemd and cron run it without the script) says
    a subcommand's usage error in one line, as `itrac` does, not with a traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "data_access.cli", "watch", str(tmp_path / "none"), "--once"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (2, f"itrac: no such folder: {tmp_path / 'none'}\n")
