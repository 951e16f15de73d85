"""Cargo Release, Bond and Reconciliation reports on a small lake built by hand.

The lake is `tests/cbr_lake.py`; every expected figure below is worked out from its rows
(the comments say how). The bond and reconciliation rules are cross-checked against the
pure functions of `data_access.rules`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache

import ibis
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_access import rules
from data_access.access import CBP, Principal
from data_access.engines import DuckDBEngine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from data_access.reports.bond_sufficiency import required_amount
from tests.cbr_lake import ACME, AS_OF, BOLT, build, entry

D = Decimal
EMPTY = Filters(start=date(2030, 1, 1), end=date(2030, 12, 31))
ACME_ONLY = Principal("importer", importer_numbers=(ACME,))
BROKER_XYZ = Principal("broker", filer_codes=("XYZ",))
IGNORE_PERIOD = {"bond.activity_codes", "bond.ending_soon", "bond.sufficiency_now",
                 "reconciliation.deadlines", "reconciliation.deadlines_count",
                 "reconciliation.deadlines_by_month"}  # fmt: skip
AS_OF_REPORTS = IGNORE_PERIOD | {"bond.sufficiency", "reconciliation.filed_vs_open"}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> DuckDBEngine:
    return DuckDBEngine(build(tmp_path_factory.mktemp("cbr") / "lake"))


@pytest.fixture
def run(engine: DuckDBEngine):
    def run(name: str, principal: Principal = CBP, filters: Filters | None = None, **options):
        return REPORTS[name](Scope(engine, principal, filters or Filters()), **options)

    return run


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple]:
    return frame.select(columns).rows()


# --- Cargo Release -------------------------------------------------------------------------
def test_cargo_release_details_pages_in_arrival_order(run) -> None:
    everything = run("cargo_release.details")
    assert rows(everything, "entry_number", "release_days") == [
        (entry("XYZ", 1), 3),
        (entry("ABC", 1), 2),
        (entry("ABC", 2), 10),
        (entry("ABC", 3), 1),
        (entry("ABC", 4), 4),
        (entry("ABC", 5), None),
        (entry("XYZ", 2), 0),
    ]
    assert everything.item(0, "port_of_entry_description") == "Laredo, TX"
    assert everything.item(5, "hold_agency_description") == "U.S. Customs and Border Protection"
    page = run("cargo_release.details", offset=2, limit=3)
    assert page.get_column("entry_number").to_list() == [entry("ABC", n) for n in (2, 3, 4)]
    assert run("cargo_release.details", offset=6).get_column("entry_number").to_list() == [
        entry("XYZ", 2)
    ]
    assert run("cargo_release.details_count").to_dicts() == [{"rows": 7}]


def test_cargo_release_kpis(run) -> None:
    # released days 0, 1, 2, 3, 4, 10: median (2 + 3) / 2, p90 at position 4.5: 4 + 0.5 * 6
    assert run("cargo_release.kpis").to_dicts() == [
        {"releases": 7, "released": 6, "holds": 3, "median_days": 2.5, "p90_days": 7.0}
    ]


def test_releases_per_month_by_port_and_mode(run) -> None:
    monthly = run("cargo_release.monthly")
    assert rows(monthly, "month", "port_of_entry", "mode_of_transport", "releases") == [
        (date(2023, 12, 1), "2304", "30", 1),
        (date(2024, 1, 1), "1001", "40", 1),
        (date(2024, 1, 1), "2704", "11", 2),
        (date(2024, 2, 1), "1001", "40", 1),
        (date(2024, 2, 1), "2304", "30", 1),
        (date(2024, 2, 1), "2704", "11", 1),
    ]


def test_release_time_per_month(run) -> None:
    # January: 1, 2, 10 -> p90 at position 1.8: 2 + 0.8 * 8; February: 0, 4 (one unreleased)
    times = run("cargo_release.release_time_monthly")
    assert rows(times, "month", "released", "median_days", "p90_days") == [
        (date(2023, 12, 1), 1, 3.0, 3.0),
        (date(2024, 1, 1), 3, 2.0, 8.4),
        (date(2024, 2, 1), 2, 2.0, 3.6),
    ]


def test_slowest_ports_and_modes_first(run) -> None:
    # 2704 / mode 11: 2, 4, 10; 2304 / mode 30: 0, 3; 1001 / mode 40: 1
    expected = [("2704", 3, 4.0, 8.8), ("2304", 2, 1.5, 2.7), ("1001", 1, 1.0, 1.0)]
    by_port = run("cargo_release.release_time_by_port")
    assert rows(by_port, "port_of_entry", "released", "median_days", "p90_days") == expected
    by_mode = run("cargo_release.release_time_by_mode")
    assert rows(by_mode, "mode_of_transport", "median_days") == [
        ("11", 4.0),
        ("30", 1.5),
        ("40", 1.0),
    ]


def test_status_mix_and_holds(run) -> None:
    assert rows(run("cargo_release.status_mix"), "release_status", "releases", "share") == [
        ("Released", 6, 6 / 7),
        ("CBP Review", 1, 1 / 7),
    ]
    holds = run("cargo_release.holds_by_agency")
    assert rows(holds, "hold_agency", "holds", "share", "median_days") == [
        ("CBP", 1, 1 / 3, None),  # still held: no release time
        ("FDA", 1, 1 / 3, 10.0),
        ("USDA", 1, 1 / 3, 3.0),
    ]


def test_cargo_release_filters(run) -> None:
    acme = run("cargo_release.release_time_monthly", ACME_ONLY)
    assert rows(acme, "month", "median_days", "p90_days") == [
        (date(2024, 1, 1), 2.0, 8.4),
        (date(2024, 2, 1), 4.0, 4.0),
    ]
    la_january = Filters(start=date(2024, 1, 1), end=date(2024, 1, 31), ports=("2704",))
    assert run("cargo_release.details_count", CBP, la_january).item() == 2
    # 2 and 10 days: median 6, p90 2 + 0.9 * 8
    assert rows(run("cargo_release.kpis", CBP, la_january), "median_days", "p90_days") == [
        (6.0, 9.2)
    ]
    trucks_january = Filters(start=date(2024, 1, 1), end=date(2024, 1, 31), modes=("30",))
    assert run("cargo_release.details", CBP, trucks_january).is_empty()  # arrived 30 Dec
    broker = run("cargo_release.details", BROKER_XYZ)
    assert broker.get_column("entry_number").to_list() == [entry("XYZ", 1), entry("XYZ", 2)]


@pytest.mark.parametrize(
    "name",
    [n for n in sorted(REPORTS) if n.startswith(("cargo_release.", "bond.", "reconciliation."))],
)
def test_empty_period_gives_empty_results(run, name: str) -> None:
    options = {"as_of": AS_OF} if name in AS_OF_REPORTS else {}
    frame = run(name, CBP, EMPTY, **options)
    if name.endswith("_count") and name not in IGNORE_PERIOD:
        assert frame.to_dicts() == [{"rows": 0}]
    elif name == "cargo_release.kpis":
        assert frame.to_dicts() == [
            {"releases": 0, "released": 0, "holds": 0, "median_days": None, "p90_days": None}
        ]
    elif name in IGNORE_PERIOD:
        assert frame.height > 0  # what is in force or open on as_of ignores the period
    else:
        assert frame.is_empty(), name


# --- Bond ----------------------------------------------------------------------------------
def test_bond_details_pages_in_effective_date_order(run) -> None:
    details = run("bond.details")
    order = ["CA1", "CB2", "CB1", "CA2", "S1", "S2", "S3", "S4"]
    assert details.get_column("bond_number").to_list() == order
    assert details.item(5, "surety_code_description") == (
        "Cash or government securities in lieu of surety"
    )
    assert details.item(0, "bond_type_description") == "Continuous"
    assert run("bond.details", offset=3, limit=2).get_column("bond_number").to_list() == [
        "CA2",
        "S1",
    ]
    assert run("bond.details_count").item() == 8
    first_quarter = Filters(start=date(2024, 1, 1), end=date(2024, 3, 31))
    assert run("bond.details_count", CBP, first_quarter).item() == 5
    acme = run("bond.details", ACME_ONLY).get_column("bond_number").to_list()
    assert acme == ["CA1", "CA2", "S1", "S2"]


def test_single_transaction_bonds_by_surety_and_amount(run) -> None:
    assert rows(run("bond.single_transaction"), "surety_code", "amount_band", "bonds",
                "total_amount") == [
        ("998", "$10,000 to under $50,000", 1, D("25000.00")),
        ("999", "under $10,000", 2, D("14999.99")),  # 5,000 + 9,999.99
        ("999", "$100,000 and over", 1, D("150000.00")),
    ]  # fmt: skip
    bolt = run("bond.single_transaction", CBP, Filters(importer_numbers=(BOLT,)))
    assert rows(bolt, "amount_band", "bonds") == [("under $10,000", 1), ("$100,000 and over", 1)]


def test_activity_codes_in_force(run) -> None:
    # on 15 Apr 2024: CA2 (60,000) and CB1 (100,000) in force for activity 1, CA1 ended
    assert rows(run("bond.activity_codes", as_of=AS_OF), "activity_code", "bonds", "in_force",
                "amount_in_force") == [
        ("1", 3, 2, D("160000.00")),
        ("3", 1, 1, D("75000.00")),
    ]  # fmt: skip
    before = run("bond.activity_codes", as_of=date(2023, 12, 31))  # CA1's last day
    assert rows(before, "activity_code", "in_force", "amount_in_force") == [
        ("1", 2, D("150000.00")),
        ("3", 1, D("75000.00")),
    ]


def test_bonds_ending_in_the_next_90_days(run) -> None:
    # as of 15 Apr 2024 the window ends 14 Jul 2024 (included); S3 ends on the 15th
    ending = run("bond.ending_soon", as_of=AS_OF)
    assert rows(ending, "bond_number", "termination_date", "days_left") == [
        ("CB1", date(2024, 6, 30), 76),
        ("S4", date(2024, 7, 14), 90),
    ]
    assert run("bond.ending_soon", ACME_ONLY, as_of=AS_OF).is_empty()
    same_day = run("bond.ending_soon", as_of=date(2024, 6, 30), days=0)
    assert rows(same_day, "bond_number", "days_left") == [("CB1", 0)]


SUFFICIENCY = ["importer_number", "month", "bond_number", "bond_amount", "dtf_trailing_12m",
               "required_amount", "sufficient", "raise_to"]  # fmt: skip


def test_sufficiency_month_by_month(run) -> None:
    winter = Filters(start=date(2023, 12, 1), end=date(2024, 2, 29))
    frame = run("bond.sufficiency", CBP, winter, as_of=AS_OF)
    assert rows(frame, *SUFFICIENCY) == [
        # Dec 2023: window Dec 2022-Nov 2023 = 300,000 + 250,000 -> 60,000; CA1 on its last day
        (ACME, date(2023, 12, 1), "CA1", D("50000.00"), D("550000.00"), D("60000.00"), False,
         D("60000.00")),
        # Jan 2024: same window total, the new CA2 is exactly enough
        (ACME, date(2024, 1, 1), "CA2", D("60000.00"), D("550000.00"), D("60000.00"), True, None),
        # Feb 2024: window Feb 2023-Jan 2024 crosses the year: + 100,000.01 -> 70,000
        (ACME, date(2024, 2, 1), "CA2", D("60000.00"), D("650000.01"), D("70000.00"), False,
         D("70000.00")),
        # BOLT: 1,000,000.00 + 0.01 -> just above $100,000 -> the next $100,000
        (BOLT, date(2023, 12, 1), "CB1", D("100000.00"), D("1000000.01"), D("200000.00"),
         False, D("200000.00")),
        (BOLT, date(2024, 1, 1), "CB1", D("100000.00"), D("1000000.01"), D("200000.00"),
         False, D("200000.00")),
        (BOLT, date(2024, 2, 1), "CB1", D("100000.00"), D("1000000.01"), D("200000.00"),
         False, D("200000.00")),
    ]  # fmt: skip
    assert rows(frame.head(1), "window_start", "window_end", "judged_on") == [
        (date(2022, 12, 1), date(2023, 11, 30), date(2023, 12, 31))
    ]


def test_sufficiency_at_exactly_100000(run) -> None:
    autumn = Filters(start=date(2023, 10, 1), end=date(2023, 11, 30), importer_numbers=(BOLT,))
    frame = run("bond.sufficiency", CBP, autumn, as_of=AS_OF)
    assert rows(frame, "month", "dtf_trailing_12m", "required_amount", "sufficient") == [
        (date(2023, 10, 1), D("1000000.00"), D("100000.00"), True),  # 10% exactly $100,000
        (date(2023, 11, 1), D("1000000.00"), D("100000.00"), True),
    ]


def test_sufficiency_series_agrees_with_the_rules(run) -> None:
    frame = run("bond.sufficiency", as_of=AS_OF)
    # ACME from its first bond (Jan 2022), BOLT from CB1 (Jun 2023), both to April 2024
    assert frame.group_by("importer_number").len().sort("importer_number").rows() == [
        (ACME, 28),
        (BOLT, 11),
    ]
    monthly_dtf = {
        ACME: {date(2023, 3, 1): D("300000.00"), date(2023, 6, 1): D("250000.00"),
               date(2024, 1, 1): D("100000.01")},
        BOLT: {date(2023, 9, 1): D("1000000.00"), date(2023, 11, 1): D("0.01")},
    }  # fmt: skip
    for row in frame.iter_rows(named=True):
        start, end = rules.trailing_window(row["month"])
        assert (row["window_start"], row["window_end"]) == (start, end)
        assert row["judged_on"] == rules.judged_on(row["month"], AS_OF)
        dtf = sum(
            (v for m, v in monthly_dtf[row["importer_number"]].items() if start <= m <= end),
            D("0.00"),
        )
        assert row["dtf_trailing_12m"] == dtf
        required = rules.required_bond_amount(dtf)
        assert row["required_amount"] == required
        assert row["raise_to"] == rules.raise_to(row["bond_amount"], required)
        assert row["sufficient"] is (row["raise_to"] is None)
    insufficient = frame.filter(~pl.col("sufficient"))
    assert rows(insufficient.filter(pl.col("importer_number") == ACME), "month") == [
        (date(2023, m, 1),) for m in range(7, 13)
    ] + [(date(2024, 2, 1),), (date(2024, 3, 1),)]


def test_sufficiency_now_lists_the_insufficient_first(run) -> None:
    now = run("bond.sufficiency_now", as_of=AS_OF)
    assert rows(now, *SUFFICIENCY) == [
        (BOLT, date(2024, 4, 1), "CB1", D("100000.00"), D("1000000.01"), D("200000.00"), False,
         D("200000.00")),
        # April's window (Apr 2023-Mar 2024) drops March 2023: 350,000.01 -> the floor
        (ACME, date(2024, 4, 1), "CA2", D("60000.00"), D("350000.01"), D("50000.00"), True, None),
    ]  # fmt: skip
    past_period = Filters(start=date(2020, 1, 1), end=date(2020, 12, 31))
    assert run("bond.sufficiency_now", CBP, past_period, as_of=AS_OF).height == 2
    assert run("bond.sufficiency_now", ACME_ONLY, as_of=AS_OF).get_column(
        "importer_number"
    ).to_list() == [ACME]
    # after CB1 ended BOLT has no activity-1 bond: no longer judged
    after = run("bond.sufficiency_now", as_of=date(2024, 8, 1))
    assert after.get_column("importer_number").to_list() == [ACME]


DTF_EDGES = ["0.00", "-1.00", "500000.00", "500000.01", "600000.00", "600000.01", "999999.99",
             "1000000.00", "1000000.01", "2000000.00", "2000000.01", "123456789.00"]  # fmt: skip


def _required_in_ibis(values: list[Decimal]) -> list[Decimal]:
    table = ibis.memtable(pl.DataFrame({"dtf": values}, schema={"dtf": pl.Decimal(18, 2)}))
    expr = table.select(required=required_amount(table.dtf))
    return _duckdb().to_polars(expr).get_column("required").to_list()


@cache
def _duckdb() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


def test_required_amount_in_ibis_agrees_with_the_rule() -> None:
    values = [D(v) for v in DTF_EDGES]
    assert _required_in_ibis(values) == [rules.required_bond_amount(v) for v in values]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.decimals(min_value=-(10**6), max_value=10**13, places=2), min_size=1))
def test_required_amount_in_ibis_agrees_on_any_amount(values: list[Decimal]) -> None:
    assert _required_in_ibis(values) == [rules.required_bond_amount(v) for v in values]


# --- Reconciliation --------------------------------------------------------------------------
R = {  # the flagged entries of the lake, by the names its comments use
    "R1": entry("ABC", 201), "R2": entry("ABC", 202), "R3": entry("ABC", 203),
    "R4": entry("XYZ", 201), "R5": entry("XYZ", 202), "R6": entry("XYZ", 203),
    "R7": entry("XYZ", 204),
}  # fmt: skip


def test_reconciliation_details_with_due_dates(run) -> None:
    details = run("reconciliation.details")
    assert rows(details, "flagged_entry_number", "due_date", "filed") == [
        (R["R2"], date(2024, 2, 29), False),  # 31 May 2022 + 21 months: a leap February
        (R["R6"], date(2024, 5, 1), False),
        (R["R4"], date(2024, 10, 13), True),
        (R["R5"], date(2024, 10, 31), True),
        (R["R1"], date(2025, 2, 28), True),  # 31 May 2023 + 21 months
        (R["R7"], date(2024, 8, 15), False),  # FTA without an entry date: the date on file
        (R["R3"], date(2025, 2, 28), False),  # FTA: 29 Feb 2024 (entry) + 12 months
    ]
    assert details.item(0, "flag_type_description") == "Classification"
    page = run("reconciliation.details", offset=2, limit=3)
    assert page.get_column("flagged_entry_number").to_list() == [R["R4"], R["R5"], R["R1"]]
    assert run("reconciliation.details_count").item() == 7
    for row in details.filter(pl.col("entry_date").is_not_null() | ~pl.col("fta_flag")).iter_rows(
        named=True
    ):
        expected = rules.recon_due_date(row["flagged_date"], row["entry_date"], row["fta_flag"])
        assert row["due_date"] == expected


def test_reconciliation_header(run) -> None:
    header = run("reconciliation.header")
    assert rows(header, "recon_entry_number", "importer_number", "filed_date", "flagged_entries",
                "first_flagged_date", "earliest_due_date", "value_adjustment",
                "duty_adjustment") == [
        (entry("XYZ", 901), BOLT, date(2024, 3, 1), 2, date(2023, 1, 13), date(2024, 10, 13),
         D("-300.00"), D("-12.50")),  # -500 + 200; -12.50 + nothing
        (entry("ABC", 901), ACME, date(2024, 4, 1), 1, date(2023, 5, 31), date(2025, 2, 28),
         D("1000.00"), D("25.00")),
    ]  # fmt: skip
    assert run("reconciliation.header_count").item() == 2
    assert run("reconciliation.header", offset=1).get_column("recon_entry_number").to_list() == [
        entry("ABC", 901)
    ]


def test_flags_by_type_over_time(run) -> None:
    assert rows(run("reconciliation.flags_monthly"), "month", "flag_type", "flagged_entries",
                "fta_flagged") == [
        (date(2022, 5, 1), "002", 1, 0),
        (date(2022, 8, 1), "001", 1, 0),
        (date(2023, 1, 1), "004", 1, 0),
        (date(2023, 1, 1), "007", 1, 0),
        (date(2023, 5, 1), "001", 1, 0),
        (date(2023, 9, 1), "003", 1, 1),
        (date(2024, 3, 1), "001", 1, 1),
    ]  # fmt: skip


def test_open_flags_overdue_first(run) -> None:
    deadlines = run("reconciliation.deadlines", as_of=AS_OF)
    assert rows(deadlines, "flagged_entry_number", "due_date", "days_left", "overdue") == [
        (R["R2"], date(2024, 2, 29), -46, True),
        (R["R6"], date(2024, 5, 1), 16, False),
        (R["R7"], date(2024, 8, 15), 122, False),
        (R["R3"], date(2025, 2, 28), 319, False),
    ]
    for row in deadlines.iter_rows(named=True):
        assert row["days_left"] == rules.days_left(row["due_date"], AS_OF)
    # the period filter does not hide a flag that is due soon; the filer filter does apply
    period = Filters(start=date(2024, 1, 1), end=date(2024, 12, 31))
    assert run("reconciliation.deadlines", CBP, period, as_of=AS_OF).height == 4
    broker = run("reconciliation.deadlines", BROKER_XYZ, as_of=date(2024, 5, 2))
    assert rows(broker, "flagged_entry_number", "days_left", "overdue") == [
        (R["R6"], -1, True),
        (R["R7"], 105, False),
    ]


def test_filed_vs_open_over_time(run) -> None:
    frame = run("reconciliation.filed_vs_open", as_of=AS_OF)
    assert rows(frame, "month", "flagged", "filed", "open", "overdue") == [
        (date(2022, 5, 1), 1, 0, 1, 1),
        (date(2022, 8, 1), 1, 0, 1, 0),
        (date(2023, 1, 1), 2, 2, 0, 0),
        (date(2023, 5, 1), 1, 1, 0, 0),
        (date(2023, 9, 1), 1, 0, 1, 0),
        (date(2024, 3, 1), 1, 0, 1, 0),
    ]
    year_2023 = Filters(start=date(2023, 1, 1), end=date(2023, 12, 31))
    assert rows(run("reconciliation.filed_vs_open", ACME_ONLY, year_2023), "month", "filed") == [
        (date(2023, 5, 1), 1)
    ]


def test_adjustments_of_filed_reconciliations(run) -> None:
    assert rows(run("reconciliation.adjustments"), "month", "reconciliations", "flagged_entries",
                "value_adjustment", "duty_adjustment") == [
        (date(2024, 3, 1), 1, 2, D("-300.00"), D("-12.50")),
        (date(2024, 4, 1), 1, 1, D("1000.00"), D("25.00")),
    ]  # fmt: skip
    broker = run("reconciliation.adjustments", Principal("broker", filer_codes=("ABC",)))
    assert rows(broker, "month", "value_adjustment") == [(date(2024, 4, 1), D("1000.00"))]


def test_open_flags_page_count_and_months_due(run) -> None:
    """The page's pager, its counts and chart: one page of `deadlines`, their count, and
    the open flags per month due, overdue or not, with those due within 90 (or 130) days."""
    second = run("reconciliation.deadlines", as_of=AS_OF, offset=1, limit=2)
    assert rows(second, "flagged_entry_number", "days_left") == [(R["R6"], 16), (R["R7"], 122)]
    assert run("reconciliation.deadlines_count", as_of=AS_OF).to_dicts() == [{"rows": 4}]
    by_month = run("reconciliation.deadlines_by_month", as_of=AS_OF)
    assert rows(by_month, "due_month", "overdue", "open_flags", "due_soon") == [
        (date(2024, 2, 1), True, 1, 0),
        (date(2024, 5, 1), False, 1, 1),
        (date(2024, 8, 1), False, 1, 0),
        (date(2025, 2, 1), False, 1, 0),
    ]
    longer = run("reconciliation.deadlines_by_month", as_of=AS_OF, soon_days=130)
    assert longer.get_column("due_soon").to_list() == [0, 1, 1, 0]
    broker = run("reconciliation.deadlines_by_month", BROKER_XYZ, as_of=date(2024, 5, 2))
    assert rows(broker, "due_month", "overdue", "open_flags", "due_soon") == [
        (date(2024, 5, 1), True, 1, 0),
        (date(2024, 8, 1), False, 1, 0),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "bond.ending_soon",
        "bond.activity_codes",
        "reconciliation.deadlines",
        "reconciliation.deadlines_by_month",
    ],
)
def test_as_of_defaults_to_the_configured_today(run, monkeypatch, name: str) -> None:
    """ITRAC_TODAY (`make run DEMO_END=...` sets it): a webinar's figures hold every day."""
    monkeypatch.setenv("ITRAC_TODAY", AS_OF.isoformat())
    configured = run(name)
    assert configured.height > 0 and configured.equals(run(name, as_of=AS_OF))
    monkeypatch.setenv("ITRAC_TODAY", "2031-01-01")  # every bond and flag of the lake is over
    assert not run(name).equals(configured)
