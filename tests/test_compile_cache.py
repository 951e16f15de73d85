"""The compile cache (data_access.engines.shapes): one compile per expression shape, the
filter values bound as parameters, answers equal to Ibis compiling each expression."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ibis
import pytest
from polars.testing import assert_frame_equal

from data_access.access import CBP, Principal
from data_access.engines import DuckDBEngine, shapes
from data_access.engines.shapes import shape
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from tests.demo_lakes import DemoLakes

REPORTS_ASKED = (
    "overview.kpis",
    "overview.monthly_trend",
    "overview.top_countries",
    "overview.holdings",
    "entry_summary.header",
    "entry_summary.header_count",
    "exams.rate_by_month",
    "bond.sufficiency",
    "reconciliation.deadlines",
    "cargo_release.release_time_monthly",
    "layers.by_program",
)
SCOPES = (
    (CBP, Filters()),
    (Principal.parse("importer:27-4418529AB"), Filters(start=date(2023, 2, 3))),
    (Principal.parse("importer:38-2847105AA"), Filters(start=date(2022, 5, 9))),  # same shape
    (CBP, Filters(start=date(2022, 5, 9), end=date(2024, 1, 30))),
    (Principal.parse("broker:WPG"), Filters(countries=("CN", "VN"), hts_prefix="8471")),
    (CBP, Filters(ports=("2704",), countries=("MX",), hts_prefix="85")),
)


@pytest.fixture(scope="module")
def lake(demo_lake: DemoLakes) -> Path:
    return demo_lake(lines=8_000, seed=5, end=date(2025, 6, 30))


def _uncached(engine: DuckDBEngine) -> DuckDBEngine:
    engine.to_polars = lambda expr: engine._backend().to_polars(expr)  # type: ignore[method-assign]
    return engine


@pytest.mark.parametrize("report", REPORTS_ASKED)
def test_cached_answers_equal_ibis_compiling_each_time(lake: Path, report: str) -> None:
    cached, plain = DuckDBEngine(lake), _uncached(DuckDBEngine(lake))
    for who, filters in SCOPES:
        if not all(who.can_see(t) for t in REPORTS[report].tables):
            continue
        fast = REPORTS[report](Scope(cached, who, filters))
        slow = REPORTS[report](Scope(plain, who, filters))
        assert_frame_equal(fast, slow, check_exact=True)
    assert cached.shapes.hits > 0  # the scopes share shapes: later ones were not compiled


def test_one_compile_per_shape_whatever_the_values(lake: Path) -> None:
    engine = DuckDBEngine(lake)
    ask = REPORTS["entry_summary.header_count"]
    counts = []
    for number in ("27-4418529AB", "38-2847105AA", "76-0492871AF"):
        who = Principal.parse(f"importer:{number}")
        counts.append(ask(Scope(engine, who, Filters(start=date(2023, 1, 2)))).item(0, 0))
    assert engine.shapes.misses == 1 and engine.shapes.hits == 2
    assert len(set(counts)) == 3  # three importers' own counts, not one cached answer
    ask(Scope(engine, CBP, Filters(start=date(2023, 1, 2))))  # no importer predicate
    assert engine.shapes.misses == 2


def test_values_are_bound_never_spliced(lake: Path) -> None:
    engine = DuckDBEngine(lake)
    t = engine.table("entry_summaries")
    hostile = "x' OR '1'='1"
    mine = t.filter(t.importer_number == ibis.literal(hostile))
    expr = mine.aggregate(n=mine.count())
    assert shape(expr).values == {"p0": hostile}
    sql, bound, _ = engine.shapes.sql(engine._backend(), expr)
    assert hostile not in sql and "$p0" in sql and bound == {"p0": hostile}
    assert engine.to_polars(expr).item(0, 0) == 0


# --- the fixed cost of a report (issue 17, session 6) -------------------------------------
def _importer_scope(engine: DuckDBEngine, number: str) -> Scope:
    return Scope(engine, Principal.parse(f"importer:{number}"), Filters(start=date(2023, 1, 2)))


def test_reports_over_an_in_memory_table_compile_once(lake: Path) -> None:
    """bond.sufficiency judges months of a spine Ibis names afresh on every render
    (`ibis.memtable`): the name is a placeholder of the shape, so a second importer's
    judgement is a cache hit, and nothing stays registered on the cursor after."""
    engine = DuckDBEngine(lake)
    ask = REPORTS["bond.sufficiency"]
    first = ask(_importer_scope(engine, "27-4418529AB"), as_of=date(2025, 6, 30))
    compiled = engine.shapes.misses
    second = ask(_importer_scope(engine, "38-2847105AA"), as_of=date(2025, 6, 30))
    assert engine.shapes.misses == compiled and engine.shapes.hits > 0
    assert first.height and second.height
    assert set(first.get_column("importer_number")) == {"27-4418529AB"}
    assert set(second.get_column("importer_number")) == {"38-2847105AA"}
    temporary = "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
    assert engine._backend().con.sql(temporary).fetchall() == []  # registered for their query


def test_a_cache_hit_builds_no_expression(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shape's key comes from one walk over the graph: on a hit no Ibis node is built
    (rebuilding the expression with placeholders cost as much as the query it saved)."""
    from ibis.common.grounds import Concrete

    engine = DuckDBEngine(lake)
    t = engine.table("entry_summaries")

    def count_for(number: str) -> ibis.Table:
        mine = t.filter(t.importer_number == number, t.entry_date >= date(2023, 1, 2))
        return mine.group_by("port_of_entry").aggregate(n=mine.count())

    engine.shapes.sql(engine._backend(), count_for("27-4418529AB"))
    expr = count_for("38-2847105AA")
    built: list[type] = []
    create = Concrete.__create__.__func__  # type: ignore[attr-defined]

    def counting(cls: type, *args: object, **kwargs: object) -> object:
        built.append(cls)
        return create(cls, *args, **kwargs)

    monkeypatch.setattr(Concrete, "__create__", classmethod(counting))
    values = engine.shapes.sql(engine._backend(), expr)[1]
    assert engine.shapes.hits == 1 and built == []
    assert sorted(values.values(), key=str) == [date(2023, 1, 2), "38-2847105AA"]


def test_a_report_binds_its_statement_once(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`con.sql` bound each statement for a lazy relation, then again to run it; the
    engine runs it bound once (no bind of its own before the run)."""
    import duckdb._seam

    engine = DuckDBEngine(lake)
    ask = REPORTS["entry_summary.header_count"]
    ask(_importer_scope(engine, "27-4418529AB"))
    binds: list[str] = []
    bind = duckdb._seam.bind
    monkeypatch.setattr(duckdb._seam, "bind", lambda *a, **k: binds.append("bind") or bind(*a, **k))
    rows = ask(_importer_scope(engine, "38-2847105AA")).item(0, 0)
    assert binds == []
    plain = _uncached(DuckDBEngine(lake))
    assert rows == ask(_importer_scope(plain, "38-2847105AA")).item(0, 0) > 0


def test_a_scoped_table_is_built_once_per_principal_and_filters(lake: Path) -> None:
    """Scope.table's restricted, filtered expression is built once per engine, thread,
    principal and filters: the next report (and render) of that scope reuses it; another
    principal, other filters or another thread get their own."""
    import threading

    engine = DuckDBEngine(lake)
    acme = Principal.parse("importer:27-4418529AB")
    period = Filters(start=date(2023, 1, 2))
    first = Scope(engine, acme, period).table("entry_summaries")
    assert Scope(engine, acme, Filters(start=date(2023, 1, 2))).table("entry_summaries") is first
    other = Scope(engine, Principal.parse("importer:38-2847105AA"), period)
    assert other.table("entry_summaries") is not first
    later = Scope(engine, acme, Filters(start=date(2023, 1, 3)))
    assert later.table("entry_summaries") is not first
    elsewhere: list[object] = []
    thread = threading.Thread(
        target=lambda: elsewhere.append(Scope(engine, acme, period).table("entry_summaries"))
    )
    thread.start()
    thread.join()
    assert elsewhere[0] is not first
    counts = [
        REPORTS["entry_summary.header_count"](Scope(engine, who, period)).item(0, 0)
        for who in (acme, other.principal, CBP)
    ]
    assert counts[0] + counts[1] <= counts[2] and counts[0] != counts[1]


REMEMBERED_REPORTS = (
    ("entry_summary.header", {"offset": 0, "limit": 100}),
    ("reconciliation.deadlines", {"as_of": date(2025, 6, 30)}),
    ("cargo_release.release_time_monthly", {}),
    ("bond.sufficiency", {"as_of": date(2025, 6, 30)}),
)


@pytest.mark.parametrize(("report", "options"), REMEMBERED_REPORTS)
def test_the_same_question_again_builds_and_walks_nothing(
    lake: Path, monkeypatch: pytest.MonkeyPatch, report: str, options: dict
) -> None:
    """A report asked again with the same principal, filters and options builds no Ibis
    node and does not walk its expression: it was remembered (`reports.base.remembered`)
    with the statement prepared for it (`CompiledShapes.prepared`). The answer is the
    same rows, and another importer's is its own."""
    from ibis.common.grounds import Concrete

    engine = DuckDBEngine(lake)
    acme, other = (_importer_scope(engine, n) for n in ("27-4418529AB", "38-2847105AA"))
    first = REPORTS[report](acme, **options)
    built: list[type] = []
    create = Concrete.__create__.__func__  # type: ignore[attr-defined]

    def counting(cls: type, *args: object, **kwargs: object) -> object:
        built.append(cls)
        return create(cls, *args, **kwargs)

    walked: list[int] = []
    walk = shapes.shape
    monkeypatch.setattr(shapes, "shape", lambda expr: walked.append(1) or walk(expr))
    monkeypatch.setattr(Concrete, "__create__", classmethod(counting))
    again = REPORTS[report](
        Scope(engine, acme.principal, Filters(start=date(2023, 1, 2))), **options
    )
    assert built == [] and walked == []
    monkeypatch.undo()
    assert_frame_equal(again, first, check_exact=True)
    assert engine.shapes.prepared_hits >= 1
    theirs = REPORTS[report](other, **options)
    plain = _uncached(DuckDBEngine(lake))
    expected = REPORTS[report](_importer_scope(plain, "38-2847105AA"), **options)
    assert_frame_equal(theirs, expected, check_exact=True)
    if "importer_number" in first.columns and first.height:
        assert set(first.get_column("importer_number")) == {"27-4418529AB"}


def test_an_equal_expression_runs_its_prepared_statement(lake: Path) -> None:
    """The statement, values and in-memory tables are kept by the expression itself: the
    same (or an equal) expression again is a prepared hit, not a walk for its shape; one
    with other values is a shape hit with its own values."""
    engine = DuckDBEngine(lake)
    t = engine.table("entry_summaries")

    def count_for(number: str) -> ibis.Table:
        mine = t.filter(t.importer_number == number)
        return mine.aggregate(n=mine.count())

    backend = engine._backend()
    first = engine.shapes.sql(backend, count_for("27-4418529AB"))
    again = engine.shapes.sql(backend, count_for("27-4418529AB"))
    other = engine.shapes.sql(backend, count_for("38-2847105AA"))
    assert (engine.shapes.misses, engine.shapes.prepared_hits, engine.shapes.hits) == (1, 1, 1)
    assert again == first and other[0] == first[0]
    assert list(first[1].values()) == ["27-4418529AB"] and list(other[1].values()) == [
        "38-2847105AA"
    ]
