"""A damaged lake says so: `itrac check` names each bad file and its fix, readers refuse
to serve numbers from it, the dashboard shows one message, `--repair` fixes what it can."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_access import cli, integrity, lake
from data_access.engines import get_engine
from data_access.lake import check as lake_check
from data_access.lake import rollups
from tests.test_frame import USERS, launcher

TINY_KPIS = {"entries": 3, "lines": 4, "entered_value": 6700.5, "duties": 1535.0, "fees": 23.2}


@pytest.fixture
def where(tiny_lake: Path, tmp_path: Path) -> Path:
    """A copy of the tiny lake (3 entries, lines in 2024 and 2025) to damage."""
    copy = tmp_path / "lake"
    shutil.copytree(tiny_lake, copy, symlinks=True)
    return copy.resolve()


def itrac(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def check(capsys: pytest.CaptureFixture, where: Path, *more: str) -> tuple[int, list[str]]:
    code, out, err = itrac(capsys, "check", "--lake", str(where), *more)
    return code, [line for line in (out + err).splitlines() if line]


def kpis(capsys: pytest.CaptureFixture, where: Path) -> tuple[int, dict]:
    """`itrac export overview.kpis` for the lake: exit code and the figures (none: {})."""
    code, out, _err = itrac(capsys, "export", "overview.kpis", "--lake", str(where))
    if not out:
        return code, {}
    row = pl.read_csv(out.encode()).row(0, named=True)
    return code, {k: row[k] for k in TINY_KPIS}


def lines_file(where: Path, year: int) -> Path:
    (file,) = (where / "entry_lines" / f"year={year}").glob("*.parquet")
    return file


def restore(where: Path) -> str:
    return lake_check.restore_fix(where)


def repair(where: Path, what: str) -> str:
    return f"`itrac check --lake {where} --repair` {what}"


def test_an_intact_lake_checks_clean(capsys, where: Path) -> None:
    code, lines = check(capsys, where)
    assert code == 0
    (line,) = lines
    assert line.startswith(f"{where}: intact (snapshot {lake.generation(where)}: ")
    assert line.endswith("; the rollups agree with the lines)")


def test_every_file_of_a_snapshot_has_its_size_and_checksum(where: Path) -> None:
    root = where / "_snapshots" / lake.generation(where)
    recorded = integrity.read(root)
    assert recorded is not None
    assert sorted(recorded) == integrity.files_of(root)
    for relative, (size, digest) in recorded.items():
        assert (root / relative).stat().st_size == size
        assert integrity.digest(root / relative) == digest
    assert lake.coverage(where)["checksums"] == "sha256"


def test_a_truncated_line_file_is_named_and_nothing_is_served(capsys, where: Path) -> None:
    file = lines_file(where, 2024)
    size = file.stat().st_size
    file.write_bytes(file.read_bytes()[: size // 2])
    relative = f"entry_lines/year=2024/{file.name}"
    what = f"is {size // 2:,} bytes, {size:,} when written (truncated or overwritten)"
    assert check(capsys, where) == (
        1,
        [f"itrac check: {where}/{relative}: {what}. Fix: {restore(where)}"],
    )
    with pytest.raises(lake_check.LakeDamaged, match=relative):
        get_engine(where, "duckdb")
    code, out, err = itrac(capsys, "export", "overview.kpis", "--lake", str(where))
    assert (code, out) == (1, "")
    assert f"{relative}: {what}" in err


def test_flipped_bytes_are_found_by_check_and_by_the_background_verification(
    capsys, where: Path
) -> None:
    file = lines_file(where, 2024)
    content = bytearray(file.read_bytes())
    for offset in range(200, 264):  # same size: only the checksum tells
        content[offset] ^= 0xFF
    file.write_bytes(bytes(content))
    relative = f"entry_lines/year=2024/{file.name}"
    what = "content differs from its recorded sha256 (bit rot or an edit)"
    assert check(capsys, where) == (
        1,
        [f"itrac check: {where}/{relative}: {what}. Fix: {restore(where)}"],
    )
    assert lake_check.known_problems(where, verify_in_background=True) == []  # cheap check
    lake_check.wait_for_verification(where, timeout=30)
    assert [p.line() for p in lake_check.known_problems(where)] == [
        f"{relative}: {what}. Fix: {restore(where)}"
    ]
    with pytest.raises(lake_check.LakeDamaged, match="bit rot"):
        get_engine(where, "duckdb")


def rewrite_lines_with_more_value(where: Path) -> None:
    """Change a line file and record its new checksum: only the rollups now disagree."""
    file = lines_file(where, 2025)
    frame = pl.read_parquet(file).with_columns(
        entered_value=pl.col("entered_value") + pl.lit(Decimal("100.00"))
    )
    file.unlink()
    frame.write_parquet(file, compression="zstd")
    record_checksum(where, file, f"entry_lines/year=2025/{file.name}")


def record_checksum(where: Path, file: Path, relative: str) -> None:
    """Record `file`'s new size and checksum in the current snapshot: not damage."""
    checksums = where / "_snapshots" / lake.generation(where) / integrity.CHECKSUMS
    recorded = json.loads(checksums.read_text())
    recorded["files"][relative] = [file.stat().st_size, integrity.digest(file)]
    checksums.write_text(json.dumps(recorded))


def test_rollups_that_disagree_with_the_lines_are_named_and_rebuilt(capsys, where: Path) -> None:
    rewrite_lines_with_more_value(where)
    fix = repair(where, "rebuilds it from entry_lines (once its damaged files are restored)")
    code, lines = check(capsys, where)
    assert code == 1
    assert lines == [
        f"itrac check: {where}/_rollups/{name}/year=2025: entered_value is 500.50 in the "
        f"rollup and 600.50 in entry_lines. Fix: {fix}"
        for name in ("lines_by_month", "lines_by_country", "lines_by_chapter", "lines_by_hts")
    ]
    code, lines = check(capsys, where, "--repair")
    assert code == 0
    assert lines[0] == (
        "itrac check: repaired: rebuilt the rollups, the coverage summary and the checksums"
    )
    assert kpis(capsys, where) == (0, {**TINY_KPIS, "entered_value": 6800.5})


def test_rollups_of_another_version_are_named_and_rebuilt(capsys, where: Path) -> None:
    """After an upgrade that changes a rollup, the pages read the lines until the next
    load; `check` says so and `--repair` rebuilds them now."""
    sources = where / "_rollups" / "sources.json"
    old = json.loads(sources.read_text()) | {"version": rollups.VERSION - 1}
    sources.unlink()  # may be hard-linked into an older snapshot: a new file
    sources.write_text(json.dumps(old))
    record_checksum(where, sources, "_rollups/sources.json")  # intact, only out of date
    assert not rollups.usable(where)
    code, lines = check(capsys, where)
    assert (code, lines) == (
        1,
        [
            f"itrac check: {where}/_rollups/sources.json: the rollups are out of date "
            "(another version's, or not built from these lines): the pages read the "
            "lines, with the same answers, more slowly. Fix: "
            + repair(where, "rebuilds them from the lines")
        ],
    )
    code, lines = check(capsys, where, "--repair")
    assert code == 0 and rollups.usable(where)
    assert kpis(capsys, where) == (0, TINY_KPIS)


def test_a_corrupt_coverage_summary_is_named_and_repaired(capsys, where: Path) -> None:
    coverage = where / "_manifest" / "coverage.json"
    coverage.write_text('{"snapshot": "x", "tables": {')
    code, lines = check(capsys, where)
    assert code == 1
    (line,) = lines
    assert line.startswith(f"itrac check: {where}/_manifest/coverage.json: does not parse (")
    assert line.endswith(f"). Fix: {repair(where, 'rebuilds it from the lines')}")
    code, _out, err = itrac(capsys, "export", "overview.kpis", "--lake", str(where))
    assert code == 1 and "coverage.json: does not parse" in err
    code, lines = check(capsys, where, "--repair")
    assert code == 0
    rebuilt = lake.coverage(where)["tables"]["entry_lines"]
    assert sum(h["rows"] for h in rebuilt.pop("holders")) == 5  # per importer and filer
    assert rebuilt == {
        "rows": 5,
        "first": "2024-01-05",
        "last": "2025-03-01",
    }
    assert kpis(capsys, where) == (0, TINY_KPIS)


def test_a_file_that_appeared_after_the_commit_is_named(capsys, where: Path) -> None:
    extra = where / "entry_lines" / "year=2024" / "extra.parquet"
    shutil.copyfile(lines_file(where, 2024), extra)
    what = "is not one of the files its snapshot recorded (added after the commit)"
    relative = "entry_lines/year=2024/extra.parquet"
    fix = f"move it out of {where}"
    assert check(capsys, where) == (1, [f"itrac check: {where}/{relative}: {what}. Fix: {fix}"])
    with pytest.raises(lake_check.LakeDamaged, match=r"extra\.parquet"):
        get_engine(where, "duckdb")
    with pytest.raises(lake_check.LakeDamaged, match="so nothing was written"):
        second_write(where)  # it would record the stray file as the snapshot's own
    assert check(capsys, where)[0] == 1


def test_missing_links_are_named_by_check_and_recreated(capsys, where: Path) -> None:
    for name in ("entry_lines", "_rollups"):
        (where / name).unlink()  # what a first write killed after its commit used to leave
    fix = repair(where, "recreates it")
    assert check(capsys, where) == (
        1,
        [
            f"itrac check: {where}/{name}: the link to _current/{name} is missing. Fix: {fix}"
            for name in ("entry_lines", "_rollups")
        ],
    )
    code, lines = check(capsys, where, "--repair")
    assert (code, lines[0]) == (
        0,
        "itrac check: repaired: recreated the links entry_lines, _rollups",
    )


def test_readers_recreate_missing_links(capsys, where: Path) -> None:
    (where / "entry_lines").unlink()
    assert kpis(capsys, where) == (0, TINY_KPIS)
    assert (where / "entry_lines").is_symlink()


def second_write(where: Path) -> None:
    bond = {
        "bond_number": ["B1"],
        "importer_number": ["27-1234567AB"],
        "bond_type": ["8"],
        "bond_amount": [Decimal("50000")],
        "effective_date": [date(2024, 1, 1)],
    }
    with lake.transaction(where) as tx:
        tx.write("bonds", pl.DataFrame(bond))


def test_a_missing_current_snapshot_is_refused_kept_and_rolled_back(capsys, where: Path) -> None:
    previous = lake.generation(where)
    second_write(where)
    broken = lake.generation(where)
    shutil.rmtree(where / "_snapshots" / broken)  # what a Ctrl-C after the commit used to do
    what = f"names the snapshot _snapshots/{broken}, which is missing"
    fix = repair(where, "points it back at the newest intact snapshot (that write is lost)")
    assert check(capsys, where) == (1, [f"itrac check: {where}/_current: {what}. Fix: {fix}"])
    code, out, err = itrac(capsys, "export", "overview.kpis", "--lake", str(where))
    assert (code, out) == (1, "")  # not zeros
    assert f"_current: {what}" in err
    with pytest.raises(lake.LakeError, match="nothing was written"):
        second_write(where)
    assert (where / "_snapshots" / previous).is_dir()  # kept for the rollback
    code, lines = check(capsys, where, "--repair")
    assert code == 0
    assert lines[0] == (
        f"itrac check: repaired: _current named the missing snapshot {broken}; it now names "
        f"{previous}, the newest intact one (the write that made the missing one is lost)"
    )
    assert kpis(capsys, where) == (0, TINY_KPIS)
    second_write(where)
    assert lake.coverage(where)["tables"]["bonds"]["rows"] == 1
    assert lake.coverage(where)["tables"]["entry_lines"]["rows"] == 5


def test_a_lake_written_before_checksums_is_served_and_check_records_them(
    capsys, where: Path
) -> None:
    root = where / "_snapshots" / lake.generation(where)
    (root / integrity.CHECKSUMS).unlink()
    coverage = root / "_manifest" / "coverage.json"
    summary = json.loads(coverage.read_text())
    del summary["checksums"]
    coverage.write_text(json.dumps(summary))
    assert lake_check.structural(where) == []  # readers serve it as before
    fix = repair(where, "records them (trusting the files as they are now)")
    what = "is missing: this lake was written before checksums"
    assert check(capsys, where) == (
        1,
        [f"itrac check: {where}/_manifest/checksums.json: {what}. Fix: {fix}"],
    )
    assert check(capsys, where, "--repair")[0] == 0
    assert check(capsys, where)[0] == 0


def test_the_dashboard_shows_one_message_and_no_figures(where: Path, tmp_path, monkeypatch) -> None:
    (where / "_manifest" / "coverage.json").write_text("{")
    users = tmp_path / "users.yaml"
    users.write_text(USERS)
    monkeypatch.setenv("ITRAC_DEMO", "1")
    monkeypatch.setenv("ITRAC_LAKE", str(where))
    monkeypatch.setenv("ITRAC_USERS", str(users))
    at = AppTest.from_file(str(launcher(tmp_path)), default_timeout=30).run()
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith(
        f"The data lake at `{where}` is damaged, so no figures are shown."
    )
    assert "- `_manifest/coverage.json` does not parse (" in error.value
    assert f"Run `itrac check --lake {where}` for the full list" in error.value
    assert not at.metric
