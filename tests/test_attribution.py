"""A Chapter 99 layer's goods number and country (`attribution.with_goods`), on rows built
here: each case's expected goods written out, and no window in the compiled query."""

from __future__ import annotations

from decimal import Decimal

import ibis
import polars as pl
import pytest

from data_access import attribution

# (entry, line, ordinal, own number, own country) -> (goods number, goods country)
ROWS = {
    # a goods row and two layers: the layers take the goods row's number and country
    ("E1", 1, 1, "8471300100", "CN"): ("8471300100", "CN"),
    ("E1", 1, 2, "9903880301", "CN"): ("8471300100", "CN"),
    ("E1", 1, 3, "9903010124", None): ("8471300100", "CN"),
    # the same line number of another entry: its own goods row, not E1's
    ("E2", 1, 1, "9403600000", "VN"): ("9403600000", "VN"),
    ("E2", 1, 2, "9903010124", "VN"): ("9403600000", "VN"),
    # a layer whose line has no goods row keeps its own number and country
    ("E3", 2, 2, "9903880301", "MX"): ("9903880301", "MX"),
    # a further ordinal that is not a 9903 layer keeps its own
    ("E3", 3, 1, "7326908688", "MX"): ("7326908688", "MX"),
    ("E3", 3, 2, "7326900000", "MX"): ("7326900000", "MX"),
    # a goods row without a number: its layer is not attributed
    ("E4", 1, 1, None, "DE"): (None, "DE"),
    ("E4", 1, 2, "9903850100", "IT"): ("9903850100", "IT"),
    # a row without an ordinal is kept, under its own number
    ("E5", 1, None, "9903880301", "CN"): ("9903880301", "CN"),
}


def _lines() -> ibis.Table:
    keys = list(ROWS)
    frame = pl.DataFrame(
        {
            "entry_number": [k[0] for k in keys],
            "line_number": [k[1] for k in keys],
            "tariff_ordinal": [k[2] for k in keys],
            "hts_number": [k[3] for k in keys],
            "country_of_origin": [k[4] for k in keys],
            "duty_amount": [Decimal(i) for i in range(len(keys))],
        },
        schema_overrides={"line_number": pl.Int32, "tariff_ordinal": pl.Int32},
    )
    return ibis.memtable(frame)


@pytest.fixture
def con() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


def test_each_row_has_its_goods_number_and_country(con: ibis.BaseBackend) -> None:
    got = con.to_polars(attribution.with_goods(_lines()))
    assert got.height == len(ROWS)  # no row lost (a null ordinal) or doubled (the join)
    found = {
        (r["entry_number"], r["line_number"], r["tariff_ordinal"], r["hts_number"],
         r["country_of_origin"]): (r["goods_hts"], r["goods_country"])
        for r in got.iter_rows(named=True)
    }  # fmt: skip
    assert found == ROWS
    assert got.get_column("duty_amount").sum() == Decimal(sum(range(len(ROWS))))


def test_the_rule_is_a_join_not_a_window_over_every_line() -> None:
    sql = str(ibis.to_sql(attribution.with_goods(_lines()), dialect="duckdb")).upper()
    assert " OVER " not in sql and "JOIN" in sql


def test_under_a_prefix_a_layer_goes_with_its_goods(con: ibis.BaseBackend) -> None:
    got = con.to_polars(attribution.under_prefix(_lines(), "8471"))
    rows = sorted(zip(got["entry_number"], got["tariff_ordinal"], got["hts_number"], strict=True))
    assert rows == [("E1", 1, "8471300100"), ("E1", 2, "9903880301"), ("E1", 3, "9903010124")]
    own = con.to_polars(attribution.under_prefix(_lines(), "990388"))
    assert sorted(zip(own["entry_number"], own["tariff_ordinal"], strict=True)) == [
        ("E1", 2),
        ("E3", 2),
        ("E5", None),
    ]
