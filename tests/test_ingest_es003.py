"""ES-003 as users download it: Chapter 99 ordinals, liquidation columns, monthly pulls."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from data_access.cli import main
from data_access.ingest import ingest
from data_access.ingest.load import DROPPED
from data_access.ingest.quarantine import read
from data_access.ingest.validate import CHAPTER_99_NOT_FURTHER, EIGHT_NOT_CHAPTER_99
from data_access.schema import ENTRY_LINES
from tests.ingest_files import (
    ES003_HEADERS,
    IMPORTERS,
    es003_entry,
    es003_period,
    lake_rows,
    write_es003_xlsx,
    write_export,
)

JAN, FEB_END = date(2025, 1, 1), date(2025, 2, 28)
HTS, VALUE, DUTY = (ES003_HEADERS.index(h) for h in ("HTS Number - Full",
    "Line Tariff Goods Value Amount", "Line Tariff Duty Amount"))  # fmt: skip


def _amount(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", ""))


def _file_totals(rows: list[list[str]]) -> tuple[int, Decimal, Decimal]:
    body = rows[1:]
    return len(body), sum(_amount(r[VALUE]) for r in body), sum(_amount(r[DUTY]) for r in body)


def _write(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    if name.endswith(".xlsx"):
        return write_es003_xlsx(tmp_path / name, rows)
    return write_export(tmp_path / name, rows)


def _exported_totals(where: Path, out: Path) -> tuple[int, Decimal, Decimal]:
    """The line tariff report as `itrac export` writes it, summed from the CSV's text."""
    report = "entry_summary.line_tariff_details"
    code = main(["export", report, "--lake", str(where), "--format", "csv", "--out", str(out)])
    assert code == 0
    frame = pl.read_csv(out, infer_schema=False)

    def column(name: str) -> pl.Series:  # the storage name, or the ACE header it shows
        label = ENTRY_LINES.column(name).label
        return frame.get_column(name if name in frame.columns else label)

    def total(name: str) -> Decimal:
        return sum((Decimal(v) for v in column(name).drop_nulls()), Decimal(0))

    return frame.height, total("entered_value"), total("duty_amount")


@pytest.mark.parametrize("name", ["es003.csv", "es003.xlsx"])
def test_chapter_99_ordinals_load_and_the_export_totals_are_the_files(tmp_path, name):
    rows = es003_period(JAN, FEB_END)
    [result] = ingest(tmp_path / "lake", [_write(tmp_path, name, rows)])
    assert (result.status, result.rows_rejected, result.reasons) == ("loaded", 0, {})
    count, value, duty = _file_totals(rows)
    assert (count, value, duty) == (153, Decimal("503810.91"), Decimal("43926.12"))
    assert result.rows_loaded == count
    assert _exported_totals(tmp_path / "lake", tmp_path / "out.csv") == (count, value, duty)
    lines = lake_rows(tmp_path / "lake", "entry_lines")
    chapter_99 = lines.filter(pl.col("tariff_ordinal") > 1)
    # Stored in the lake's one form, 10 digits: 99038803 -> 9903880300.
    assert chapter_99.group_by("hts_number").len().sort("hts_number").rows() == [
        ("9903012000", 10),
        ("9903880300", 24),
    ]
    assert chapter_99["entered_value"].sum() == Decimal("0.00")
    assert lines.filter(pl.col("tariff_ordinal") == 1)[
        "hts_number"
    ].str.len_chars().unique().to_list() == [10]


def test_eight_digits_are_refused_on_ordinal_1_and_when_not_chapter_99(tmp_path):
    [header, *entry] = es003_period(date(2025, 2, 12), date(2025, 2, 12))
    assert [r[1:2] + r[14:16] for r in entry] == [
        ["1", "1", "9403609081"], ["2", "1", "0901210000"], ["2", "2", "99038803"],
        ["2", "3", "99030120"],
    ]  # fmt: skip
    entry[0][HTS] = "99038803"  # a Chapter 99 number on the commodity's ordinal
    entry[2][HTS] = "84713001"  # 8 digits that are no Chapter 99 number, on ordinal 2
    entry[3][HTS] = "9903.01.20"  # dotted, as a user may retype it: still Chapter 99
    [result] = ingest(tmp_path / "lake", [write_export(tmp_path / "es003.csv", [header, *entry])])
    assert (result.rows_loaded, result.rows_rejected) == (2, 2)
    assert result.reasons == {
        f"hts_number: {CHAPTER_99_NOT_FURTHER}": 1,
        f"hts_number: {EIGHT_NOT_CHAPTER_99}": 1,
    }
    assert lake_rows(tmp_path / "lake", "entry_lines")["hts_number"].to_list() == [
        "0901210000",
        "9903012000",
    ]


# --- overlapping downloads ----------------------------------------------------------------
def _lake(where: Path) -> dict[str, pl.DataFrame]:
    return {t: lake_rows(where, t) for t in ("entry_lines", "entry_summaries")}


@pytest.mark.parametrize("one_call", [False, True], ids=["two-ingests", "one-ingest"])
def test_overlapping_monthly_downloads_merge_to_one_download_of_the_period(tmp_path, one_call):
    january = _write(tmp_path, "jan.csv", es003_period(JAN, date(2025, 2, 3)))
    february = _write(tmp_path, "feb.xlsx", es003_period(date(2025, 1, 29), FEB_END))
    whole = _write(tmp_path, "whole.csv", es003_period(JAN, FEB_END))
    if one_call:
        results = ingest(tmp_path / "months", [january, february])
    else:
        results = [
            *ingest(tmp_path / "months", [january]),
            *ingest(tmp_path / "months", [february]),
        ]
    ingest(tmp_path / "once", [whole])
    # Jan 29 - Feb 3 is in both months: its 6 entries' 15 tariff rows and 6 headers are replaced.
    assert [r.rows_replaced for r in results] == [0, 21]
    months, once = _lake(tmp_path / "months"), _lake(tmp_path / "once")
    for table in months:
        assert months[table].equals(once[table]), table
    lines, headers = months["entry_lines"], months["entry_summaries"]
    assert (lines.height, headers.height) == (153, 59)
    assert (lines["entered_value"].sum(), lines["duty_amount"].sum()) == (
        Decimal("503810.91"),
        Decimal("43926.12"),
    )
    assert headers["duty_amount"].sum() == Decimal("43926.12")


def test_a_re_pull_replaces_the_entry_whole_a_dropped_ordinal_leaves_no_duty(tmp_path, capsys):
    day = date(2025, 2, 12)
    [header, *entry] = es003_period(day, day)
    ingest(tmp_path / "lake", [write_export(tmp_path / "first.csv", [header, *entry])])
    # A post-summary correction took the IEEPA ordinal off line 2 (a re-pull shows it gone).
    corrected = [r for r in entry if r[HTS] != "99030120"]
    again = write_export(tmp_path / "again.csv", [header, *corrected])
    assert main(["ingest", str(again), "--lake", str(tmp_path / "lake")]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "again.csv: loaded 3 of 3 rows (entry_lines 3, entry_summaries 1); rejected 0; "
        "replaced 5",  # the entry's 4 old tariff rows and its header
        f"  note: {DROPPED.format(rows=1)}",
    ]
    lines = lake_rows(tmp_path / "lake", "entry_lines")
    assert lines.select("line_number", "tariff_ordinal", "hts_number").rows() == [
        (1, 1, "9403609081"),
        (2, 1, "0901210000"),
        (2, 2, "9903880300"),
    ]
    assert lines["duty_amount"].sum() == Decimal("1653.73")  # 113.81 + 139.99 + 1,399.93
    [header_row] = lake_rows(tmp_path / "lake", "entry_summaries").to_dicts()
    assert header_row["duty_amount"] == Decimal("1653.73")


def test_a_workbook_whose_sheets_split_an_entry_keeps_all_its_lines(tmp_path):
    rows = es003_period(date(2025, 2, 7), date(2025, 2, 8))
    header, body = rows[0], rows[1:]
    path = tmp_path / "split.xlsx"
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    for name, part in (("Part 1", body[:2]), ("Part 2", body[2:])):  # entry 1 in both
        sheet = book.add_worksheet(name)
        for index, row in enumerate([header, *part]):
            sheet.write_row(index, 0, row)
    book.close()
    [result] = ingest(tmp_path / "lake", [path])
    assert (result.rows_loaded, result.rows_replaced) == (len(body), 0)
    lines, headers = (
        lake_rows(tmp_path / "lake", "entry_lines"),
        lake_rows(tmp_path / "lake", "entry_summaries"),
    )
    assert lines.height == len(body) == 8
    assert headers["duty_amount"].sum() == lines["duty_amount"].sum()


# --- liquidation columns ------------------------------------------------------------------
LIQUIDATED = "BII00000406"  # serial 40 (2025-02-09): every fourth entry is liquidated


def test_liquidation_columns_load_when_present_and_are_kept_when_absent(tmp_path):
    day = date(2025, 2, 9)
    where = tmp_path / "lake"
    with_liquidation = write_export(tmp_path / "with.csv", es003_period(day, day))
    ingest(where, [with_liquidation])
    [row] = lake_rows(where, "entry_summaries").to_dicts()
    assert (row["entry_number"], row["liquidation_date"], row["liquidation_status"]) == (
        LIQUIDATED, date(2025, 12, 20), "Liquidated",
    )  # fmt: skip
    # The same entry again, from a download without the two columns: they stay as loaded.
    without = es003_period(day, day, liquidation=False)
    without[1][DUTY] = "$1.00"  # a corrected duty, so the file is new content
    [again] = ingest(where, [write_export(tmp_path / "without.csv", without)])
    assert again.status == "loaded"
    [row] = lake_rows(where, "entry_summaries").to_dicts()
    assert (row["liquidation_date"], row["liquidation_status"]) == (
        date(2025, 12, 20),
        "Liquidated",
    )
    # A later download that has them says the entry is now unliquidated: it wins.
    later = es003_period(day, day)
    for cells in later[1:]:
        cells[-2:] = ["", "Unliquidated"]
    ingest(where, [write_export(tmp_path / "later.csv", later)])
    [row] = lake_rows(where, "entry_summaries").to_dicts()
    assert (row["liquidation_date"], row["liquidation_status"]) == (None, "Unliquidated")


def test_a_line_file_never_touches_another_importers_liquidation(tmp_path):
    from data_access.access import Principal

    day = date(2025, 2, 9)
    where = tmp_path / "lake"
    ingest(where, [write_export(tmp_path / "cbp.csv", es003_period(day, day))])
    theirs = es003_period(day, day)
    for cells in theirs[1:]:
        cells[3], cells[-2:] = IMPORTERS[1], ["", "Unliquidated"]
    other = Principal.parse(f"importer:{IMPORTERS[1]}")
    [result] = ingest(where, [write_export(tmp_path / "theirs.csv", theirs)], principal=other)
    assert (result.rows_loaded, result.rows_rejected) == (0, len(theirs) - 1)
    [row] = lake_rows(where, "entry_summaries").to_dicts()
    assert (row["importer_number"], row["liquidation_status"]) == (IMPORTERS[0], "Liquidated")


def test_the_builder_writes_chapter_99_as_ace_does():
    rows = es003_entry(date(2025, 2, 12))
    assert [(r[14], r[15], r[16], r[17]) for r in rows if r[9] == "CN"] == [
        ("1", "0901210000", "$5,599.75", "$139.99"),  # (43 * 7919 + 2 * 104729) cents + $100
        ("2", "99038803", "$0.00", "$1,399.93"),  # 25% of the goods value
        ("3", "99030120", "$0.00", "$559.97"),  # 10%, the entry being after 2025-02-04
    ]


# --- post-summary corrections -------------------------------------------------------------
PSC = ES003_HEADERS.index("Post Summary Correction Indicator")


def test_the_post_summary_correction_indicator_is_kept(tmp_path):
    """ES-003's header-level Post Summary Correction Indicator lands on the entry summary
    (Y on the entry of 01/02, N on the others); a value that is no Y or N is quarantined
    with its file, row, column and the fix, and the entry's other line still loads."""
    rows = es003_period(date(2025, 1, 1), date(2025, 1, 3))
    first, corrected, third = dict.fromkeys(r[0] for r in rows[1:])
    for row in rows[1:]:
        row[PSC] = "Y" if row[0] == corrected else row[PSC]
    assert [r[:2] for r in rows[1:3]] == [[first, "1"], [first, "2"]]
    rows[2][PSC] = "Corrected"  # file row 3: line 2 of the first entry
    [result] = ingest(tmp_path / "lake", [write_export(tmp_path / "es003.csv", rows)])
    assert (result.rows_loaded, result.reasons) == (
        6, {"psc_indicator: not a yes/no value (Y or N)": 1}
    )  # fmt: skip
    heads = lake_rows(tmp_path / "lake", "entry_summaries")
    assert heads.select("entry_number", "psc_indicator").rows() == [
        (first, False), (corrected, True), (third, False),
    ]  # fmt: skip
    assert read(tmp_path / "lake").select("file", "row", "column", "reason", "value").rows() == [
        ("es003.csv", 3, "Post Summary Correction Indicator", "not a yes/no value (Y or N)",
         "Corrected"),
    ]  # fmt: skip
