"""Codes read as words: HTS numbers by their USITC indent chain, every chapter, importer
and filer names from the lake, sureties never blank (issue 16, item 7).

The HTS chains are checked on the real USITC 2025 export (read in place: tests/reference.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from data_access import codes, descriptions, hts, lake, schema
from data_access.access import CBP, Principal
from data_access.engines import get_engine
from data_access.engines.duckdb import DuckDBEngine
from data_access.filters import Filters
from data_access.reports import REPORTS, Scope
from data_access.reports.base import with_descriptions
from data_access.reports.names import held_names
from tests.reference import HTS_CSV

ACME, BOLT, ZED = "12-3456789AB", "98-7654321CD", "11-2223334EF"
TRANSFORMER = (  # 8504.40.95.10 in the 2025 export: its own text, then its ancestors'
    "Electrical transformers, static converters (for example, rectifiers) and inductors; "
    "parts thereof: Static converters: Other: Rectifiers and rectifying apparatus: Power "
    "supplies: With a power output not exceeding 50 W"
)


@pytest.fixture
def usitc(monkeypatch) -> Path:
    monkeypatch.setenv(hts.SETTING, str(HTS_CSV))
    return HTS_CSV


# --- HTS: the indent chain ---------------------------------------------------------------
def test_a_number_reads_as_its_chain_of_ancestors(usitc) -> None:
    frame = pl.DataFrame({"hts_number": ["8504409510", "8504409540", None]})
    described = with_descriptions(frame, "hts_number")
    assert described.columns == [
        "hts_number",
        "hts_number_description",
        "hts_number_description_full",
    ]
    assert described.row(0) == (
        "8504409510",
        "Electrical transformers, static converters and…: … Power supplies: With a power "
        "output not exceeding 50 W",
        TRANSFORMER,
    )
    other = described.row(1, named=True)  # its own text is just "Other"
    assert other["hts_number_description"] == (
        "Electrical transformers, static converters and…: … Power supplies: Other"
    )
    assert other["hts_number_description_full"] == TRANSFORMER.replace(
        "With a power output not exceeding 50 W", "Other"
    )
    assert described.row(2) == (None, "", "")


def test_headings_use_their_own_text_not_the_chapters(usitc) -> None:
    assert hts.describe_one("8504") == "Electrical transformers, static converters and inductors"
    assert hts.describe_one("85") == "Electrical machinery and equipment"
    assert hts.describe_one("0409") == "Natural honey"  # heading 0409 is the line 0409.00.00
    assert hts.describe_one("0409000035") == "Natural honey: Other: Other: White or lighter"
    # a first clause that would mislead keeps the clauses after it
    assert hts.describe_one("3002").startswith("Human blood; animal blood prepared for")


def test_numbers_the_export_lacks_read_as_their_nearest_parent(usitc) -> None:
    assert hts.describe_one("8504409599") == (  # no such suffix: its 8-digit line
        "Electrical transformers, static converters and…: Static converters: Other"
    )
    assert hts.describe_one("9903880300") == "Section 301: products of China (list 3)"
    assert hts.describe_one("9903030100") == "Section 122: products of any country"  # later
    assert hts.describe_one("9999999999") == f"Chapter 99: {codes.HTS_CHAPTERS['99']}"


def test_the_full_chain_of_a_chapter_99_number_is_the_schedules_text(usitc) -> None:
    frame = pl.DataFrame({"hts_number": ["9903880300"]})
    full = frame.select(hts.describe("hts_number")[1]).item()
    assert full.startswith("Except as provided in headings 9903.88.13, 9903.88.18")
    assert "articles the product of China, as provided for in U.S. note 20(e)" in full


def test_without_the_export_the_curated_lists_describe_the_demo(monkeypatch) -> None:
    monkeypatch.delenv(hts.SETTING, raising=False)
    assert hts.describe_one("8504") == codes.HTS_HEADINGS["8504"]
    assert hts.describe_one("8504409510") == codes.HTS_LINES["8504409510"]
    assert hts.describe_one("8504409599") == codes.HTS_HEADINGS["8504"]
    assert hts.describe_one("8599") == "Chapter 85: Electrical machinery and equipment"


def test_the_lookup_is_built_once_per_version_of_the_file(usitc, tmp_path, monkeypatch) -> None:
    assert hts.lookup() is hts.lookup()
    edited = tmp_path / "hts.csv"
    edited.write_bytes(usitc.read_bytes().replace(b"Power supplies:", b"Power units:"))
    monkeypatch.setenv(hts.SETTING, str(edited))
    assert hts.describe_one("8504409510").endswith(
        "Power units: With a power output not exceeding 50 W"
    )


def test_a_bad_export_names_the_file_the_record_and_the_fix(tmp_path, monkeypatch) -> None:
    bad = tmp_path / "hts.csv"
    bad.write_text('HTS Number,Indent,Description\n"0101","0","Live horses"\n"0101.21","x","Bad"\n')
    monkeypatch.setenv(hts.SETTING, str(bad))
    with pytest.raises(hts.HtsReferenceError, match=r"record 3 \(HTS Number 0101.21\), column "
                       r"Indent: 'x' is not a whole number"):  # fmt: skip
        hts.lookup()
    monkeypatch.setenv(hts.SETTING, str(tmp_path / "missing.csv"))
    with pytest.raises(hts.HtsReferenceError, match=r"missing\.csv: No such file"):
        hts.lookup()


# --- chapters --------------------------------------------------------------------------------
def test_every_chapter_has_a_description() -> None:
    chapters = [f"{n:02d}" for n in range(1, 100)]
    assert list(codes.HTS_CHAPTERS) == chapters
    assert [c for c in chapters if not codes.HTS_CHAPTERS[c].strip()] == []
    assert codes.HTS_CHAPTERS["04"] == "Dairy produce; eggs; natural honey"
    assert codes.HTS_CHAPTERS["77"].startswith("Reserved")


def test_the_curated_lists_agree_with_the_export() -> None:
    rows = hts.read_usitc(HTS_CSV).filter(pl.col("hts_code").is_not_null())
    in_export = set(rows.get_column("hts_code").str.slice(0, 2))
    assert len(in_export) == 98 and set(codes.HTS_CHAPTERS) - in_export == {"77"}
    headings = set(rows.get_column("hts_code").str.slice(0, 4))
    assert set(codes.HTS_HEADINGS) <= headings
    demo = {number[:4] for number in codes.HTS_DESCRIPTIONS}
    assert demo <= set(codes.HTS_HEADINGS)  # every demo good's heading has its own text


# --- sureties ----------------------------------------------------------------------------------
def test_surety_descriptions_are_never_blank() -> None:
    frame = pl.DataFrame({"surety_code": ["457", "998", "999", None]})
    assert with_descriptions(frame, "surety_code").get_column(
        "surety_code_description"
    ).to_list() == [
        "Corporate surety, CBP surety code 457",
        "Cash or government securities in lieu of surety",
        "Bond waived",
        "",
    ]
    assert descriptions.describe("surety_code", "161") == "Corporate surety, CBP surety code 161"


# --- importer and filer names, from the lake -----------------------------------------------------
def _entry(filer: str, serial: int) -> str:
    digits = f"{serial:07d}"
    return f"{filer}{digits}{codes.check_digit(filer, digits)}"


ENTRIES = [  # (entry, importer, importer name, filer name, entry date)
    (_entry("ABC", 1), ACME, "Acme Imports (old name)", "ABC Customs Brokers", date(2024, 1, 5)),
    (_entry("ABC", 2), ACME, "Acme Imports", "ABC Customs Brokers", date(2024, 6, 1)),
    (_entry("XYZ", 3), BOLT, "Bolt Hardware", "XYZ Brokerage", date(2024, 3, 2)),
    (_entry("XYZ", 4), ZED, "  ", None, date(2024, 4, 2)),
]


def _lake(where: Path, entries: list[tuple] = ENTRIES) -> Path:
    summaries = pl.DataFrame(
        {
            "entry_number": [e[0] for e in entries],
            "entry_type": ["01"] * len(entries),
            "importer_number": [e[1] for e in entries],
            "importer_name": [e[2] for e in entries],
            "filer_code": [e[0][:3] for e in entries],
            "filer_name": [e[3] for e in entries],
            "port_of_entry": ["2704"] * len(entries),
            "entry_date": [e[4] for e in entries],
            "entered_value": [100] * len(entries),
        }
    )
    lines = summaries.select(
        "entry_number", "importer_number", "filer_code", "entry_type", "port_of_entry",
        "entry_date", "entered_value", line_number=pl.lit(1), tariff_ordinal=pl.lit(1),
        hts_number=pl.lit("8504409510"), country_of_origin=pl.lit("CN"),
    )  # fmt: skip
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_lines", lines)
        tx.write("entry_summaries", summaries)
        tx.record(file="names.csv", rows_loaded=len(entries))
    return where


def _lake_before_filer_names(where: Path, monkeypatch) -> Path:
    """The lake as written before the contract had filer_name (its files lack it)."""
    spec = schema.TABLES["entry_summaries"]
    older = replace(spec, columns=tuple(c for c in spec.columns if c.name != "filer_name"))
    with monkeypatch.context() as patched:
        patched.setitem(schema.TABLES, "entry_summaries", older)
        return _lake(where)


def _options(where: Path, principal: Principal = CBP) -> dict[str, list[tuple[str, str]]]:
    scope = Scope(get_engine(where, "duckdb"), principal, Filters())
    frame = REPORTS["overview.filter_options"](scope)
    named = frame.filter(pl.col("dimension").is_in(["importer_number", "filer_code"]))
    return {
        dimension: rows.select("code", "description").rows()
        for (dimension,), rows in named.group_by("dimension", maintain_order=True)
    }


def test_filter_choices_name_importers_and_filers_as_the_lake_does(tmp_path) -> None:
    options = _options(_lake(tmp_path / "lake"))
    assert options["importer_number"] == [
        (ZED, ""),  # a blank name is no name
        (ACME, "Acme Imports"),  # the latest entry's name
        (BOLT, "Bolt Hardware"),
    ]
    assert options["filer_code"] == [("ABC", "ABC Customs Brokers"), ("XYZ", "XYZ Brokerage")]


@pytest.mark.parametrize("greater_first", [True, False])
def test_two_names_on_the_latest_day_give_the_greater_from_the_rollup_or_the_rows(
    tmp_path: Path, greater_first: bool
) -> None:
    """A tie on the latest day names the code by the greater name (either order in the
    file), from the names rollup (whole months) as from the summaries (a cut month)."""
    renamed = [(_entry("XYZ", 5), BOLT, "Bolt Hardware Inc", "XYZ Brokerage", date(2024, 3, 2))]
    entries = [*renamed, *ENTRIES] if greater_first else [*ENTRIES, *renamed]
    where = _lake(tmp_path / "lake", entries)
    engine = DuckDBEngine(where)
    for start in (None, date(2024, 3, 2)):
        scope = Scope(engine, CBP, Filters(start=start))
        sql = engine._backend().compile(held_names(scope, "importer_number"))
        assert ("rollup_names_by_month" in sql) == (start is None)
        names = dict(scope.run(held_names(scope, "importer_number")).rows())
        assert names == {ACME: "Acme Imports", BOLT: "Bolt Hardware Inc"}
        assert dict(_options(where)["importer_number"])[BOLT] == "Bolt Hardware Inc"


def test_names_come_from_the_rows_under_a_line_filter(tmp_path: Path) -> None:
    where = _lake(tmp_path / "lake")
    engine = DuckDBEngine(where)
    for filters in (
        Filters(countries=("CN",)),
        Filters(hts_prefix="8504"),
        Filters(ports=("2704",)),
    ):
        scope = Scope(engine, CBP, filters)
        sql = engine._backend().compile(held_names(scope, "filer_code"))
        assert ("rollup_names_by_month" in sql) == (not filters.needs_lines)
        names = dict(scope.run(held_names(scope, "filer_code")).rows())
        assert names == {"ABC": "ABC Customs Brokers", "XYZ": "XYZ Brokerage"}


def test_a_broker_sees_only_the_names_of_its_own_entries(tmp_path) -> None:
    options = _options(_lake(tmp_path / "lake"), Principal.parse("broker:XYZ"))
    assert options["importer_number"] == [(ZED, ""), (BOLT, "Bolt Hardware")]
    assert options["filer_code"] == [("XYZ", "XYZ Brokerage")]


def test_a_lake_without_filer_names_still_names_importers(tmp_path, monkeypatch) -> None:
    where = _lake_before_filer_names(tmp_path / "lake", monkeypatch)
    assert "filer_name" not in pl.read_parquet(lake.table_files(where, "entry_summaries")).columns
    options = _options(where)
    assert options["importer_number"][1] == (ACME, "Acme Imports")
    assert options["filer_code"] == [("ABC", ""), ("XYZ", "")]
    scope = Scope(get_engine(where, "duckdb"), CBP, Filters())
    header = REPORTS["entry_summary.header"](scope)
    assert header.get_column("filer_name").to_list() == [None] * 4  # read as NULL


def test_the_filers_breakdown_names_each_filer(tmp_path) -> None:
    scope = Scope(get_engine(_lake(tmp_path / "lake"), "duckdb"), CBP, Filters())
    filers = REPORTS["entry_summary.filers"](scope)
    assert filers.select("filer_code", "filer_code_description").rows() == [
        ("ABC", "ABC Customs Brokers"),
        ("XYZ", "XYZ Brokerage"),
    ]


def test_several_code_columns_are_described_in_one_pass(monkeypatch) -> None:
    """Each description sits right after its code, and all of them come from one polars
    query and one reorder (a select and an insert per column were 2-5 ms of a small
    report: issue 17's fixed cost)."""
    frame = pl.DataFrame(
        {"entry_type": ["01", "11"], "value": [1, 2], "mode_of_transport": ["40", None],
         "country_of_origin": ["CN", "XX"]}
    )  # fmt: skip
    queries: list[str] = []
    collect = pl.LazyFrame._collect_eager  # what every eager DataFrame query runs

    def counted(self: pl.LazyFrame, *args: object, **kwargs: object) -> pl.DataFrame:
        queries.append("query")
        return collect(self, *args, **kwargs)

    monkeypatch.setattr(pl.LazyFrame, "_collect_eager", counted)
    described = with_descriptions(frame, "entry_type", "mode_of_transport", "country_of_origin")
    assert len(queries) <= 2
    assert described.columns == [
        "entry_type",
        "entry_type_description",
        "value",
        "mode_of_transport",
        "mode_of_transport_description",
        "country_of_origin",
        "country_of_origin_description",
    ]
    assert described.get_column("country_of_origin_description").to_list() == ["China", ""]
    assert described.get_column("mode_of_transport_description").to_list()[1] == ""
