"""Amounts cannot break other people's pages (issue 13.6).

Every amount a row carries is at most $10 billion either way (schema.MONEY_CEILING); the
rest is quarantined with its reason. Every sum of money is decimal(38,2), so even a lake
whose rows are each near decimal(18,2)'s limit (written before the ceiling, or by a
generator) renders every report, and an entry whose lines sum past what a header holds
fails its file with a clear error instead of aborting the ingest.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from data_access import lake
from data_access.access import CBP, Principal
from data_access.engines import get_engine
from data_access.ingest import derive, ingest
from data_access.ingest.quarantine import read
from data_access.reports import REPORTS, Scope
from tests import entry_summary_lake as sample
from tests.ingest_files import entry_numbers, lake_rows, write_export

HEADER = ["Entry Summary Number", "Entry Summary Line Number", "Importer Number", "Entry Type Code",
          "Port of Entry Code", "Entry Date", "HTS Number - Full", "Country of Origin Code",
          "Line Tariff Goods Value Amount", "Line Tariff Duty Amount"]  # fmt: skip
ACME = "27-1234567AB"
HUGE = "$9,999,999,999,999,999.99"  # the largest decimal(18,2): parses, but is no real line
CEILING_REASON = (
    "more than $10,000,000,000.00 either way, the largest amount a row may carry "
    "(check the value: a line of real trade is far less)"
)


def _line(entry: str, line: int, value: str, duty: str = "0.00") -> list[str]:
    return [entry, str(line), ACME, "01", "2704", "01/05/2024", "0901210000", "BR", value, duty]


def test_amounts_past_the_ceiling_are_quarantined_and_the_rest_loads(tmp_path: Path) -> None:
    big, ok, edge = entry_numbers(3)
    rows = [HEADER, *(_line(big, n, HUGE) for n in range(1, 5))]  # four on one entry
    rows += [_line(ok, 1, "$10,000,000,000.00"), _line(ok, 2, "(10,000,000,000.00)")]
    rows += [_line(edge, 1, "1.00", "-$10,000,000,000.01")]
    source = write_export(tmp_path / "huge.csv", rows)
    [result] = ingest(tmp_path / "lake", [source], principal=CBP)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "loaded", 7, 2, 5,
    )  # fmt: skip
    assert result.reasons == {
        f"entered_value: {CEILING_REASON}": 4,
        f"duty_amount: {CEILING_REASON}": 1,
    }
    rejected = read(tmp_path / "lake", result.sha256)
    assert sorted(set(rejected["value"].to_list())) == [HUGE, "-$10,000,000,000.01"]
    assert rejected.select("row").unique().height == 5
    lines = lake_rows(tmp_path / "lake", "entry_lines")
    assert lines.select("entry_number", "entered_value").rows() == [
        (ok, Decimal("10000000000.00")),
        (ok, Decimal("-10000000000.00")),
    ]
    [kpis] = REPORTS["entry_summary.kpis"](_scope(tmp_path / "lake", CBP)).to_dicts()
    assert (kpis["entries"], kpis["entered_value"]) == (1, Decimal("0.00"))


def _scope(where: Path, principal: Principal) -> Scope:
    return Scope(get_engine(where, "duckdb"), principal)


NEAR_LIMIT = Decimal("9000000000000000.00")  # a valid decimal(18,2); four of them are not


@pytest.fixture
def near_limit_lake(tmp_path: Path) -> Path:
    """Four single-line entries of $9 quadrillion each, written to the lake directly (as a
    lake from before the ceiling, or a generator, holds them)."""
    single = [sample.E[n] for n in (4, 8, 10, 12)]
    headers = sample.header_frame().filter(pl.col("entry_number").is_in(single))
    lines = sample.line_frame(headers).with_columns(
        entered_value=pl.lit(NEAR_LIMIT, pl.Decimal(18, 2))
    )
    with lake.transaction(tmp_path / "lake", fresh=True) as tx:
        tx.write("entry_summaries", sample.with_header_money(headers, lines))
        tx.write("entry_lines", lines)
    return tmp_path / "lake"


def test_every_report_sums_past_decimal_18_2(near_limit_lake: Path) -> None:
    scope = _scope(near_limit_lake, CBP)
    failed = {}
    for name, run in REPORTS.items():
        try:
            run(scope)
        except Exception as error:  # collect every failing report
            failed[name] = str(error)[:120]
    assert failed == {}
    total = 4 * NEAR_LIMIT  # 36,000,000,000,000,000.00: past decimal(18,2)
    [kpis] = REPORTS["overview.kpis"](scope).to_dicts()
    assert kpis["entered_value"] == total
    [kpis] = REPORTS["entry_summary.kpis"](scope).to_dicts()
    assert (kpis["entries"], kpis["entered_value"]) == (4, total)
    trend = REPORTS["overview.monthly_trend"](scope)
    assert trend.get_column("entered_value").sum() == total


def test_an_entry_whose_lines_overflow_a_header_fails_its_file_only() -> None:
    headers = pl.DataFrame(
        {"entry_number": ["BII00000018", "BII00000026"],
         "entered_value": [Decimal("5.00"), Decimal("10000000000000000.00")]},
        schema={"entry_number": pl.String, "entered_value": pl.Decimal(38, 2)},
    )  # fmt: skip
    assert derive.too_large(headers) == (
        "entry BII00000026: its lines add up to a Entered Value of "
        "$10,000,000,000,000,000.00, more than an entry summary holds "
        "($9,999,999,999,999,999.99); split or correct the file"
    )
    assert derive.too_large(headers.head(1)) == ""
