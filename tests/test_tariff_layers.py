"""The Chapter 99 registry: lookups by number and date, one line-precise message per broken file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from data_access import cli
from data_access.tariff_layers import DEFAULT_PATH, LayerError, check, load

# Line 1 is "refunds:"; the line numbers in the tests below are those of this text.
GOOD = """\
refunds:
  ruling: IEEPA does not authorize tariffs.
  ruling_date: 2026-02-20
  programs: [ieepa_fentanyl, ieepa_reciprocal]
  last_day: 2026-02-23
  source: CSMS 67834313
layers:
  - number: "9903.88.03"
    program: section_301
    rate: 10
    effective_from: 2018-09-24
    effective_to: 2019-05-09
    refundable: false
    source: 83 FR 47974
  - number: "9903.88.03"
    program: section_301
    rate: 25
    effective_from: 2019-05-10
    refundable: false
    countries: [CN]
    hts: ["7308"]
    expected: true
    source: 84 FR 20459
  - number: "9903.01.24"
    program: ieepa_fentanyl
    rate: 20
    effective_from: 2025-03-04
    effective_to: 2026-02-23
    refundable: true
    countries: [CN, HK]
    source: EO 14228
  - number: "9903.01.26"
    number_to: "9903.01.33"
    program: ieepa_reciprocal
    kind: exemption
    rate: 0
    effective_from: 2025-04-05
    effective_to: 2026-02-23
    refundable: true
    source: HTSUS 9903.01.26-.33
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "layers.yaml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, old: str, new: str, count: int = 1) -> str:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, count))
    with pytest.raises(LayerError) as caught:
        load(path)
    return str(caught.value).removeprefix(f"{path}, ")


def test_lookup_by_number_and_entry_date(tmp_path):
    registry = load(write(tmp_path, GOOD))
    assert registry.lookup("9903880300", date(2019, 5, 9)).rate == 10
    assert registry.lookup("99038803", date(2019, 5, 10)).rate == 25
    assert registry.lookup("9903.88.03", date(2018, 9, 23)) is None  # before its era
    assert registry.lookup("9903013000", date(2025, 6, 1)).kind == "exemption"  # in a range
    assert registry.lookup("9903990100", date(2025, 6, 1)) is None  # not in the registry
    layer = registry.lookup("9903012400", date(2025, 3, 4))
    assert (layer.program, layer.refundable, layer.name) == (
        "ieepa_fentanyl",
        True,
        "IEEPA fentanyl CN, HK",
    )
    assert (layer.line, layer.numbers, layer.countries) == (24, "9903.01.24", ("CN", "HK"))
    assert registry.program_of("9903.01.30") == "ieepa_reciprocal"
    assert registry.program_of("9903.99.01") == "unlisted"
    assert registry.layers[1].hts == ("7308",)


def test_overlapping_ranges_in_force_on_the_same_dates(tmp_path):
    message = error_of(tmp_path, "effective_from: 2019-05-10", "effective_from: 2019-05-09")
    assert message == (
        "line 18, layers[1].effective_from: 9903.88.03 overlaps layers[0] (9903.88.03, line 8) "
        "in force 2018-09-24 to 2019-05-09: a number has one layer on a date"
    )


def test_a_number_inside_another_range_must_keep_its_program(tmp_path):
    message = error_of(tmp_path, '"9903.01.24"', '"9903.01.30"')
    assert message == (
        "line 34, layers[3].program: 9903.01.26-9903.01.33 is ieepa_fentanyl in layers[2] "
        "(9903.01.30, line 24): one number has one program"
    )


def test_range_written_high_to_low(tmp_path):
    message = error_of(tmp_path, 'number_to: "9903.01.33"', 'number_to: "9903.01.25"')
    assert message == (
        "line 33, layers[3].number_to: 9903.01.25 is before 9903.01.26: write the range low to high"
    )


def test_layer_ending_before_it_starts(tmp_path):
    message = error_of(tmp_path, "effective_to: 2019-05-09", "effective_to: 2017-05-09")
    assert (
        message == "line 12, layers[0].effective_to: ends 2017-05-09, before it starts (2018-09-24)"
    )


def test_unknown_program_lists_the_known_ones(tmp_path):
    message = error_of(tmp_path, "program: section_301", "program: section_201")
    assert message.startswith("line 9, layers[0].program: input should be 'section_301', ")
    assert message.endswith("'section_122' or 'other', got 'section_201'")


def test_missing_source_names_the_layer_line(tmp_path):
    message = error_of(tmp_path, "    source: 83 FR 47974\n", "")
    assert message == "line 8, layers[0].source: this field is missing"


def test_ieepa_layer_must_end_by_the_last_day_of_collection(tmp_path):
    message = error_of(tmp_path, "effective_to: 2026-02-23\n    refundable: true\n    countries",
                       "effective_to: 2026-03-01\n    refundable: true\n    countries")  # fmt: skip
    assert message == (
        "line 28, layers[2].effective_to: IEEPA fentanyl layers end by 2026-02-23 (the ruling, "
        "CSMS 67834313); this one ends 2026-03-01"
    )
    open_ended = "    effective_to: 2026-02-23\n    refundable: true\n    countries"
    message = error_of(tmp_path, open_ended, "    refundable: true\n    countries")
    assert message.endswith("IEEPA fentanyl layers end by 2026-02-23 (the ruling, "
                            "CSMS 67834313); this one ends open")  # fmt: skip


def test_refundable_follows_the_ruling(tmp_path):
    message = error_of(tmp_path, "refundable: false", "refundable: true")
    assert message == (
        "line 13, layers[0].refundable: only ieepa_fentanyl, ieepa_reciprocal duty is "
        "refundable under the ruling: write refundable: false"
    )
    message = error_of(tmp_path, "refundable: true", "refundable: false")
    assert message == (
        "line 29, layers[2].refundable: IEEPA fentanyl duty is refunded under the ruling: "
        "write refundable: true"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"9903.88.03"', '"9902.88.03"', "line 8, layers[0].number: should be a Chapter 99 "
         "number like 9903.88.03, got '9902.88.03'"),
        ('"9903.88.03"', "9903.88", "line 8, layers[0].number: write the 9903 number in quotes, "
         'e.g. "9903.88.03", got 9903.88'),
        ("rate: 10\n", "rate_note: ''\n", "line 8, layers[0].rate: give the rate in percent, or "
         "say in rate_note why it varies"),
        ("kind: exemption\n    rate: 0", "kind: exemption\n    rate: 5", "line 36, layers[3].rate: "
         "an exemption adds no duty: write rate: 0"),
        ("countries: [CN]", "countries: [China]", "line 20, layers[1].countries[0]: string "
         "should match pattern '^[A-Z]{2}$', got 'China'"),
        ('hts: ["7308"]', 'hts: ["73x"]', "line 21, layers[1].hts[0]: should be an HTS prefix of "
         "2 to 10 digits, e.g. 7208 or 8708.30.50, got '73x'"),
        ("program: section_301\n    rate: 10", "program: section_232\n    rate: 10",
         "line 8, layers[0].product: a Section 232 layer names its product (steel, aluminum, ...)"),
        ("    expected: true\n", "    expected: true\n    except_countries: [MX]\n",
         "line 23, layers[1].except_countries: the audit's expected scope names countries: "
         "list them under countries"),
        ("    rate: 25\n", "    rate: 25\n    rat: 3\n", "line 18, layers[1].rat: unknown field"),
    ],
)  # fmt: skip
def test_field_problems_name_file_line_and_field(tmp_path, old, new, expected):
    assert error_of(tmp_path, old, new) == expected


def test_shipped_registry_is_valid_and_holds_domain_facts(capsys):
    assert check(DEFAULT_PATH) == 0
    assert capsys.readouterr().out.startswith("OK: ")
    registry = load(DEFAULT_PATH)
    assert registry.lookup("9903.88.15", date(2020, 2, 14)).rate == 7.5
    assert registry.lookup("9903.01.24", date(2025, 3, 4)).rate == 20
    assert registry.lookup("9903.01.24", date(2025, 11, 10)).rate == 10
    assert registry.lookup("9903.01.25", date(2025, 4, 5)).rate == 10
    assert registry.lookup("9903.01.25", date(2026, 2, 24)) is None  # the ruling
    assert registry.lookup("9903.03.01", date(2026, 2, 24)).program == "section_122"
    assert registry.lookup("9903.03.01", date(2026, 7, 25)) is None
    assert registry.lookup("9903.80.01", date(2025, 6, 4)).rate == 50
    assert registry.lookup("9903.78.01", date(2025, 8, 1)).product == "copper"
    ieepa = [layer for layer in registry.layers if layer.program.startswith("ieepa")]
    assert ieepa and all(x.refundable and x.effective_to <= date(2026, 2, 23) for x in ieepa)
    assert all(not x.refundable for x in registry.layers if x not in ieepa)


def test_itrac_layers_check_from_the_command_line(tmp_path, capsys):
    assert cli.main(["layers", "--check"]) == 0
    assert capsys.readouterr().out.startswith("OK: ")
    bad = write(tmp_path, GOOD.replace("effective_from: 2019-05-10", "effective_from: 2019-05-01"))
    assert cli.main(["layers", "--check", str(bad)]) == 1
    assert capsys.readouterr().err.startswith(f"{bad}, line 18, layers[1].effective_from: ")
