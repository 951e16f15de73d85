"""`itrac digest` on small hand-built lakes whose due dates are worked out in their modules
(tests/cbr_lake.py, tests/refunds_lake.py, tests/audit_lake.py)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from data_access import digest
from data_access.cli import main
from data_access.ingest import ingest
from tests import audit_lake, cbr_lake, refunds_lake
from tests.ingest_files import es003_period, write_export

HOSTILE = '<img src=x onerror=alert(1)>&"es003".csv'


def _digest(where: Path, who: str, as_of: date, *extra: str) -> dict:
    out = where.parent / f"digest-{who.replace(':', '-')}-{len(list(where.parent.iterdir()))}"
    code = main(["digest", "--lake", str(where), "--as", who, "--as-of", as_of.isoformat(),
                 "--format", "json", "--out", str(out), *extra])  # fmt: skip
    assert code == 0
    made = json.loads(out.read_text())
    return {s["key"]: s for s in made["sections"]}


def _rows(section: dict) -> list[list[str]]:
    return [list(r.values()) for r in section["rows"]]


@pytest.fixture(scope="module")
def cbr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cbr_lake.build(tmp_path_factory.mktemp("digest-cbr") / "lake")


def test_the_due_items_of_the_cbr_lake_and_nothing_else(cbr):
    """As of 2024-04-15: ABC 102 (entered 2023-06-20, day 314 = 2024-04-29, the Friday
    2024-05-03) is expected in 18 days; ABC 101 (2023-03-10) is past its day; BOLT's CB1
    ($100,000) is short of its required $200,000; flags R2 (due 2024-02-29) overdue and
    R6 (due 2024-05-01) in 16 days, R7 (2024-08-15, day 122) outside the 90 days."""
    sections = _digest(cbr, "cbp", cbr_lake.AS_OF)
    assert list(sections) == [
        "loaded", "liquidation", "refunds", "bonds", "reconciliation", "exams", "audit",
    ]  # fmt: skip
    assert _rows(sections["liquidation"]) == [[
        cbr_lake.entry("ABC", 102), cbr_lake.ACME, "2023-06-20", "2024-05-03", "18",
        "$1,000.00", "$250,000.00",
    ]]  # fmt: skip
    assert sections["liquidation"]["notes"] == [
        "1 more entries are past their expected day and not liquidated."
    ]
    assert _rows(sections["bonds"]) == [
        [cbr_lake.BOLT, "CB1", "$100,000.00", "$200,000.00", "200%", "No"]
    ]
    assert _rows(sections["reconciliation"]) == [
        [cbr_lake.entry("ABC", 202), cbr_lake.ACME, "002", "2024-02-29", "Overdue"],
        [cbr_lake.entry("XYZ", 203), cbr_lake.BOLT, "001", "2024-05-01", "16"],
    ]
    assert _rows(sections["exams"]) == [
        ["April 2024 (through Apr 15)", "0", "0", "no entries"],
        ["12 months before (Apr 2023 to Mar 2024)", "0", "5", "0.0%"],
    ]
    for key, line in {
        "loaded": "No files loaded in the last 7 days.",
        "refunds": "No refund window closes in the next 4 weeks.",
        "audit": "No new audit findings since the last digest.",
    }.items():
        assert (sections[key]["rows"], sections[key]["empty"]) == ([], line)


def test_an_importer_reads_only_its_own(cbr):
    sections = _digest(cbr, f"importer:{cbr_lake.BOLT}", cbr_lake.AS_OF)
    assert _rows(sections["liquidation"]) == []
    assert _rows(sections["bonds"]) == [
        [cbr_lake.BOLT, "CB1", "$100,000.00", "$200,000.00", "200%", "No"]
    ]
    assert _rows(sections["reconciliation"]) == [
        [cbr_lake.entry("XYZ", 203), cbr_lake.BOLT, "001", "2024-05-01", "16"]
    ]


def test_refund_windows_closing_in_four_weeks(tmp_path):
    """Entries 2 (CAPE) and 4 (protest) close on AS_OF itself; 16's CAPE window closes on
    day 76, outside the 4 weeks."""
    where = refunds_lake.build(tmp_path / "lake")
    sections = _digest(where, "cbp", refunds_lake.AS_OF)
    assert _rows(sections["refunds"]) == [
        [refunds_lake.E[2], refunds_lake.ACME, "CAPE Phase 1", "2026-11-02", "0", "$100.00"],
        [refunds_lake.E[4], refunds_lake.ACME, "Protest", "2026-11-02", "0", "$100.00"],
    ]


def test_loaded_since_the_last_digest_escaped_and_only_the_loaders(tmp_path):
    where = cbr_lake.build(tmp_path / "lake")
    source = write_export(tmp_path / HOSTILE, es003_period(date(2025, 1, 1), date(2025, 1, 2)))
    [loaded] = ingest(where, [source])
    page = tmp_path / "digest.html"
    args = ["digest", "--lake", str(where), "--as", "cbp", "--as-of", "2024-04-15"]
    assert main([*args, "--out", str(page)]) == 0
    text = page.read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;&amp;&quot;es003&quot;.csv" in text
    assert "<img" not in text and not re.search(r"(?i)(https?:)?//|src=\"|url\(", text)
    assert f'<td class="n">{loaded.rows_loaded:,}</td>' in text
    state = json.loads((tmp_path / "digest.html.state.json").read_text())
    assert (state["principal"], state["findings"]) == ("cbp:|", [])  # nothing to find here

    assert main([*args, "--out", str(page)]) == 0  # the next digest: nothing new since
    text = page.read_text()
    assert "<p>No files loaded since the last digest.</p>" in text
    assert "<p>No new audit findings since the last digest.</p>" in text
    acme = _digest(where, f"importer:{cbr_lake.ACME}", cbr_lake.AS_OF)  # CBP loaded it
    assert acme["loaded"]["rows"] == []


def test_new_audit_findings_and_the_exam_rate(tmp_path):
    """The clean audit lake: 17 entries in March 2024, an exam on every 4th (4), no
    finding. Planted, the findings the clean digest did not list are new."""
    where = audit_lake.build(tmp_path / "lake", planted=False)
    state = tmp_path / "state.json"
    clean = _digest(where, "cbp", date(2024, 3, 20), "--state", str(state))
    assert _rows(clean["exams"]) == [
        ["March 2024 (through Mar 20)", "4", "17", "23.5%"],
        ["12 months before (Mar 2023 to Feb 2024)", "0", "0", "no entries"],
    ]
    assert clean["audit"]["rows"] == []
    audit_lake.build(where)
    planted = _digest(where, "cbp", date(2024, 3, 20), "--state", str(state))
    rows = _rows(planted["audit"])
    assert [r[1] for r in rows] == sorted(
        (r[1] for r in rows), key=["high", "medium", "info"].index
    )
    by_check = {r[0]: r[2:] for r in rows}
    assert by_check["Line loaded twice"] == ["1", "2", "$1,201.00"]
    assert by_check["USMCA claimed on goods from outside North America"] == ["1", "1", "$1,216.00"]
    assert len(rows) == 16
    again = _digest(where, "cbp", date(2024, 3, 20), "--state", str(state))
    assert again["audit"]["rows"] == []


def test_a_broker_reads_its_importers_and_is_told_what_it_may_not_see(cbr):
    sections = _digest(cbr, "broker:XYZ", cbr_lake.AS_OF)
    assert sections["bonds"]["empty"] == (
        "Not available to you: Bond Details data is not available to brokers (a CBP rule)."
    )
    assert _rows(sections["reconciliation"]) == [
        [cbr_lake.entry("XYZ", 203), cbr_lake.BOLT, "001", "2024-05-01", "16"]
    ]


def test_a_long_section_shows_its_first_rows_and_says_how_many_more():
    rows = [[f"E{n:03d}", f"${n:,}.00"] for n in range(1, 64)]
    section = digest.Section("liquidation", "Due", ["Entry", "Duty"], rows, "None.")
    made = digest.Digest("CBP", date(2024, 4, 15), "2024-04-15T00:00:00+00:00", "", [section], [])
    page = digest.html(made)
    assert page.count("<tr><td>") == digest.ROWS_SHOWN == 50
    assert "<td>E050</td>" in page and "E051" not in page
    assert "<p>13 more not shown here (--format json lists them all).</p>" in page
    assert len(digest.as_json(made)["sections"][0]["rows"]) == 63
