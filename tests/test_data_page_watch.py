"""The Data page's "Watched folder": the latest results of `itrac watch` (ITRAC_WATCH_DIR),
each principal seeing the loads made for it."""

from __future__ import annotations

import os
from datetime import date

from data_access.access import CBP, Principal
from data_access.ingest.watch import Watcher
from tests.ingest_files import IMPORTERS, es003_period, write_export
from tests.test_data_page import run_page, shown


def test_the_watched_folder_s_results_per_principal(tmp_path, monkeypatch):
    folder, where = tmp_path / "drop", tmp_path / "lake"
    folder.mkdir()
    acme = Principal.parse(f"importer:{IMPORTERS[0]}")
    march, april = (
        es003_period(date(2025, 3, 1), date(2025, 3, 2)),
        es003_period(*[date(2025, 4, 1)] * 2),
    )
    good = write_export(folder / "march.csv", march)
    bad = write_export(folder / "broken.csv", [["Something", "Else"], ["1", "2"]])
    theirs = write_export(folder / "acme.csv", april)
    for path, who, stamp in ((good, CBP, 1), (bad, CBP, 2), (theirs, acme, 3)):
        Watcher(folder, where, who).one(path)
        result = folder / ("rejected" if path is bad else "loaded") / f"{path.name}.result.json"
        os.utime(result, (1_800_000_000 + stamp,) * 2)  # the order they finished in
    (folder / "april.csv.part").write_text("still arriving")
    monkeypatch.setenv("ITRAC_WATCH_DIR", str(folder))

    at = run_page(where)
    assert not at.exception
    assert "Watched folder" in [h.value for h in at.header]
    assert any("1 file waiting" in shown(c.value) for c in at.caption)
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "File", "Status", "Moved to", "Rows loaded", "Rows rejected", "Finished (UTC)",
        "Note or first error",
    ]  # fmt: skip
    listed = table[["File", "Status", "Moved to", "Rows loaded", "Rows rejected"]]
    assert listed.values.tolist() == [
        ["acme.csv", "loaded", "loaded/acme.csv", len(april) - 1, 0],
        ["broken.csv", "failed", "rejected/broken.csv", 0, 0],
        ["march.csv", "loaded", "loaded/march.csv", len(march) - 1, 0],
    ]
    assert table["Note or first error"][1].startswith("broken.csv: missing required columns")

    mine = run_page(where, f"importer:{IMPORTERS[0]}").dataframe[0].value
    assert mine["File"].tolist() == ["acme.csv"]


def test_no_watched_folder_no_section(tmp_path, monkeypatch):
    monkeypatch.delenv("ITRAC_WATCH_DIR", raising=False)
    at = run_page(tmp_path / "lake")
    assert "Watched folder" not in [h.value for h in at.header]
