"""The phase table: phase in force on a date, and one clear message per malformed file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from data_access.timeline import DEFAULT_PATH, TimelineError, check, default_path, load_phases

# Two phases with a gap between them (June), so "between" can be tested.
# Line numbers below are those of this text: line 1 is "notice:".
GOOD = """\
notice:
  title: ITRAC data transition
  issued_by: CBP
  issued: Spring 2019
  dates_note: Seasons, not days.
before_first_phase: CD only.
after_last_phase: Fully implemented.
channels:
  - id: ace
    name: ACE Reports
  - id: cd
    name: ITRAC on CD
phases:
  - id: spring
    name: Spring 2019
    start: 2019-03-01
    end: 2019-05-31
    status: [Most data in ACE Reports]
    availability: {ace: partial, cd: available}
  - id: fall
    name: Fall 2019
    start: 2019-07-01
    end: 2019-12-31
    status: [Fully implemented]
    availability: {ace: available, cd: discontinued}
milestones:
  - date: 2019-04-18
    title: Reports deployed
contact:
  title: ACE Reports mailbox
  detail: Questions go here.
"""


def write(tmp_path: Path, text: str, name: str = "phases.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(TimelineError) as caught:
        load_phases(path)
    return str(caught.value)


@pytest.fixture
def plan(tmp_path: Path):
    return load_phases(write(tmp_path, GOOD))


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2019, 2, 28), None),
        (date(2019, 3, 1), "spring"),
        (date(2019, 4, 18), "spring"),
        (date(2019, 5, 31), "spring"),
        (date(2019, 6, 15), None),
        (date(2019, 7, 1), "fall"),
        (date(2019, 12, 31), "fall"),
        (date(2020, 1, 1), None),
    ],
)
def test_phase_in_force_on_each_side_of_the_boundaries(plan, as_of, expected):
    phase = plan.phase_in_force(as_of)
    assert (phase.id if phase else None) == expected


def test_before_the_first_phase_names_the_first_phase(plan):
    position = plan.position(date(2019, 1, 15))
    assert position.kind == "before"
    assert position.describe() == "Before the first phase: Spring 2019 starts 2019-03-01"


def test_inside_a_phase_names_it_with_its_dates(plan):
    position = plan.position(date(2019, 4, 18))
    assert position.kind == "in"
    assert position.describe() == "Spring 2019 (2019-03-01 to 2019-05-31)"
    assert position.phase.status == ["Most data in ACE Reports"]


def test_between_phases_names_both_neighbours(plan):
    position = plan.position(date(2019, 6, 15))
    assert position.kind == "between"
    assert position.describe() == "Between Spring 2019 and Fall 2019"


def test_after_the_last_phase_is_fully_implemented(plan):
    position = plan.position(date(2024, 5, 1))
    assert position.kind == "after"
    assert position.describe() == (
        "After the last phase (Fall 2019 ended 2019-12-31): fully implemented"
    )


def test_channel_availability_is_keyed_by_declared_channel_ids(plan):
    assert plan.phases[1].availability == {"ace": "available", "cd": "discontinued"}
    assert [c.name for c in plan.channels] == ["ACE Reports", "ITRAC on CD"]


def test_adding_a_phase_is_an_edit_of_the_yaml_alone(tmp_path):
    extra = """\
  - id: winter
    name: Winter 2020
    start: 2020-01-01
    end: 2020-02-29
    status: [CTPAT portal continues]
    availability: {ace: available, cd: unavailable}
"""
    text = GOOD.replace("milestones:\n", extra + "milestones:\n")
    plan = load_phases(write(tmp_path, text))
    assert plan.phase_in_force(date(2020, 2, 1)).name == "Winter 2020"


def test_missing_field_names_the_phase_line(tmp_path):
    path = write(tmp_path, GOOD.replace("    end: 2019-12-31\n", ""))
    assert error_of(path) == f"{path}, line 20, phases[1].end: this field is missing"


def test_wrong_type_names_the_value_line(tmp_path):
    path = write(tmp_path, GOOD.replace("start: 2019-07-01", "start: July 2019"))
    assert error_of(path) == (
        f"{path}, line 22, phases[1].start: should be a date written YYYY-MM-DD, got 'July 2019'"
    )


def test_status_must_be_a_list(tmp_path):
    path = write(tmp_path, GOOD.replace("status: [Fully implemented]", "status: Done"))
    assert error_of(path) == (
        f"{path}, line 24, phases[1].status: input should be a valid list, got 'Done'"
    )


def test_unknown_availability_value_lists_the_allowed_ones(tmp_path):
    path = write(tmp_path, GOOD.replace("cd: discontinued", "cd: gone"))
    assert error_of(path) == (
        f"{path}, line 25, phases[1].availability.cd: input should be 'available', "
        "'partial', 'discontinued' or 'unavailable', got 'gone'"
    )


def test_overlapping_phases(tmp_path):
    path = write(tmp_path, GOOD.replace("start: 2019-07-01", "start: 2019-05-15"))
    assert error_of(path) == (
        f"{path}, line 22, phases[1].start: Fall 2019 starts 2019-05-15, before Spring 2019 "
        "ends (2019-05-31): phases must not overlap"
    )


def test_unordered_phases(tmp_path):
    path = write(tmp_path, GOOD.replace("start: 2019-07-01", "start: 2019-01-01"))
    assert error_of(path) == (
        f"{path}, line 22, phases[1].start: Fall 2019 starts 2019-01-01, before Spring 2019 "
        "(2019-03-01): list the phases in date order"
    )


def test_phase_ending_before_it_starts(tmp_path):
    path = write(tmp_path, GOOD.replace("end: 2019-05-31", "end: 2019-02-01"))
    assert error_of(path) == (
        f"{path}, line 17, phases[0].end: Spring 2019 ends 2019-02-01, "
        "before it starts (2019-03-01)"
    )


def test_unknown_channel(tmp_path):
    path = write(tmp_path, GOOD.replace("cd: available}", "dvd: available}"))
    assert error_of(path) == (
        f"{path}, line 19, phases[0].availability.dvd: unknown channel 'dvd'; channels: ace, cd"
    )


def test_phase_silent_about_a_channel(tmp_path):
    path = write(tmp_path, GOOD.replace("{ace: partial, cd: available}", "{ace: partial}"))
    assert (
        error_of(path) == f"{path}, line 19, phases[0].availability: no availability given for cd"
    )


def test_misspelt_field_suggests_the_right_one(tmp_path):
    path = write(tmp_path, GOOD.replace("    start: 2019-07-01", "    strat: 2019-07-01"))
    assert error_of(path) == (
        f"{path}, line 22, phases[1].strat: unknown field; did you mean 'start'? "
        "(and 1 more problem)"
    )


def test_duplicate_key(tmp_path):
    path = write(tmp_path, GOOD.replace("    end: 2019-05-31\n", "    end: 2019-05-31\n" * 2))
    assert error_of(path) == f"{path}, line 18, phases[0].end: given twice"


def test_duplicate_channel_id(tmp_path):
    path = write(tmp_path, GOOD.replace("  - id: cd\n", "  - id: ace\n"))
    assert error_of(path) == f"{path}, line 11, channels[1].id: id 'ace' is used twice"


def test_invalid_yaml_syntax(tmp_path):
    path = write(tmp_path, GOOD.replace("    status: [Fully implemented]", "    status: [Fully"))
    assert error_of(path) == (f"{path}, line 25: not valid YAML: expected ',' or ']', but got ':'")


def test_empty_and_missing_files(tmp_path):
    empty = write(tmp_path, "")
    assert error_of(empty) == f"{empty}, line 1: the file is empty"
    absent = tmp_path / "absent.yaml"
    assert error_of(absent) == f"{absent}: cannot read the file (No such file or directory)"


def test_top_level_must_be_a_mapping(tmp_path):
    path = write(tmp_path, "- a\n- b\n")
    assert error_of(path) == (
        f"{path}, line 1, (top level): should be a mapping of field: value lines, got a list"
    )


def test_check_prints_a_summary(tmp_path, capsys):
    assert check(write(tmp_path, GOOD)) == 0
    assert capsys.readouterr().out == "OK: 2 phases, 2 channels, 1 milestone\n"


def test_check_prints_the_error_to_stderr(tmp_path, capsys):
    path = write(tmp_path, GOOD.replace("start: 2019-07-01", "start: 2019-05-15"))
    assert check(path) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{path}, line 22, phases[1].start: ")


def test_shipped_file_is_valid(capsys):
    assert check(DEFAULT_PATH) == 0
    assert capsys.readouterr().out == "OK: 3 phases, 3 channels, 1 milestone\n"
    plan = load_phases(DEFAULT_PATH)
    assert plan.phase_in_force(date(2019, 4, 18)).name == "Spring 2019"
    assert plan.phase_in_force(date(2019, 7, 15)).name == "Summer 2019"
    assert plan.phases[2].availability["itrac_cd"] == "discontinued"


def test_env_var_overrides_the_default_path(tmp_path, monkeypatch):
    monkeypatch.delenv("ITRAC_PHASES", raising=False)
    assert default_path() == DEFAULT_PATH
    monkeypatch.setenv("ITRAC_PHASES", str(tmp_path / "x.yaml"))
    assert default_path() == tmp_path / "x.yaml"


def test_unreadable_text_is_a_message_not_a_traceback(tmp_path):
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe notice")
    assert error_of(binary) == f"{binary}: not UTF-8 text"
    control = write(tmp_path, "notice: x\nbad: \x07\n")
    assert (
        error_of(control)
        == f"{control}, line 2: not valid YAML: special characters are not allowed"
    )
    looped = write(tmp_path, "a: &x [*x]\n")
    assert error_of(looped) == f"{looped}, line 1, a[0]: an alias that contains itself"


def test_itrac_timeline_check_from_the_command_line(tmp_path, capsys) -> None:
    from data_access import cli

    assert cli.main(["timeline", "--check"]) == 0
    assert capsys.readouterr().out == "OK: 3 phases, 3 channels, 1 milestone\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text("phases: [\n")
    assert cli.main(["timeline", "--check", str(bad)]) == 1
    assert capsys.readouterr().err == (
        f"{bad}, line 2: not valid YAML: expected the node content, but found '<stream end>'\n"
    )
