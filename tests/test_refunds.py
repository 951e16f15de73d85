"""IEEPA refund routes: each entry of tests/refunds_lake.py against its rule, worked by hand."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from data_access import refund_routes
from data_access.access import CBP, Principal
from data_access.engines import get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from tests.refunds_lake import ACME, AS_OF, BOLT, OUTSIDE, E, ago, build

ROOT = Path(__file__).resolve().parents[1]
D = Decimal
ACME_USER = Principal.parse(f"importer:{ACME}")


@pytest.fixture(scope="module")
def refunds_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("refunds") / "lake")


def run(lake: Path, name: str, principal=CBP, **options) -> pl.DataFrame:
    return REPORTS[name](Scope(get_engine(lake, "duckdb"), principal, Filters()), **options)


def routes(lake: Path, **options) -> dict[str, dict]:
    frame = run(lake, "refunds.by_entry", as_of=AS_OF, **options)
    return {row["entry_number"]: row for row in frame.iter_rows(named=True)}


# (serial, route, deadline, days left)
EXPECTED = [
    (1, "cape", None, None),
    (2, "cape", AS_OF, 0),  # liquidated 80 days ago: the last day of CAPE's window
    (3, "protest", ago(81) + timedelta(days=180), 99),  # 81 days: protest
    (4, "protest", AS_OF, 0),  # 180 days: the protest's last day
    (5, "final", None, None),  # 181 days: final
    (6, "cape", None, None),  # suspended
    (7, "cape", None, None),  # extended, though a (stale) liquidation date is past
    (8, "not_eligible", None, None),  # type 09
    (9, "not_eligible", None, None),  # type 08
    (10, "not_eligible", None, None),  # type 47
    (11, "not_eligible", None, None),  # reconciliation flag
    (12, "not_eligible", None, None),  # AD/CVD pending liquidation
    (13, "protest", ago(30) + timedelta(days=180), 150),  # AD/CVD liquidated: protest, not CAPE
    (15, "cape", None, None),  # liquidates after the as-of date: unliquidated as of it
    (16, "cape", date(2027, 1, 17), 76),
    (17, "cape", None, None),
]


@pytest.mark.parametrize(("serial", "route", "deadline", "days_left"), EXPECTED)
def test_route_deadline_and_days_left(refunds_lake, serial, route, deadline, days_left) -> None:
    row = routes(refunds_lake)[E[serial]]
    assert (row["route"], row["deadline"], row["days_left"]) == (route, deadline, days_left)


def test_ieepa_duty_is_the_refunded_layers_only(refunds_lake) -> None:
    found = routes(refunds_lake, with_none=True)
    assert found[E[1]]["ieepa_duty"] == D("300.00")  # fentanyl 200 + reciprocal 100
    assert found[E[1]]["ieepa_layers"] == 2
    assert found[E[2]]["ieepa_duty"] == D("100.00")
    assert (found[E[14]]["route"], found[E[14]]["ieepa_duty"]) == ("none", D("0.00"))
    assert OUTSIDE not in found  # Section 122, dated after the IEEPA period
    assert E[14] not in routes(refunds_lake)  # without with_none: only entries with duty


def test_reasons_name_the_rule(refunds_lake) -> None:
    found = routes(refunds_lake)
    assert found[E[8]]["reason"] == "Reconciliation entries (type 09) are not in CAPE Phase 1"
    assert found[E[9]]["reason"] == "Duty-deferral entries (type 08) are not in CAPE Phase 1"
    assert found[E[10]]["reason"] == "Drawback entries (type 47) are not in CAPE Phase 1"
    assert found[E[11]]["reason"] == (
        "Reconciliation-flagged entries and type 09 are not in CAPE Phase 1"
    )
    assert found[E[12]]["reason"] == "AD/CVD entries pending liquidation are not in CAPE Phase 1"
    assert found[E[2]]["reason"] == "Liquidated 80 days ago"
    assert found[E[1]]["reason"] == "Unliquidated"
    assert found[E[6]]["reason"] == "Liquidation suspended"
    assert found[E[7]]["reason"] == "Liquidation extended"
    assert found[E[15]]["reason"] == "Liquidates 2026-11-12, after the as-of date"
    assert found[E[5]]["reason"] == "Liquidated 181 days ago"


def test_what_happens_next(refunds_lake) -> None:
    found = routes(refunds_lake)
    assert found[E[16]]["next_step"] == (
        "CAPE Phase 1 window closes 2027-01-17, then protest until 2027-04-27"
    )
    assert found[E[3]]["next_step"] == (
        f"Protest window closes {ago(81) + timedelta(days=180)}, then "
        "Final - Court of International Trade or a later CAPE phase"
    )
    assert found[E[1]]["next_step"] == (
        "Eligible for CAPE Phase 1 while unliquidated; the window closes 80 days after liquidation"
    )
    assert found[E[5]]["next_step"].startswith("Liquidation is final")


def test_summary_by_route(refunds_lake) -> None:
    frame = run(refunds_lake, "refunds.summary", as_of=AS_OF)
    assert frame.select("route", "entries", "ieepa_duty").rows() == [
        ("cape", 7, D("900.00")),  # 1 (300) + 2, 6, 7, 15, 16, 17
        ("protest", 3, D("300.00")),  # 3, 4, 13
        ("final", 1, D("100.00")),  # 5
        ("not_eligible", 5, D("500.00")),  # 8-12
        ("none", 1, D("0.00")),  # 14
    ]


def test_an_importer_sees_its_own(refunds_lake) -> None:
    frame = run(refunds_lake, "refunds.by_entry", ACME_USER, as_of=AS_OF)
    assert E[17] not in frame.get_column("entry_number").to_list()
    assert set(frame.get_column("importer_number")) == {ACME}
    summary = run(refunds_lake, "refunds.summary", Principal.parse(f"importer:{BOLT}"), as_of=AS_OF)
    assert summary.filter(pl.col("entries") > 0).select("route", "entries").rows() == [("cape", 1)]


def test_before_cape_opened(refunds_lake) -> None:
    """Before 2026-04-20 nothing had liquidated in this lake (dates are later): CAPE is the
    route, and the reason says when it opens."""
    frame = run(refunds_lake, "refunds.by_entry", as_of=date(2026, 3, 1))
    row = frame.filter(pl.col("entry_number") == E[1]).row(0, named=True)
    assert row["route"] == "cape"
    assert row["reason"] == "Unliquidated (CAPE takes claims from 2026-04-20)"


# --- the rules file ---------------------------------------------------------------------
def test_shipped_rules_check() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "data_access.cli", "refunds", "--check"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "OK: 3 routes, 7 exclusions, at most 9,999 entries per CAPE declaration"
    )


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = refund_routes.DEFAULT_PATH.read_text()
    assert old in text
    path = tmp_path / "refund_routes.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_shorter_later_window_is_refused_with_its_line(tmp_path) -> None:
    path = _broken(tmp_path, "liquidated_within_days: 180", "liquidated_within_days: 60")
    with pytest.raises(refund_routes.RefundRulesError) as error:
        refund_routes.load(path)
    line = _line_of(path, "liquidated_within_days: 60")
    assert str(error.value) == (
        f"{path}, line {line}, routes[1].liquidated_within_days: 60 days is not longer "
        "than the window of routes[0] (80 days): list routes from the shortest window to "
        "the longest"
    )


def test_an_exclusion_without_source_is_refused(tmp_path) -> None:
    path = _broken(
        tmp_path, '    entry_types: ["08"]\n    source:', '    entry_types: ["08"]\n    sourc:'
    )
    with pytest.raises(refund_routes.RefundRulesError, match=r"exclusions\[2\]"):
        refund_routes.load(path)


def test_check_command_reports_the_error(tmp_path) -> None:
    path = _broken(tmp_path, "max_entries: 9999", "max_entries: 0")
    result = subprocess.run(
        [sys.executable, "-m", "data_access.cli", "refunds", "--check", str(path)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    line = _line_of(path, "max_entries: 0")
    assert result.returncode == 1
    assert f"line {line}, declaration.max_entries" in result.stderr


# --- CAPE declaration files and deadline alerts -------------------------------------------
def itrac(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data_access.cli", *args],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_cape_files_hold_exactly_the_eligible_entries(refunds_lake, tmp_path) -> None:
    out = tmp_path / "cape"
    result = itrac(
        "cape", "--lake", str(refunds_lake), "--as", f"importer:{ACME}",
        "--as-of", str(AS_OF), "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    path = out / f"CAPE-{ACME}-001.csv"
    assert result.stdout == f"{path}: 6 entries, $800.00 of IEEPA duty\n"
    assert sorted(p.name for p in out.iterdir()) == [path.name]
    expected = sorted(E[n] for n in (1, 2, 6, 7, 15, 16))
    assert path.read_text() == "Entry Number\n" + "".join(f"{e}\n" for e in expected)


def test_cape_needs_an_importer_where_several_are_seen(refunds_lake, tmp_path) -> None:
    result = itrac(
        "cape", "--lake", str(refunds_lake), "--as-of", str(AS_OF), "--out", str(tmp_path)
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"itrac: these entries belong to 2 importers ({ACME}, {BOLT}): a declaration is one "
        "importer's; name it with --importer\n"
    )
    assert list(tmp_path.iterdir()) == []
    ok = itrac(
        "cape", "--lake", str(refunds_lake), "--as-of", str(AS_OF), "--importer", BOLT,
        "--out", str(tmp_path),
    )  # fmt: skip
    assert ok.stdout == f"{tmp_path / f'CAPE-{BOLT}-001.csv'}: 1 entries, $100.00 of IEEPA duty\n"


def test_cape_splits_at_the_declaration_limit(tmp_path) -> None:
    """10,001 eligible entries (and one excluded): files of 9,999 and 2, no duplicates."""
    from tests.refunds_lake import many

    where = many(tmp_path / "lake", eligible=10_001)
    out = tmp_path / "cape"
    result = itrac(
        "cape", "--lake", str(where), "--as-of", str(AS_OF), "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    first, second = out / f"CAPE-{ACME}-001.csv", out / f"CAPE-{ACME}-002.csv"
    assert result.stdout.splitlines() == [
        f"{first}: 9,999 entries, $999,900.00 of IEEPA duty",
        f"{second}: 2 entries, $200.00 of IEEPA duty",
    ]
    rows = [p.read_text().splitlines() for p in (first, second)]
    assert [r[0] for r in rows] == ["Entry Number", "Entry Number"]
    entries = rows[0][1:] + rows[1][1:]
    assert len(entries) == len(set(entries)) == 10_001
    assert all(len(e) == 11 for e in entries)


def test_alerts_list_deadlines_within_the_window(refunds_lake, tmp_path) -> None:
    out = tmp_path / "due.csv"
    result = itrac(
        "refunds", "--lake", str(refunds_lake), "--as-of", str(AS_OF), "--within", "7",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"2 entries, $200.00 of IEEPA duty: refund deadline between {AS_OF} and "
        f"{AS_OF + timedelta(days=7)}\n"
    )
    frame = pl.read_csv(out, infer_schema=False)
    assert frame.columns[:2] == ["Entry Summary Number", "Importer Number"]
    assert frame.get_column("Entry Summary Number").to_list() == sorted([E[2], E[4]])
    assert frame.get_column("Refund Route").to_list() == ["CAPE Phase 1", "Protest"]
    assert frame.get_column("Days Left").to_list() == ["0", "0"]


def test_alerts_say_when_nothing_is_due(refunds_lake) -> None:
    day = date(2030, 1, 1)
    result = itrac("refunds", "--lake", str(refunds_lake), "--as-of", str(day), "--within", "30")
    assert result.returncode == 0
    assert result.stdout == "No IEEPA refund deadline falls between 2030-01-01 and 2030-01-31.\n"
