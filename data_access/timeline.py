"""The ITRAC-to-ACE-Reports transition: the YAML phase table, validated.

`load_phases` reads the phase file into a `TransitionPlan` or raises `TimelineError` with
one message naming file, line and field (``phases.yaml, line 12, phases[1].end: this field
is missing``). Lines come from the composed YAML node tree: each pydantic error location,
a path of keys and indices, maps back to the line it came from.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as _PydanticError

from data_access.schema import TABLES

ENV_VAR = "ITRAC_PHASES"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "transition_phases.yaml"

Loc = tuple[str | int, ...]


class TimelineError(ValueError):
    """A phase file that cannot be used; the message names file, line and field."""


def _as_date(value: object) -> object:
    # YAML turns 2019-03-01 into a date; refuse what lax pydantic would coerce (2019 -> 1970).
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("should be a date written YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_as_date)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Availability = Literal["available", "partial", "discontinued", "unavailable"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Notice(_Model):
    title: Text
    issued_by: Text
    issued: Text
    dates_note: Text


class Channel(_Model):
    id: Id
    name: Text
    description: str = ""


class Phase(_Model):
    id: Id
    name: Text
    start: Day
    end: Day
    status: list[Text] = Field(min_length=1)
    availability: dict[str, Availability]


class Milestone(_Model):
    date: Day
    title: Text
    detail: str = ""


class Category(_Model):
    id: Id
    name: Text
    reports: list[Text]
    tables: list[Text]


class Gap(_Model):
    title: Text
    detail: Text


class Question(_Model):
    question: Text
    answer: Text


class Resource(_Model):
    """A training resource or the contact point."""

    title: Text
    detail: str = ""
    url: str | None = None


@dataclass(frozen=True)
class Position:
    """Where a date falls on the plan: in a phase, or before, between or after them."""

    as_of: date
    phase: Phase | None
    previous: Phase | None
    following: Phase | None

    @property
    def kind(self) -> Literal["before", "in", "between", "after"]:
        if self.phase is not None:
            return "in"
        if self.previous is None:
            return "before"
        return "between" if self.following is not None else "after"

    def describe(self) -> str:
        if self.phase is not None:
            return f"{self.phase.name} ({self.phase.start} to {self.phase.end})"
        if self.previous is None:
            assert self.following is not None
            return f"Before the first phase: {self.following.name} starts {self.following.start}"
        if self.following is not None:
            return f"Between {self.previous.name} and {self.following.name}"
        return (
            f"After the last phase ({self.previous.name} ended {self.previous.end}): "
            "fully implemented"
        )


class TransitionPlan(_Model):
    notice: Notice
    before_first_phase: Text
    after_last_phase: Text
    channels: list[Channel] = Field(min_length=1)
    phases: list[Phase] = Field(min_length=1)
    milestones: list[Milestone] = []
    categories: list[Category] = []
    gaps: list[Gap] = []
    questions: list[Question] = []
    training: list[Resource] = []
    contact: Resource
    updates: str = ""

    def position(self, as_of: date) -> Position:
        previous = None
        for phase in self.phases:
            if phase.start <= as_of <= phase.end:
                return Position(as_of, phase, previous, None)
            if as_of < phase.start:
                return Position(as_of, None, previous, phase)
            previous = phase
        return Position(as_of, None, previous, None)

    def phase_in_force(self, as_of: date) -> Phase | None:
        return self.position(as_of).phase


def default_path() -> Path:
    """The phase file: $ITRAC_PHASES if set, else config/transition_phases.yaml."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def load_phases(path: Path) -> TransitionPlan:
    """Read and validate the phase file at `path`; raises TimelineError."""
    data, lines = _compose(path)
    try:
        plan = TransitionPlan.model_validate(data)
    except _PydanticError as error:
        raise TimelineError(_pydantic_message(path, lines, error)) from None
    problem = _consistency_problem(plan)
    if problem is not None:
        loc, text = problem
        raise TimelineError(_message(path, lines, loc, text))
    return plan


_WORDS = ("phase", "channel", "milestone")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def check(path: Path | None = None) -> int:
    """For `itrac timeline --check FILE`: print a summary or the error; 0 when valid."""
    try:
        plan = load_phases(path or default_path())
    except TimelineError as error:
        print(error, file=sys.stderr)
        return 1
    counts = (len(plan.phases), len(plan.channels), len(plan.milestones))
    phases, channels, milestones = (_count(n, w) for n, w in zip(counts, _WORDS, strict=True))
    print(f"OK: {phases}, {channels}, {milestones}")
    return 0


def _compose(path: Path) -> tuple[Any, dict[Loc, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TimelineError(f"{path}: cannot read the file ({error.strerror})") from None
    except UnicodeDecodeError:
        raise TimelineError(f"{path}: not UTF-8 text") from None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            raise TimelineError(f"{path}, line 1: the file is empty")
        lines: dict[Loc, int] = {}
        _index_lines(path, node, (), lines)
        return loader.construct_document(node), lines
    except yaml.YAMLError as error:
        raise _syntax_error(path, text, error) from None


def _syntax_error(path: Path, text: str, error: yaml.YAMLError) -> TimelineError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None:
        line = mark.line + 1
    else:  # the reader refuses a character before any mark exists; it knows the offset
        line = text.count("\n", 0, getattr(error, "position", 0)) + 1
    problem = getattr(error, "problem", None) or getattr(error, "reason", None) or str(error)
    return TimelineError(f"{path}, line {line}: not valid YAML: {problem}")


def _index_lines(
    path: Path, node: yaml.Node, loc: Loc, lines: dict[Loc, int], above: tuple[int, ...] = ()
) -> None:
    """Record the 1-based line of every key and item; refuse duplicate keys and loops."""
    line = node.start_mark.line + 1
    if id(node) in above:
        raise TimelineError(f"{path}, line {line}, {_field(loc)}: an alias that contains itself")
    lines.setdefault(loc, line)
    above = (*above, id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*loc, key_node.value)
            if child in lines:
                line = key_node.start_mark.line + 1
                raise TimelineError(f"{path}, line {line}, {_field(child)}: given twice")
            lines[child] = key_node.start_mark.line + 1
            _index_lines(path, value_node, child, lines, above)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(path, item, (*loc, index), lines, above)


def _pydantic_message(path: Path, lines: dict[Loc, int], error: _PydanticError) -> str:
    errors = error.errors()
    missing = [tuple(e["loc"]) for e in errors if e["type"] == "missing"]
    # A misspelt key also makes its field missing: name the misspelling, it has the line.
    problems = sorted(errors, key=lambda e: (e["type"] == "missing", _line(lines, e["loc"])))
    loc, text = tuple(problems[0]["loc"]), _describe(problems[0], missing)
    more = len(problems) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return _message(path, lines, loc, text) + suffix


def _describe(error: Any, missing: list[Loc]) -> str:
    kind, text, given, loc = error["type"], error["msg"], error["input"], tuple(error["loc"])
    if kind == "missing":
        return "this field is missing"
    if kind == "extra_forbidden":
        wanted = [str(m[-1]) for m in missing if m[:-1] == loc[:-1]]
        close = difflib.get_close_matches(str(loc[-1]), wanted, n=1)
        return f"unknown field; did you mean {close[0]!r}?" if close else "unknown field"
    if kind in ("dict_type", "model_type"):
        text = "should be a mapping of field: value lines"
    text = text.removeprefix("Value error, ")
    text = text[0].lower() + text[1:]
    shown = repr(given) if len(repr(given)) <= 40 else repr(given)[:37] + "..."
    if isinstance(given, dict | list):
        shown = "a mapping" if isinstance(given, dict) else "a list"
    return f"{text}, got {shown}"


def _consistency_problem(plan: TransitionPlan) -> tuple[Loc, str] | None:
    """The first cross-field problem (duplicates, order, overlap, unknown names), if any."""
    for section in ("channels", "phases", "categories"):
        seen: set[str] = set()
        for index, item in enumerate(getattr(plan, section)):
            if item.id in seen:
                return (section, index, "id"), f"id {item.id!r} is used twice"
            seen.add(item.id)
    for index, phase in enumerate(plan.phases):
        problem = _phase_problem(plan, index, phase)
        if problem is not None:
            return problem
    for index, category in enumerate(plan.categories):
        for position, name in enumerate(category.tables):
            if name not in TABLES:
                known = ", ".join(TABLES)
                text = f"unknown lake table {name!r}; tables: {known}"
                return ("categories", index, "tables", position), text
    return None


def _phase_problem(plan: TransitionPlan, index: int, phase: Phase) -> tuple[Loc, str] | None:
    loc: Loc = ("phases", index)
    if phase.end < phase.start:
        return (*loc, "end"), f"{phase.name} ends {phase.end}, before it starts ({phase.start})"
    before = plan.phases[index - 1] if index else None
    if before and phase.start < before.start:
        text = f"before {before.name} ({before.start}): list the phases in date order"
        return (*loc, "start"), f"{phase.name} starts {phase.start}, {text}"
    if before and phase.start <= before.end:
        text = f"before {before.name} ends ({before.end}): phases must not overlap"
        return (*loc, "start"), f"{phase.name} starts {phase.start}, {text}"
    declared = [c.id for c in plan.channels]
    for channel in phase.availability:
        if channel not in declared:
            text = f"unknown channel {channel!r}; channels: {', '.join(declared)}"
            return (*loc, "availability", channel), text
    missing = [c for c in declared if c not in phase.availability]
    if missing:
        return (*loc, "availability"), f"no availability given for {', '.join(missing)}"
    return None


def _line(lines: dict[Loc, int], loc: Loc) -> int:
    loc = tuple(loc)
    # A missing field has no line of its own: use its nearest enclosing key or item.
    while loc not in lines:
        loc = loc[:-1]
    return lines[loc]


def _field(loc: Loc) -> str:
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    return text.lstrip(".") or "(top level)"


def _message(path: Path, lines: dict[Loc, int], loc: Loc, text: str) -> str:
    return f"{path}, line {_line(lines, loc)}, {_field(loc)}: {text}"
