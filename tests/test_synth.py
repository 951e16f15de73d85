"""The synthetic demo lake: identifiers, exact money, dates, codes, shape and stories."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from data_access import audit_rules, codes, lake, schema
from data_access.liquidation import expected_liquidation
from data_access.synth import BROKERS, IMPORTERS, build_demo_lake
from data_access.synth.tables import check_digits
from data_access.synth.world import FILERS, World

LINES = 20_000
END = date(2025, 6, 30)
TABLE_KEYS = {name: list(spec.key) for name, spec in schema.TABLES.items()}


def read(root: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(lake.table_glob(root, name)).sort(TABLE_KEYS[name])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], list]:
    root = tmp_path_factory.mktemp("demo")
    calls: list[tuple[int, int]] = []
    counts = build_demo_lake(
        root,
        lines=LINES,
        seed=42,
        end=END,
        progress=lambda done, total: calls.append((done, total)),
    )
    return root, counts, calls


@pytest.fixture(scope="module")
def tables(built: tuple[Path, dict[str, int], list]) -> dict[str, pl.DataFrame]:
    return {name: read(built[0], name) for name in schema.TABLES}


# --- identifiers ---------------------------------------------------------------------
def test_vectorised_check_digit_matches_codes() -> None:
    rng = np.random.default_rng(7)
    filer = rng.integers(0, len(FILERS), 2_000)
    serial = rng.integers(0, 10_000_000, 2_000)
    expected = [
        codes.check_digit(FILERS[f], f"{s:07d}") for f, s in zip(filer, serial, strict=True)
    ]
    assert check_digits(filer, serial).tolist() == expected


def test_every_entry_number_is_valid_and_starts_with_its_filer_code(tables: dict) -> None:
    columns = {
        "entry_summaries": "entry_number",
        "entry_lines": "entry_number",
        "cargo_releases": "entry_number",
        "exams": "entry_number",
        "reconciliations": "flagged_entry_number",
    }
    for name, column in columns.items():
        numbers = tables[name][column]
        assert numbers.str.len_chars().unique().to_list() == [11], name
        assert all(codes.is_valid_entry_number(n) for n in numbers.unique()), name
        assert (numbers.str.slice(0, 3) == tables[name]["filer_code"]).all(), name
    recon = tables["reconciliations"].drop_nulls("recon_entry_number")
    assert all(codes.is_valid_entry_number(n) for n in recon["recon_entry_number"])
    assert (recon["recon_entry_number"].str.slice(0, 3) == recon["filer_code"]).all()
    single = tables["bonds"].drop_nulls("entry_number")["entry_number"]
    assert single.len() > 0 and all(codes.is_valid_entry_number(n) for n in single)


def test_serials_are_unique_and_follow_dates_per_filer(tables: dict) -> None:
    es = tables["entry_summaries"]
    assert es["entry_number"].n_unique() == es.height
    by_serial = (
        es.sort("entry_number")
        .group_by("filer_code", maintain_order=True)
        .agg(in_order=(pl.col("entry_date").diff().dt.total_days().fill_null(0) >= 0).all())
    )
    assert by_serial["in_order"].all()
    assert set(es["filer_code"]) == set(FILERS)


def test_demo_importers_and_brokers_are_well_formed() -> None:
    assert 11 <= len(IMPORTERS) <= 14
    assert all(codes.is_importer_number(i.importer_number) for i in IMPORTERS)
    assert all(codes.is_filer_code(b.filer_code) for b in BROKERS)
    assert sum(i.share for i in IMPORTERS) == pytest.approx(1.0)
    clients = {b.filer_code: sum(b.filer_code in i.filer_codes for i in IMPORTERS) for b in BROKERS}
    assert min(clients.values()) >= 2
    assert sum(len(i.filer_codes) == 2 for i in IMPORTERS) >= 3


# --- money ---------------------------------------------------------------------------
def test_money_is_decimal_18_2(tables: dict) -> None:
    for name, spec in schema.TABLES.items():
        for column in spec.columns:
            if column.dtype == schema.MONEY:
                assert tables[name].schema[column.name] == pl.Decimal(18, 2), (name, column.name)


def test_header_totals_are_exact_sums_of_their_rows(tables: dict) -> None:
    totals = (
        tables["entry_lines"]
        .group_by("entry_number")
        .agg(
            entered_value=pl.col("entered_value").sum(),
            duty_amount=(pl.col("duty_amount") + pl.col("add_amount") + pl.col("cvd_amount")).sum(),
            tax_amount=pl.col("tax_amount").sum(),
            fee_amount=(pl.col("mpf_amount") + pl.col("hmf_amount")).sum(),
        )
    )
    names = ["entered_value", "duty_amount", "tax_amount", "fee_amount"]
    header = tables["entry_summaries"].select("entry_number", *names)
    joined = header.join(totals, on="entry_number", how="full", suffix="_lines")
    assert joined.height == header.height
    for name in names:
        assert (joined[name] == joined[f"{name}_lines"]).all(), name


def _cents(column: str) -> pl.Expr:
    return (pl.col(column) * 100).cast(pl.Int64)


def test_mpf_follows_fiscal_year_limits_and_trade_programme_exemptions(tables: dict) -> None:
    """The audit's fee table (config/audit_rules.yaml) is what the demo charges."""
    mpf = audit_rules.load().mpf
    years = [(y.starts, y.minimum, y.maximum, y.informal) for y in mpf.fiscal_years]
    limits = pl.DataFrame(
        [(d, round(lo * 100), round(hi * 100), round(fee * 100)) for d, lo, hi, fee in years],
        schema=["from", "low", "high", "informal"],
        orient="row",
    ).sort("from")
    lines = tables["entry_lines"].filter(pl.col("tariff_ordinal") == 1)
    per_entry = lines.group_by("entry_number").agg(
        total=_cents("entered_value").sum(),
        payable=_cents("entered_value")
        .filter(~pl.col("spi").is_in(mpf.exempt_spi).fill_null(False))
        .sum(),
        mpf=_cents("mpf_amount").sum(),
    )
    es = (
        tables["entry_summaries"]
        .select("entry_number", "entry_type", "entry_date")
        .sort("entry_date")
    )
    check = es.join_asof(limits, left_on="entry_date", right_on="from").join(
        per_entry, on="entry_number"
    )
    ad_valorem = (
        (pl.col("total") * round(mpf.rate_percent * 1e4) * 2 + 1_000_000) // 2_000_000
    ).clip(pl.col("low"), pl.col("high"))
    full = (
        pl.when(pl.col("entry_type") == "86")
        .then(0)  # Section 321 low value: no MPF
        .when(pl.col("entry_type") == "11")
        .then("informal")
        .otherwise(ad_valorem)
    )
    expected = (full * pl.col("payable") * 2 + pl.col("total")) // (2 * pl.col("total"))
    check = check.with_columns(expected=expected)
    assert (check["mpf"] == check["expected"]).all()
    assert (check["mpf"] > 0).mean() > 0.8


def test_hmf_is_charged_on_vessel_lines_only(tables: dict) -> None:
    per_100k = round(audit_rules.load().hmf.rate_percent * 1e3)  # 0.125% -> 125
    lines = (
        tables["entry_lines"]
        .filter(pl.col("tariff_ordinal") == 1)
        .with_columns(
            expected=pl.when(pl.col("mode_of_transport").is_in(["10", "11"]))
            .then((_cents("entered_value") * per_100k * 2 + 100_000) // 200_000)
            .otherwise(0)
        )
    )
    assert (_cents_series(lines["hmf_amount"]) == lines["expected"]).all()


def _cents_series(series: pl.Series) -> pl.Series:
    return (series * 100).cast(pl.Int64)


def test_chapter_99_ordinals_carry_duty_but_no_goods_value(tables: dict) -> None:
    rows = tables["entry_lines"]
    base, extra = (
        rows.filter(pl.col("tariff_ordinal") == 1),
        rows.filter(pl.col("tariff_ordinal") > 1),
    )
    assert not base["hts_number"].str.starts_with("99").any()
    assert extra["hts_number"].str.starts_with("9903").all()
    assert (extra["entered_value"] == 0).all() and (extra["mpf_amount"] == 0).all()
    assert extra["quantity"].is_null().all() and extra["spi"].is_null().all()
    ordinals = rows.group_by("entry_number", "line_number").agg(
        n=pl.len(), top=pl.col("tariff_ordinal").max(), first=pl.col("tariff_ordinal").min()
    )
    assert (ordinals["n"] == ordinals["top"]).all() and (ordinals["first"] == 1).all()
    paired = extra.join(
        base.select("entry_number", "line_number", "entered_value", "entry_type"),
        on=["entry_number", "line_number"],
        suffix="_goods",
    )
    deposit = ~paired["entry_type_goods"].is_in(["21", "23"])
    expected = (paired["entered_value_goods"].cast(pl.Float64) * paired["duty_rate"]).round(2)
    assert ((paired["duty_amount"].cast(pl.Float64) - expected * deposit).abs() < 0.011).all()
    section_301 = paired.filter(pl.col("hts_number").str.starts_with("990388"))
    assert section_301.height > 0 and (section_301["country_of_origin"] == "CN").all()
    assert set(extra["hts_number"]) <= {m.hts for m in World(42).measures}
    assert {"9903880300", "9903881500", "9903800100", "9903012500"} <= set(extra["hts_number"])


def test_ad_cvd_only_on_type_03_entries_with_case_numbers(tables: dict) -> None:
    rows = tables["entry_lines"]
    with_add = rows.filter(pl.col("add_amount") > 0)
    assert with_add.height > 0
    assert (with_add["entry_type"] == "03").all() and (with_add["country_of_origin"] == "CN").all()
    assert with_add["add_case_number"].str.contains(r"^A-570-\d{3}$").all()
    cvd = rows.filter(pl.col("cvd_amount") > 0)
    assert cvd["cvd_case_number"].str.contains(r"^C-570-\d{3}$").all()
    type_03 = tables["entry_summaries"].filter(pl.col("entry_type") == "03")["entry_number"]
    assert set(type_03) == set(with_add["entry_number"])


# --- dates ---------------------------------------------------------------------------
def test_dates_are_in_order_and_end_by_the_end_date(tables: dict) -> None:
    es = tables["entry_summaries"].join(
        tables["cargo_releases"].select(
            "entry_number", "arrival_date", "release_date", "release_status"
        ),
        on="entry_number",
    )
    assert es.height == tables["entry_summaries"].height == tables["cargo_releases"].height
    assert (es["export_date"] <= es["arrival_date"]).all()
    assert (es["arrival_date"] == es["entry_date"]).all()
    released = es.drop_nulls("release_date")
    assert (released["arrival_date"] <= released["release_date"]).all()
    assert (released["release_date"] <= released["entry_summary_date"]).all()
    assert (es["entry_summary_date"] <= END).all()
    assert (es.filter(pl.col("release_date").is_null())["release_status"] != "Released").all()
    liquidated = es.drop_nulls("liquidation_date")
    assert (liquidated["entry_summary_date"] <= liquidated["liquidation_date"]).all()
    assert (liquidated["liquidation_date"] <= END).all()
    assert (liquidated["liquidation_date"].dt.weekday() == 5).all()  # Fridays
    exams = tables["exams"].join(es.select("entry_number", "arrival_date"), on="entry_number")
    assert (exams["exam_date"] >= exams["arrival_date"]).all() and (exams["exam_date"] <= END).all()


def test_liquidation_status_is_live_at_the_end_date(tables: dict) -> None:
    es = tables["entry_summaries"]
    open_ = es.filter(pl.col("liquidation_status").is_in(["UNLIQUIDATED", "SUSPENDED", "EXTENDED"]))
    assert open_["liquidation_date"].is_null().all() and open_["liquidation_type"].is_null().all()
    assert open_.height + es["liquidation_date"].drop_nulls().len() == es.height
    suspended = open_.filter(pl.col("liquidation_status") == "SUSPENDED")
    assert set(suspended["entry_type"]) == {"03"}  # AD/CVD: suspended, never forecast
    assert (open_.filter(pl.col("entry_type") == "03")["liquidation_status"] == "SUSPENDED").all()
    extended = open_.filter(pl.col("liquidation_status") == "EXTENDED")
    assert extended.height > 0 and set(extended["entry_type"]) <= {"01", "06", "11", "86"}
    regular = open_.filter(pl.col("liquidation_status") == "UNLIQUIDATED")
    forecast = regular.filter(pl.col("entry_type").is_in(["01", "06", "11", "86"]))
    expected = forecast["entry_date"].map_elements(expected_liquidation, return_dtype=pl.Date)
    overdue = forecast.filter(expected < END)  # posted late by CBP: listed as overdue
    assert 0 < overdue.height < forecast.height / 5
    assert (overdue["entry_date"] > date(2024, 6, 1)).all()  # at most 8 weeks late
    done = es.filter(pl.col("liquidation_date").is_not_null())
    final = (END - done["liquidation_date"]).dt.total_days() >= 180
    assert ((done["liquidation_status"] == "FINAL") == final).all()
    assert set(done["liquidation_type"]) == {"1", "2", "3", "6", "4", "5", "8"}
    assert (done["liquidation_type"] == "1").mean() > 0.8
    assert 0.005 < done["liquidation_type"].is_in(["4", "5", "8"]).mean() < 0.04
    held = (done["liquidation_date"] - done["entry_date"]).dt.total_days()
    warehouse = held.filter(done["entry_type"] == "21")
    assert warehouse.len() > 0 and warehouse.min() >= 314 + 30  # on a withdrawal
    tib = held.filter(done["entry_type"] == "23")
    assert tib.len() > 0 and tib.min() >= 60 and tib.max() <= 365 + 6  # closed on export


# --- determinism and size ------------------------------------------------------------
def test_same_seed_gives_the_same_lake_and_another_seed_differs(
    built: tuple, tables: dict, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    build_demo_lake(again, lines=LINES, seed=42, end=END)
    for name in schema.TABLES:
        assert read(again, name).equals(tables[name]), name
    other = tmp_path / "other"
    build_demo_lake(other, lines=LINES, seed=43, end=END)
    assert not read(other, "entry_lines").equals(tables["entry_lines"])


def test_size_partitions_progress_and_manifest(built: tuple, tables: dict) -> None:
    root, counts, calls = built
    assert abs(counts["entry_lines"] - LINES) / LINES < 0.03
    assert counts == {name: tables[name].height for name in schema.TABLES}
    years = sorted(p.name for p in (root / "entry_lines").iterdir())
    assert years == [f"year={y}" for y in range(2020, 2026)]
    assert calls[-1] == (LINES, LINES)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    manifest = lake.manifest(root).row(0, named=True)
    assert (manifest["kind"], manifest["seed"], manifest["lines"]) == ("demo", 42, LINES)
    assert manifest["rows_loaded"] == sum(counts.values())


# --- codes and shape -----------------------------------------------------------------
def test_codes_come_from_the_code_lists(tables: dict) -> None:
    es, rows = tables["entry_summaries"], tables["entry_lines"]
    assert set(es["entry_type"]) == {"01", "03", "06", "11", "21", "23", "86"}
    assert set(es["mode_of_transport"]) <= set(codes.MODES_OF_TRANSPORT)
    assert set(es["port_of_entry"]) <= set(codes.PORTS) and es["port_of_entry"].n_unique() >= 20
    countries = set(es["country_of_export"]) | set(rows["country_of_origin"])
    assert all(codes.is_country_code(c) for c in countries)
    assert set(rows["spi"].drop_nulls()) <= set(codes.SPECIAL_PROGRAMS)
    assert set(rows["hts_number"]) <= set(codes.HTS_DESCRIPTIONS)
    assert all(codes.is_manufacturer_id(m) for m in rows["manufacturer_id"].unique())
    assert set(tables["cargo_releases"]["release_status"]) <= set(codes.RELEASE_STATUSES)
    assert set(tables["cargo_releases"]["hold_agency"].drop_nulls()) <= set(codes.HOLD_AGENCIES)
    assert set(tables["exams"]["exam_type"]) == set(codes.EXAM_TYPES)
    assert set(tables["exams"]["discrepancy_type"].drop_nulls()) <= set(codes.DISCREPANCY_TYPES)
    assert set(tables["reconciliations"]["flag_type"]) <= set(codes.RECON_FLAGS)
    mexico = rows.filter(
        pl.col("country_of_origin").is_in(["MX", "CA"]) & (pl.col("tariff_ordinal") == 1)
    )
    assert (mexico["spi"] == "S").mean() > 0.6


def test_modes_match_the_kind_of_port(tables: dict) -> None:
    es = tables["entry_summaries"]
    land = es.filter(
        pl.col("port_of_entry").is_in(
            ["2304", "2402", "2506", "2604", "3801", "3802", "0712", "0901", "3004"]
        )
    )
    assert set(land["mode_of_transport"]) <= {"20", "21", "30", "31"}
    assert set(land["country_of_export"]) == {"MX", "CA"}
    air = es.filter(pl.col("port_of_entry").is_in(["2720", "1012"]))
    assert set(air["mode_of_transport"]) <= {"40", "41"}
    sea = es.filter(pl.col("port_of_entry").is_in(["2704", "2709", "1001", "1703", "5301"]))
    assert set(sea["mode_of_transport"]) <= {"10", "11"}
    assert (sea["mode_of_transport"] == "11").mean() > 0.75


def test_the_largest_importer_has_about_a_third_of_the_lines(tables: dict) -> None:
    shares = tables["entry_lines"]["importer_number"].value_counts(normalize=True, name="share")
    top = shares.sort("share", descending=True).row(0, named=True)
    assert top["importer_number"] == IMPORTERS[0].importer_number
    assert 0.25 <= top["share"] <= 0.40
    assert shares.height == len(IMPORTERS)


def test_sourcing_shifts_from_china_to_vietnam_and_mexico(tables: dict) -> None:
    lines = tables["entry_lines"].filter(pl.col("tariff_ordinal") == 1)
    year = pl.col("entry_date").dt.year()
    by_period = (
        lines.filter(year.is_in([2021, 2022, 2024, 2025]))
        .group_by(early=year <= 2022)
        .agg(
            cn=(pl.col("country_of_origin") == "CN").mean(),
            vn_mx=pl.col("country_of_origin").is_in(["VN", "MX"]).mean(),
        )
    )
    first, last = (by_period.filter(pl.col("early") == e).row(0, named=True) for e in (True, False))
    # China's weight follows its share of U.S. imports (synth.world.CHINA_KEPT, 0.83 of the
    # 2018 weight in 2021-22, 0.6 in 2024-25): its share of lines falls by about a quarter
    # (test_synth_layers checks the value shares on a 2021-2026 lake).
    assert 0.6 <= last["cn"] / first["cn"] <= 0.85
    assert last["vn_mx"] > first["vn_mx"]


def test_fourth_quarters_are_busier_than_first_quarters(tables: dict) -> None:
    es = tables["entry_summaries"].filter(pl.col("entry_date").dt.year().is_between(2021, 2024))
    per_month = es.group_by(pl.col("entry_date").dt.month().alias("m")).len()
    q1 = per_month.filter(pl.col("m") <= 3)["len"].mean()
    q4 = per_month.filter(pl.col("m") >= 10)["len"].mean()
    assert q4 > q1 * 1.1


def test_exams_and_requests_for_information(tables: dict) -> None:
    es, exams = tables["entry_summaries"], tables["exams"]
    assert 0.01 < exams.height / es.height < 0.06
    assert exams["exam_id"].n_unique() == exams.height
    found = exams.filter(pl.col("result") == "DISCREPANCY")
    assert found["discrepancy_type"].null_count() == 0
    assert exams.filter(pl.col("result") == "NO_DISCREPANCY")["discrepancy_type"].is_null().all()
    flagged = es.join(found.select("entry_number"), on="entry_number")
    assert flagged["cf28_issued"].mean() > 2 * es["cf28_issued"].mean()
    assert 0.005 < es["cf28_issued"].mean() < 0.05


# --- reconciliation and bonds ----------------------------------------------------------
def test_reconciliation_flags_deadlines_and_filings(tables: dict) -> None:
    rc, es = tables["reconciliations"], tables["entry_summaries"]
    flagged = es.filter(pl.col("recon_flag").is_not_null())
    assert set(flagged["entry_number"]) == set(rc["flagged_entry_number"])
    assert rc["importer_number"].n_unique() in (2, 3)
    both = rc.join(es, left_on="flagged_entry_number", right_on="entry_number")
    assert (both["flag_type"] == both["recon_flag"]).all()
    assert (both["fta_flag"] == both["fta_recon_flag"]).all()
    assert (both["flagged_date"] == both["entry_summary_date"]).all()
    assert es.filter(pl.col("recon_flag").is_null())["fta_recon_flag"].not_().all()
    due = (
        pl.when("fta_flag")
        .then(pl.col("entry_date").dt.offset_by("12mo"))
        .otherwise(pl.col("flagged_date").dt.offset_by("21mo"))
    )
    assert rc.select((pl.col("due_date") == due).all()).item()
    assert rc["fta_flag"].any() and not rc["fta_flag"].all()
    filed = rc.filter(pl.col("status") == "FILED")
    assert filed["recon_entry_number"].null_count() == 0 and filed["filed_date"].null_count() == 0
    assert (filed["filed_date"] >= filed["flagged_date"]).all() and (
        filed["filed_date"] <= END
    ).all()
    assert filed["value_adjustment"].null_count() == 0
    opened = rc.filter(pl.col("status") == "OPEN")
    assert opened["recon_entry_number"].is_null().all() and opened["filed_date"].is_null().all()
    assert (opened["due_date"] < END).sum() > 0  # overdue
    assert (opened["due_date"] >= END).sum() > 0  # not due yet


def test_month_end_due_dates_are_clamped() -> None:
    frame = pl.DataFrame({"d": [date(2023, 5, 31), date(2022, 5, 31)]})
    assert frame.select(pl.col("d").dt.offset_by("21mo"))["d"].to_list() == [
        date(2025, 2, 28),
        date(2024, 2, 29),
    ]


def _required(dtf: float) -> Decimal:
    tenth = dtf / 10
    step = 10_000 if tenth <= 100_000 else 100_000
    return Decimal(max(50_000, -(-tenth // step) * step))


def _sufficiency(tables: dict, importer: str, when: date) -> tuple[Decimal, Decimal]:
    """(active continuous bond amount, amount required) for `importer` at `when`."""
    first = date(when.year - 1, when.month, 1)
    dtf = (
        tables["entry_summaries"]
        .filter(
            (pl.col("importer_number") == importer)
            & pl.col("entry_date").is_between(first, date(when.year, when.month, 1), closed="left")
        )
        .select((pl.col("duty_amount") + pl.col("tax_amount") + pl.col("fee_amount")).sum())
        .item()
    )
    active = tables["bonds"].filter(
        (pl.col("importer_number") == importer)
        & (pl.col("bond_type") == "8")
        & (pl.col("effective_date") <= when)
        & (pl.col("termination_date").is_null() | (pl.col("termination_date") > when))
    )
    assert active.height == 1, (importer, when)
    return active["bond_amount"].item(), _required(float(dtf))


def _short(tables: dict, importer: str, when: date) -> bool:
    amount, required = _sufficiency(tables, importer, when)
    return amount < required


def test_continuous_bonds_tell_two_insufficiency_stories(tables: dict) -> None:
    bonds = tables["bonds"].filter(pl.col("bond_type") == "8")
    assert set(bonds["activity_code"]) == {"1"}
    assert set(bonds["importer_number"]) == {i.importer_number for i in IMPORTERS}
    assert set(bonds["status"]) == {"ACTIVE", "TERMINATED"}
    assert bonds.filter(pl.col("status") == "ACTIVE").height == len(IMPORTERS)
    story = {i.bond_story: i.importer_number for i in IMPORTERS if i.bond_story}
    amount, required = _sufficiency(tables, story["insufficient_now"], END)
    assert amount < required
    months = [
        date(y, m, 1) for y in range(2021, 2026) for m in range(1, 13) if date(y, m, 1) <= END
    ]
    short = [m for m in months if _short(tables, story["insufficient_past"], m)]
    assert 0 < len(short) < 6
    for importer in IMPORTERS:
        if importer.bond_story != "insufficient_now":
            amount, required = _sufficiency(tables, importer.importer_number, END)
            assert amount >= required, importer.name


def test_single_transaction_bonds_cover_their_entries(tables: dict) -> None:
    single = tables["bonds"].filter(pl.col("bond_type") == "9")
    es = tables["entry_summaries"]
    on_single = es.filter(pl.col("bond_type") == "9")
    assert set(single["entry_number"]) == set(on_single["entry_number"])
    assert set(es.filter(pl.col("entry_type") == "23")["bond_type"]) == {"9"}
    joined = single.join(es, on="entry_number")
    dtf = (
        joined["entered_value"]
        + joined["duty_amount"]
        + joined["tax_amount"]
        + joined["fee_amount"]
    )
    assert (joined["bond_amount"] >= dtf).all()
    assert set(es.filter(pl.col("entry_type") == "11")["bond_type"]) == {"0"}
