"""`itrac ingest`: JSON lines, exit codes, usage errors, files loaded oldest first."""

from __future__ import annotations

import json
import os

from data_access import lake
from data_access.cli import main
from tests.ingest_files import lake_rows, write_export

HEADER = "Entry Summary Number|Entry Summary Line Number|Importer Number|Entry Date|"
HEADER += "HTS Number - Full|Country of Origin Code|Line Tariff Goods Value Amount"
HEADER = HEADER.split("|")
ROW = ["BII05992854", "1", "27-1234567AB", "02/01/2024", "0901210000", "BR", "$1,000.00"]


def test_json_lines_and_exit_codes(tmp_path, capsys):
    good = write_export(tmp_path / "good.csv", [HEADER, ROW, [*ROW[:1], "2", *ROW[2:3], "bad"]])
    broken = write_export(tmp_path / "broken.csv", [["Something", "Else"], ["1", "2"]])
    code = main(["ingest", str(good), str(broken), "--lake", str(tmp_path / "lake"), "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1  # a file failed
    counts = ("file", "status", "rows_read", "rows_loaded", "rows_rejected")
    assert [tuple(d[k] for k in counts) for d in lines] == [
        ("good.csv", "loaded", 2, 1, 1),
        ("broken.csv", "failed", 0, 0, 0),
    ]
    assert lines[0]["errors"] == []
    assert lines[1]["errors"][0].startswith("broken.csv: missing required columns for ")
    assert set(lines[0]) >= {
        "file",
        "status",
        "rows_read",
        "rows_loaded",
        "rows_rejected",
        "errors",
    }

    code = main(["ingest", str(good), "--lake", str(tmp_path / "lake"), "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["status"] == "skipped"


def test_usage_errors_exit_2(tmp_path, capsys):
    where = str(tmp_path / "lake")
    assert main(["ingest", str(tmp_path / "none.csv"), "--lake", where]) == 2
    assert "no such file" in capsys.readouterr().err
    source = write_export(tmp_path / "x.csv", [HEADER, ROW])
    assert main(["ingest", str(source), "--lake", where, "--as", "importer:nobody"]) == 2
    assert "'NOBODY' is not an importer number" in capsys.readouterr().err
    assert not lake.exists(tmp_path / "lake")


def test_files_load_oldest_first_so_the_newest_export_wins(tmp_path, capsys):
    newer = write_export(tmp_path / "a_newer.csv", [HEADER, [*ROW[:6], "$2.00"]])
    older = write_export(tmp_path / "b_older.csv", [HEADER, [*ROW[:6], "$1.00"]])
    os.utime(older, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_800_000_000, 1_800_000_000))
    assert main(["ingest", str(newer), str(older), "--lake", str(tmp_path / "lake")]) == 0
    out = capsys.readouterr().out
    assert out.index("b_older.csv") < out.index("a_newer.csv")
    assert [str(v) for v in lake_rows(tmp_path / "lake", "entry_lines")["entered_value"]] == [
        "2.00"
    ]
