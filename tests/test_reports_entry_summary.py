"""Entry Summary reports against values worked out by hand from tests/entry_summary_lake.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from data_access import codes
from data_access.access import CBP, Principal
from data_access.engines import get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from tests.entry_summary_lake import ACME, AS_OF, BOLT, E, build

ABC = Principal.parse("broker:ABC")
XYZ = Principal.parse("broker:XYZ")
NONE = Filters(start=date(2030, 1, 1))
D = Decimal


@pytest.fixture(scope="module")
def es_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("es") / "lake")


def run(lake: Path, name: str, principal=CBP, filters=Filters(), **options) -> pl.DataFrame:
    return REPORTS[name](Scope(get_engine(lake, "duckdb"), principal, filters), **options)


def kpi(lake: Path, principal=CBP, filters=Filters(), **options) -> tuple:
    k = run(lake, "entry_summary.kpis", principal, filters, **options).row(0, named=True)
    return k["entries"], k["lines"], k["entered_value"], k["duties"]


# --- key figures and the reconciliation option ------------------------------------------
def test_kpis_for_cbp(es_lake) -> None:
    k = run(es_lake, "entry_summary.kpis").row(0, named=True)
    assert (k["entries"], k["lines"]) == (12, 15)  # 21 tariff rows, 6 of them Chapter 99
    assert k["entered_value"] == D("146000.00")
    assert k["duties"] == D("29955.00")  # 21955 duty + 6500 ADD + 1500 CVD
    assert (k["taxes"], k["fees"]) == (D("0.00"), D("121.24"))
    assert k["effective_duty_rate"] == pytest.approx(29955 / 146000)


@pytest.mark.parametrize(
    ("principal", "filters", "expected"),
    [
        (Principal.parse(f"importer:{ACME}"), Filters(), (7, 9, D("78000.00"), D("22330.00"))),
        (Principal.parse(f"importer:{BOLT}"), Filters(), (5, 6, D("68000.00"), D("7625.00"))),
        (ABC, Filters(), (8, 10, D("108000.00"), D("29830.00"))),  # ACME's 7 and BOLT's E9
        (XYZ, Filters(), (4, 5, D("38000.00"), D("125.00"))),
        (CBP, Filters(countries=("CN",)), (7, 7, D("88000.00"), D("29000.00"))),
        (CBP, Filters(start=date(2024, 1, 1)), (3, 3, D("47000.00"), D("12500.00"))),
        (XYZ, Filters(entry_types=("11",)), (1, 1, D("2000.00"), D("0.00"))),
        (CBP, NONE, (0, 0, D("0.00"), D("0.00"))),
    ],
)  # fmt: skip
def test_kpis_by_principal_and_filters(es_lake, principal, filters, expected) -> None:
    assert kpi(es_lake, principal, filters) == expected


def test_reconciliation_option_splits_flagged_from_unflagged(es_lake) -> None:
    # flagged: E2 (001), E5 (002) and E8 (FTA indicator only)
    assert kpi(es_lake, recon="flagged") == (3, 4, D("37000.00"), D("5000.00"))
    assert kpi(es_lake, recon="not_flagged") == (9, 11, D("109000.00"), D("24955.00"))
    assert run(es_lake, "entry_summary.header_count", recon="flagged").item() == 3
    flagged = run(es_lake, "entry_summary.header", recon="flagged")
    assert flagged.get_column("entry_number").to_list() == [E[2], E[5], E[8]]
    assert kpi(es_lake, XYZ, recon="flagged") == (1, 1, D("2000.00"), D("0.00"))


def test_unknown_reconciliation_option_is_refused(es_lake) -> None:
    with pytest.raises(ValueError, match="recon"):
        run(es_lake, "entry_summary.kpis", recon="open")


# --- the three ACE reports --------------------------------------------------------------
def test_header_rows_in_entry_date_order_with_descriptions(es_lake) -> None:
    frame = run(es_lake, "entry_summary.header")
    order = [10, 1, 2, 3, 7, 4, 5, 6, 8, 9, 11, 12]
    assert frame.get_column("entry_number").to_list() == [E[n] for n in order]
    e3 = frame.row(4 - 1, named=True)
    assert e3["entry_type_description"] == "Consumption - antidumping/countervailing duty"
    assert e3["port_of_entry_description"] == "Long Beach, CA"
    assert (e3["entered_value"], e3["duty_amount"]) == (D("8000.00"), D("6000.00"))
    assert "year" not in frame.columns
    assert frame.columns[:3] == ["entry_number", "entry_type", "entry_type_description"]


def test_header_pages_and_counts(es_lake) -> None:
    page = run(es_lake, "entry_summary.header", offset=2, limit=3)
    assert page.get_column("entry_number").to_list() == [E[2], E[3], E[7]]
    assert run(es_lake, "entry_summary.header", offset=11, limit=5).height == 1
    assert run(es_lake, "entry_summary.header_count").item() == 12
    assert run(es_lake, "entry_summary.header_count", XYZ).item() == 4
    assert run(es_lake, "entry_summary.header_count", filters=NONE).item() == 0
    assert run(es_lake, "entry_summary.header", filters=NONE).height == 0


def test_line_details_sum_the_chapter_99_ordinals_into_their_line(es_lake) -> None:
    frame = run(es_lake, "entry_summary.line_details")
    assert frame.height == run(es_lake, "entry_summary.line_details_count").item() == 15
    e3 = frame.filter(pl.col("entry_number") == E[3]).row(0, named=True)
    assert (e3["hts_number"], e3["tariff_numbers"], e3["add_case_number"]) == (
        "7306300000",
        2,
        "A-570-910",
    )
    assert (e3["entered_value"], e3["duty_amount"], e3["chapter_99_duty_amount"]) == (
        D("8000.00"),
        D("2000.00"),
        D("2000.00"),
    )
    assert (e3["add_amount"], e3["cvd_amount"], e3["line_duties"]) == (
        D("3000.00"),
        D("1000.00"),
        D("6000.00"),
    )
    e1 = frame.filter(pl.col("entry_number") == E[1])
    assert e1.select("line_number", "line_duties", "mpf_amount").rows() == [
        (1, D("2500.00"), D("34.64")),
        (2, D("830.00"), D("17.32")),
    ]
    assert e1.get_column("country_of_origin_description").to_list() == ["China", "Vietnam"]
    assert frame.get_column("line_duties").sum() == D("29955.00")


def test_line_details_page_and_broker_scope(es_lake) -> None:
    page = run(es_lake, "entry_summary.line_details", offset=1, limit=2)
    assert page.select("entry_number", "line_number").rows() == [(E[1], 1), (E[1], 2)]
    xyz = run(es_lake, "entry_summary.line_details", XYZ)
    assert xyz.select("entry_number", "line_number").rows() == [
        (E[10], 1), (E[7], 1), (E[7], 2), (E[8], 1), (E[12], 1)
    ]  # fmt: skip
    assert run(es_lake, "entry_summary.line_details_count", XYZ).item() == 5


def test_line_tariff_details_are_the_rows_as_stored(es_lake) -> None:
    frame = run(es_lake, "entry_summary.line_tariff_details")
    assert frame.height == run(es_lake, "entry_summary.line_tariff_details_count").item() == 21
    e1 = frame.filter(pl.col("entry_number") == E[1])
    assert e1.select("line_number", "tariff_ordinal", "hts_number", "duty_amount").rows() == [
        (1, 1, "8471300100", D("0.00")),
        (1, 2, "9903880301", D("2500.00")),
        (2, 1, "6109100012", D("830.00")),
    ]
    # 9903.88.03 with a suffix the lists lack: described by its heading, not its chapter
    assert e1.get_column("hts_number_description").to_list()[1] == codes.HTS_HEADINGS["9903"]
    page = run(es_lake, "entry_summary.line_tariff_details", ABC, offset=3, limit=2)
    assert page.select("entry_number", "tariff_ordinal").rows() == [(E[2], 1), (E[2], 2)]
    cn = Filters(countries=("CN",))
    assert run(es_lake, "entry_summary.line_tariff_details_count", filters=cn).item() == 13


# --- trends -----------------------------------------------------------------------------
def test_monthly_by_entry_type(es_lake) -> None:
    frame = run(es_lake, "entry_summary.monthly_by_entry_type")
    rows = frame.select("month", "entry_type", "entries", "entered_value", "duties").rows()
    assert rows[:4] == [
        (date(2022, 6, 1), "01", 1, D("9000.00"), D("0.00")),
        (date(2023, 1, 1), "01", 2, D("35000.00"), D("8330.00")),
        (date(2023, 2, 1), "03", 1, D("8000.00"), D("6000.00")),
        (date(2023, 3, 1), "01", 1, D("20000.00"), D("125.00")),
    ]
    assert len(rows) == 11
    assert rows[7] == (date(2023, 12, 1), "11", 1, D("2000.00"), D("0.00"))
    assert frame.get_column("entry_type_description")[7] == "Informal - free and dutiable"
    acme_2024 = run(
        es_lake, "entry_summary.monthly_by_entry_type", Principal.parse(f"importer:{ACME}"),
        Filters(start=date(2024, 1, 1)),
    )  # fmt: skip
    assert acme_2024.select("month", "entry_type", "duties").rows() == [
        (date(2024, 2, 1), "03", D("5000.00"))
    ]


def test_duty_rate_trend(es_lake) -> None:
    frame = run(es_lake, "entry_summary.duty_rate_trend")
    assert frame.height == 11
    jan = frame.row(1, named=True)
    assert (jan["month"], jan["entered_value"], jan["duties"]) == (
        date(2023, 1, 1),
        D("35000.00"),
        D("8330.00"),
    )
    assert jan["effective_duty_rate"] == pytest.approx(0.238)
    assert frame.row(2, named=True)["effective_duty_rate"] == pytest.approx(0.75)
    assert run(es_lake, "entry_summary.duty_rate_trend", filters=NONE).height == 0


# --- breakdowns -------------------------------------------------------------------------
def test_hts_chapters_then_headings_then_lines(es_lake) -> None:
    chapters = run(es_lake, "entry_summary.hts")
    assert chapters.select("hts_code", "entered_value", "duties", "lines").rows() == [
        ("84", D("60000.00"), D("15000.00"), 3),  # its Section 301 layers (9903.88.03)
        ("87", D("27000.00"), D("125.00"), 3),
        ("73", D("22000.00"), D("12500.00"), 3),  # AD/CVD and its Section 232 layers
        ("85", D("12000.00"), D("0.00"), 1),
        ("61", D("10000.00"), D("830.00"), 3),
        ("09", D("9000.00"), D("0.00"), 1),
        ("94", D("6000.00"), D("1500.00"), 1),
    ]  # no chapter 99: each layer counts with the goods line it was filed with
    assert chapters.row(0, named=True)["share"] == pytest.approx(60000 / 146000)
    assert chapters.row(0, named=True)["description"] == "Machinery and mechanical appliances"
    # A 9903 prefix finds the layer rows themselves, under their own number.
    headings = run(es_lake, "entry_summary.hts", level="heading", prefix="99")
    assert headings.select("hts_code", "duties", "entries").rows() == [("9903", D("21000.00"), 6)]
    lines = run(es_lake, "entry_summary.hts", level="line", prefix="8708")
    assert lines.select("hts_code", "entered_value", "lines").rows() == [
        ("8708295160", D("27000.00"), 3)
    ]
    xyz = run(es_lake, "entry_summary.hts", XYZ, level="heading", prefix="61")
    assert xyz.select("hts_code", "entered_value").rows() == [("6109", D("2000.00"))]


def test_hts_drill_refuses_a_bad_level_or_prefix(es_lake) -> None:
    with pytest.raises(ValueError, match="level"):
        run(es_lake, "entry_summary.hts", level="subheading")
    with pytest.raises(ValueError, match="prefix"):
        run(es_lake, "entry_summary.hts", prefix="84'; --")


def test_countries_with_iso3_for_the_map(es_lake) -> None:
    frame = run(es_lake, "entry_summary.countries")
    assert frame.select("country_of_origin", "iso3", "entered_value", "duties").rows() == [
        ("CN", "CHN", D("88000.00"), D("29000.00")),
        ("MX", "MEX", D("42000.00"), D("125.00")),
        ("CO", "COL", D("9000.00"), D("0.00")),
        ("VN", "VNM", D("5000.00"), D("830.00")),
        ("CA", "CAN", D("2000.00"), D("0.00")),
    ]
    assert frame.get_column("country_of_origin_description").to_list()[:2] == ["China", "Mexico"]
    assert run(es_lake, "entry_summary.countries", filters=NONE).height == 0


def test_ports_filers_and_manufacturers(es_lake) -> None:
    ports = run(es_lake, "entry_summary.ports")
    assert ports.select("port_of_entry", "entered_value", "duties").rows() == [
        ("2704", D("41000.00"), D("9830.00")),
        ("5301", D("39000.00"), D("7500.00")),
        ("2304", D("29000.00"), D("125.00")),
        ("1001", D("19000.00"), D("1500.00")),
        ("2709", D("18000.00"), D("11000.00")),
    ]
    assert ports.get_column("port_of_entry_description")[0] == "Los Angeles, CA"
    filers = run(es_lake, "entry_summary.filers")
    assert filers.select("filer_code", "entries", "entered_value", "duties").rows() == [
        ("ABC", 8, D("108000.00"), D("29830.00")),
        ("XYZ", 4, D("38000.00"), D("125.00")),
    ]
    assert run(es_lake, "entry_summary.filers", XYZ).get_column("filer_code").to_list() == ["XYZ"]
    makers = run(es_lake, "entry_summary.manufacturers", limit=3)
    assert makers.select("manufacturer_id", "entered_value", "duties").rows() == [
        ("CNLENSHE1SHE", D("60000.00"), D("15000.00")),
        ("MXAUTPAR3MON", D("27000.00"), D("125.00")),
        ("CNSTEPIP8TIA", D("22000.00"), D("12500.00")),
    ]


# --- trade programs and AD/CVD ----------------------------------------------------------
def test_spi_share_per_month(es_lake) -> None:
    frame = run(es_lake, "entry_summary.spi_share")
    march = frame.filter(pl.col("month") == date(2023, 3, 1))
    assert march.select("spi", "spi_description", "entered_value", "share").rows() == [
        ("S", "USMCA (formerly NAFTA, CA/MX)", D("15000.00"), 0.75),
        (None, "No special program", D("5000.00"), 0.25),
    ]
    assert frame.filter(pl.col("month") == date(2022, 6, 1)).select("spi", "share").rows() == [
        ("CO", 1.0)
    ]
    assert frame.height == 12  # 11 months, March 2023 twice
    assert frame.get_column("lines").sum() == 15


def test_chapter_99_duties_by_month_and_country(es_lake) -> None:
    frame = run(es_lake, "entry_summary.chapter99_duties")
    assert frame.select("month", "country_of_origin", "tariff_rows", "duties").rows() == [
        (date(2023, 1, 1), "CN", 2, D("7500.00")),
        (date(2023, 2, 1), "CN", 1, D("2000.00")),
        (date(2023, 11, 1), "CN", 1, D("1500.00")),
        (date(2024, 1, 1), "CN", 1, D("7500.00")),
        (date(2024, 2, 1), "CN", 1, D("2500.00")),
    ]
    assert run(es_lake, "entry_summary.chapter99_duties", XYZ).height == 0


def test_adcvd_amounts_by_case(es_lake) -> None:
    frame = run(es_lake, "entry_summary.adcvd_cases")
    assert frame.rows() == [
        ("A-570-910", "ADD", 3, 3, D("22000.00"), D("6500.00")),
        ("C-570-911", "CVD", 2, 2, D("18000.00"), D("1500.00")),
    ]
    assert frame.columns == ["case_number", "duty", "entries", "lines", "entered_value", "amount"]
    in_2024 = run(es_lake, "entry_summary.adcvd_cases", filters=Filters(start=date(2024, 1, 1)))
    assert in_2024.select("case_number", "amount").rows() == [
        ("A-570-910", D("2000.00")),
        ("C-570-911", D("500.00")),
    ]
    assert run(es_lake, "entry_summary.adcvd_cases", XYZ).height == 0


# --- liquidation and protests (today pinned with as_of) ---------------------------------
def test_liquidated_and_unliquidated_by_type(es_lake) -> None:
    frame = run(es_lake, "entry_summary.liquidation_status", as_of=AS_OF)
    assert frame.select("entry_type", "status", "entries", "entered_value", "duties").rows() == [
        ("01", "Liquidated", 5, D("71000.00"), D("8455.00")),
        ("01", "Unliquidated", 3, D("51000.00"), D("9000.00")),
        ("03", "Suspended (AD/CVD)", 3, D("22000.00"), D("12500.00")),
        ("11", "Unliquidated", 1, D("2000.00"), D("0.00")),
    ]
    earlier = run(es_lake, "entry_summary.liquidation_status", as_of=date(2024, 3, 1))
    assert earlier.select("status", "entries").rows()[:2] == [
        ("Liquidated", 4),
        ("Unliquidated", 4),
    ]


def test_entries_expected_to_liquidate_in_the_next_90_days(es_lake) -> None:
    due = run(es_lake, "entry_summary.liquidation_due", as_of=AS_OF)
    assert due.select(
        "entry_number", "expected_liquidation_date", "days_to_liquidation", "within_days"
    ).rows() == [
        (E[5], date(2024, 8, 16), 47, 60),  # day 314 is Saturday 10 August: Friday posting
        (E[6], date(2024, 9, 27), 89, 90),
    ]  # E3, E4, E11 are AD/CVD (03): suspended, not forecast; E8 is 124 days out
    summary = run(es_lake, "entry_summary.liquidation_due_summary", as_of=AS_OF)
    assert summary.rows() == [
        ("Overdue", None, date(2024, 6, 29), 0, D("0.00"), D("0.00")),
        ("Next 30 days", 30, date(2024, 7, 30), 0, D("0.00"), D("0.00")),
        ("Next 60 days", 60, date(2024, 8, 29), 1, D("15000.00"), D("0.00")),
        ("Next 90 days", 90, date(2024, 9, 28), 2, D("21000.00"), D("1500.00")),
    ]
    on_the_day = run(es_lake, "entry_summary.liquidation_due", as_of=date(2024, 8, 16))
    assert on_the_day.row(0, named=True)["days_to_liquidation"] == 0
    assert run(es_lake, "entry_summary.liquidation_due", XYZ, as_of=AS_OF).height == 0


def test_protest_windows_open_with_their_closing_dates(es_lake) -> None:
    frame = run(es_lake, "entry_summary.protest_windows", as_of=AS_OF)
    columns = ["entry_number", "liquidation_date", "protest_deadline", "days_left"]
    assert frame.select(columns).rows() == [
        (E[7], date(2024, 1, 19), date(2024, 7, 17), 17),
        (E[2], date(2024, 2, 1), date(2024, 7, 30), 30),
        (E[12], date(2024, 5, 3), date(2024, 10, 30), 122),
    ]  # fmt: skip
    assert frame.get_column("liquidation_type_description").to_list() == [
        "Refund", "Bill", "No change"
    ]  # fmt: skip
    assert run(es_lake, "entry_summary.protest_windows", ABC, as_of=AS_OF).get_column(
        "entry_number"
    ).to_list() == [E[2]]
    last_day = run(es_lake, "entry_summary.protest_windows", as_of=date(2024, 7, 17))
    assert last_day.row(0, named=True)["days_left"] == 0
    assert run(es_lake, "entry_summary.protest_windows", filters=NONE, as_of=AS_OF).height == 0
