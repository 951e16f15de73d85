"""The demo's planted audit findings: exactly `synth.audit.PLANTED` more than the same demo
without them, each on a planted row."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from data_access import lake
from data_access.access import CBP
from data_access.engines import DuckDBEngine
from data_access.reports import REPORTS, Scope
from data_access.reports.audit import CHECKS
from data_access.synth.audit import FIRST_SERIAL, PLANTED
from tests.demo_lakes import DemoLakes

END = date(2026, 6, 30)


def _summary(demo_lake: DemoLakes, plant: bool) -> tuple[DuckDBEngine, pl.DataFrame]:
    engine = DuckDBEngine(demo_lake(lines=20_000, seed=11, end=END, plant_findings=plant))
    return engine, REPORTS["audit.summary"](Scope(engine, CBP))


@pytest.fixture(scope="module")
def demos(demo_lake: DemoLakes) -> tuple:
    return _summary(demo_lake, True), _summary(demo_lake, False)


def test_the_demo_holds_exactly_the_planted_findings(demos) -> None:
    (_, planted), (_, plain) = demos
    found = dict(zip(planted["check"], planted["findings"], strict=True))
    before = dict(zip(plain["check"], plain["findings"], strict=True))
    added = {c: found[c] - before[c] for c in CHECKS}
    assert added == {c: PLANTED.get(c, 0) for c in CHECKS}
    assert set(PLANTED) == set(CHECKS) - {"mpf_year_unknown"}  # every judged kind is planted


def test_planted_findings_sit_on_planted_rows(demos) -> None:
    (engine, _), (plain_engine, _) = demos
    rows = REPORTS["audit.findings"](Scope(engine, CBP))
    plain = REPORTS["audit.findings"](Scope(plain_engine, CBP))
    new = rows.join(plain, on=rows.columns, how="anti")
    serial = new["entry_number"].str.slice(3, 7).cast(pl.Int64)
    copies = new.filter(serial <= FIRST_SERIAL)
    # rows of clean entries: the originals of the twins, the copied lines, the other
    # tariff number and rate of the same product and group
    assert set(copies["check"]) <= {"duplicate_line", "duplicate_entry", "hts_differs",
                                    "rate_differs"}  # fmt: skip


def test_the_demo_has_post_summary_corrections_on_every_filers_card(demos) -> None:
    """About 3% of each filer's entries (5% for every third filer) carry ES-003's Post
    Summary Correction Indicator, and the scorecard counts exactly those."""
    (engine, _), _plain = demos
    card = REPORTS["filers.scorecard"](Scope(engine, CBP))
    heads = lake.table_glob(engine.lake, "entry_summaries")
    expected = dict(
        duckdb.sql(
            f"SELECT filer_code, count(*) FILTER (WHERE psc_indicator) FROM "
            f"read_parquet('{heads}') GROUP BY 1"
        ).fetchall()
    )
    assert dict(zip(card["filer_code"], card["pscs"], strict=True)) == expected
    assert all(count > 0 for count in expected.values())
    assert card["psc_rate"].is_between(0.01, 0.08).all()
