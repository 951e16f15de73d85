"""The audit's shared reads change no finding: every check's rows in one run of the audit
(the entries read once for all entry-level checks, formats judged once per distinct value,
the rows asked for only when there are some) equal the check run alone, and equal the
per-row judgement they replace."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ibis
import ibis.expr.types as ir
import polars as pl
import pytest

from data_access import audit_rules, codes, lake
from data_access.access import CBP, Principal
from data_access.engines import DuckDBEngine
from data_access.filters import Filters
from data_access.reports import Scope
from data_access.reports.audit import CHECKS, all_findings, run_check
from data_access.reports.audit import fees as audit_fees
from data_access.reports.audit import formats as audit_formats
from data_access.reports.audit import lines as audit_lines
from data_access.reports.audit.checks import Context
from tests import audit_lake
from tests.demo_lakes import DemoLakes

ORDER = ["check", "finding", "entry_number", "line_number", "tariff_ordinal", "hts_number",
         "dollars", "detail"]  # fmt: skip


def _alone(scope: Scope, check: str) -> pl.DataFrame:
    """`check`'s rows from a run of its own (a fresh context: nothing shared)."""
    ctx = Context(scope, audit_rules.load(None))
    return run_check(ctx, check).sort(ORDER, nulls_last=True)


def _each_alone_equals_the_run(scope: Scope) -> dict[str, int]:
    together = all_findings(scope)
    rows = {}
    for check in CHECKS:
        shared = together.filter(pl.col("check") == check).sort(ORDER, nulls_last=True)
        alone = _alone(scope, check)
        assert shared.equals(alone), check
        rows[check] = shared.height
    return rows


@pytest.fixture(scope="module")
def demo(demo_lake: DemoLakes) -> DuckDBEngine:
    lake_dir = demo_lake(lines=20_000, seed=11, end=date(2026, 11, 30), plant_findings=True)
    return DuckDBEngine(lake_dir)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> DuckDBEngine:
    return DuckDBEngine(audit_lake.build(tmp_path_factory.mktemp("audit") / "lake"))


def test_each_check_alone_equals_the_shared_run_on_the_demo(demo) -> None:
    rows = _each_alone_equals_the_run(Scope(demo, CBP))
    # the demo plants every judged kind: the comparison is over rows, not empty frames
    assert all(rows[c] > 0 for c in CHECKS if c != "unit_value_high"), rows


def test_each_check_alone_equals_the_shared_run_under_filters(demo, planted) -> None:
    scopes = [
        Scope(demo, CBP, Filters(hts_prefix="61")),
        Scope(demo, CBP, Filters(countries=("CN", "VN"), start=date(2025, 1, 1))),
        Scope(planted, CBP),
        Scope(planted, Principal("importer", importer_numbers=(audit_lake.ACME,))),
    ]
    for scope in scopes:
        _each_alone_equals_the_run(scope)


def _mpf_entries_per_check(ctx: Context) -> ir.Table:
    """What `fees._entries` read before the entries were shared: its own grouping."""
    mpf = ctx.rules.mpf
    t = ctx.scope.table("entry_lines")
    t = t.filter(~t.entry_type.isin([*mpf.informal_entry_types, *mpf.exempt_entry_types])
                 .fill_null(False))  # fmt: skip
    exempt = t.spi.isin(list(mpf.exempt_spi)).fill_null(False)
    entries = t.group_by("entry_number").aggregate(
        entry_date=t.entry_date.min(),
        mpf=t.mpf_amount.sum().cast("float64"),
        mpf_rows=t.mpf_amount.count(),
        value=t.entered_value.sum().cast("float64"),
        payable=ibis.ifelse(exempt, 0, t.entered_value).sum().cast("float64"),
    )
    return entries.filter(entries.mpf_rows > 0)


def _goods_entries_per_check(ctx: Context) -> ir.Table:
    """What `duplicate_entry` read before the entries were shared: its own grouping."""
    g = ctx.scope.table("entry_lines")
    g = g.filter(g.tariff_ordinal == 1)
    return g.group_by("entry_number").aggregate(
        importer_number=g.importer_number.min(),
        entry_date=g.entry_date.min(),
        value=g.entered_value.sum().cast("decimal(38, 2)"),
        lines=g.count(),
        quantity=g.quantity.sum().round(3),
        first_hts=g.hts_number.min(),
        last_hts=g.hts_number.max(),
        origin=g.country_of_origin.min(),
    )


def _mixed_entries() -> pl.DataFrame:
    """Entries whose rows the entry-level checks read differently: informal and exempt
    entry types (no MPF judgement), one entry of two types, MPF-exempt programs, layers
    (no quantity), an entry of layers only (no goods), rows without MPF."""
    e, line = audit_lake.entry, audit_lake.line
    layer = {"tariff_ordinal": 2, "hts_number": "9903880300", "quantity": None,
             "entered_value": "0", "mpf_amount": None}  # fmt: skip
    rows = [
        line(e("ABC", 1), entry_type="11"),
        line(e("ABC", 2), entry_type="86", mpf_amount=None),
        line(e("ABC", 3)),
        line(e("ABC", 3), line_number=2, entry_type="86", entered_value="500.00"),
        line(e("ABC", 4), spi="KR", country_of_origin="KR"),
        line(e("ABC", 4), line_number=2, entered_value="700.00"),
        line(e("ABC", 5), quantity=7.25),
        line(e("ABC", 5), **layer),
        line(e("ABC", 6), **layer),
        line(e("ABC", 7), mpf_amount=None, entry_type=None),
        line(e("ABC", 8), hts_number="6109100012", quantity=3.5),
        line(e("ABC", 8), line_number=2, hts_number="0901210000", country_of_origin="BR"),
    ]
    return audit_lake._frame(rows)


def test_the_shared_entries_equal_each_checks_own_grouping(demo, tmp_path: Path) -> None:
    with lake.transaction(tmp_path / "lake", fresh=True) as tx:
        tx.write("entry_lines", _mixed_entries())
    mixed = DuckDBEngine(tmp_path / "lake")
    scopes = [Scope(mixed, CBP)] + [
        Scope(demo, CBP, f)
        for f in (Filters(), Filters(hts_prefix="61"), Filters(countries=("CN",)))
    ]
    for scope in scopes:
        ctx = Context(scope, audit_rules.load(None))
        for own, shared in (
            (_mpf_entries_per_check(ctx), audit_fees._entries(ctx)),
            (_goods_entries_per_check(ctx), audit_lines._goods_entries(ctx)),
        ):
            mine, theirs = ctx.scope.run(own), ctx.scope.run(shared)
            assert mine.height >= (4 if scope.engine is mixed else 100)
            assert (
                theirs.select(mine.columns).sort("entry_number").equals(mine.sort("entry_number"))
            )


def _bad_lines() -> pl.DataFrame:
    """Lines with every kind of bad identifier, nulls, and clean rows around them."""
    e = audit_lake.entry
    rows = [
        audit_lake.line(e("ABC", 1)),
        audit_lake.line(e("ABC", 2), hts_number="84713001"),  # 8 digits on a goods row
        audit_lake.line(e("ABC", 3), tariff_ordinal=2, hts_number="99030125"),  # a layer: ok
        audit_lake.line(e("ABC", 4), tariff_ordinal=2, hts_number="9903012"),
        audit_lake.line(e("ABC", 5), filer_code="ABD"),
        audit_lake.line(e("ABC", 6), country_of_origin="XX"),
        audit_lake.line(e("ABC", 7), country_of_origin=None, manufacturer_id=None),
        audit_lake.line(e("ABC", 8), manufacturer_id="tw lower"),
        audit_lake.line(e("ABC", 9), filer_code=None, hts_number="12345", country_of_origin="ZZ"),
        audit_lake.line(e("ABC", 10), country_of_origin="ZZ"),  # the same bad value twice
        audit_lake.line(e("ABC", 10), line_number=2, country_of_origin="ZZ"),
    ]
    return audit_lake._frame(rows)


def _headers(lines: pl.DataFrame) -> pl.DataFrame:
    heads = audit_lake._headers(lines)
    bad = {  # entry serial -> column -> value
        2: {"importer_number": "12-3456789"},
        3: {"port_of_entry": "27O4"},
        4: {"country_of_export": "XX", "filer_code": "AB"},
        5: {"country_of_export": "XX"},
        6: {"country_of_export": None},  # not known is not wrong
    }
    if "country_of_export" not in heads.columns:
        heads = heads.with_columns(country_of_export=pl.lit("TW"))
    numbers = heads["entry_number"].to_list()
    for serial, columns in bad.items():
        number = audit_lake.entry("ABC", serial)
        for column, value in columns.items():
            values = heads[column].to_list()
            values[numbers.index(number)] = value
            heads = heads.with_columns(pl.Series(column, values, dtype=heads[column].dtype))
    return heads


def test_formats_judged_per_value_equal_the_judgement_per_row(tmp_path: Path) -> None:
    lines = _bad_lines()
    with lake.transaction(tmp_path / "lake", fresh=True) as tx:
        tx.write("entry_lines", lines)
        tx.write("entry_summaries", _headers(lines))
    scope = Scope(DuckDBEngine(tmp_path / "lake"), CBP)
    ctx = Context(scope, audit_rules.load(None))
    for table, values, tests, line in (
        ("entry_lines", audit_formats._line_values, audit_formats._line_tests, True),
        ("entry_summaries", audit_formats._header_values, audit_formats._header_tests, False),
    ):
        t = scope.table(table)
        per_value = audit_formats._found_by_values(ctx, t, values(t), tests, line)
        rows = t.mutate(**values(t))
        per_row = audit_formats._found(ctx, rows, tests(rows), line)
        assert per_value.sort(ORDER[1:]).equals(per_row.sort(ORDER[1:])), table
        assert per_value.height == (8 if line else 4), per_value
    found = run_check(ctx, "identifiers")
    assert set(found["detail"].str.extract(r"^(\w+):")) == {
        "hts_number", "filer_code", "country_of_origin", "manufacturer_id", "importer_number",
        "port_of_entry", "country_of_export",
    }  # fmt: skip


def test_the_check_digit_is_ingests(tmp_path: Path) -> None:
    """A bad check digit, a letter past the filer code, a lower-case filer: each entry
    flagged once, whatever its number of lines; good numbers with letters are not."""
    good = [audit_lake.entry(f, 7) for f in ("ABC", "Z9Q", "123")]
    bad = [good[0][:-1] + str((int(good[0][-1]) + 1) % 10), "ABC12345A78", "abc12345678"]
    rows = [audit_lake.line(n, line_number=k) for n in good + bad for k in (1, 2)]
    with lake.transaction(tmp_path / "lake", fresh=True) as tx:
        tx.write("entry_lines", audit_lake._frame(rows))
    ctx = Context(Scope(DuckDBEngine(tmp_path / "lake"), CBP), audit_rules.load(None))
    found = audit_formats._entry_numbers(ctx)
    assert sorted(found["entry_number"]) == sorted(bad)
    assert all(codes.is_valid_entry_number(n) for n in good)
