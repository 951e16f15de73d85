"""ui/column_formats.py: each column's header and format, from its type and ui/labels.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl

from ui.column_formats import column_config, on_screen, stored_name

FRAME = pl.DataFrame(
    {
        "entry_number": ["ABC12345676"],
        "entered_value": pl.Series([Decimal("853789375.96")], dtype=pl.Decimal(18, 2)),
        "exam_rate": [0.0932],
        "entries": pl.Series([163665], dtype=pl.Int64),
        "line_number": pl.Series([1], dtype=pl.Int32),
        "entry_date": [date(2024, 1, 5)],
        "month": [date(2024, 1, 1)],
        "median_days": [2.5],
        "quantity": [12.5],
        "cf28_issued": [True],
        "port_of_entry_description": ["Los Angeles, CA"],
    }
)


def test_each_column_gets_its_header_and_format() -> None:
    config = column_config(FRAME)
    shown = {
        name: (c["label"], c["type_config"].get("format"), c["type_config"]["type"])
        for name, c in config.items()
    }
    assert shown == {
        "entry_number": ("Entry Summary Number", None, "text"),
        "entered_value": ("Entered Value", "dollar", "number"),  # $853,789,375.96
        "exam_rate": ("Exam Rate", "percent", "number"),  # 9.32%
        "entries": ("Entries", "%,d", "number"),  # 163,665
        "line_number": ("Entry Summary Line Number", "%d", "number"),
        "entry_date": ("Entry Date", "YYYY-MM-DD", "date"),
        "month": ("Month", "MMM YYYY", "date"),
        "median_days": ("Median Days to Release", "%,.1f", "number"),
        "quantity": ("Line Tariff Quantity (1)", "%,.2f", "number"),
        "cf28_issued": ("CF-28 Issued", None, "checkbox"),
        "port_of_entry_description": ("Port of Entry", None, "text"),
    }


def test_a_lake_table_picks_its_own_headers() -> None:
    config = column_config(FRAME.select("entry_number", "entered_value"), "entry_lines")
    assert config["entered_value"]["label"] == "Line Tariff Goods Value Amount"
    cargo = column_config(FRAME.select("entry_number"), "cargo_releases")
    assert cargo["entry_number"]["label"] == "Entry Number"


def test_overrides_add_to_a_column_and_keep_its_header() -> None:
    config = column_config(FRAME, overrides={"entries": {"help": "Entry summaries"}})
    assert config["entries"]["label"] == "Entries"
    assert config["entries"]["help"] == "Entry summaries"
    assert config["entries"]["type_config"]["format"] == "%,d"


def test_a_frame_already_in_headers_keeps_them_and_gets_formats() -> None:
    shown = pl.DataFrame({"Effective duty rate": [0.14], "Month of Entry": [date(2024, 1, 1)]})
    config = column_config(shown, "tariff_layers")
    assert config["Effective duty rate"]["label"] == "Effective duty rate"
    assert config["Effective duty rate"]["type_config"]["format"] == "percent"
    assert config["Month of Entry"]["type_config"]["format"] == "MMM YYYY"
    assert stored_name("Effective duty rate", "tariff_layers") == "effective_duty_rate"


def test_entry_numbers_show_as_ace_shows_them_and_only_on_screen() -> None:
    frame = pl.DataFrame({"flagged_entry_number": ["ABC12345676", None], "n": [1, 2]})
    assert on_screen(frame)["flagged_entry_number"].to_list() == ["ABC-1234567-6", None]
    assert frame["flagged_entry_number"][0] == "ABC12345676"  # the frame exported as stored
    assert on_screen(on_screen(frame)).equals(on_screen(frame))
