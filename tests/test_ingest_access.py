"""The Access reader on real JET3/JET4 files (expectations from the fixtures' README)."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest

from data_access.ingest import access_db, ingest, values
from data_access.ingest.quarantine import read
from data_access.settings import ROOT
from tests.ingest_files import lake_rows

FIXTURES = ROOT.parent / "shared" / "fixtures" / "access"  # read in place, never copied


def readme_facts() -> dict[str, tuple[str, list[str]]]:
    """file -> (format, tables named) from the README's table."""
    facts = {}
    for line in (FIXTURES / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].endswith(".mdb"):
            named = re.sub(r"\(.*?\)|:.*", "", cells[2])
            tables = [t.strip() for t in named.split(",") if t.strip() not in ("", "...")]
            facts[cells[0]] = (cells[1].split()[0], tables)
    return facts


def _dates(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return frame.select(values.date(pl.col(c)).alias(c) for c in columns)


def test_readme_names_both_files():
    assert set(readme_facts()) == {"nwind.mdb", "DateTestDatabase.mdb"}


@pytest.mark.parametrize("name", ["nwind.mdb", "DateTestDatabase.mdb"])
def test_format_and_tables_are_the_readmes(name):
    version, named = readme_facts()[name]
    assert access_db.version(FIXTURES / name) == version
    assert set(named) <= set(access_db.tables(FIXTURES / name))


def test_jet3_dates_have_their_century():
    # Access 97 dates exported with 4-digit years: a 1948 birth date read as 12/08/48
    # would become 2048, after the hire date.
    assert readme_facts()["nwind.mdb"][0] == "JET3"
    employees = access_db.read_table(FIXTURES / "nwind.mdb", "Employees")
    born = _dates(employees, "BirthDate", "HireDate")
    assert born.null_count().row(0) == (0, 0)
    assert (born["BirthDate"] < born["HireDate"]).all()
    assert born["BirthDate"].min() < date(1970, 1, 1)  # outside 1970-2038, read right
    orders = _dates(access_db.read_table(FIXTURES / "nwind.mdb", "Orders"), "OrderDate",
                    "RequiredDate", "ShippedDate")  # fmt: skip
    assert orders["OrderDate"].null_count() == 0
    assert (orders["RequiredDate"] >= orders["OrderDate"]).all()
    assert (orders.drop_nulls()["ShippedDate"] >= orders.drop_nulls()["OrderDate"]).all()


def test_jet4_far_dates_are_read_or_named_never_guessed():
    name = "DateTestDatabase.mdb"
    version, (table,) = readme_facts()[name]
    assert version == "JET4"
    rows = access_db.read_table(FIXTURES / name, table)
    columns = [c for c in rows.columns if c.endswith("Col") and "Text" not in c and c != "IDCol"]
    assert columns == ["DateTimeCol", "DateCol", "TimeCol"]
    parsed = _dates(rows, *columns).with_columns(rows["LongTextCol"])
    for row, raw in zip(parsed.iter_rows(named=True), rows.iter_rows(named=True), strict=True):
        for column in columns:
            value = row[column]
            if value is None:  # mdbtools 1.0.0 prints day 0 for dates it cannot decode
                assert raw[column].startswith(values.MDB_UNDECODED)
            elif row["LongTextCol"] == "Pre-1900 years":
                assert value <= date(1900, 1, 1)
            elif row["LongTextCol"] == "Pre-1000 years":
                assert value.year < 1000
            elif row["LongTextCol"] == "Year 9999":
                assert value.year == 9999
            else:
                assert value.year == 2021
    far = [v for c in columns for v in parsed[c].drop_nulls() if not 1970 <= v.year <= 2038]
    assert far  # at least one date far outside 1970-2038 comes through, exact


def test_a_database_without_itrac_tables_is_an_error_listing_its_tables(tmp_path):
    [result] = ingest(tmp_path / "lake", [FIXTURES / "nwind.mdb"])
    tables = list(access_db.tables(FIXTURES / "nwind.mdb"))
    assert set(readme_facts()["nwind.mdb"][1]) <= set(tables)
    assert (result.status, result.errors) == (
        "failed",
        [
            "nwind.mdb holds no ITRAC table (no table has the columns of an entry summary, "
            "line, release, exam, bond or reconciliation). Its tables: "
            f"{', '.join(tables)}."
        ],
    )
    assert not (tmp_path / "lake" / "_current").exists()


ITRAC_LINES = """"Entry Summary Number","Entry Summary Line Number","Importer Number","Entry Date",\
"HTS Number - Full","Country of Origin Code","Line Tariff Goods Value Amount"
"BII05992854",1,"27-1234567AB","2019-03-04 00:00:00","0901210000","BR",1250.5
"BII05992854",2,"27-1234567AB","1900-01-00 00:00:00","0901210000","BR",10
"""


def test_itrac_tables_of_a_database_load_through_mdb_export(tmp_path, monkeypatch):
    # No public ITRAC CD exists: the database is simulated at the mdbtools boundary.
    exported = {"tblLines": ITRAC_LINES, "luCountry": '"Code","Name"\n"BR","Brazil"\n'}
    monkeypatch.setattr(
        access_db,
        "tables",
        lambda _path: {
            t: [h.strip('"') for h in v.split("\n")[0].split(",")] for t, v in exported.items()
        },
    )
    monkeypatch.setattr(
        access_db, "export", lambda _path, table, target: target.write_text(exported[table])
    )
    (tmp_path / "itrac.mdb").write_bytes(b"JET")
    [result] = ingest(tmp_path / "lake", [tmp_path / "itrac.mdb"])
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 1, 1)
    line = lake_rows(tmp_path / "lake", "entry_lines").row(0, named=True)
    assert (line["entry_date"], str(line["entered_value"])) == (date(2019, 3, 4), "1250.50")
    assert read(tmp_path / "lake").select("file", "row", "column", "reason").rows() == [
        ("itrac.mdb:tblLines", 3, "Entry Date",
         "a date mdbtools cannot decode (before 1899 or after 4637)"),
    ]  # fmt: skip
