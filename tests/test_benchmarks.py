"""The benchmark harness end to end on a small synthetic lake: it prints the key=value
lines scripts read, and its three-way answers (project, DuckDB floor, pandas) agree.
No timing is asserted: these tests check the harness, not the machine."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from benchmarks import harness, pages, questions
from data_access import cli, synth

REQUIRED = ("page", "scope", "p50_ms", "p95_ms", "ratio_to_floor", "ratio_to_pandas")


@pytest.fixture(scope="module")
def small_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("bench") / "lake"
    synth.build_demo_lake(lake, lines=20_000, seed=7, end=date(2025, 6, 30))
    return lake


def parse(line: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in line.split())


def test_every_page_and_question_in_both_scopes(small_lake: Path) -> None:
    printed: list[str] = []
    harness.run_pages(small_lake, repeat=1, cold_repeat=0, out=printed.append)
    rows = [parse(line) for line in printed]
    page_rows = [r for r in rows if r["bench"] == "page"]
    assert {(r["page"], r["scope"]) for r in page_rows} == {
        (p, s) for p in pages.PAGES for s in ("importer", "cbp")
    }
    for row in page_rows:
        assert set(REQUIRED) <= row.keys()
        assert float(row["p50_ms"]) <= float(row["p95_ms"])
        assert int(row["queries"]) >= 2  # every page runs at least two reports
    asked = {q.report for q in questions.questions(date.today())}
    answered = [r for r in rows if r["bench"] == "question"]
    assert {r["report"] for r in answered} == asked
    assert all(r["equal"] == "yes" for r in answered)
    # the CSV extracts are cached beside the lake, never in the repository
    assert (small_lake.parent / "lake-csv").is_dir()


def test_recorded_overview_render(small_lake: Path) -> None:
    calls = pages.record(small_lake, "overview", "cbp", {})
    assert [name for name, _ in calls] == [
        "overview.kpis",
        "overview.monthly_trend",
        "overview.top_countries",
        "overview.top_hts_chapters",
    ]


def test_a_wrong_answer_fails_loudly() -> None:
    question = questions.questions(date.today())[0]  # overview.kpis
    ours = pl.DataFrame(
        {"entries": [3], "lines": [4], "entered_value": [1], "duties": [2], "taxes": [0],
         "fees": [0]}
    )  # fmt: skip
    questions.check(question, ours, ours.clone(), "the same")
    with pytest.raises(questions.Mismatch, match="pandas over CSV disagrees"):
        questions.check(question, ours, ours.with_columns(lines=pl.lit(5)), "pandas over CSV")


def test_itrac_bench_quick_prints_key_value_lines(small_lake: Path, capsys) -> None:
    argv = ["bench", "--lake", str(small_lake), "--quick", "--scope", "cbp", "--page", "exams"]
    assert cli.main(argv) == 0
    rows = [parse(line) for line in capsys.readouterr().out.splitlines() if "=" in line]
    assert rows[0]["bench"] == "machine" and int(rows[0]["nproc"]) >= 1
    kinds = {(r.get("page"), r.get("kind")) for r in rows if r["bench"] == "page"}
    assert kinds == {("exams", "warm"), ("exams", "cold")}


def test_ingest_against_duckdb_copy_on_a_small_file(tmp_path: Path) -> None:
    from benchmarks import ingest

    printed: list[str] = []
    ingest.run_ingest(tmp_path, 0.002, out=printed.append)
    row = parse(printed[0])
    assert row["bench"] == "ingest"
    assert float(row["ingest_peak_rss_mib"]) > 0 and float(row["copy_s"]) > 0
    assert not (tmp_path / "ingest-lake").exists()  # the measured lake is removed
