"""The Data page, run headless through Streamlit's AppTest: upload, summary, file list."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from data_access import lake
from data_access.ingest.quarantine import read
from data_access.lake import rollups
from tests.ingest_files import write_export
from ui import load_jobs

HEADER = "Entry Summary Number,Entry Summary Line Number,Importer Number,Entry Date,"
HEADER += "HTS Number - Full,Country of Origin Code,Line Tariff Goods Value Amount\r\n"
ACME, BOLT = "27-1234567AB", "30-7654321CD"


def page_script(lake_dir: str, principal_text: str) -> None:
    from pathlib import Path

    from data_access.access import Principal
    from data_access.filters import Filters
    from pages import data
    from ui.data import View

    data.render(View(Path(lake_dir), "duckdb", Principal.parse(principal_text), Filters()))


def run_page(lake_dir: Path, principal: str = "cbp") -> AppTest:
    at = AppTest.from_function(page_script, args=(str(lake_dir), principal), default_timeout=60)
    return at.run()


def shown(markdown: str) -> str:
    """The text a Markdown body with escaped characters shows."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _export(rows: list[str]) -> bytes:
    return ("\ufeff" + HEADER + "".join(r + "\r\n" for r in rows)).encode()


def test_page_works_before_any_lake_exists(tmp_path):
    at = run_page(tmp_path / "no-lake")
    assert not at.exception
    assert [i.value for i in at.info] == ["Nothing loaded yet: upload an export above."]
    assert [c.value for c in at.caption][-1] == "Monthly rollups: none yet (no entries loaded)."
    assert at.button(key="data-load").disabled
    assert not (tmp_path / "no-lake").exists()


def test_upload_loads_shows_rejections_and_lists_the_file(tmp_path):
    where = tmp_path / "lake"
    at = run_page(where, f"importer:{ACME}")
    good = f'ABC12345676,1,{ACME},01/05/2024,0901210000,BR,"$1,000.00"'
    other = f"ABC12345676,2,{BOLT},01/05/2024,0901210000,BR,$5.00"
    bad_date = f"ABC12345676,3,{ACME},31/01/2024,0901210000,BR,$5.00"
    at.file_uploader(key="data-uploads").set_value(
        [("es003.csv", _export([good, other, bad_date]), "text/csv")]
    ).run()
    at.button(key="data-load").click().run()
    assert load_jobs.wait_all()  # the load runs in the background; the next run shows it
    at.run()
    assert not at.exception
    summary = at.dataframe[0].value
    assert summary[
        ["file", "status", "rows read", "rows loaded", "rows rejected"]
    ].values.tolist() == [["es003.csv", "loaded", 3, 1, 2]]
    assert sorted(shown(w.value) for w in at.warning) == [
        "es003.csv: 1 × entry_date: not a date (write MM/DD/YYYY or YYYY-MM-DD)",
        f"es003.csv: 1 × importer_number: not your importer number (you may load {ACME})",
    ]
    rejected = at.dataframe[1].value
    assert rejected[["row", "column", "value"]].values.tolist() == [
        [3, "Importer Number", BOLT],
        [4, "Entry Date", "31/01/2024"],
    ]
    assert [b.label for b in at.get("download_button")] == ["⬇ CSV"]
    files = at.dataframe[2].value
    assert files[["file", "rows_loaded", "rows_rejected"]].values.tolist() == [["es003.csv", 1, 2]]
    assert lake.manifest(where)["loaded_by"].to_list() == [f"importer {ACME}"]
    assert read(where).height == 2


def test_the_file_list_shows_what_the_lake_manifest_holds(tmp_path):
    where = tmp_path / "lake"
    source = write_export(
        tmp_path / "one.csv",
        [
            HEADER.strip().split(","),
            ["BII05992854", "1", ACME, "2024-02-01", "0901210000", "BR", "7"],
        ],
    )
    from data_access.ingest import ingest

    ingest(where, [source])
    at = run_page(where)
    assert not at.exception
    assert rollups.status(where) in [c.value for c in at.caption]
    assert rollups.status(where).startswith("Monthly rollups: in use.")
    files = at.dataframe[0].value
    assert files[["file", "tables", "rows_loaded", "loaded_by"]].values.tolist() == [
        ["one.csv", "Entry Summary Line Tariff Details, Entry Summary Header", 1, "CBP"]
    ]
    # An importer sees only the files they loaded themselves.
    at = run_page(where, f"importer:{ACME}")
    assert [i.value for i in at.info] == ["Nothing loaded yet: upload an export above."]


def test_a_running_load_shows_progress_then_its_result_to_its_session_only(tmp_path):
    """Issue 13.9: the load runs outside the script run; while it waits for the lake
    (another writer holds the lock: a real flock) the page shows its progress, and the
    run after it ends shows the result. Another session sees neither."""
    import fcntl

    where = tmp_path / "lake"
    where.mkdir()
    at = run_page(where)
    row = f'ABC12345676,1,{ACME},01/05/2024,0901210000,BR,"$1,000.00"'
    at.file_uploader(key="data-uploads").set_value(
        [("**bold** name.csv", _export([row]), "text/csv")]
    ).run()
    with (where / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as another writer would
        at.button(key="data-load").click().run()
        assert not at.exception
        [bar] = at.get("progress")
        assert shown(bar.proto.text) == "Loading **bold** name.csv: 0% of 1 file…"
        assert r"\*\*bold\*\*" in bar.proto.text  # escaped: shown as typed, not bold
        assert at.button(key="data-load").disabled  # one load at a time
        assert [s.value for s in at.header] == ["Files loaded"]
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert load_jobs.wait_all()
    at.run()
    assert not at.exception
    assert at.get("progress") == []
    assert [s.value for s in at.header] == ["This load", "Files loaded"]
    summary = at.dataframe[0].value
    assert summary[["file", "status", "rows loaded"]].values.tolist() == [
        ["**bold** name.csv", "loaded", 1]
    ]
    # AppTest has one session id: another principal of it stands for another session.
    other = run_page(where, f"importer:{ACME}")
    assert [s.value for s in other.header] == ["Files loaded"]
