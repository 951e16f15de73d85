"""Every row of every report and export belongs to the principal who asked (hypothesis).

The oracle: a report run for a principal over the whole lake must equal the same report
run by CBP over a lake that physically holds only that principal's rows. A report that
forgot the principal (read a table some other way, cached by the wrong key, joined in
another importer's rows) differs from it. On top, no cell of any result may name an
entry, importer or bond the principal may not see, and brokers are refused bond data.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from data_access import codes, lake
from data_access.access import CBP, Principal, Refused
from data_access.cli import main as itrac
from data_access.engines import get_engine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from ui.data import View, run

ACME, BOLT, CRUX, GHOST = "27-1234567AB", "30-7654321CD", "123-45-6789", "99-0000000AA"
IMPORTERS = {ACME: "Acme Imports", BOLT: "Bolt Hardware", CRUX: "Crux Textiles"}
FILERS = ("ABC", "XYZ", "Q7R")
UNUSED_FILER = "ZZ9"
# (filer, importer, entry date, entry type, port, mode, [(hts, origin, value, duty)])
ENTRIES = (
    ("ABC", ACME, date(2023, 2, 14), "01", "2704", "11", [("8471300100", "CN", 1000, 0)]),
    ("ABC", ACME, date(2024, 1, 5), "01", "2704", "11", [("9903880300", "CN", 0, 250)]),
    ("ABC", ACME, date(2024, 12, 31), "03", "1001", "40", [("7306301000", "VN", 5000, 75)]),
    ("ABC", BOLT, date(2024, 6, 1), "01", "2304", "30", [("0901210000", "MX", 800, 0)]),
    ("XYZ", ACME, date(2025, 3, 1), "11", "1001", "40", [("6109100012", "VN", 90, 15)]),
    ("XYZ", BOLT, date(2023, 11, 20), "01", "2304", "30", [("8471300100", "MX", 2500, 0)]),
    ("XYZ", BOLT, date(2025, 1, 15), "03", "2704", "11", [("7306301000", "CN", 4000, 900)]),
    ("XYZ", CRUX, date(2024, 8, 8), "01", "1001", "11", [("6109100012", "BR", 300, 50)]),
    ("Q7R", CRUX, date(2023, 5, 30), "01", "2704", "40", [("0901210000", "BR", 1200, 0)]),
    ("Q7R", CRUX, date(2025, 6, 30), "01", "1001", "11", [("8471300100", "DE", 700, 0)]),
    ("Q7R", ACME, date(2024, 3, 3), "11", "2304", "30", [("6109100012", "CN", 60, 10)]),
)


def entry_number(filer: str, serial: int) -> str:
    digits = f"{serial:07d}"
    return f"{filer}{digits}{codes.check_digit(filer, digits)}"


def money(value: float) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _entries() -> pl.DataFrame:
    rows = []
    for serial, (filer, importer, day, etype, port, mode, _) in enumerate(ENTRIES, start=1):
        rows.append((entry_number(filer, serial), filer, importer, day, etype, port, mode))
    cols = ["entry_number", "filer_code", "importer_number", "entry_date"]
    return pl.DataFrame(rows, schema=[*cols, "entry_type", "port_of_entry", "mode_of_transport"],
                        orient="row")  # fmt: skip


def _lines(entries: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for head, (*_, goods) in zip(entries.iter_rows(named=True), ENTRIES, strict=True):
        for number, (hts, origin, value, duty) in enumerate(goods, start=1):
            rows.append({**head, "line_number": number, "tariff_ordinal": 1, "hts_number": hts,
                         "country_of_origin": origin, "entered_value": money(value),
                         "duty_amount": money(duty), "mpf_amount": money(value * 0.003464),
                         "manufacturer_id": f"{origin}MAKER{number}", "spi": None})  # fmt: skip
        if head["entry_type"] == "01":  # a Chapter 99 ordinal: no goods value, its own duty
            rows.append({**rows[-1], "tariff_ordinal": 2, "hts_number": "9903880300",
                         "entered_value": money(0), "duty_amount": money(25)})  # fmt: skip
    return pl.DataFrame(rows)


def _summaries(entries: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    money_cols = ["entered_value", "duty_amount", "mpf_amount"]
    sums = lines.group_by("entry_number").agg(pl.col(money_cols).sum())
    return (
        entries.join(sums, on="entry_number")
        .rename({"mpf_amount": "fee_amount"})
        .with_columns(
            importer_name=pl.col("importer_number").replace_strict(IMPORTERS),
            entry_summary_date=pl.col("entry_date") + timedelta(days=9),
            recon_flag=pl.when(pl.col("entry_type") == "01").then(pl.lit("001")),
            liquidation_date=pl.col("entry_date") + timedelta(days=314),
            liquidation_status=pl.lit("L"),
            bond_type=pl.lit("8"),
            cf28_issued=pl.col("entry_type") == "03",
            cf29_issued=pl.lit(False),
        )
    )


def _releases(entries: pl.DataFrame) -> pl.DataFrame:
    wait = pl.duration(days=pl.col("entry_number").str.slice(-1).cast(pl.Int32))
    frame = entries.select(
        "entry_number", "importer_number", "filer_code", "port_of_entry", "mode_of_transport",
        arrival_date=pl.col("entry_date") - timedelta(days=2),
        release_date=pl.col("entry_date") + wait,
        release_status=pl.lit("1"),
        hold_agency=pl.when(pl.col("entry_type") == "03").then(pl.lit("FDA")),
    )  # fmt: skip
    # A release whose filer is unknown: importers see it, no broker may.
    return frame.with_columns(
        filer_code=pl.when(pl.col("entry_number").str.ends_with("0")).then(None)
        .otherwise(pl.col("filer_code"))
    )  # fmt: skip


def _exams(entries: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    first = lines.filter(pl.col("tariff_ordinal") == 1).unique("entry_number", keep="first")
    return (
        entries.filter(pl.col("entry_type") != "11")
        .join(first.select("entry_number", "hts_number", "country_of_origin"), on="entry_number")
        .select(
            "entry_number", "importer_number", "filer_code", "port_of_entry", "mode_of_transport",
            "entry_type", "hts_number", "country_of_origin",
            exam_id=pl.lit("X-") + pl.col("entry_number"),
            exam_date=pl.col("entry_date") + timedelta(days=1),
            exam_type=pl.lit("CET"),
            result=pl.when(pl.col("entry_type") == "03").then(pl.lit("D")).otherwise(pl.lit("N")),
        )
    )  # fmt: skip


def _bonds(entries: pl.DataFrame) -> pl.DataFrame:
    rows = [
        ("BOND-ACME-1", ACME, "8", "1", "500", 50_000, date(2022, 1, 1), None, None),
        ("BOND-BOLT-1", BOLT, "8", "1", "501", 100_000, date(2022, 6, 1), date(2026, 6, 1), None),
        ("BOND-CRUX-1", CRUX, "8", "1", "500", 50_000, date(2023, 1, 1), None, None),
        ("BOND-CRUX-9", CRUX, "9", "1", "502", 2_000, date(2025, 6, 30), None,
         entries.get_column("entry_number")[9]),
    ]  # fmt: skip
    cols = ["bond_number", "importer_number", "bond_type", "activity_code", "surety_code",
            "bond_amount", "effective_date", "termination_date", "entry_number"]  # fmt: skip
    frame = pl.DataFrame(rows, schema=cols, orient="row")
    return frame.with_columns(pl.col("bond_amount").cast(pl.Decimal(18, 2)), status=pl.lit("A"))


def _reconciliations(summaries: pl.DataFrame) -> pl.DataFrame:
    flagged = summaries.filter(pl.col("recon_flag").is_not_null())
    return flagged.select(
        "importer_number", "filer_code", "entry_date",
        flagged_entry_number="entry_number",
        flag_type="recon_flag",
        flagged_date="entry_summary_date",
        due_date=pl.col("entry_summary_date") + timedelta(days=640),
        status=pl.lit("O"),
        value_adjustment=pl.col("entered_value") / 10,
        duty_adjustment=pl.col("duty_amount") / 10,
    )  # fmt: skip


def build_tables() -> dict[str, pl.DataFrame]:
    """All six tables: 3 importers, 3 filers, 11 entries across 2023-2025."""
    entries = _entries()
    lines = _lines(entries)
    summaries = _summaries(entries, lines)
    return {
        "entry_summaries": summaries,
        "entry_lines": lines,
        "cargo_releases": _releases(entries),
        "exams": _exams(entries, lines),
        "bonds": _bonds(entries),
        "reconciliations": _reconciliations(summaries),
    }


def visible(principal: Principal, frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """The rows `principal` may see, worked out in polars, independently of access.py."""
    if principal.role == "cbp":
        return frame
    if principal.role == "importer":
        return frame.filter(pl.col("importer_number").is_in(principal.importer_numbers))
    if name == "bonds":
        return frame.clear()
    rows = frame.filter(pl.col("filer_code").is_in(principal.filer_codes))
    if principal.importer_numbers:
        rows = rows.filter(pl.col("importer_number").is_in(principal.importer_numbers))
    return rows


def write_lake(where: Path, tables: dict[str, pl.DataFrame]) -> Path:
    with lake.transaction(where, fresh=True) as tx:
        for name, frame in tables.items():
            tx.write(name, frame)
        tx.record(file="security-test", rows_loaded=tables["entry_lines"].height)
    return where


# --- strategies -------------------------------------------------------------------------
def _some(values: tuple[str, ...] | list[str], most: int = 2) -> st.SearchStrategy:
    """Mostly no filter (so rows remain to leak), sometimes one or two values."""
    chosen = st.lists(st.sampled_from(values), min_size=1, max_size=most, unique=True)
    return st.one_of(st.just(()), st.just(()), st.just(()), chosen.map(tuple))


IMPORTER_CHOICES = (ACME, BOLT, CRUX, GHOST)
FILER_CHOICES = (*FILERS, UNUSED_FILER)
importers = st.lists(st.sampled_from(IMPORTER_CHOICES), min_size=1, max_size=2, unique=True)
filer_lists = st.lists(st.sampled_from(FILER_CHOICES), min_size=1, max_size=2, unique=True)
importer_principals = importers.map(lambda numbers: Principal("importer", tuple(numbers)))
broker_principals = st.builds(
    lambda filers, clients: Principal("broker", clients, tuple(filers)),
    filer_lists,
    _some(IMPORTER_CHOICES),
)
# CBP's answer is its own oracle: spend the examples on the roles with row predicates.
principals = st.one_of(importer_principals, broker_principals)
DAYS = (None, date(2023, 6, 1), date(2024, 1, 1), date(2024, 9, 1), date(2025, 2, 1))


def _filters(start: date | None, end: date | None, **values: object) -> Filters:
    if start and end and start > end:
        start, end = end, start
    return Filters(start=start, end=end, **values)  # type: ignore[arg-type]


filters = st.builds(
    _filters,
    start=st.sampled_from(DAYS),
    end=st.sampled_from(DAYS),
    importer_numbers=_some(IMPORTER_CHOICES),
    filer_codes=_some(FILER_CHOICES, 1),
    ports=_some(("2704", "1001", "2304", "3001"), 1),
    countries=_some(("CN", "VN", "MX", "BR", "DE", "JP"), 1),
    entry_types=_some(("01", "03", "11"), 1),
    modes=_some(("11", "40", "30"), 1),
    hts_prefix=st.sampled_from(("", "", "84", "8471300100", "9903", "61")),
)
# Examples per report (each costs two report runs, ~35 ms of CPU each): 5 keeps the file
# near half a minute; raise ITRAC_SECURITY_EXAMPLES for a longer hunt.
EXAMPLES = int(os.environ.get("ITRAC_SECURITY_EXAMPLES", "5"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- the oracle -------------------------------------------------------------------------
class Lakes:
    """The whole lake, and per principal a lake holding only that principal's rows."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tables = build_tables()
        self.full = write_lake(root / "full", self.tables)
        self._own: dict[tuple, Path] = {}

    def own(self, principal: Principal) -> Path:
        tables = {n: visible(principal, f, n) for n, f in self.tables.items()}
        # Many principals see the same rows (an unused filer code, an unknown client...).
        key = tuple(sorted(tables["entry_summaries"].get_column("entry_number"))) + tuple(
            sorted(tables["bonds"].get_column("bond_number"))
        )
        if key not in self._own:
            self._own[key] = write_lake(self.root / f"own-{len(self._own)}", tables)
        return self._own[key]

    def foreign(self, principal: Principal) -> list[str]:
        """Entry, exam, importer and bond identifiers (and importer names) of rows
        `principal` may not see in any table."""
        hidden: set[str] = set()
        shown: set[str] = set()
        for name, frame in self.tables.items():
            rows = visible(principal, frame, name)
            for column in ("entry_number", "flagged_entry_number", "bond_number", "exam_id",
                           "importer_number", "importer_name"):  # fmt: skip
                if column in frame.columns:
                    hidden |= set(frame.get_column(column).drop_nulls())
                    shown |= set(rows.get_column(column).drop_nulls())
        seen_importers = shown & set(IMPORTERS)
        hidden |= {IMPORTERS[n] for n in IMPORTERS if n not in seen_importers}
        shown |= {IMPORTERS[n] for n in seen_importers}
        tokens = hidden - shown
        tokens |= {codes.format_entry_number(t) for t in tokens if codes.is_valid_entry_number(t)}
        return sorted(tokens)


@pytest.fixture(scope="module")
def lakes(tmp_path_factory: pytest.TempPathFactory) -> Lakes:
    return Lakes(tmp_path_factory.mktemp("security"))


def expected(lakes: Lakes, report: str, principal: Principal, f: Filters) -> pl.DataFrame:
    """What `principal` may get: the report run by CBP over only `principal`'s rows
    (and, for a report listing tables, only the tables `principal` may see)."""
    frame = REPORTS[report](Scope(get_engine(lakes.own(principal), "duckdb"), CBP, f))
    if report == "overview.holdings":
        frame = frame.filter(pl.col("table").is_in(principal.visible_tables))
    return frame


def assert_only_own_rows(
    lakes: Lakes, frame: pl.DataFrame, principal: Principal, oracle: pl.DataFrame
) -> None:
    assert_frame_equal(frame, oracle, check_row_order=False)
    if principal.role == "cbp":
        return
    tokens = lakes.foreign(principal)
    for column in frame.select(pl.col(pl.String)).columns:
        cells = frame.get_column(column).drop_nulls()
        if tokens and cells.len():
            leaked = cells.filter(cells.str.contains_any(tokens))
            assert leaked.is_empty(), f"{column} names what {principal} may not see: {leaked}"
    allowed = {
        "importer_number": principal.importer_numbers
        if principal.role == "importer" or principal.importer_numbers
        else None,
        "filer_code": principal.filer_codes if principal.role == "broker" else None,
    }
    for column, values in allowed.items():
        if values is not None and column in frame.columns:
            assert set(frame.get_column(column).drop_nulls()) <= set(values)


def refused_to(principal: Principal, report: str) -> bool:
    return principal.role == "broker" and "bonds" in REPORTS[report].tables


# --- the properties ---------------------------------------------------------------------
# Every report also meets the principals whose predicates matter most: a broker whose
# filer files for three importers but who may see one, and an importer whose filers
# file for others too.
@pytest.mark.parametrize("report", sorted(REPORTS))
@PROPERTY
@given(principal=principals, f=filters)
@example(principal=Principal("broker", (ACME,), ("XYZ",)), f=Filters())
@example(principal=Principal("importer", (BOLT,)), f=Filters())
def test_every_report_holds_only_the_principals_rows(
    lakes: Lakes, report: str, principal: Principal, f: Filters
) -> None:
    scope = Scope(get_engine(lakes.full, "duckdb"), principal, f)
    if refused_to(principal, report):
        with pytest.raises(Refused, match="not available to brokers"):
            REPORTS[report](scope)
        return
    oracle = expected(lakes, report, principal, f)
    assert_only_own_rows(lakes, REPORTS[report](scope), principal, oracle)


@settings(PROPERTY, max_examples=EXAMPLES * 4)
@given(
    report=st.sampled_from(sorted(REPORTS)),
    first=principals,
    second=st.one_of(principals, st.just(CBP)),
    f=filters,
)
def test_cached_results_are_keyed_by_principal(
    lakes: Lakes, report: str, first: Principal, second: Principal, f: Filters
) -> None:
    """Through ui.data.run (Streamlit's cache), CBP's and two principals' answers to the
    same question never stand in for each other."""
    for principal in (CBP, first, second, first):
        view = View(lakes.full, "duckdb", principal, f)
        if refused_to(principal, report):
            with pytest.raises(Refused):
                run(view, report)
            continue
        oracle = expected(lakes, report, principal, f)
        assert_only_own_rows(lakes, run(view, report), principal, oracle)


# --- itrac export -----------------------------------------------------------------------
CLI_FILTERS = {  # itrac export option -> Filters field
    "--start": "start", "--end": "end", "--importer": "importer_numbers",
    "--filer": "filer_codes", "--port": "ports", "--country": "countries",
    "--entry-type": "entry_types", "--mode": "modes", "--hts": "hts_prefix",
}  # fmt: skip


def export_args(principal: Principal, f: Filters) -> list[str]:
    ids = principal.importer_numbers if principal.role == "importer" else principal.filer_codes
    args = ["--as", f"{principal.role}:{','.join(ids)}"]
    for option, field in CLI_FILTERS.items():
        value = getattr(f, field)
        if value:
            args += [option, ",".join(value) if isinstance(value, tuple) else str(value)]
    return args


@pytest.mark.parametrize("report", sorted(REPORTS))
@settings(PROPERTY, max_examples=max(2, EXAMPLES // 2))
@given(
    principal=st.one_of(
        importer_principals,
        filer_lists.map(lambda filers: Principal("broker", (), tuple(filers))),  # --as broker:F
    ),
    f=filters,
)
def test_itrac_export_holds_only_the_principals_rows(
    lakes: Lakes, tmp_path: Path, capsys, report: str, principal: Principal, f: Filters
) -> None:
    out = tmp_path / "export.parquet"
    out.unlink(missing_ok=True)
    argv = ["export", report, "--lake", str(lakes.full), "--format", "parquet", "--out", str(out)]
    code = itrac([*argv, *export_args(principal, f)])
    errors = capsys.readouterr().err
    if refused_to(principal, report):
        assert (code, out.exists()) == (1, False)
        assert "refused: Bond Details data is not available to brokers" in errors
        return
    assert code == 0, errors
    oracle = expected(lakes, report, principal, f)
    assert_only_own_rows(lakes, pl.read_parquet(out), principal, oracle)
