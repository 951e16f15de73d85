"""data_access/labels.py: the one place headers (on screen and in ACE-header exports),
legends and axis titles come from; ui/labels.py hands the same words to the pages."""

from __future__ import annotations

import pytest

from data_access import labels, schema
from data_access.reports import REPORTS
from ui import labels as ui_labels


@pytest.mark.parametrize(
    ("column", "table", "header"),
    [
        ("entry_number", None, "Entry Summary Number"),
        ("entry_number", "cargo_releases", "Entry Number"),  # ACE's Cargo Release header
        ("entered_value", None, "Entered Value"),
        ("entered_value", "entry_lines", "Line Tariff Goods Value Amount"),
        ("hts_number", None, "HTS Number - Full"),
        ("status", "bonds", "Bond Status"),
        ("status", "reconciliations", "Reconciliation Status"),
        ("flag_type", None, "Reconciliation Issue Code"),
        ("entry_type_description", None, "Entry Type"),
        ("port_of_entry_description", None, "Port of Entry"),
        ("mode_of_transport_description", None, "Mode of Transportation"),
        ("country_of_origin_description", None, "Country of Origin"),
        ("hts_number_description", None, "HTS Description"),
        ("spi_description", None, "Special Program"),
        ("exam_type_description", None, "Exam Type Description"),
        ("lines", None, "Lines"),
        ("tariff_rows", None, "Tariff Rows"),
        ("tariff_numbers", None, "Tariff Rows"),
        ("exam_rate", None, "Exam Rate"),
        ("cf28", None, "CF-28 (Request for Information)"),
        ("cf29", None, "CF-29 (Notice of Action)"),
        ("value_adjustment", None, "Value Adjustment"),
        ("duty_adjustment", None, "Duty Adjustment"),
        ("section_301_duties", None, "Section 301 duty"),
        ("tariff_rows", "tariff_layers", "Chapter 99 tariff rows"),
        ("Entry Summary Number", None, "Entry Summary Number"),  # already a header
        ("first date", None, "First Date"),
        ("Country of Origin", None, "Country of Origin"),
    ],
)
def test_label(column: str, table: str | None, header: str) -> None:
    assert labels.label(column, table) == header


def test_every_lake_column_reads_as_its_contract_label() -> None:
    for spec in schema.TABLES.values():
        for column in spec.columns:
            assert labels.label(column.name, spec.name) == column.label


def test_a_column_nobody_named_never_shows_snake_case() -> None:
    assert labels.label("widget_count") == "Widget Count"
    assert not labels.known("widget_count")
    assert labels.known("entries") and labels.known("port_of_entry_description")


def test_lines_and_tariff_rows_are_told_apart() -> None:
    assert labels.LINES != labels.TARIFF_ROWS
    assert "Chapter 99" in labels.LINES_HELP and "Chapter 99" in labels.TARIFF_ROWS_HELP


def test_no_label_is_a_storage_name() -> None:
    every = {**labels.DERIVED, **labels.DESCRIPTIONS}
    for context in labels.CONTEXTS.values():
        every |= context
    assert [h for h in every.values() if labels.is_storage_name(h)] == []
    assert labels.is_storage_name("entry_type_description") and labels.is_storage_name("entries")
    assert not labels.is_storage_name("Entry Type") and not labels.is_storage_name("first date")


def test_a_full_description_and_the_bond_history_start_read_as_words() -> None:
    """data_access.hts adds `<code>_description_full` (the indent chain); bond sufficiency
    says from which day it judges (`history_start`)."""
    assert labels.label("hts_number_description_full") == "HTS Description (Full Text)"
    assert labels.known("hts_number_description_full")
    assert labels.label("history_start") == "First Entry Date Held"


def test_the_pages_read_the_same_words() -> None:
    assert ui_labels.label is labels.label and ui_labels.DERIVED is labels.DERIVED


@pytest.mark.parametrize(
    ("report", "table"),
    [
        ("entry_summary.line_tariff_details", "entry_lines"),  # a detail report: its rows'
        ("cargo_release.details", "cargo_releases"),
        ("overview.monthly_trend", None),  # sums and counts: the entry summaries' words
        ("bond.ending_soon", "bonds"),
        ("layers.by_hts", "tariff_layers"),  # the Tariff layers page's wording
        ("layers.entries", "entry_lines"),  # paged: its rows are entry lines
    ],
)
def test_whose_words_a_report_reads_in(report: str, table: str | None) -> None:
    assert labels.report_table(REPORTS[report]) == table
