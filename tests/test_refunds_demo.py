"""The demo tells the refund story: as of its end date, its importers hold IEEPA duty on
every route a webinar walks through (CAPE, protest, final, and entries CAPE excludes)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from data_access.access import CBP
from data_access.engines import get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from tests.demo_lakes import DemoLakes

END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def demo(demo_lake: DemoLakes) -> Path:
    return demo_lake(lines=30_000, seed=7, end=END)


def by_entry(lake: Path) -> pl.DataFrame:
    scope = Scope(get_engine(lake, "duckdb"), CBP, Filters())
    return REPORTS["refunds.by_entry"](scope, as_of=END)


def test_every_route_holds_ieepa_duty(demo) -> None:
    frame = by_entry(demo)
    per_route = frame.group_by("route").agg(pl.len(), pl.col("ieepa_duty").sum())
    found = {
        row["route"]: (row["len"], row["ieepa_duty"]) for row in per_route.iter_rows(named=True)
    }
    assert set(found) == {"cape", "protest", "final", "not_eligible"}
    assert all(entries > 0 and duty > 0 for entries, duty in found.values())


def test_exclusions_are_shown_with_their_reasons(demo) -> None:
    reasons = set(by_entry(demo).filter(pl.col("route") == "not_eligible").get_column("reason"))
    assert reasons == {
        "Reconciliation-flagged entries and type 09 are not in CAPE Phase 1",
        "AD/CVD entries pending liquidation are not in CAPE Phase 1",
    }


def test_cape_entries_are_unliquidated_or_recent(demo) -> None:
    cape = by_entry(demo).filter(pl.col("route") == "cape")
    recent = cape.filter(pl.col("deadline").is_not_null())
    assert recent.height > 0 and (recent.height < cape.height)  # both kinds in the demo
    assert (recent.get_column("days_left") <= 80).all()
    assert cape.get_column("importer_number").n_unique() >= 3
