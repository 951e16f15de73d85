"""Exports in bounded memory: reports read in batches, Excel streamed in constant memory,
headers stable or ACE's, and Excel refused (with the reason) above the stated size."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import fastexcel
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from data_access import export
from data_access.access import CBP, Principal
from data_access.cli import main as itrac
from data_access.engines import get_engine
from data_access.reports import REPORTS, Scope
from tests.test_security_properties import ACME, build_tables, write_lake

ES003 = "entry_summary.line_tariff_details"
STREAMING = sorted(name for name, report in REPORTS.items() if report.streams)
ACME_ONLY = Principal.parse(f"importer:{ACME}")


@pytest.fixture(scope="module")
def small_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lake(tmp_path_factory.mktemp("batches") / "lake", build_tables())


# Paged reports whose page is a slice of a frame built by many queries (one batch).
MANY_QUERIES = {"audit.findings"}
ONE_QUERY = set(STREAMING) - MANY_QUERIES  # one ordered query: read a batch at a time


def test_the_paged_reports_are_the_ones_that_stream() -> None:
    assert {
        "bond.details", "cargo_release.details", "entry_summary.header",
        "entry_summary.line_details", "entry_summary.line_tariff_details", "exams.details",
        "layers.entries", "layers.entry_layers", "reconciliation.details",
        "reconciliation.header", "refunds.entries",
    } <= ONE_QUERY  # fmt: skip
    assert set(STREAMING) >= MANY_QUERIES
    assert not {"entry_summary.kpis", "entry_summary.countries"} & set(STREAMING)


@pytest.mark.parametrize("principal", [CBP, ACME_ONLY], ids=["cbp", "importer"])
@pytest.mark.parametrize("name", STREAMING)
def test_batches_hold_the_whole_result_a_few_rows_at_a_time(
    small_lake: Path, name: str, principal: Principal
) -> None:
    scope = Scope(get_engine(small_lake, "duckdb"), principal)
    whole = REPORTS[name](scope)
    first, *rows = REPORTS[name].batches(scope, 3)
    sizes = [3] * (whole.height // 3) + ([whole.height % 3] if whole.height % 3 else [])
    if name in ONE_QUERY:  # the columns first, then 3 rows at a time
        assert (first.height, [b.height for b in rows]) == (0, sizes)
    else:  # the whole result as one batch
        assert (first.height, rows) == (whole.height, [])
    assert first.schema == whole.schema
    assert_frame_equal(pl.concat([first, *rows]), whole)


def test_batches_are_the_principals_rows_only(small_lake: Path) -> None:
    scope = Scope(get_engine(small_lake, "duckdb"), ACME_ONLY)
    importers = pl.concat(REPORTS[ES003].batches(scope, 2)).get_column("importer_number")
    cbp = pl.concat(REPORTS[ES003].batches(Scope(scope.engine, CBP), 2))
    assert importers.unique().to_list() == [ACME]
    assert importers.len() == cbp.filter(pl.col("importer_number") == ACME).height == 7


def excel_frame(path: Path) -> pl.DataFrame:
    """Every "Main Report" sheet of `path`, in order, as one frame."""
    book = fastexcel.read_excel(path)
    return pl.concat([book.load_sheet(name).to_polars() for name in book.sheet_names])


def test_excel_written_in_constant_memory_reads_back_equal_to_the_rows(
    small_lake: Path, tmp_path: Path
) -> None:
    scope = Scope(get_engine(small_lake, "duckdb"), CBP)
    whole = REPORTS[ES003](scope)
    assert whole.height == 18
    seen: list[int] = []
    target = tmp_path / "es003.xlsx"
    written = export.write_batches(
        REPORTS[ES003].batches(scope, 4), target, "xlsx", progress=seen.append, per_sheet=5
    )
    assert written == 18 and seen == [0, 4, 8, 12, 16, 18]
    with zipfile.ZipFile(target) as book:  # constant memory: strings inline, row by row
        assert "xl/sharedStrings.xml" not in book.namelist()
        assert 't="inlineStr"' in book.read("xl/worksheets/sheet1.xml").decode()
    assert fastexcel.read_excel(target).sheet_names == [
        "Main Report",
        *(f"Main Report ({n})" for n in (2, 3, 4)),
    ]
    back = excel_frame(target)
    text = pl.col(pl.String)  # an empty text is no cell: it reads back as null
    expected = whole.with_columns(
        pl.col(pl.Decimal).cast(pl.Float64), pl.when(text != "").then(text)
    )
    assert back.columns == whole.columns
    assert_frame_equal(back.cast(dict(expected.schema)), expected)
    assert back.get_column("entry_date").dtype in (pl.Date, pl.Datetime)  # a date in Excel


ES003_ACE = [  # the words the ES-003 table shows (data_access/labels.py)
    "Entry Summary Number", "Entry Summary Line Number", "Tariff Ordinal Number",
    "Importer Number", "Filer Code", "Entry Type Code", "Entry Type",
    "Port of Entry Code", "Port of Entry", "Mode of Transportation Code",
    "Mode of Transportation", "Entry Date", "HTS Number - Full",
    "HTS Description", "HTS Description (Full Text)",
    "Country of Origin Code", "Country of Origin",
    "Manufacturer ID", "Line SPI Code", "Special Program", "Related Party Indicator",
    "Line Tariff Quantity (1)", "Line Tariff UOM (1) Code", "Line Tariff Goods Value Amount",
    "Column 1 Current Primary Duty Rate", "Line Tariff Duty Amount", "Line Tax Amount",
    "Line MPF Amount", "Line HMF Amount", "Line ADD Amount", "Line CVD Amount",
    "AD Case Number", "CVD Case Number",
]  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_itrac_export_keeps_stable_names_unless_asked_for_ace_headers(
    small_lake: Path, tmp_path: Path, fmt: str
) -> None:
    whole = REPORTS[ES003](Scope(get_engine(small_lake, "duckdb"), CBP))
    read = {"csv": pl.read_csv, "xlsx": excel_frame, "parquet": pl.read_parquet}[fmt]
    for choice, names in (("stable", whole.columns), ("ace", ES003_ACE)):
        out = tmp_path / f"{choice}.{fmt}"
        chosen = [] if choice == "stable" else ["--headers", "ace"]
        args = ["export", ES003, "--lake", str(small_lake), "--format", fmt, "--out", str(out)]
        assert itrac([*args, *chosen]) == 0
        back = read(out)
        assert back.columns == names
        assert back.get_column(names[0]).to_list() == whole["entry_number"].to_list()


def test_ace_headers_come_from_the_contract_and_never_repeat() -> None:
    names = export.header_names(
        ["entered_value", "entry_number", "rows", "hts_number_description", "history_start"],
        "ace",
        table="entry_summaries",
    )
    assert names == {
        "entered_value": "Entered Value",  # entry_summaries' label, not entry_lines'
        "entry_number": "Entry Summary Number",
        "rows": "Rows",  # a derived column: data_access/labels.py's word
        "hts_number_description": "HTS Description",  # as the tables show it
        "history_start": "First Entry Date Held",
    }
    assert export.header_names(["a", "b"], "ace", labels={"a": "Same", "b": "Same"}) == {
        "a": "Same",
        "b": "Same (b)",
    }
    assert export.header_names(["entry_number"], "stable") == {"entry_number": "entry_number"}


def test_excel_is_offered_up_to_the_sheet_limit_and_the_time_budget() -> None:
    assert export.EXCEL_OFFER_CELLS == 12_000_000  # 2 minutes at 100,000 cells a second
    assert export.excel_refusal(0, 32) is None
    assert export.excel_refusal(375_000, 32) is None  # 12,000,000 cells: offered
    assert export.excel_refusal(375_001, 32) is not None
    assert export.excel_refusal(1_000_000, 32) == (
        "An Excel file of 1,000,000 rows of 32 columns takes about 5 minutes to build, past "
        "the 2-minute budget of a download (Excel is offered up to 12,000,000 cells). CSV and "
        "Parquet take seconds; narrow the filters for an Excel file."
    )
    assert export.excel_refusal(1_048_576, 1) == (
        "1,048,576 rows do not fit one Excel sheet (1,048,576 rows, the header included). "
        "CSV and Parquet hold every row in one table and take seconds."
    )


def excel_peak(rows: int, target: Path) -> int:
    """The most Python memory writing an Excel file of `rows` rows took."""
    first = date(2024, 1, 1)
    frame = pl.DataFrame(
        {
            "entry_number": [f"ABC{n:07d}0" for n in range(rows)],
            "entry_date": [first + timedelta(days=n % 900) for n in range(rows)],
            "value": [Decimal(n) / 100 for n in range(rows)],
            "importer_name": ["=HYPERLINK(1)"] * rows,
        },
        schema_overrides={"value": pl.Decimal(18, 2)},
    )
    tracemalloc.start()
    try:
        export.write(frame, target, "xlsx")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_excel_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    small = excel_peak(20_000, tmp_path / "small.xlsx")
    large = excel_peak(80_000, tmp_path / "large.xlsx")
    assert large < small * 1.5 + 1_000_000, (small, large)  # 4x the rows, not 4x the memory
    assert large < 8_000_000, large


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_a_file_written_in_batches_is_the_file_of_the_whole_frame(fmt: str) -> None:
    frame = pl.DataFrame(
        {
            "entry_number": [f"ABC{n:07d}0" for n in range(8)],
            "value": [Decimal(n) / 4 for n in range(8)],
            "name": ["=1+1", "ok", None, "", "-5", "@x", "a;=1", "z"],
        },
        schema_overrides={"value": pl.Decimal(18, 2)},
    )
    whole, parts = io.BytesIO(), io.BytesIO()
    assert export.write_batches([frame], whole, fmt) == 8
    assert export.write_batches([frame.head(0), *frame.iter_slices(3)], parts, fmt) == 8
    if fmt == "parquet":  # the same rows (row groups differ)
        back = pl.read_parquet(io.BytesIO(parts.getvalue()))
        assert_frame_equal(back, pl.read_parquet(io.BytesIO(whole.getvalue())))
        assert_frame_equal(back, frame)
    else:  # byte for byte
        assert parts.getvalue() == whole.getvalue()
    if fmt == "json":  # what one DataFrame.write_json writes
        assert whole.getvalue() == frame.write_json().encode()
