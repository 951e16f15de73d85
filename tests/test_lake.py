import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from data_access import lake

ROOT = Path(__file__).resolve().parents[1]


def bonds(*rows: tuple[str, str, date, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "bond_number": [r[0] for r in rows],
            "importer_number": [r[1] for r in rows],
            "bond_type": ["8"] * len(rows),
            "bond_amount": [Decimal(r[3]) for r in rows],
            "effective_date": [r[2] for r in rows],
        }
    )


def snapshot_of(where: Path) -> dict[str, str]:
    """Every file the lake's readers can reach, with its content hash."""
    out = {}
    for name in (*lake.TABLES, *lake.SPECIAL_DIRS):
        for file in sorted((where / name).rglob("*")):
            if file.is_file():
                out[str(file.relative_to(where))] = hashlib.sha256(file.read_bytes()).hexdigest()
    return out


@pytest.fixture
def two_bond_lake(tmp_path: Path) -> Path:
    where = tmp_path / "lake"
    with lake.transaction(where, fresh=True) as tx:
        tx.write(
            "bonds",
            bonds(
                ("B2", "27-1234567AB", date(2021, 3, 1), "60000"),
                ("B1", "11-1111111AA", date(2020, 1, 1), "50000"),
            ),
        )
        tx.record(file="first", rows_loaded=2)
    return where


def test_layout_is_hive_partitioned_zstd_and_sorted(two_bond_lake: Path) -> None:
    files = lake.table_files(two_bond_lake, "bonds")
    assert [f.parent.name for f in files] == ["year=2020", "year=2021"]
    meta = duckdb.sql(f"SELECT DISTINCT compression FROM parquet_metadata('{files[0]}')")
    assert meta.fetchall() == [("ZSTD",)]
    rows = duckdb.sql(
        f"SELECT bond_number, year FROM read_parquet('{two_bond_lake}/bonds/*/*.parquet', "
        "hive_partitioning = true) ORDER BY bond_number"
    ).fetchall()
    assert rows == [("B1", 2020), ("B2", 2021)]


def test_files_are_sorted_by_importer_then_date(tmp_path: Path) -> None:
    where = tmp_path / "lake"
    with lake.transaction(where, fresh=True) as tx:
        tx.write(
            "bonds",
            bonds(
                ("B3", "30-0000000AA", date(2022, 1, 5), "1"),
                ("B1", "11-1111111AA", date(2022, 9, 1), "1"),
                ("B2", "11-1111111AA", date(2022, 2, 1), "1"),
            ),
        )
    (file,) = lake.table_files(where, "bonds")
    assert pl.read_parquet(file).get_column("bond_number").to_list() == ["B2", "B1", "B3"]


def test_coverage_and_manifest(two_bond_lake: Path) -> None:
    bonds_coverage = lake.coverage(two_bond_lake)["tables"]["bonds"]
    holders = bonds_coverage.pop("holders")  # per importer (bonds have no filer)
    assert bonds_coverage == {"rows": 2, "first": "2020-01-01", "last": "2021-03-01"}
    assert sum(h["rows"] for h in holders) == 2
    assert {"importer_number", "rows", "first", "last"} == set(holders[0])
    assert lake.manifest(two_bond_lake).to_dicts() == [{"file": "first", "rows_loaded": 2}]


def test_update_adds_to_the_current_snapshot_and_keeps_the_old_one_intact(
    two_bond_lake: Path,
) -> None:
    before = snapshot_of(two_bond_lake)
    old = two_bond_lake / "_snapshots" / lake.generation(two_bond_lake)
    with lake.transaction(two_bond_lake) as tx:
        tx.write("bonds", bonds(("B9", "27-1234567AB", date(2021, 6, 1), "70000")))
        tx.record(file="second", rows_loaded=1)
    assert lake.coverage(two_bond_lake)["tables"]["bonds"]["rows"] == 3
    assert lake.manifest(two_bond_lake).get_column("file").to_list() == ["first", "second"]
    # the previous snapshot is untouched (hard links are never written through)
    assert before == {
        str(f.relative_to(old)): hashlib.sha256(f.read_bytes()).hexdigest()
        for f in sorted(old.rglob("*"))
        if f.is_file()
    }


def test_delete_where_rewrites_only_touched_files(two_bond_lake: Path) -> None:
    with lake.transaction(two_bond_lake) as tx:
        dropped = tx.delete_where("bonds", lambda f: f.filter(pl.col("bond_number") != "B2"))
    assert dropped == 1
    assert [f.parent.name for f in lake.table_files(two_bond_lake, "bonds")] == ["year=2020"]


def test_an_exception_inside_a_write_changes_nothing(two_bond_lake: Path) -> None:
    before = snapshot_of(two_bond_lake)
    generation = lake.generation(two_bond_lake)
    with pytest.raises(RuntimeError, match="boom"), lake.transaction(two_bond_lake) as tx:
        tx.write("bonds", bonds(("B5", "27-1234567AB", date(2024, 1, 1), "1")))
        raise RuntimeError("boom")
    assert snapshot_of(two_bond_lake) == before
    assert lake.generation(two_bond_lake) == generation
    assert sorted(p.name for p in (two_bond_lake / "_snapshots").iterdir()) == [generation]


KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from datetime import date, timedelta
    from pathlib import Path
    import polars as pl
    from data_access import lake
    with lake.transaction(Path(sys.argv[1])) as tx:
        for year in range(2000, 2020):
            tx.write("bonds", pl.DataFrame({
                "bond_number": [f"K{year}"], "importer_number": ["27-1234567AB"],
                "bond_type": ["8"], "bond_amount": [1], "effective_date": [date(year, 1, 1)]}))
        tx.record(file="never")
        print("written", flush=True)
        time.sleep(60)
    """
)


def test_a_write_killed_midway_changes_nothing(two_bond_lake: Path) -> None:
    before = snapshot_of(two_bond_lake)
    generation = lake.generation(two_bond_lake)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(two_bond_lake)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert writer.stdout and writer.stdout.readline().strip() == "written"
    assert len(list((two_bond_lake / "_snapshots").iterdir())) == 2  # the half-written one
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    assert snapshot_of(two_bond_lake) == before
    assert lake.generation(two_bond_lake) == generation
    # the next writer cleans up what the killed one left and works as usual
    with lake.transaction(two_bond_lake) as tx:
        tx.write("bonds", bonds(("B7", "27-1234567AB", date(2022, 1, 1), "1")))
    assert lake.coverage(two_bond_lake)["tables"]["bonds"]["rows"] == 3
    assert len(list((two_bond_lake / "_snapshots").iterdir())) == 2  # current + previous


# An interrupt at any moment of a write: the writer stops (SIGINT, SIGTERM, SIGKILL) while
# it builds the snapshot, while it rebuilds the rollups just before the commit, or right
# after the rename that commits it. The writer runs the CLI's SIGTERM handling.
INTERRUPTED_WRITER = textwrap.dedent(
    """
    import os, signal, sys, time
    from datetime import date
    from pathlib import Path
    import polars as pl
    from data_access import cli, lake
    from data_access.lake import rollups
    # Ctrl-C as a terminal gives it, even when this test runs in the background (a shell
    # starts background jobs with SIGINT ignored, and Python then keeps it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    cli.terminate_like_interrupt()
    moment = sys.argv[2]
    rebuild, replace = rollups.rebuild, os.replace

    def slow_rebuild(tx):
        if moment == "rollups":
            print("ready", flush=True)
            time.sleep(60)
        rebuild(tx)

    def replace_then_wait(source, target):
        replace(source, target)
        if moment == "commit" and Path(target).name == lake.CURRENT:
            print("ready", flush=True)
            time.sleep(1)  # still inside the commit's critical section

    rollups.rebuild, os.replace = slow_rebuild, replace_then_wait
    with lake.transaction(Path(sys.argv[1]), fresh=sys.argv[3] == "fresh") as tx:
        for year in range(2000, 2020):
            tx.write("bonds", pl.DataFrame({
                "bond_number": [f"K{year}"], "importer_number": ["27-1234567AB"],
                "bond_type": ["8"], "bond_amount": [1], "effective_date": [date(year, 1, 1)]}))
        tx.record(file="interrupted")
        if moment == "building":
            print("ready", flush=True)
            time.sleep(60)
    time.sleep(60)  # committed: wait for the signal here if it has not come yet
    """
)
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)


def interrupt_writer(where: Path, moment: str, number: int, *, fresh: bool = False) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    mode = "fresh" if fresh else "update"
    writer = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED_WRITER, str(where), moment, mode],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert writer.stdout and writer.stdout.readline().strip() == "ready"
    writer.send_signal(number)
    writer.wait(timeout=30)


@pytest.mark.parametrize("number", SIGNALS, ids=lambda n: signal.Signals(n).name)
@pytest.mark.parametrize("moment", ["building", "rollups"])
def test_an_interrupted_write_before_its_commit_changes_nothing(
    two_bond_lake: Path, moment: str, number: int
) -> None:
    before = snapshot_of(two_bond_lake)
    generation = lake.generation(two_bond_lake)
    interrupt_writer(two_bond_lake, moment, number)
    assert snapshot_of(two_bond_lake) == before
    assert lake.generation(two_bond_lake) == generation
    # SIGINT and SIGTERM clean up the half-built snapshot; SIGKILL leaves it to the next writer
    left = 2 if number == signal.SIGKILL else 1
    assert len(list((two_bond_lake / "_snapshots").iterdir())) == left
    with lake.transaction(two_bond_lake) as tx:
        tx.write("bonds", bonds(("B7", "27-1234567AB", date(2022, 1, 1), "1")))
    assert lake.coverage(two_bond_lake)["tables"]["bonds"]["rows"] == 3
    assert len(list((two_bond_lake / "_snapshots").iterdir())) == 2  # current + previous


@pytest.mark.parametrize("number", SIGNALS, ids=lambda n: signal.Signals(n).name)
def test_an_interrupt_right_after_the_commit_keeps_the_new_snapshot(
    two_bond_lake: Path, number: int
) -> None:
    generation = lake.generation(two_bond_lake)
    interrupt_writer(two_bond_lake, "commit", number)
    new = lake.generation(two_bond_lake)
    assert new != generation
    assert (two_bond_lake / "_snapshots" / new).is_dir()
    assert lake.coverage(two_bond_lake)["tables"]["bonds"]["rows"] == 22
    assert len(lake.table_files(two_bond_lake, "bonds")) == 22
    assert lake.manifest(two_bond_lake).get_column("file").to_list() == ["first", "interrupted"]
    with lake.transaction(two_bond_lake) as tx:
        tx.write("bonds", bonds(("B7", "27-1234567AB", date(2022, 1, 1), "1")))
    assert lake.coverage(two_bond_lake)["tables"]["bonds"]["rows"] == 23


@pytest.mark.parametrize("number", SIGNALS, ids=lambda n: signal.Signals(n).name)
def test_a_first_write_interrupted_after_its_commit_has_its_links(
    tmp_path: Path, number: int
) -> None:
    where = tmp_path / "lake"
    interrupt_writer(where, "commit", number, fresh=True)
    assert lake.exists(where)
    for name in (*lake.TABLES, *lake.SPECIAL_DIRS):
        assert os.readlink(where / name) == f"_current/{name}"
    assert lake.coverage(where)["tables"]["bonds"]["rows"] == 20
    assert len(lake.table_files(where, "bonds")) == 20
