"""The benchmark harness end to end on a small synthetic lake: it prints the key=value
lines scripts read, and its three-way answers (project, DuckDB floor, pandas) agree.
No timing is asserted: these tests check the harness, not the machine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
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
        # one tab's table; the Audit page's default tab reads the checks' summary again
        least = 1 if row["page"] in ("tariff_layers", "refunds", "audit") else 2
        assert int(row["queries"]) >= least, row
    asked = {q.report for q in questions.questions(date.today())}
    answered = [r for r in rows if r["bench"] == "question"]
    assert {r["report"] for r in answered} == asked
    assert all(r["equal"] == "yes" for r in answered)
    # the CSV extracts are cached beside the lake, never in the repository
    assert (small_lake.parent / "lake-csv").is_dir()


def test_recorded_overview_render(small_lake: Path) -> None:
    calls = pages.record(small_lake, "overview", "cbp", {})
    assert [call.report for call in calls] == [
        "overview.kpis",
        "overview.monthly_trend",
        "overview.holdings",  # the partial months (data_access.periods) follow the holdings
        "overview.top_countries",
        "overview.top_hts_chapters",
    ]


def test_each_recorded_call_keeps_its_own_filters(small_lake: Path) -> None:
    """The Overview asks `overview.holdings` without filters (ui.data.held_by): recorded
    under an HTS filter, holdings keep empty filters and the other calls the HTS one, and
    the replay answers holdings as the page does, not as the HTS filter would."""
    from data_access.access import CBP
    from data_access.engines import get_engine
    from data_access.filters import Filters
    from data_access.reports import REPORTS, Scope

    calls = pages.record(small_lake, "overview", "cbp", {"hts_prefix": "85"})
    hts = Filters(hts_prefix="85")
    assert [(call.report, call.filters) for call in calls] == [
        ("overview.kpis", hts),
        ("overview.monthly_trend", hts),
        ("overview.holdings", Filters()),
        ("overview.top_countries", hts),
        ("overview.top_hts_chapters", hts),
    ]
    engine = get_engine(small_lake, "duckdb")
    replayed = dict(zip([c.report for c in calls], pages.replay(engine, CBP, calls), strict=True))
    unfiltered = REPORTS["overview.holdings"](Scope(engine, CBP, Filters()))
    filtered = REPORTS["overview.holdings"](Scope(engine, CBP, hts))
    assert replayed["overview.holdings"].equals(unfiltered)
    assert not unfiltered.equals(filtered)  # the filter would change the answer
    kpis = REPORTS["overview.kpis"](Scope(engine, CBP, hts))
    assert replayed["overview.kpis"].equals(kpis)


def test_a_wrong_answer_fails_loudly() -> None:
    question = questions.questions(date.today())[0]  # overview.kpis
    ours = pl.DataFrame(
        {"entries": [3], "lines": [4], "entered_value": [1], "duties": [2], "taxes": [0],
         "fees": [0]}
    )  # fmt: skip
    questions.check(question, ours, ours.clone(), "the same")
    with pytest.raises(questions.Mismatch, match="pandas over CSV disagrees"):
        questions.check(question, ours, ours.with_columns(lines=pl.lit(5)), "pandas over CSV")


def test_the_header_floor_is_the_whole_page(small_lake: Path) -> None:
    """The floor of the Entry Summary Header's first page reads every column the page
    shows, and a difference in any of them is a Mismatch (it read three columns before);
    pandas' twin, which reads three columns of the CSV, is compared on those."""
    import duckdb

    from data_access.access import CBP
    from data_access.engines import get_engine
    from data_access.filters import Filters
    from data_access.reports import REPORTS, Scope
    from data_access.schema import ENTRY_SUMMARIES

    question = next(
        q for q in questions.questions(date.today()) if q.report == "entry_summary.header"
    )
    scope = harness.filtered_scope(small_lake, CBP, Filters())
    sql, params = question.sql(small_lake, scope.as_dict(date.today()))
    with duckdb.connect() as con:
        floor = con.sql(sql, params=params).pl()
    assert floor.columns == ENTRY_SUMMARIES.column_names and floor.height == 100
    ours = REPORTS[question.report](
        Scope(get_engine(small_lake, "duckdb"), CBP, scope.filters), **question.options
    )
    questions.check(question, ours, floor, "the DuckDB floor")
    first_row = pl.int_range(pl.len()) == 0
    wrong = floor.with_columns(
        port_of_entry=pl.when(first_row).then(pl.lit("0000")).otherwise(pl.col("port_of_entry"))
    )  # one port of one row
    with pytest.raises(questions.Mismatch, match="the DuckDB floor disagrees"):
        questions.check(question, ours, wrong, "the DuckDB floor")
    three = floor.select("entry_number", "entry_date", "entered_value")
    questions.check(question, ours, three, "pandas over CSV")


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


# --- `itrac bench` with a scope: --as and the filter options of `itrac export` ----------
def _top(lake: Path, column: str, where: str = "true") -> str:
    import duckdb

    glob = str(lake / "entry_lines" / "year=*" / "*.parquet")
    return duckdb.sql(
        f"SELECT {column} FROM read_parquet('{glob}') WHERE {where} "
        f"GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchall()[0][0]


@pytest.mark.parametrize(
    "who, raw",
    [
        ("cbp", {"hts_prefix": "4digits"}),
        ("cbp", {"countries": "top", "hts_prefix": "chapter"}),
        ("largest", {"countries": "top2", "ports": "top2", "hts_prefix": "10digits"}),
        ("largest", {"entry_types": ["01"], "modes": ["11", "40"], "hts_prefix": "99"}),
        ("broker", {"filer_codes": "top", "start": "2023-02-11", "end": "2024-08-20"}),
    ],
)
def test_a_filtered_scope_equals_its_floor_on_every_page(small_lake: Path, who, raw) -> None:
    """The floor (plain DuckDB over the raw Parquet, the same predicates) answers every
    question of every page exactly as the project does, whatever the filters: `check`
    raises Mismatch otherwise."""
    from data_access.access import Principal
    from data_access.filters import Filters

    country = _top(small_lake, "country_of_origin")
    first = f"country_of_origin = '{country}' AND tariff_ordinal = 1"
    goods = _top(small_lake, "hts_number", first)
    filer = _top(small_lake, "filer_code")
    ports = ["2704", "1001"]
    picked = {
        "4digits": goods[:4], "chapter": goods[:2], "10digits": goods, "99": "99",
        "top": [country], "top2": [country, "MX"],
    }  # fmt: skip
    values = {k: picked.get(v, v) if isinstance(v, str) else v for k, v in raw.items()}
    if "filer_codes" in values:
        values["filer_codes"] = [filer]
    if "ports" in values:
        values["ports"] = ports
    principal = Principal.parse(f"broker:{filer}") if who == "broker" else who
    scope = harness.filtered_scope(small_lake, principal, Filters.parse(values))
    printed: list[str] = []
    harness.check_floors(small_lake, scope, out=printed.append)
    answered = [parse(line) for line in printed]
    asked = {q.report for q in questions.questions(date.today())}
    if who == "broker":
        asked.discard("bond.sufficiency")  # brokers never see bonds
    assert {r["report"] for r in answered} == asked
    assert all(r["equal"] == "yes" and r["scope"] == "filtered" for r in answered)


def test_the_floor_follows_the_filters(small_lake: Path) -> None:
    """The filtered floor is not the unfiltered one: the predicates reach its SQL, and a
    layer (Chapter 99 row) counts under its goods' HTS number."""
    import duckdb

    from data_access.access import CBP
    from data_access.filters import Filters

    goods = _top(small_lake, "hts_number", "tariff_ordinal = 1")
    wide = harness.filtered_scope(small_lake, CBP, Filters())
    narrow = harness.filtered_scope(small_lake, CBP, Filters(hts_prefix=goods[:4]))
    question = questions.questions(date.today())[0]  # overview.kpis
    with duckdb.connect() as con:
        answers = [con.sql(*question.sql(small_lake, s.as_dict(date.today()))[:1],
                           params=question.sql(small_lake, s.as_dict(date.today()))[1]).pl()
                   for s in (wide, narrow)]  # fmt: skip
        glob = str(small_lake / "entry_lines" / "year=*" / "*.parquet")
        own = con.sql(
            f"SELECT count(*) FILTER (WHERE tariff_ordinal = 1) FROM read_parquet('{glob}') "
            f"WHERE starts_with(hts_number, '{goods[:4]}')"
        ).fetchall()[0][0]
    assert answers[1]["lines"][0] == own < answers[0]["lines"][0]


def test_itrac_bench_with_filters_prints_that_scope(small_lake: Path, capsys) -> None:
    """The options reach the scope: every page line names it, the reports ran in it."""
    argv = ["bench", "--lake", str(small_lake), "--repeat", "1", "--cold", "0", "--as", "largest",
            "--country", "CN,VN", "--hts", "85", "--pages", "overview,entry_summary"]  # fmt: skip
    assert cli.main(argv) == 0
    rows = [parse(line) for line in capsys.readouterr().out.splitlines() if "=" in line]
    page_rows = [r for r in rows if r["bench"] == "page"]
    assert [(r["page"], r["kind"]) for r in page_rows] == [
        ("overview", "warm"), ("entry_summary", "warm")
    ]  # fmt: skip
    for row in page_rows:
        assert row["countries"] == "CN,VN" and row["hts_prefix"] == "85"
        assert row["as"].startswith("importer:") and row["target_ms"] == "300.0"
        assert {"p50_ms", "p95_ms", "floor_ms", "ratio_to_floor"} <= row.keys()
    countries = [r for r in rows if r.get("report") == "overview.top_countries"]
    assert 1 <= int(countries[0]["rows"]) <= 2  # the project's answer: CN and VN at most


def test_a_repeated_filter_option_keeps_every_value(small_lake: Path, capsys) -> None:
    """`--country CN --country VN --port A --port B` is CN and VN at both ports (it was VN
    at port B alone: the last of each); commas still work beside it."""
    argv = ["bench", "--lake", str(small_lake), "--repeat", "1", "--cold", "0", "--as", "cbp",
            "--country", "CN", "--country", "VN,DE", "--port", "2704", "--port", "2709",
            "--pages", "reconciliation"]  # fmt: skip
    assert cli.main(argv) == 0
    (page,) = [parse(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith("bench=page")]  # fmt: skip
    assert (page["countries"], page["ports"]) == ("CN,VN,DE", "2704,2709")


def test_itrac_bench_refuses_a_bad_filter_or_page(small_lake: Path, capsys) -> None:
    assert cli.main(["bench", "--lake", str(small_lake), "--hts", "84x"]) == cli.EXIT_USAGE
    assert "hts_prefix" in capsys.readouterr().err
    argv = ["bench", "--lake", str(small_lake), "--country", "CN", "--pages", "overview,nope"]
    assert cli.main(argv) == cli.EXIT_USAGE
    assert "no page 'nope'" in capsys.readouterr().err


def in_a_running_loop(call: Callable[[], int]) -> int:
    """`call()` with an event loop running in this thread, as in `make test` after
    Playwright's sync API (which leaves one running: then it is called as it is)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:

        async def inside() -> int:
            return call()

        return asyncio.run(inside())
    return call()


def test_itrac_bench_sessions_runs_them_at_once_and_one_by_one(small_lake: Path, capsys) -> None:
    """Real sessions of a real dashboard server, over Streamlit's websocket."""
    argv = ["bench", "--lake", str(small_lake), "--sessions", "3", "--pages", "overview,exams"]

    assert in_a_running_loop(lambda: cli.main(argv)) == 0
    rows = [parse(line) for line in capsys.readouterr().out.splitlines() if "=" in line]
    runs = {r["mode"]: r for r in rows if r["bench"] == "sessions"}
    assert set(runs) == {"serial", "concurrent", "ratio"}
    for mode in ("serial", "concurrent"):
        assert runs[mode]["sessions"] == "3" and runs[mode]["page_loads"] == "6"
        assert runs[mode]["errors"] == "0"
        assert float(runs[mode]["p95_ms"]) >= float(runs[mode]["p50_ms"]) > 0
    ratio = float(runs["concurrent"]["total_s"]) / float(runs["serial"]["total_s"])
    # Totals print to the millisecond and the ratio to 2 decimals (a 1-decimal ratio of
    # 1-decimal totals was off by more than 0.06 on a loaded CI machine).
    assert float(runs["ratio"]["total_ratio"]) == pytest.approx(ratio, abs=0.01)


def test_each_session_has_a_scope_of_its_own(small_lake: Path) -> None:
    from benchmarks import sessions

    users = sessions.demo_users()
    assert users[0] == "CBP trade analyst (cbp)"  # as the "View as" box shows them
    loads = sessions.loads(users, sessions.filter_sets(small_lake), ("overview",), 20)
    assert len({load.query for load in loads}) == 20
    assert "view_as=CBP+trade+analyst+%28cbp%29" in loads[0].query
    assert any("country=" in load.query and "hts=8471" in load.query for load in loads)
    with pytest.raises(ValueError, match="distinct scopes"):
        sessions.loads(users[:1], [{}], ("overview",), 2)


def test_each_call_of_a_page_is_timed_and_the_slowest_named(small_lake: Path) -> None:
    """`bench=call` lines: one per recorded call of the page, in its order, each with as
    many samples as warm runs; the page line names the slowest of them."""
    printed: list[str] = []
    harness.run_pages(
        small_lake, ("cbp",), repeat=3, cold_repeat=0, page_names=("exams",), out=printed.append
    )
    rows = [parse(line) for line in printed]
    calls = [r for r in rows if r["bench"] == "call"]
    recorded = pages.record(
        small_lake, "exams", "cbp", harness.bench_scopes(small_lake, ("cbp",))[0].filters.to_query()
    )
    assert [r["report"] for r in calls] == [c.report for c in recorded]
    assert {r["n"] for r in calls} == {"3"}
    held = next(r for r in calls if r["report"] == "overview.holdings")
    assert held["filtered"] == "no"  # asked without the view's filters (ui.data.held_by)
    (page,) = [r for r in rows if r["bench"] == "page"]
    slowest = max(float(r["p50_ms"]) for r in calls)
    tied = {r["report"] for r in calls if float(r["p50_ms"]) == slowest}  # as printed, rounded
    assert page["slowest"] in tied and float(page["slowest_p50_ms"]) == slowest


def test_the_audit_page_is_recorded_and_timed(small_lake: Path, capsys) -> None:
    """The Audit page was not among the pages the harness knew (`--page audit` was
    refused): its render's calls are recorded (the checks' summary first) and it gets a
    page line."""
    calls = pages.record(small_lake, "audit", "cbp", {})
    assert calls[0].report == "audit.summary"
    argv = ["bench", "--lake", str(small_lake), "--scope", "cbp", "--page", "audit",
            "--repeat", "1", "--cold", "0"]  # fmt: skip
    assert cli.main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    (page,) = [parse(line) for line in out if line.startswith("bench=page")]
    assert (page["page"], int(page["queries"])) == ("audit", len(calls))


def test_each_replay_computes_the_audit_findings_again(small_lake: Path) -> None:
    """The audit keeps its findings per scope in the process (`_every_finding`): a replay
    served from them timed a second render (11 ms on the 50M lake); each replay clears
    them and computes them once for its three calls."""
    from data_access.access import CBP
    from data_access.engines import get_engine
    from data_access.reports.audit import _every_finding

    calls = pages.record(small_lake, "audit", "cbp", {})
    engine = get_engine(small_lake, "duckdb")
    pages.replay(engine, CBP, calls)
    pages.replay(engine, CBP, calls)
    info = _every_finding.cache_info()  # the second replay's: computed once, then shared
    assert (info.misses, info.hits) == (1, len(calls) - 1)
