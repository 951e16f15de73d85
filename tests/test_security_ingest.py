"""Loading files (the Data page, `itrac ingest --as`) must not reach other importers' rows.

A re-exported entry replaces its earlier rows (newest wins) and keeps the header fields
the new file lacks. Keyed by entry number alone, that lets an importer upload one line
carrying another importer's entry number: the victim's entry is deleted and its header
fields (importer name, consignee, surety) reappear under the uploader's importer number.
Ingest now refuses such rows for anyone but CBP (load._refuse_others_entries).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from data_access.access import CBP, Principal
from data_access.engines import get_engine
from data_access.ingest import ingest
from data_access.reports import REPORTS, Scope
from tests.ingest_files import write_export

ACME, BOLT = "27-1234567AB", "30-7654321CD"
ENTRY = "XYZ00000015"  # filed by XYZ for BOLT
HEADER = ["Entry Summary Number", "Entry Summary Line Number", "Entry Type Code",
          "Importer Number", "Port of Entry Code", "Entry Date", "Country of Origin Code",
          "HTS Number - Full", "Line Tariff Goods Value Amount"]  # fmt: skip
PRIVATE = ["Importer Name", "Ultimate Consignee Number", "Surety Code"]


def header_rows(where: Path, principal: Principal) -> list[dict]:
    scope = Scope(get_engine(where, "duckdb"), principal)
    return REPORTS["entry_summary.header"](scope).to_dicts()


@pytest.fixture
def bolt_lake(tmp_path: Path) -> Path:
    row = [ENTRY, "1", "01", BOLT, "2304", "03/01/2025", "MX", "0901210000", "$500.50"]
    source = write_export(
        tmp_path / "bolt.csv", [HEADER + PRIVATE, [*row, "Bolt Hardware", BOLT, "123"]]
    )
    [result] = ingest(tmp_path / "lake", [source], principal=CBP)
    assert result.rows_loaded == 1
    return tmp_path / "lake"


def test_an_importer_cannot_overwrite_or_read_another_importers_entry(
    bolt_lake: Path, tmp_path: Path
) -> None:
    row = [ENTRY, "1", "01", ACME, "2304", "03/01/2025", "MX", "0901210000", "$1.00"]
    source = write_export(tmp_path / "acme.csv", [HEADER, row])
    acme = Principal.parse(f"importer:{ACME}")
    [result] = ingest(bolt_lake, [source], principal=acme)
    assert (result.rows_loaded, result.rows_rejected) == (0, 1)
    assert result.reasons == {
        "entry_number: already loaded for an importer you may not see; only CBP can replace it": 1
    }
    bolt = Principal.parse(f"importer:{BOLT}")
    assert [r["importer_name"] for r in header_rows(bolt_lake, bolt)] == ["Bolt Hardware"]
    for seen in header_rows(bolt_lake, acme):
        assert (seen["importer_name"], seen["ultimate_consignee"]) != ("Bolt Hardware", BOLT)


def test_an_importer_still_replaces_its_own_entries(tmp_path: Path) -> None:
    acme = Principal.parse(f"importer:{ACME}")
    mine = "XYZ00000023"
    first = [mine, "1", "01", ACME, "2304", "03/01/2025", "MX", "0901210000", "$10.00"]
    newer = [mine, "1", "01", ACME, "2304", "03/01/2025", "MX", "0901210000", "$25.00"]
    for name, row in (("first.csv", first), ("newer.csv", newer)):
        [result] = ingest(
            tmp_path / "lake", [write_export(tmp_path / name, [HEADER, row])], principal=acme
        )
        assert (result.rows_loaded, result.rows_rejected) == (1, 0)
    [row] = header_rows(tmp_path / "lake", acme)
    assert (row["entry_number"], str(row["entered_value"])) == (mine, "25.00")


def test_the_list_of_loaded_files_is_per_principal_not_per_name(tmp_path: Path) -> None:
    from data_access.ingest.uploads import ingested_files

    acme = Principal("importer", (ACME,), name="Same Name")
    bolt = Principal("importer", (BOLT,), name="Same Name")
    for who, number, entry in ((acme, ACME, "XYZ00000023"), (bolt, BOLT, "XYZ00000031")):
        row = [entry, "1", "01", number, "2304", "03/01/2025", "MX", "0901210000", "$1.00"]
        source = write_export(tmp_path / f"{number}.csv", [HEADER, row])
        [result] = ingest(tmp_path / "lake", [source], principal=who)
        assert result.rows_loaded == 1
    assert ingested_files(tmp_path / "lake", acme).get_column("file").to_list() == [f"{ACME}.csv"]
    assert ingested_files(tmp_path / "lake", CBP).height == 2


def _bolt_export(tmp_path: Path, name: str) -> Path:
    row = [ENTRY, "1", "01", BOLT, "2304", "03/01/2025", "MX", "0901210000", "$500.50"]
    return write_export(tmp_path / name, [HEADER, row])


def test_a_file_another_principal_loaded_is_loaded_again_for_this_one(tmp_path: Path) -> None:
    """Issue 13.5: ACME's upload of BOLT's rows loads nothing; CBP's upload of the same
    bytes must still load them (and never name ACME's file)."""
    where = tmp_path / "lake"
    acme = Principal.parse(f"importer:{ACME}")
    [theirs] = ingest(where, [_bolt_export(tmp_path, "acme-private-name.csv")], principal=acme)
    assert (theirs.status, theirs.rows_loaded, theirs.rows_rejected) == ("loaded", 0, 1)
    [mine] = ingest(where, [_bolt_export(tmp_path, "cbp.csv")], principal=CBP)
    assert (mine.status, mine.rows_loaded, mine.note) == ("loaded", 1, "")
    bolt = Principal.parse(f"importer:{BOLT}")
    assert [str(r["entered_value"]) for r in header_rows(where, bolt)] == ["500.50"]
    # BOLT loads the file CBP loaded: read again for BOLT, CBP's file name never shown.
    [again] = ingest(where, [_bolt_export(tmp_path, "bolt.csv")], principal=bolt)
    replaced = 2  # its line and the header derived from it
    assert (again.status, again.rows_loaded, again.rows_replaced) == ("loaded", 1, replaced)
    assert "cbp.csv" not in again.note and "acme" not in again.note
    # The same principal's own earlier load is still skipped, naming their own file.
    [skipped] = ingest(where, [_bolt_export(tmp_path, "bolt-again.csv")], principal=bolt)
    assert (skipped.status, skipped.note) == ("skipped", "same content as bolt.csv, already loaded")


def test_a_file_whose_rows_were_all_rejected_is_read_again(tmp_path: Path) -> None:
    where = tmp_path / "lake"
    acme = Principal.parse(f"importer:{ACME}")
    for name in ("one.csv", "two.csv"):
        [result] = ingest(where, [_bolt_export(tmp_path, name)], principal=acme)
        assert (result.status, result.rows_rejected, result.note) == ("loaded", 1, "")
