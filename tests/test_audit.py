"""The audit finds exactly what tests/audit_lake.py plants, and nothing on its clean lake."""

from __future__ import annotations

import ast
import importlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from data_access import audit_rules
from data_access.access import CBP, Principal
from data_access.engines import DuckDBEngine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from data_access.reports.audit import CHECKS
from tests import audit_lake
from tests.audit_lake import ACME, BAD_ENTRY, BOLT, USMCA_VN, P

# check -> {(entry, line): dollars} of each proving row
EXPECTED: dict[str, dict[tuple[str, int | None], str]] = {
    "duplicate_line": {(P["dup_line"], 1): "1201.00"},  # the copy; the first is $0.00
    "duplicate_entry": {(P["twin_a"], None): "0.00", (P["twin_b"], None): "1055.00"},
    "hts_differs": {(P["other_hts"], None): "1202.00"},
    "rate_differs": {(P["other_rate"], None): "1203.00"},
    "unit_value_low": {(P["cheap"], 1): "50.00"},
    "unit_value_high": {(P["dear"], 1): "100000.00"},
    "identifiers": {(BAD_ENTRY, None): "1215.00", (P["bad_country"], 1): "1204.00"},
    "dates": {(P["late_export"], None): "1205.00"},
    "mpf_outside_limits": {(P["mpf_over"], None): "85.65", (P["mpf_under"], None): "21.67"},
    "mpf_year_unknown": {(P["fy2027"], None): "31.67"},
    "hmf_not_vessel": {(P["hmf_air"], 1): "1.51"},
    "spi_not_eligible": {(P["agoa_et"], 1): "1210.00", (P["gsp"], 1): "1211.00"},
    "usmca_origin": {(USMCA_VN, 1): "1216.00"},
    "layer_missing": {(P["layer_missing"], 1): "0.00"},  # Section 301 and fentanyl
    "layer_outside_dates": {(P["layer_early"], 1): "100.00"},
    "layer_extra": {(P["layer_unknown"], 1): "50.00"},
}
FINDINGS = {  # check -> number of findings (distinct finding keys)
    **{c: len(rows) for c, rows in EXPECTED.items()},
    "duplicate_line": 1, "duplicate_entry": 1, "hts_differs": 1, "rate_differs": 1,
    "layer_missing": 2,
}  # fmt: skip


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> DuckDBEngine:
    return DuckDBEngine(audit_lake.build(tmp_path_factory.mktemp("audit") / "lake"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> DuckDBEngine:
    where = tmp_path_factory.mktemp("clean") / "lake"
    return DuckDBEngine(audit_lake.build(where, planted=False))


def _rows(engine: DuckDBEngine, check: str, principal=CBP) -> pl.DataFrame:
    return REPORTS["audit.findings"](Scope(engine, principal), check=check)


def test_every_check_is_planted() -> None:
    assert set(EXPECTED) == set(CHECKS)


@pytest.mark.parametrize("check", list(EXPECTED))
def test_the_audit_finds_exactly_what_was_planted(planted, check: str) -> None:
    rows = _rows(planted, check)
    if check in ("hts_differs", "rate_differs", "duplicate_line"):
        # the finding's other rows are the clean lines it stands against: dollars > 0 or $0
        rows = rows.filter(pl.col("entry_number").is_in([k[0] for k in EXPECTED[check]]))
    found = {
        (r["entry_number"], r["line_number"]): str(r["dollars"]) for r in rows.iter_rows(named=True)
    }
    if check == "layer_missing":
        assert rows.height == 2 and set(rows["detail"].str.extract(r"no (.+?) layer")) == {
            "Section 301", "IEEPA fentanyl"
        }  # fmt: skip
    assert found == EXPECTED[check]


def test_summary_counts_findings_rows_and_dollars(planted) -> None:
    summary = REPORTS["audit.summary"](Scope(planted, CBP))
    assert dict(zip(summary["check"], summary["findings"], strict=True)) == FINDINGS
    by = {r["check"]: r for r in summary.iter_rows(named=True)}
    assert by["mpf_outside_limits"]["dollars"] == Decimal("107.32")
    assert by["duplicate_line"]["rows"] == 2  # both copies prove it
    assert by["hts_differs"]["rows"] == 2  # the product's two tariff numbers
    severities = summary["severity"].to_list()
    assert severities == sorted(severities, key=["high", "medium", "low", "info"].index)
    high = summary.filter(pl.col("severity") == "high")["dollars"].to_list()
    assert high == sorted(high, reverse=True)


def test_nothing_on_the_clean_lake(clean) -> None:
    summary = REPORTS["audit.summary"](Scope(clean, CBP))
    assert summary.height == len(CHECKS)
    assert summary["findings"].sum() == 0
    assert REPORTS["audit.findings_count"](Scope(clean, CBP)).item() == 0


def test_principals_see_findings_on_their_rows_only(planted) -> None:
    bolt = Principal("importer", importer_numbers=(BOLT,))
    xyz = Principal("broker", filer_codes=("XYZ",))
    for who in (bolt, xyz):
        rows = REPORTS["audit.findings"](Scope(planted, who))
        assert rows["entry_number"].to_list() == [USMCA_VN]
    acme = REPORTS["audit.findings"](
        Scope(planted, Principal("importer", importer_numbers=(ACME,)))
    )
    assert USMCA_VN not in acme["entry_number"].to_list()
    assert acme.height == REPORTS["audit.findings_count"](Scope(planted, CBP)).item() - 1


def test_filters_narrow_the_audit(planted) -> None:
    scope = Scope(planted, CBP, Filters(countries=("ET",)))
    rows = REPORTS["audit.findings"](scope)
    assert rows.select("check", "entry_number").rows() == [("spi_not_eligible", P["agoa_et"])]


def test_findings_page_and_count(planted) -> None:
    scope = Scope(planted, CBP)
    every = REPORTS["audit.findings"](scope)
    assert REPORTS["audit.findings_count"](scope).item() == every.height
    page = REPORTS["audit.findings"](scope, offset=3, limit=4)
    assert page.equals(every.slice(3, 4))
    assert every["filer_code"].to_list() == [e[:3] for e in every["entry_number"]]


def test_outlier_thresholds_come_from_the_rules(planted, tmp_path: Path) -> None:
    text = audit_rules.DEFAULT_PATH.read_text().replace("  z: 3.5", "  z: 1000")
    rules = tmp_path / "rules.yaml"
    rules.write_text(text)
    rows = REPORTS["audit.findings"](Scope(planted, CBP), check="unit_value_high", rules=str(rules))
    assert rows.is_empty()


def test_rules_file_errors_name_the_line(tmp_path: Path) -> None:
    text = audit_rules.DEFAULT_PATH.read_text()
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        text.replace("from: 2024-10-01, to: 2025-09-30", "from: 2024-10-02, to: 2025-09-30")
    )
    with pytest.raises(audit_rules.AuditRulesError) as error:
        audit_rules.load(bad)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "year: 2025" in t)
    assert str(error.value) == (
        f"{bad}, line {line}, mpf.fiscal_years[7].from: starts 2024-10-02, the day after "
        "FY2024 ends is 2024-10-01: fiscal years follow each other without gaps"
    )
    assert audit_rules.check(bad) == 1
    assert audit_rules.check(None) == 0


def test_the_demo_charges_the_fee_table_of_the_rules_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One fee table: the demo generator reads the audit's rules file, it has none of its
    own (a FY2027 added to the file, and a new rate, are what the demo charges)."""
    from data_access.synth.world import World, days

    text = audit_rules.DEFAULT_PATH.read_text()
    fy2027 = (
        "    - {year: 2027, from: 2026-10-01, to: 2027-09-30, minimum: 34.12, maximum: 662.48, "
        'informal: 2.74, source: "a test"}\n'
    )
    last = text.index("  exempt_spi:")
    edited = (text[:last] + fy2027 + text[last:]).replace(
        "rate_percent: 0.3464", "rate_percent: 0.35"
    )
    rules = tmp_path / "audit_rules.yaml"
    rules.write_text(edited.replace("exempt_spi: [S, KR,", "exempt_spi: [S,"))
    monkeypatch.setenv(audit_rules.ENV_VAR, str(rules))
    world = World(1)
    assert world.mpf_start[-1] == days(date(2026, 10, 1))
    assert world.mpf_limits[-1].tolist() == [3412, 66248, 274]
    assert world.mpf_limits[0].tolist() == [2567, 49799, 205]  # FY2018, from 2017-10-01
    assert (world.mpf_per_million, world.hmf_per_100k) == (3500, 125)
    assert world.mpf_exempt_spi == ["S", "AU", "SG", "CL", "CO", "PE", "MA", "BH", "OM", "P"]


def test_twins_need_the_same_quantity_too(tmp_path: Path) -> None:
    """Two entries of one importer, one day, one HTS number and one value are twins only
    when their quantities match as well (the demo has same-priced lots of other sizes)."""
    from data_access import lake

    a, b, c = (audit_lake.entry("ABC", n) for n in (1, 2, 3))
    rows = [
        audit_lake.line(a, entered_value="1200.00", quantity=10.0),
        audit_lake.line(b, entered_value="1200.00", quantity=12.0),
        audit_lake.line(c, entered_value="1200.00", quantity=10.0),
    ]
    lines = audit_lake._frame(rows)
    with lake.transaction(tmp_path / "lake", fresh=True) as tx:
        tx.write("entry_lines", lines)
        tx.write("entry_summaries", audit_lake._headers(lines))
    engine = DuckDBEngine(tmp_path / "lake")
    found = REPORTS["audit.findings"](Scope(engine, CBP), check="duplicate_entry")
    assert sorted(found["entry_number"]) == [a, c]
    assert b not in found["entry_number"].to_list()


def _shaping_calls(path: Path) -> list[str]:
    """'function: what' for each place a check module shapes proving rows itself: a call to
    `shaped`, or a select naming a `finding` column (checks.finding does both, once)."""
    found = []
    for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(function, ast.FunctionDef):
            continue
        for call in ast.walk(function):
            if not isinstance(call, ast.Call):
                continue
            name = getattr(call.func, "id", getattr(call.func, "attr", ""))
            if name == "shaped" or (name == "select" and any(
                k.arg == "finding" for k in call.keywords
            )):  # fmt: skip
                found.append(f"{path.name}:{function.name}: {name}")
    return found


def test_checks_shape_their_rows_through_one_helper() -> None:
    """lines, fees, programs and formats build the proving rows with checks.finding, not
    each with its own select of the row columns: only the layer checks, which reshape a
    report's polars frame (not a query), shape it themselves."""
    checks = importlib.import_module("data_access.reports.audit.checks")  # the package's
    folder = Path(str(checks.__file__)).parent  # `checks` attribute is the report
    found = [
        call
        for module in ("lines.py", "fees.py", "programs.py", "formats.py")
        for call in _shaping_calls(folder / module)
    ]
    assert found == ["programs.py:_layer_audit: select", "programs.py:_layer_audit: shaped"]
