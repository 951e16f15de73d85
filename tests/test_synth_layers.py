"""The demo lake tells 2018-2026 as it was: layers by the registry and the entry date,
sourcing, air, de minimis and AGOA by their dates (config/tariff_layers.yaml is read here,
not copied)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from data_access import descriptions, lake, tariff_layers
from data_access.synth.catalog import IMPORTERS, PRODUCTS
from tests.demo_lakes import DemoLakes

END = date(2026, 6, 30)
RULING_STOP = date(2026, 2, 24)  # CSMS 67834313: no IEEPA layer from this entry date
PHARMA, ELECTRONICS = "22-3571806AG", "94-3318240AC"


@pytest.fixture(scope="module")
def registry() -> tariff_layers.Registry:
    return tariff_layers.load()


@pytest.fixture(scope="module")
def lines(demo_lake: DemoLakes) -> pl.DataFrame:
    root = demo_lake(lines=200_000, seed=7, end=END)
    return pl.read_parquet(lake.table_glob(root, "entry_lines"))


@pytest.fixture(scope="module")
def layers(lines: pl.DataFrame, registry: tariff_layers.Registry) -> pl.DataFrame:
    """Chapter 99 rows with their goods line and the registry layer of their entry date."""
    goods = lines.filter(pl.col("tariff_ordinal") == 1).select(
        "entry_number", "line_number", goods_hts="hts_number", spi="spi"
    )
    extra = lines.filter(pl.col("tariff_ordinal") > 1).drop("spi")
    extra = extra.join(goods, on=["entry_number", "line_number"])
    found = [registry.lookup(h, d) for h, d in extra.select("hts_number", "entry_date").rows()]
    return extra.with_columns(
        program=pl.Series([f.program if f else None for f in found]),
        registry_rate=pl.Series([f.rate if f else None for f in found], dtype=pl.Float64),
        product=pl.Series([(f.product or "") if f else None for f in found]),
        layer_line=pl.Series([f.line if f else None for f in found]),
    )


def test_every_layer_is_inside_its_registry_dates_and_rate(
    layers: pl.DataFrame, registry: tariff_layers.Registry
) -> None:
    assert layers.height > 5_000
    assert layers["program"].null_count() == 0  # each number in force on its entry date
    assert ((layers["duty_rate"] * 100 - layers["registry_rate"]).abs() < 1e-9).all()
    for (hts, day, origin, goods), layer in zip(
        layers.select("hts_number", "entry_date", "country_of_origin", "goods_hts").rows(),
        [registry.lookup(h, d) for h, d in layers.select("hts_number", "entry_date").rows()],
        strict=True,
    ):
        assert layer is not None and layer.kind == "duty"
        assert not layer.countries or origin in layer.countries, (hts, day, origin)
        assert origin not in layer.except_countries, (hts, day, origin)
        assert not layer.hts or goods.startswith(layer.hts), (hts, goods)
    described = {h: descriptions.describe("hts_number", h) for h in set(layers["hts_number"])}
    assert all(text.startswith(("Section", "IEEPA")) for text in described.values()), described
    assert set(layers["program"]) == {
        "section_301", "section_232", "ieepa_fentanyl", "ieepa_reciprocal", "section_122"
    }  # fmt: skip


def test_no_ieepa_layer_from_the_ruling_on(
    lines: pl.DataFrame, layers: pl.DataFrame, registry: tariff_layers.Registry
) -> None:
    assert registry.refunds.last_day == RULING_STOP.replace(day=23)
    ieepa = layers.filter(pl.col("program").is_in(registry.refunds.programs))
    assert ieepa["entry_date"].min() == date(2025, 2, 4)
    assert ieepa["entry_date"].max() == date(2026, 2, 23)
    after = lines.filter(pl.col("entry_date") >= RULING_STOP)
    assert after.height > 1_000
    assert not after["hts_number"].str.starts_with("990301").any()
    assert not after["hts_number"].str.starts_with("990302").any()


def test_section_122_only_inside_its_window_and_never_with_232(layers: pl.DataFrame) -> None:
    s122 = layers.filter(pl.col("program") == "section_122")
    assert s122.height > 500 and set(s122["hts_number"]) == {"9903030100"}
    assert s122["entry_date"].min() == RULING_STOP
    assert s122["entry_date"].max() <= date(2026, 7, 24)
    per_line = layers.group_by("entry_number", "line_number").agg(
        s232=(pl.col("program") == "section_232").any(),
        s122=(pl.col("program") == "section_122").any(),
        reciprocal=(pl.col("program") == "ieepa_reciprocal").any(),
    )
    assert per_line.filter(pl.col("s232") & (pl.col("s122") | pl.col("reciprocal"))).is_empty()
    assert per_line.filter(pl.col("s232")).height > 500


def _goods(lines: pl.DataFrame, group: str) -> pl.DataFrame:
    hts = [h for h, p in PRODUCTS.items() if p.s232 == group]
    return lines.filter((pl.col("tariff_ordinal") == 1) & pl.col("hts_number").is_in(hts))


def _carrying(lines: pl.DataFrame, goods: pl.DataFrame, number: str) -> pl.DataFrame:
    layer = lines.filter(pl.col("hts_number") == number).select(
        "entry_number", "line_number", "duty_rate"
    )
    return goods.join(layer, on=["entry_number", "line_number"], how="left", suffix="_layer")


def test_232_steel_and_aluminum_at_their_dated_rates_for_all_countries(
    lines: pl.DataFrame,
) -> None:
    steel = _carrying(lines, _goods(lines, "steel"), "9903800100")
    deals = pl.col("country_of_origin").is_in(["CA", "MX", "BR", "KR"])
    before = steel.filter(pl.col("entry_date") < date(2025, 3, 12))
    assert before.filter(deals)["duty_rate_layer"].is_null().all()
    assert (before.filter(~deals)["duty_rate_layer"] == 0.25).all()
    after = steel.filter(pl.col("entry_date") >= date(2025, 6, 4))
    assert after.height > 100 and (after["duty_rate_layer"] == 0.5).all()
    assert {"CA", "MX"} <= set(after["country_of_origin"])
    aluminum = _carrying(lines, _goods(lines, "aluminum"), "9903850200")
    late = aluminum.filter(pl.col("entry_date") >= date(2025, 6, 4))
    assert late.height > 10 and (late["duty_rate_layer"] == 0.5).all()
    copper = _carrying(lines, _goods(lines, "copper"), "9903780100")
    assert (
        (copper.filter(pl.col("entry_date") < date(2025, 8, 1))["duty_rate_layer"]).is_null().all()
    )
    assert (copper.filter(pl.col("entry_date") >= date(2025, 8, 1))["duty_rate_layer"] == 0.5).all()


def test_232_timber_on_lumber_upholstered_furniture_and_cabinets_from_october_2025(
    lines: pl.DataFrame, layers: pl.DataFrame
) -> None:
    goods = _goods(lines, "timber")
    assert set(goods["hts_number"]) == {"4407110042", "9401614011", "9403409060", "9403608093"}
    for number, hts, rate in (
        ("9903760100", {"4407110042"}, 0.10),
        ("9903760200", {"9401614011"}, 0.25),
        ("9903760300", {"9403409060", "9403608093"}, 0.25),
    ):
        filed = _carrying(lines, goods.filter(pl.col("hts_number").is_in(hts)), number)
        before = filed.filter(pl.col("entry_date") < date(2025, 10, 14))
        assert before.height > 20 and before["duty_rate_layer"].is_null().all()
        after = filed.filter(pl.col("entry_date") >= date(2025, 10, 14))
        assert after.height > 5 and (after["duty_rate_layer"] == rate).all(), number
    on_timber = layers.filter(pl.col("product") == "timber")
    assert set(on_timber["goods_hts"]) == set(goods["hts_number"])
    displaced = layers.join(
        on_timber.select("entry_number", "line_number"), on=["entry_number", "line_number"]
    )
    assert not displaced["program"].is_in(["ieepa_reciprocal", "section_122"]).any()


def test_232_auto_parts_replace_ieepa_canada_mexico_and_the_reciprocal_layer(
    lines: pl.DataFrame, layers: pl.DataFrame
) -> None:
    parts = _carrying(lines, _goods(lines, "auto_parts"), "9903940500")
    due = parts.filter(
        (pl.col("entry_date") >= date(2025, 5, 3)) & (pl.col("spi").fill_null("") != "S")
    )
    assert due.height > 100 and (due["duty_rate_layer"] == 0.25).all()
    assert parts.filter(pl.col("entry_date") < date(2025, 5, 3))["duty_rate_layer"].is_null().all()
    on_parts = layers.join(
        due.select("entry_number", "line_number"), on=["entry_number", "line_number"]
    )
    assert set(on_parts["program"]) <= {"section_232", "section_301", "ieepa_fentanyl"}
    assert set(on_parts.filter(pl.col("program") == "ieepa_fentanyl")["country_of_origin"]) <= {
        "CN"
    }


def test_section_301_stays_on_china_throughout(layers: pl.DataFrame) -> None:
    s301 = layers.filter(pl.col("program") == "section_301")
    assert set(s301["country_of_origin"]) == {"CN"}
    years = s301.group_by(pl.col("entry_date").dt.year()).len()
    assert years.height == 6  # 2021 to 2026


def test_no_de_minimis_entries_from_its_suspension(lines: pl.DataFrame) -> None:
    low = lines.filter(pl.col("entry_type") == "86")
    assert low.height > 50 and low["entry_date"].max() < date(2025, 8, 29)
    assert (low["tariff_ordinal"] == 1).all()  # no Chapter 99 layer, one line an entry
    assert (low["entered_value"] <= 800).all() and (low["duty_amount"] == 0).all()
    assert (low["mpf_amount"] == 0).all() and low["spi"].is_null().all()


def test_agoa_claims_only_while_in_force_and_never_for_ethiopia_after_2021(
    lines: pl.DataFrame,
) -> None:
    agoa = lines.filter(pl.col("spi") == "D")
    assert agoa.height > 20
    lapsed = pl.col("entry_date").is_between(date(2025, 10, 1), date(2026, 1, 31))
    assert agoa.filter(lapsed).is_empty()
    assert agoa.filter(pl.col("entry_date") >= date(2026, 2, 1)).height > 0
    assert agoa.filter(pl.col("country_of_origin") == "ET")["entry_date"].max() < date(2022, 1, 1)
    kenya = lines.filter(
        (pl.col("country_of_origin") == "KE") & (pl.col("tariff_ordinal") == 1) & lapsed
    )
    assert kenya.height > 0 and kenya["spi"].is_null().all()


def _value_shares(lines: pl.DataFrame) -> pl.DataFrame:
    goods = lines.filter(pl.col("tariff_ordinal") == 1).with_columns(
        year=pl.col("entry_date").dt.year(), value=pl.col("entered_value").cast(pl.Float64)
    )
    return (
        goods.group_by("year")
        .agg(
            **{
                c.lower(): pl.col("value").filter(pl.col("country_of_origin") == c).sum()
                / pl.col("value").sum()
                for c in ("CN", "VN", "MX", "CA")
            }
        )
        .sort("year")
    )


def test_sourcing_starts_where_us_imports_were_and_shifts_to_vietnam_and_mexico(
    lines: pl.DataFrame,
) -> None:
    shares = _value_shares(lines)
    first, last = shares.row(0, named=True), shares.row(-1, named=True)
    assert (first["year"], last["year"]) == (2021, 2026)
    assert 0.16 <= first["cn"] <= 0.20
    assert 0.035 <= first["vn"] <= 0.055
    assert 0.10 <= first["ca"] <= 0.14
    assert last["cn"] < first["cn"] * 0.65
    assert last["vn"] > first["vn"] * 1.6
    # Mexico's gain is small beside its automotive base: pooled full years, 2022-23 vs 2025-26.
    early, late = (_pooled_share(lines, "MX", years) for years in ((2022, 2023), (2025, 2026)))
    assert late > early + 0.005


def _pooled_share(lines: pl.DataFrame, country: str, years: tuple[int, int]) -> float:
    goods = lines.filter(
        pl.col("tariff_ordinal") == 1, pl.col("entry_date").dt.year().is_in(years)
    ).with_columns(value=pl.col("entered_value").cast(pl.Float64))
    mine = goods.filter(pl.col("country_of_origin") == country)["value"].sum()
    return mine / goods["value"].sum()


def test_air_carries_about_a_quarter_of_pharma_and_electronics_value(
    lines: pl.DataFrame,
) -> None:
    goods = lines.filter(pl.col("tariff_ordinal") == 1)
    air = goods.group_by("importer_number").agg(
        share=pl.col("entered_value")
        .cast(pl.Float64)
        .filter(pl.col("mode_of_transport").is_in(["40", "41"]))
        .sum()
        / pl.col("entered_value").cast(pl.Float64).sum()
    )
    shares = dict(air.rows())
    assert 0.2 <= shares[PHARMA] <= 0.3 and 0.2 <= shares[ELECTRONICS] <= 0.3
    assert {i.importer_number for i in IMPORTERS} == set(shares)
