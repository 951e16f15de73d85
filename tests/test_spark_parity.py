"""Every report gives the same frame on DuckDB and on Spark (local mode, real PySpark).

One small lake built here, one Spark session for the module. Frames are compared exactly
(schema, values, row order). The only normalisation is the one both engines share: Ibis
casts each result to the expression's declared schema. Where the engines differ under
that (decimal precision, dates truncated to timestamps, integer widths, decimal means,
division by zero, null order) the raw behaviour is pinned below, so a change in either
engine shows up here first.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import ibis
import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_frame_equal

from data_access import codes, lake
from data_access.access import CBP, Principal, Refused
from data_access.engines import DuckDBEngine, get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from data_access.reports.base import money_sum, month
from data_access.schema import TABLES

pyspark = pytest.importorskip("pyspark")

from data_access.engines import spark as spark_engine  # noqa: E402  (needs pyspark)

pytestmark = pytest.mark.spark

ACME, BOLT = "27-1234567AB", "30-7654321CD"
FILERS = ("ABC", "XY1")  # XY1 files for both importers
DATES = (  # two years, month ends, a leap day, the first of a month
    date(2023, 1, 31), date(2023, 2, 1), date(2023, 12, 31),
    date(2024, 1, 1), date(2024, 2, 29), date(2024, 3, 31),
)  # fmt: skip
ORIGINS = ("CN", "MX", "VN", "CN", None, "DE")  # a null code, CN twice (ties)
HTS = ("8471300100", "0901210000", "7306301000")


def _money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _line(i: int, line: int) -> dict[str, object]:
    filer = FILERS[i % 2]
    serial = f"{1000 + i:07d}"
    cents = (i * 37 + line) % 100
    return {
        "entry_number": f"{filer}{serial}{codes.check_digit(filer, serial)}",
        "line_number": line,
        "tariff_ordinal": 1,
        "importer_number": BOLT if i % 3 == 0 else ACME,
        "filer_code": filer,
        "entry_type": "03" if i % 4 == 3 else "01",
        "port_of_entry": ("2704", "1001", "2304")[i % 3],
        "mode_of_transport": ("11", "40")[i % 2],
        "entry_date": DATES[i % 6],
        "hts_number": HTS[line % 3],
        "country_of_origin": ORIGINS[(i + line) % 6],
        "spi": "KR" if i % 5 == 0 else None,
        "quantity": float(i + line),
        "unit_of_measure": "NO",
        "duty_rate": 0.025,
        "entered_value": _money(f"{(i + 1) * 1000 + line * 7}.{cents:02d}"),
        "duty_amount": _money(None if i == 4 else "12.34"),
        "tax_amount": _money("0.01" if line == 1 else None),
        "mpf_amount": _money("3.46"),
        "hmf_amount": _money(None if i % 2 else "1.25"),
        "add_amount": _money("1200.00" if i % 4 == 3 else None),
        "cvd_amount": None,
    }


def _lines() -> pl.DataFrame:
    """12 entries, 18 lines, 3 Chapter 99 ordinals; nulls in money and code columns."""
    rows = []
    for i in range(12):
        for line in range(1, 2 + i % 2):
            rows.append(_line(i, line))
            if line == 1 and i % 4 == 0:  # a Chapter 99 ordinal: no goods value, own duty
                ch99 = {"tariff_ordinal": 2, "hts_number": "9903880300"}
                money = {"entered_value": _money("0"), "duty_amount": _money("250.05")}
                rows.append({**_line(i, line), **ch99, **money})
    return pl.DataFrame(rows, infer_schema_length=None)


def _summaries(lines: pl.DataFrame) -> pl.DataFrame:
    keep = ["importer_number", "filer_code", "entry_type", "port_of_entry", "entry_date"]
    out = lines.group_by("entry_number", maintain_order=True).agg(
        pl.col(*keep, "mode_of_transport").first(),
        pl.col("entered_value", "duty_amount").sum(),
        fee_amount=pl.col("mpf_amount").sum(),
    )
    i = pl.int_range(pl.len())
    liquidated = i < 6
    return out.with_columns(
        importer_name=pl.col("importer_number").replace_strict({ACME: "Acme", BOLT: None}),
        entry_summary_date=pl.col("entry_date") + pl.duration(days=10),
        country_of_export=pl.when(i % 3 != 0).then(pl.lit("CN")),
        bond_type=pl.when(i % 2 == 0).then(pl.lit("8")).otherwise(pl.lit("9")),
        surety_code=pl.lit("999"),
        recon_flag=pl.when(i % 5 == 0).then(pl.lit("001")),
        fta_recon_flag=i == 7,
        liquidation_date=pl.when(liquidated).then(pl.col("entry_date") + pl.duration(days=314)),
        liquidation_type=pl.when(liquidated).then(pl.lit("1")),
        liquidation_status=pl.when(liquidated)
        .then(pl.lit("LIQUIDATED"))
        .otherwise(pl.lit("UNLIQUIDATED")),
        cf28_issued=i == 2,
        cf29_issued=False,
        tax_amount=pl.lit(None, pl.Decimal(18, 2)),
    )


def _releases_and_exams(s: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    i = pl.int_range(pl.len())
    header = ["entry_number", "importer_number", "filer_code", "port_of_entry", "mode_of_transport"]
    arrival = pl.col("entry_date") - pl.duration(days=2)  # 2024-01-01 arrives in 2023
    releases = s.select(*header, arrival_date=arrival).with_columns(
        release_date=pl.when(i != 3).then(pl.col("arrival_date") + pl.duration(days=1)),
        release_status=pl.when(i != 3).then(pl.lit("Released")).otherwise(pl.lit("CBP Review")),
        hold_agency=pl.when(i == 3).then(pl.lit("FDA")),
    )
    discrepancy = i % 2 == 0
    exams = (
        s.head(5)
        .select(*header, "entry_type", exam_date="entry_date")
        .with_columns(
            exam_id=pl.format("EX{}", i),
            exam_type=pl.lit("NII"),
            result=pl.when(discrepancy)
            .then(pl.lit("DISCREPANCY"))
            .otherwise(pl.lit("NO_DISCREPANCY")),
            discrepancy_type=pl.when(discrepancy).then(pl.lit("VALUE")),
            hts_number=pl.lit(HTS[0]),
            country_of_origin=pl.lit("CN"),
        )
    )
    return releases, exams


def _bonds(s: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "bond_number": ["B1", "B2", "B3", "B4"],
            "importer_number": [ACME, ACME, BOLT, BOLT],
            "bond_type": ["8", "9", "8", "9"],
            "activity_code": ["1", None, "1a", "1"],
            "surety_code": ["998", "999", None, "999"],
            "bond_amount": [_money(v) for v in ("50000.00", "1234.56", "75000.00", "0.01")],
            "effective_date": [date(2023, 1, 1), DATES[2], DATES[3], DATES[4]],
            "termination_date": [DATES[2], None, None, None],
            "status": ["TERMINATED", "ACTIVE", "ACTIVE", "ACTIVE"],
            "entry_number": [None, s.item(1, "entry_number"), None, s.item(3, "entry_number")],
        }
    )


def _reconciliations(s: pl.DataFrame) -> pl.DataFrame:
    flagged = s.filter(pl.col("recon_flag").is_not_null() | pl.col("fta_recon_flag"))
    i = pl.int_range(pl.len())
    return flagged.select(
        "importer_number",
        "filer_code",
        "entry_date",
        flagged_entry_number="entry_number",
        flag_type=pl.col("recon_flag").fill_null("001"),
        fta_flag="fta_recon_flag",
        flagged_date="entry_summary_date",
    ).with_columns(
        due_date=pl.col("flagged_date") + pl.duration(days=630),
        status=pl.lit("OPEN"),
        value_adjustment=pl.when(i != 1).then(pl.lit(Decimal("-5.55"))),
        duty_adjustment=pl.when(i == 0).then(pl.lit(Decimal("100.10"))),
    )


@pytest.fixture(scope="module")
def parity_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("parity") / "lake"
    lines = _lines()
    summaries = _summaries(lines)
    releases, exams = _releases_and_exams(summaries)
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_lines", lines)
        tx.write("entry_summaries", summaries)
        tx.write("cargo_releases", releases)
        tx.write("exams", exams)
        tx.write("bonds", _bonds(summaries))
        tx.write("reconciliations", _reconciliations(summaries))
    return where


@pytest.fixture(scope="module")
def engines(parity_lake: Path) -> tuple[DuckDBEngine, spark_engine.SparkEngine]:
    return DuckDBEngine(parity_lake), spark_engine.SparkEngine(parity_lake)


# --- every report, both engines ---------------------------------------------------------
CASES = {
    "cbp": (CBP, Filters()),
    "importer_dates": (  # across the year boundary; ACME's ports (a predicate, no rows lost)
        Principal("importer", importer_numbers=(ACME,)),
        Filters(start=date(2023, 2, 1), end=date(2024, 2, 29), ports=("1001", "2304")),
    ),
    "broker_country": (Principal("broker", filer_codes=("XY1",)), Filters(countries=("CN",))),
    "empty": (CBP, Filters(start=date(2030, 1, 1), end=date(2030, 12, 31))),
}
# Reports whose row order is undefined (none so far): compared after sorting on all
# columns. Every other report must order its rows itself, ties included.
UNORDERED: frozenset[str] = frozenset()


def _outcome(engine: object, name: str, case: str) -> pl.DataFrame | type[Refused]:
    principal, filters = CASES[case]
    try:
        return REPORTS[name](Scope(engine, principal, filters))  # type: ignore[arg-type]
    except Refused:
        return Refused


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_report_is_the_same_on_spark(engines, name: str, case: str) -> None:
    duck, spark = engines
    expected, got = _outcome(duck, name, case), _outcome(spark, name, case)
    if expected is Refused or got is Refused:
        assert expected is got is Refused, f"{name}: refused on one engine only"
        assert "bonds" in REPORTS[name].tables and case == "broker_country"
        return
    if name in UNORDERED:
        expected, got = expected.sort(pl.all()), got.sort(pl.all())
    elif not got.equals(expected) and got.sort(pl.all()).equals(expected.sort(pl.all())):
        pytest.fail(f"{name}: same rows, different order: order the report's rows fully")
    assert_frame_equal(got, expected, check_exact=True)


PAGED = sorted(name for name, r in REPORTS.items() if r.streams)


@pytest.mark.parametrize("name", PAGED)
def test_a_later_page_is_the_same_on_spark(engines, name: str) -> None:
    """A page past the first (`reports.paging.page`: the top rows numbered in order) is
    the same rows on both engines, not whatever rows Spark numbers first."""
    duck, spark = engines
    expected, got = (REPORTS[name](Scope(e, CBP), offset=2, limit=3) for e in (duck, spark))
    assert_frame_equal(got, expected, check_exact=True)


# --- where the engines differ underneath: pinned ----------------------------------------
def _raw(engine: object, expr: ibis.Table) -> pa.Table:
    """What the engine itself returns, before Ibis casts to the declared schema."""
    if isinstance(engine, DuckDBEngine):
        return engine._con.cursor().sql(engine._backend().compile(expr)).to_arrow_table()
    backend = engine._backend  # type: ignore[attr-defined]
    return backend.raw_sql(backend.compile(expr)).toArrow()


NAIVE, UTC = pa.timestamp("us"), pa.timestamp("us", tz="UTC")
RAW_TYPES = {  # an expression on entry_lines: (declared by Ibis, raw DuckDB, raw Spark)
    # Both truncate a date to a timestamp (Spark's in the session time zone) while Ibis
    # declares a date and drops a cast to date as a no-op: base.month() uses MAKE_DATE.
    "truncate_month": (lambda t: t.entry_date.truncate("M"), "date", NAIVE, UTC),
    "month": (lambda t: month(t.entry_date), "date", pa.date32(), pa.date32()),
    # SUM widens decimal(18,2) differently; money_sum declares the one type of a money sum,
    # decimal(38,2). Ibis drops that cast as a no-op on Spark, whose sum stays
    # decimal(28,2) (up to 1e26: 50 million rows at the $10 billion ceiling are 5e17; ANSI
    # raises rather than wrap) and is cast to the declared type when collected.
    "sum_money": (lambda t: t.entered_value.sum(), "decimal(38, 2)", pa.decimal128(38, 2),
                  pa.decimal128(28, 2)),
    "money_sum": (lambda t: money_sum(t.entered_value), "decimal(38, 2)", pa.decimal128(38, 2),
                  pa.decimal128(28, 2)),
    # A boolean sum is a HUGEINT on DuckDB (decimal(38,0) in Arrow).
    "boolean_sum": (lambda t: (t.tariff_ordinal == 1).sum(), "int64", pa.decimal128(38, 0),
                    pa.int64()),
    "count_distinct": (lambda t: t.entry_number.nunique(), "int64", pa.int64(), pa.int64()),
    "extract_year": (lambda t: t.entry_date.year(), "int32", pa.int64(), pa.int32()),
    "year_partition": (lambda t: t.year, "int32", pa.int32(), pa.int32()),
    # Money over money: a double on DuckDB, decimal(38,20) on Spark (ratios: in polars).
    "money_ratio": (lambda t: (t.duty_amount / t.entered_value.nullif(0)).max(), "float64",
                    pa.float64(), pa.decimal128(38, 20)),
    # The mean of money: see test_money_mean_is_not_portable.
    "money_mean": (lambda t: t.entered_value.mean(), "decimal(18, 2)", pa.float64(),
                   pa.decimal128(22, 6)),
}  # fmt: skip


@pytest.mark.parametrize("label", list(RAW_TYPES))
def test_raw_result_types_are_pinned(engines, label: str) -> None:
    build, declared, duck_type, spark_type = RAW_TYPES[label]
    duck, spark = engines
    for engine, raw_type in ((duck, duck_type), (spark, spark_type)):
        t = engine.table("entry_lines")
        value = build(t)
        expr = t.aggregate(x=value) if value.op().shape.is_scalar() else t.select(x=value)
        assert str(expr.schema()["x"]) == declared
        assert _raw(engine, expr).schema.field("x").type == raw_type, engine.name


def test_money_mean_is_not_portable(engines) -> None:
    """Ibis declares the mean of decimal(18,2) as decimal(18,2). DuckDB averages in double
    and the cast rounds 617.285 (1234.56 and 0.01) to 617.28; Spark averages in
    decimal(22,6) and Arrow refuses to drop the digits. Reports average a float64."""
    duck, spark = engines
    for engine in engines:
        t = engine.table("bonds").filter(lambda b: b.bond_type == "9")
        portable = engine.to_polars(t.aggregate(mean=t.bond_amount.cast("float64").mean()))
        assert portable.item() == 617.285, engine.name
    t = duck.table("bonds").filter(lambda b: b.bond_type == "9")
    assert duck.to_polars(t.aggregate(mean=t.bond_amount.mean())).item() == Decimal("617.28")
    t = spark.table("bonds").filter(lambda b: b.bond_type == "9")
    with pytest.raises(pa.ArrowInvalid, match="Rescaling Decimal value would cause data loss"):
        spark.to_polars(t.aggregate(mean=t.bond_amount.mean()))


def test_division_by_zero_fails_on_spark_so_reports_divide_by_nullif(engines) -> None:
    """DuckDB divides by zero to inf (and 0/0 to NaN); Spark in ANSI mode raises. Reports
    divide by `nullif(0)`, which gives null on both."""
    from pyspark.errors import ArithmeticException

    duck, spark = engines

    def ratios(t: ibis.Table, guarded: bool) -> ibis.Table:
        t = t.filter(t.tariff_ordinal == 2)  # Chapter 99 rows: entered value 0.00
        denominator = t.entered_value.nullif(0) if guarded else t.entered_value
        return t.select(r=t.duty_amount / denominator).limit(1)

    assert duck.to_polars(ratios(duck.table("entry_lines"), False)).item() == float("inf")
    with pytest.raises(ArithmeticException, match="DIVIDE_BY_ZERO"):
        spark.to_polars(ratios(spark.table("entry_lines"), False))
    for engine in engines:
        assert engine.to_polars(ratios(engine.table("entry_lines"), True)).item() is None


def test_spark_results_come_through_arrow_not_pandas(engines) -> None:
    """Ibis's PySpark backend collects with toPandas: NaN comes back as null and a nullable
    int64 goes through float (2**53 + 1 -> 2**53). SparkEngine collects with toArrow."""
    for engine in engines:
        t = engine.table("entry_lines")
        big = ibis.ifelse(t.tariff_ordinal == 2, ibis.null("int64"), ibis.literal(2**53 + 1))
        got = engine.to_polars(t.select(nan=ibis.literal(float("nan")), big=big))
        assert got.get_column("nan").is_nan().all(), engine.name
        assert sorted(got.get_column("big").unique(), key=str) == [2**53 + 1, None], engine.name


@pytest.mark.parametrize(("descending", "expected"), [
    (False, ["CN", "DE", "MX", "VN", None]),
    (True, ["VN", "MX", "DE", "CN", None]),
])  # fmt: skip
def test_nulls_sort_last_on_both_engines(engines, descending: bool, expected: list) -> None:
    """Spark puts nulls first in ascending order by default; Ibis writes NULLS LAST."""
    for engine in engines:
        t = engine.table("entry_lines").select("country_of_origin").distinct()
        key = t.country_of_origin.desc() if descending else t.country_of_origin.asc()
        got = engine.to_polars(t.order_by(key)).get_column("country_of_origin").to_list()
        assert got == expected, engine.name


def test_month_groups_month_ends_and_leap_days_on_both(engines) -> None:
    for engine in engines:
        t = engine.table("entry_lines")
        months = engine.to_polars(t.select(m=month(t.entry_date)).distinct().order_by("m"))
        assert months.get_column("m").to_list() == [
            date(2023, 1, 1), date(2023, 2, 1), date(2023, 12, 1),
            date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1),
        ], engine.name  # fmt: skip


# --- the session, the lake and refusals --------------------------------------------------
def test_local_session_when_spark_remote_is_unset(engines) -> None:
    if os.environ.get("SPARK_REMOTE"):  # the suite also runs against a Connect server
        pytest.skip("SPARK_REMOTE is set")
    session = spark_engine.spark_session()
    assert session is engines[1]._session  # one session per process
    assert session.sparkContext.master == "local[2]"
    conf = {
        k: session.conf.get(k) for k in ("spark.sql.ansi.enabled", "spark.sql.session.timeZone")
    }
    assert conf == {"spark.sql.ansi.enabled": "true", "spark.sql.session.timeZone": "UTC"}


def test_spark_remote_builds_a_connect_session(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyspark.sql import SparkSession

    calls: list[tuple[str, str]] = []

    class Session:  # what the Connect client would return, recording the settings
        class conf:
            set = staticmethod(lambda key, value: calls.append((key, value)))

    class Builder:
        def getOrCreate(self) -> Session:
            return Session()

    def remote(_builder: object, url: str) -> Builder:
        calls.append(("remote", url))
        return Builder()

    monkeypatch.setattr(SparkSession.Builder, "remote", remote)
    assert isinstance(spark_engine._new_session("sc://spark.example:15002"), Session)
    assert calls == [("remote", "sc://spark.example:15002"), *spark_engine.SESSION_CONF.items()]


def test_missing_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import fails as if not installed
    with pytest.raises(ImportError, match=r"pip install '\.\[spark\]'"):
        spark_engine._new_session("")


def test_broker_asking_for_bonds_is_refused_on_spark(engines) -> None:
    broker = Scope(engines[1], Principal("broker", filer_codes=("XY1",)))
    with pytest.raises(Refused):
        broker.table("bonds")


def test_tables_without_files_are_empty_with_the_contract_types(tmp_path: Path) -> None:
    with lake.transaction(tmp_path / "lake", fresh=True):
        pass
    duck, spark = DuckDBEngine(tmp_path / "lake"), spark_engine.SparkEngine(tmp_path / "lake")
    for name in TABLES:
        got = spark.to_polars(spark.table(name))
        assert got.height == 0
        assert_frame_equal(got, duck.to_polars(duck.table(name)))


def test_a_lake_published_under_a_uri_reads_the_same(engines, parity_lake, tmp_path) -> None:
    """As docs/spark.md publishes to object storage: the resolved table folders, copied;
    a table with no files has no folder there (object stores have no empty folders)."""
    for name in TABLES:
        if name != "exams":
            shutil.copytree((parity_lake / name).resolve(), tmp_path / "published" / name)
    uri = f"file://{tmp_path / 'published'}/"
    spark = get_engine(uri, "spark")
    assert (spark.lake, spark.generation) == (uri.rstrip("/"), "")
    for name in ("overview.kpis", "overview.monthly_trend"):
        assert_frame_equal(REPORTS[name](Scope(spark, CBP)), REPORTS[name](Scope(engines[0], CBP)))
    assert spark.to_polars(spark.table("exams")).height == 0
    with pytest.raises(ValueError, match="ITRAC_ENGINE=spark"):
        get_engine(uri, "duckdb")
    with pytest.raises(FileNotFoundError, match="no lake at"):  # a mistyped URI
        spark_engine.SparkEngine(f"file://{tmp_path}/nothing")
