"""The refund routes of an ES-003 download (Liquidation Date and Liquidation Status added to
its layout, ACE's own headers) loaded as is through the real ingest, against the same
entries written straight into a lake as tests/refunds_lake.py does: the same routes,
deadlines, days left, reasons and dollars, row for row.

ES-003 cannot say everything refunds_lake.py says: it has no AD/CVD case number column
(AD/CVD entries are told by their type, 03, so their routes do not change) and no
Reconciliation Issue Code: its "Reconciliation Indicator" (Y/N) says an entry is flagged,
not for what. Entry 11, flagged, is "Y" in the download and has its issue code in the direct
lake; both route it "not eligible".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from data_access import lake
from data_access.access import CBP
from data_access.engines import get_engine
from data_access.filters import Filters
from data_access.ingest import ingest
from data_access.reports import REPORTS, Scope
from tests import refunds_lake
from tests.ingest_files import (
    ES003_HEADERS,
    LIQUIDATION_HEADERS,
    us,
    write_es003_xlsx,
    write_export,
)
from tests.refunds_lake import AS_OF, ENTRIES, E

NAMES = {refunds_lake.ACME: "Acme, Inc.", refunds_lake.BOLT: "Bolt Hardware"}
# Days to judge on: the boundaries of tests/test_refunds.py, a week on, before CAPE opened.
DAYS = [AS_OF, date(2026, 11, 9), date(2026, 3, 1)]


def ace_status(status: str) -> str:
    """Liquidation Status as ACE Reports writes it (Liquidated, Suspended, ...)."""
    return status.title()


def _dollars(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def es003_rows() -> list[list[str]]:
    """The entries of refunds_lake.py as one ES-003 download: per entry a goods ordinal,
    then its Chapter 99 ordinals in ES-003's 8 digits."""
    lines, heads = refunds_lake._rows()
    status = {h["entry_number"]: h for h in heads}
    rows = [ES003_HEADERS + LIQUIDATION_HEADERS]
    for line in lines:
        number = line["entry_number"]
        head, hts = status[number], line["hts_number"]
        liquidated = head["liquidation_date"]
        rows.append([
            number, str(line["line_number"]), line["entry_type"], line["importer_number"],
            NAMES[line["importer_number"]], line["port_of_entry"], us(line["entry_date"]),
            us(line["entry_date"]), us(line["entry_date"]), line["country_of_origin"],
            line["country_of_origin"], "CNACMTOY1234SHA", "", "", str(line["tariff_ordinal"]),
            hts[:8] if hts.startswith("9903") else hts, _dollars(line["entered_value"]),
            _dollars(line["duty_amount"]), "10" if line["tariff_ordinal"] == 1 else "",
            "NO" if line["tariff_ordinal"] == 1 else "", "", "BII Brokerage", "R07",
            "Y" if head["recon_flag"] else "N", "N", "N", us(liquidated) if liquidated else "",
            ace_status(head["liquidation_status"]),
        ])  # fmt: skip
    return rows


def direct_lake(where: Path) -> Path:
    """The same entries written straight into a lake, as refunds_lake.build does."""
    lines, heads = refunds_lake._rows()
    heads = [{**h, "liquidation_status": ace_status(h["liquidation_status"])} for h in heads]
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_lines", pl.DataFrame(lines, infer_schema_length=None))
        tx.write("entry_summaries", pl.DataFrame(heads, infer_schema_length=None))
        tx.record(file="refunds", rows_loaded=len(lines))
    return where


def by_entry(where: Path, as_of: date) -> pl.DataFrame:
    scope = Scope(get_engine(where, "duckdb"), CBP, Filters())
    return REPORTS["refunds.by_entry"](scope, as_of=as_of, with_none=True)


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return direct_lake(tmp_path_factory.mktemp("refunds-direct") / "lake")


@pytest.mark.parametrize("name", ["es003.csv", "es003.xlsx"])
def test_an_es003_download_gives_the_routes_of_the_same_data(tmp_path, direct, name) -> None:
    rows = es003_rows()
    path = tmp_path / name
    if name.endswith(".xlsx"):
        write_es003_xlsx(path, rows)
    else:
        write_export(path, rows)
    [result] = ingest(tmp_path / "lake", [path])
    assert (result.status, result.rows_loaded, result.rows_rejected) == (
        "loaded",
        37,
        0,
    )  # 16 entries x 2 ordinals, entry 1 x 3, OUTSIDE x 2
    for day in DAYS:
        loaded, expected = by_entry(tmp_path / "lake", day), by_entry(direct, day)
        assert expected.height == len(ENTRIES) == 17  # the OUTSIDE entry is not among them
        assert_frame_equal(loaded, expected)
    routes = dict(by_entry(tmp_path / "lake", AS_OF).select("entry_number", "route").rows())
    assert (routes[E[6]], routes[E[7]], routes[E[12]]) == ("cape", "cape", "not_eligible")
    assert routes[E[11]] == "not_eligible"  # flagged for reconciliation: "Y" in the download
    assert (routes[E[2]], routes[E[3]], routes[E[5]]) == ("cape", "protest", "final")


def test_the_download_holds_the_liquidation_columns_as_ace_writes_them() -> None:
    rows = es003_rows()
    header = rows[0]
    by_entry_number = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert header[-2:] == ["Liquidation Date", "Liquidation Status"]
    suspended = by_entry_number[E[6]]
    assert (suspended["Liquidation Date"], suspended["Liquidation Status"]) == ("", "Suspended")
    assert by_entry_number[E[2]]["Liquidation Date"] == "08/14/2026"  # 80 days before AS_OF
    tariff = [r for r in rows[1:] if r[0] == E[1]]
    assert [(r[14], r[15], r[17]) for r in tariff] == [
        ("1", "8471300100", "$0.00"),
        ("2", "99030124", "$200.00"),  # ES-003's 8 digits; the lake stores 9903012400
        ("3", "99030125", "$100.00"),
    ]


def test_a_lake_written_before_the_indicator_existed_reads_it_as_null(tmp_path: Path) -> None:
    """entry_summaries files without recon_indicator (lakes from before it joined the
    contract): the view still has the column, NULL, so the reports run on them."""
    from data_access.engines.duckdb import _view_sql
    from data_access.schema import ENTRY_SUMMARIES

    where = direct_lake(tmp_path / "lake")
    for old in lake.table_files(where, "entry_summaries"):
        frame = pl.read_parquet(old, hive_partitioning=False)
        assert frame["recon_indicator"].null_count() == frame.height
        frame.drop("recon_indicator").write_parquet(old)
    con = duckdb.connect()
    con.execute(_view_sql(con, where, ENTRY_SUMMARIES))
    rows = con.sql(
        "SELECT count(*), count(recon_indicator), count(recon_flag) FROM entry_summaries"
    ).fetchall()
    assert rows == [(18, 0, 1)]  # 17 entries and OUTSIDE; entry 11 has its issue code
