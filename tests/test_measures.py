"""One vocabulary of measures (`data_access.measures`): each measure defined once, the
rollups built from those definitions, and the rollups read through `Scope`'s one door.

The static checks read the source: a measure written a second time (as rollup SQL, or as
an Ibis sum of the duty columns in a report), an exam's discrepancy tested by hand, or a
report that restricts a table itself would each be a second definition or a second door.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from data_access import lake, measures
from data_access.access import Principal
from data_access.engines import DuckDBEngine, Engine, ReadsRollups
from data_access.engines.spark import SparkEngine
from data_access.filters import Filters
from data_access.lake import check, rollups
from data_access.reports import REPORTS, Scope
from tests.demo_lakes import DemoLakes

ROOT = Path(__file__).resolve().parents[1]
DATA_ACCESS = ROOT / "data_access"
MEASURE_SQL = ("count(distinct", "filter (where", "coalesce(duty_amount", "coalesce(sum(")


@pytest.fixture(scope="module")
def demo(demo_lake: DemoLakes) -> Path:
    return demo_lake(lines=8_000, seed=3, end=date(2025, 6, 30))


def test_each_rollup_holds_its_tables_measures_in_their_types(demo: Path) -> None:
    for name, rollup in rollups.ROLLUPS.items():
        files = lake.files(demo / lake.ROLLUPS_DIR / name)
        assert files, name
        schema = pq.read_schema(files[0])
        firsts = [rollups.first_column(n) for n in rollups.PREFIX_DIGITS]
        held = {
            rollups.SUMS: list(rollup.measures),
            rollups.PART: list(rollup.measures),
            rollups.KEYS: [],
            rollups.ENTRIES: ["entries"],
            rollups.FIRSTS: firsts,
            rollups.NAMES: ["last_date"],
        }
        assert schema.names == [*rollup.grouped, *held[rollup.kind]], name
        if rollup.kind == rollups.FIRSTS:
            assert {str(schema.field(c).type) for c in firsts} == {"int64"}, name
        if rollup.kind == rollups.NAMES:
            assert str(schema.field("last_date").type) == "date32[day]", name
        assert bool(rollup.measures) == (rollup.kind in (rollups.SUMS, rollups.PART)), name
        for column, measure in rollup.measures.items():
            expected = "decimal128(38, 2)" if measure.money else "int64"
            assert str(schema.field(column).type) == expected, (name, column)


def test_the_rollups_add_up_to_the_measures_over_the_tables(demo: Path) -> None:
    """`itrac check`'s comparison, per year and rollup, from the measures' definitions."""
    assert rollups.usable(demo)
    assert check.rollup_agreement(demo) == []
    lines = pl.read_parquet(lake.table_files(demo, "entry_lines"))
    duties = lines.select(pl.sum_horizontal("duty_amount", "add_amount", "cvd_amount").sum()).item()
    rolled = pl.read_parquet(lake.files(demo / lake.ROLLUPS_DIR / "lines_by_month"))
    assert rolled.get_column("duties").sum() == duties
    assert rolled.get_column("lines").sum() == lines.filter(pl.col("tariff_ordinal") == 1).height


@pytest.mark.parametrize(
    "filters", [Filters(), Filters(countries=("CN",)), Filters(hts_prefix="84")]
)
def test_the_overview_reads_the_rollups_through_scope(demo: Path, filters: Filters) -> None:
    principal = Principal.parse("cbp")
    fast = Scope(DuckDBEngine(demo), principal, filters)
    slow = Scope(DuckDBEngine(demo, use_rollups=False), principal, filters)
    assert fast.rollups == set(rollups.ROLLUPS) and slow.rollups == frozenset()
    for name in ("overview.kpis", "overview.monthly_trend", "overview.top_hts_chapters"):
        assert REPORTS[name](fast).equals(REPORTS[name](slow)), name


def test_a_rollup_comes_through_scope_with_the_principals_rows_only(demo: Path) -> None:
    engine = DuckDBEngine(demo)
    importers = pl.read_parquet(lake.table_files(demo, "entry_lines")).get_column("importer_number")
    one = importers.mode().sort().item(0)
    scope = Scope(engine, Principal("importer", importer_numbers=(one,)))
    rows = engine.to_polars(scope.rollup("lines_by_month"))
    assert rows.height and set(rows.get_column("importer_number")) == {one}
    with pytest.raises(KeyError, match="lines_by_nothing"):
        scope.rollup("lines_by_nothing")


def test_the_engine_protocol_has_no_rollup_fields() -> None:
    assert {"rollups", "rollup_dates"}.isdisjoint(Engine.__annotations__)
    assert {"rollups", "rollup_dates"} <= set(ReadsRollups.__annotations__)
    assert not hasattr(SparkEngine, "rollups") and not hasattr(SparkEngine, "rollup_dates")


def _modules() -> list[Path]:
    return sorted(p for p in DATA_ACCESS.rglob("*.py") if p.name != "measures.py")


def _attributes(node: ast.AST) -> set[str]:
    return {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def test_no_measure_is_defined_twice() -> None:
    """Measures as SQL text, duties or fees summed from their columns, a discrepancy
    tested by hand: only data_access/measures.py (the demo generator writes the columns,
    it does not measure them)."""
    problems = []
    for path in _modules():
        if "synth" in path.parts or "ingest" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.lower()
                problems += [f"{where}:{node.lineno} SQL {s!r}" for s in MEASURE_SQL if s in text]
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                used = _attributes(node)
                if {"duty_amount", "add_amount"} <= used or {"mpf_amount", "hmf_amount"} <= used:
                    problems.append(f"{where}:{node.lineno} sums duty or fee columns")
            if isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant) and c.value == measures.DISCREPANCY
                for c in node.comparators
            ):
                problems.append(f"{where}:{node.lineno} tests an exam's result by hand")
    assert not problems, "\n".join(sorted(set(problems)))


def test_reports_restrict_tables_only_through_scope() -> None:
    """`access.restrict` (the principal's rows) is called by Scope alone."""
    calls = []
    for path in sorted((DATA_ACCESS / "reports").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "restrict"
            ):
                calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    outside = [c for c in calls if not c.startswith("data_access/reports/base.py:")]
    assert not outside, outside
    assert len(calls) == 2, calls  # Scope.table and Scope.rollup
