"""ACE headers name every column of every report, in the words the screen shows.

`itrac export --headers ace` and the page's "ACE headers" files take their words from
data_access/labels.py, the very words the dashboard's tables show (ui/column_formats.py):
lake columns by the contract's labels, and the columns the reports derive (counts, sums,
rates, dates, the full HTS text, the bond's history start) by the labels' `DERIVED`.
Before, the CLI knew only the contract's labels, and 82 of the 87 reports exported
columns under their storage names (`description_full`, `history_start`, `entries`)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_access import labels
from data_access.access import CBP
from data_access.cli import main as itrac
from data_access.engines import get_engine
from data_access.reports import REPORTS, Scope
from tests.test_security_properties import build_tables, write_lake
from ui.column_formats import column_config

EXPORTED = sorted(REPORTS)  # what `itrac export --list` offers: every registered report


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lake(tmp_path_factory.mktemp("headers") / "lake", build_tables())


def cli_header(lake: Path, report: str, tmp_path: Path, headers: str = "ace") -> list[str]:
    """The header row of `itrac export <report> --headers <headers>` as CSV."""
    out = tmp_path / f"{report}.{headers}.csv"
    args = ["export", report, "--lake", str(lake), "--headers", headers, "--out", str(out)]
    assert itrac(args) == 0
    return pl.read_csv(out, infer_schema=False, n_rows=0).columns


def screen_headers(frame: pl.DataFrame, table: str | None) -> list[str]:
    """The headers `st.dataframe` shows for `frame` (ui/column_formats.py)."""
    return [config["label"] for config in column_config(frame, table).values()]  # type: ignore[index]


def test_every_report_is_exported() -> None:
    assert len(EXPORTED) == 89 and "bond.sufficiency" in EXPORTED and "audit.findings" in EXPORTED


@pytest.mark.parametrize("report", EXPORTED)
def test_ace_headers_name_every_column_as_the_screen_does(
    lake: Path, report: str, tmp_path: Path
) -> None:
    stable = cli_header(lake, report, tmp_path, "stable")
    ace = cli_header(lake, report, tmp_path)
    assert [h for h in ace if labels.is_storage_name(h)] == []  # no snake_case header
    assert [c for c in stable if not labels.known(c)] == []  # each a chosen word, no fallback
    assert len(set(ace)) == len(ace) == len(stable)
    frame = REPORTS[report](Scope(get_engine(lake, "duckdb"), CBP))
    assert frame.columns == stable
    assert screen_headers(frame, labels.report_table(REPORTS[report])) == ace


@pytest.mark.parametrize(
    ("report", "column", "header"),
    [
        ("entry_summary.hts", "description_full", "HTS Description (Full Text)"),
        ("entry_summary.hts", "entries", "Entries"),
        ("bond.sufficiency", "history_start", "First Entry Date Held"),
        ("bond.sufficiency", "dtf_trailing_12m", "Duties, Taxes and Fees (12 Months)"),
        ("exams.rate_by_month", "exam_rate", "Exam Rate"),
        ("exams.cf28_cf29_by_month", "cf28", "CF-28 (Request for Information)"),
        ("overview.monthly_trend", "entered_value", "Entered Value"),  # a sum: summary words
        ("entry_summary.line_tariff_details", "entered_value", "Line Tariff Goods Value Amount"),
        ("cargo_release.details", "entry_number", "Entry Number"),  # Cargo Release's header
        ("bond.ending_soon", "status", "Bond Status"),  # the bonds' words, as on the page
        ("layers.by_hts", "hts_code", "HTS"),  # the Tariff layers page's wording
        ("filers.scorecard", "findings_per_1000_lines", "Audit Findings per 1,000 Lines"),
        ("filers.scorecard", "filer_name", "Filer"),  # the Audit page's words, as on the page
        ("audit.findings", "detail", "What Was Found"),
        ("audit.findings", "finding", "Finding"),
        ("audit.summary", "dollars", "Dollars Involved"),
    ],
)
def test_a_derived_column_reads_as_its_word(
    lake: Path, report: str, column: str, header: str, tmp_path: Path
) -> None:
    stable = cli_header(lake, report, tmp_path, "stable")
    assert dict(zip(stable, cli_header(lake, report, tmp_path), strict=True))[column] == header


def overview_page(lake_dir: str) -> None:
    from pathlib import Path

    from data_access.access import CBP
    from data_access.filters import Filters
    from pages import overview
    from ui.data import View

    overview.render(View(Path(lake_dir), "duckdb", CBP, Filters()))


def es003_page(lake_dir: str) -> None:
    from pathlib import Path

    from data_access.access import CBP
    from data_access.filters import Filters
    from ui.data import View
    from ui.paged_table import detail_table

    view = View(Path(lake_dir), "duckdb", CBP, Filters())
    detail_table(view, "entry_summary.line_tariff_details", key="es003")


def scorecard_page(lake_dir: str) -> None:
    from pathlib import Path

    from data_access.access import CBP
    from data_access.filters import Filters
    from pages import audit
    from ui.data import View

    audit._scorecard(View(Path(lake_dir), "duckdb", CBP, Filters()))


def shown_tables(at: AppTest) -> list[list[str]]:
    """Each drawn table's headers, in its columns' order, as the browser is sent them."""
    tables = []
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")  # type: ignore[attr-defined]
        tables.append([(config.get(c) or {}).get("label") or c for c in frame.value.columns])
    return tables


@pytest.mark.parametrize(
    ("page", "report"),
    [
        (es003_page, "entry_summary.line_tariff_details"),
        (overview_page, "overview.monthly_trend"),
        (scorecard_page, "filers.scorecard"),
    ],
    ids=["es003", "overview-trend", "audit-scorecard"],
)
def test_a_pages_table_shows_the_headers_its_ace_file_has(
    lake: Path, page: object, report: str, tmp_path: Path
) -> None:
    at = AppTest.from_function(page, args=(str(lake),), default_timeout=60)  # type: ignore[arg-type]
    at.run()
    assert not at.exception
    ace = cli_header(lake, report, tmp_path)
    page_columns = {labels.DERIVED["partial_month"]}  # a chart's table marks partial months
    assert ace in [[h for h in shown if h not in page_columns] for shown in shown_tables(at)]


def test_the_words_live_below_the_screen() -> None:
    """data_access/labels.py is what the CLI's ACE headers use: it needs no streamlit, no ui."""
    import subprocess
    import sys

    code = (
        "import sys, data_access.cli, data_access.export, data_access.labels; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'ui')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
