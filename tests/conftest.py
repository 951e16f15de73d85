"""Shared fixtures: small lakes built by hand, so every expected value can be worked out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from data_access import lake
from tests.demo_lakes import DemoLakes
from tests.page_walk import build_lakes

ACME = "27-1234567AB"
BOLT = "30-7654321CD"
IMPORTER_NAMES = {ACME: "Acme Imports", BOLT: "Bolt Hardware"}  # ACE's Importer Name


def _lines() -> pl.DataFrame:
    rows = [
        # entry, line, ordinal, importer, type, port, mode, entry date, hts, origin,
        # value, duty, mpf, add
        (
            "ABC12345676",
            1,
            1,
            ACME,
            "01",
            "2704",
            "11",
            date(2024, 1, 5),
            "8471300100",
            "CN",
            "1000.00",
            "0.00",
            "3.46",
            None,
        ),
        (
            "ABC12345676",
            1,
            2,
            ACME,
            "01",
            "2704",
            "11",
            date(2024, 1, 5),
            "9903880300",
            "CN",
            "0.00",
            "250.00",
            None,
            None,
        ),
        (
            "ABC12345676",
            2,
            1,
            ACME,
            "01",
            "2704",
            "11",
            date(2024, 1, 5),
            "0901210000",
            "BR",
            "200.00",
            "0.00",
            "0.69",
            None,
        ),
        (
            "ABC00000018",
            1,
            1,
            ACME,
            "03",
            "1001",
            "40",
            date(2024, 12, 31),
            "7306301000",
            "VN",
            "5000.00",
            "75.00",
            "17.32",
            "1200.00",
        ),
        (
            "XYZ00000010",
            1,
            1,
            BOLT,
            "01",
            "2304",
            "30",
            date(2025, 3, 1),
            "0901210000",
            "MX",
            "500.50",
            "10.00",
            "1.73",
            None,
        ),
    ]
    columns = [
        "entry_number",
        "line_number",
        "tariff_ordinal",
        "importer_number",
        "entry_type",
        "port_of_entry",
        "mode_of_transport",
        "entry_date",
        "hts_number",
        "country_of_origin",
        "entered_value",
        "duty_amount",
        "mpf_amount",
        "add_amount",
    ]
    frame = pl.DataFrame(rows, schema=columns, orient="row")
    money = ["entered_value", "duty_amount", "mpf_amount", "add_amount"]
    return frame.with_columns(
        pl.col(money).map_elements(
            lambda v: Decimal(v) if v else None, return_dtype=pl.Decimal(18, 2)
        ),
        filer_code=pl.col("entry_number").str.slice(0, 3),
    )


def _summaries(lines: pl.DataFrame) -> pl.DataFrame:
    names = IMPORTER_NAMES
    return (
        lines.group_by("entry_number")
        .agg(
            pl.col(
                "importer_number",
                "filer_code",
                "entry_type",
                "port_of_entry",
                "mode_of_transport",
                "entry_date",
            ).first(),
            entered_value=pl.col("entered_value").sum(),
            duty_amount=(
                pl.col("duty_amount").fill_null(0) + pl.col("add_amount").fill_null(0)
            ).sum(),
            fee_amount=pl.col("mpf_amount").fill_null(0).sum(),
        )
        .with_columns(importer_name=pl.col("importer_number").replace_strict(names))
    )


@pytest.fixture(scope="session")
def tiny_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two importers (ACME via filer ABC, BOLT via XYZ), 3 entries, 5 tariff rows."""
    where = tmp_path_factory.mktemp("tiny") / "lake"
    lines = _lines()
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_lines", lines)
        tx.write("entry_summaries", _summaries(lines))
        tx.record(file="tiny", rows_loaded=lines.height)
    return where


@pytest.fixture(scope="session")
def demo_lake(tmp_path_factory: pytest.TempPathFactory) -> DemoLakes:
    """The session's demo lakes by their arguments (tests/demo_lakes.py): read-only."""
    return DemoLakes(tmp_path_factory)


@pytest.fixture(scope="session")
def page_lakes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The hand-built lakes the pages are walked over (tests/page_walk.py), by name."""
    return build_lakes(tmp_path_factory.mktemp("page-lakes"))
