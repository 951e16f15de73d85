"""The Chapter 99 registry: which 9903 number was in force when, under which program.

`load(path)` reads `config/tariff_layers.yaml` (or $ITRAC_LAYERS) into a `Registry`, or
raises `LayerError` with one message naming file, line and field, like the transition
phase table (`data_access.timeline`, whose YAML line index this module reuses)::

    tariff_layers.yaml, line 40, layers[3].effective_to: ends 2019-05-09, before it starts

`Registry.lookup(number, entry_date)` answers one filed number; the reports use the
expressions of `data_access.reports.layers` built from `Registry.layers`. Numbers are kept
as 8 digits ("99038803"): ACE writes them as 9903xxxx or 9903xxxx00, people as 9903.88.03.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints
from pydantic import ValidationError as _PydanticError

from data_access import timeline
from data_access.timeline import Day, Loc, Text, TimelineError, _Model

ENV_VAR = "ITRAC_LAYERS"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "tariff_layers.yaml"

Program = Literal[
    "section_301", "section_232", "ieepa_fentanyl", "ieepa_reciprocal", "section_122", "other"
]
PROGRAM_NAMES: dict[str, str] = {
    "section_301": "Section 301",
    "section_232": "Section 232",
    "ieepa_fentanyl": "IEEPA fentanyl",
    "ieepa_reciprocal": "IEEPA reciprocal",
    "section_122": "Section 122",
    "other": "Other",
}
UNLISTED = "unlisted"  # the program of a filed 9903 number the registry does not know
PROGRAM_NAMES_ALL = {**PROGRAM_NAMES, UNLISTED: "Not in the registry"}
Product = Literal["steel", "aluminum", "autos", "auto_parts", "copper", "timber", "trucks"]
PRODUCT_NAMES: dict[str, str] = {
    "steel": "steel",
    "aluminum": "aluminum",
    "autos": "autos",
    "auto_parts": "auto parts",
    "copper": "copper",
    "timber": "timber and lumber",
    "trucks": "heavy trucks",
}


class LayerError(ValueError):
    """A registry file that cannot be used; the message names file, line and field."""


def normalize_number(value: str) -> str:
    """'9903.88.03', '99038803' or '9903880300' -> '99038803' (the 8-digit heading)."""
    return value.replace(".", "").strip()[:8]


def _number(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError('write the 9903 number in quotes, e.g. "9903.88.03"')
    digits = value.replace(".", "").strip()
    if not (digits.isdigit() and len(digits) in (8, 10) and digits.startswith("9903")):
        raise ValueError("should be a Chapter 99 number like 9903.88.03")
    return digits[:8]


def _hts_prefix(value: object) -> object:
    digits = str(value).replace(".", "").strip()
    if not (digits.isdigit() and 2 <= len(digits) <= 10):
        raise ValueError("should be an HTS prefix of 2 to 10 digits, e.g. 7208 or 8708.30.50")
    return digits


Number = Annotated[str, BeforeValidator(_number)]
HtsPrefix = Annotated[str, BeforeValidator(_hts_prefix)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Refunds(_Model):
    """The 2026 ruling: which programs' duty is refunded, and their last day in force."""

    ruling: Text
    ruling_date: Day
    programs: list[Program] = Field(min_length=1)
    last_day: Day
    source: Text


class Audit(_Model):
    """What the audit's "layer missing" check leaves out, with its source."""

    except_entry_types: tuple[Annotated[str, StringConstraints(pattern=r"^\d{2}$")], ...] = ()
    source: str = ""


class Layer(_Model):
    """One 9903 number (or range) under one program at one rate, for a span of entry dates."""

    number: Number
    number_to: Number | None = None
    program: Program
    product: Product | None = None
    rate: float | None = Field(default=None, ge=0)  # percent of the goods value
    rate_note: str = ""
    kind: Literal["duty", "exemption"] = "duty"
    effective_from: Day
    effective_to: Day | None = None  # included; None: still in force
    refundable: bool
    countries: tuple[Country, ...] = ()
    except_countries: tuple[Country, ...] = ()
    hts: tuple[HtsPrefix, ...] = ()
    expected: bool = False
    not_with: tuple[Program, ...] = ()
    source: Text
    note: str = ""
    line: int = 0  # the file line of the entry (set by `load`)

    @property
    def number_from(self) -> str:
        return self.number

    @property
    def last_number(self) -> str:
        return self.number_to or self.number

    @property
    def program_name(self) -> str:
        return PROGRAM_NAMES[self.program]

    @property
    def name(self) -> str:
        """'Section 232 steel', 'IEEPA fentanyl CN, HK', 'Section 301'."""
        if self.product:
            return f"{self.program_name} {PRODUCT_NAMES[self.product]}"
        if self.program == "ieepa_fentanyl" and self.countries:
            return f"{self.program_name} {', '.join(self.countries)}"
        return self.program_name

    @property
    def numbers(self) -> str:
        """The number or range as people write it: 9903.01.21-9903.01.23."""
        first = dotted(self.number)
        return first if self.number_to is None else f"{first}-{dotted(self.number_to)}"

    def covers_number(self, number: str) -> bool:
        return self.number <= normalize_number(number) <= self.last_number

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


def dotted(number: str) -> str:
    """'99038803' -> '9903.88.03'."""
    return f"{number[:4]}.{number[4:6]}.{number[6:8]}"


class Registry(_Model):
    refunds: Refunds
    audit: Audit = Audit()
    layers: list[Layer] = Field(min_length=1)

    def lookup(self, hts_number: str, entry_date: date) -> Layer | None:
        """The layer of a filed 9903 number on an entry date, or None (not in force then,
        or not in the registry)."""
        for layer in self.layers:
            if layer.covers_number(hts_number) and layer.in_force(entry_date):
                return layer
        return None

    def layers_of(self, hts_number: str) -> list[Layer]:
        """Every layer of a number, in any era (empty: not in the registry)."""
        return [layer for layer in self.layers if layer.covers_number(hts_number)]

    def program_of(self, hts_number: str) -> str:
        """The program of a 9903 number (one per number), or "unlisted"."""
        found = self.layers_of(hts_number)
        return found[0].program if found else UNLISTED

    @cached_property
    def ranges(self) -> list[tuple[str, str, str]]:
        """(first, last, program) per distinct number range, for the reports' CASE."""
        seen: dict[tuple[str, str], str] = {}
        for layer in self.layers:
            seen.setdefault((layer.number, layer.last_number), layer.program)
        return [(a, b, p) for (a, b), p in seen.items()]

    @cached_property
    def refunded_ranges(self) -> list[tuple[str, str]]:
        """The refunded 9903 numbers (programs of `refunds`) as few ranges as possible."""
        merged: list[tuple[str, str]] = []
        chosen = {(a, b) for a, b, p in self.ranges if p in self.refunds.programs}
        for first, last in sorted(chosen):
            if merged and int(first) <= int(merged[-1][1]) + 1:
                merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
            else:
                merged.append((first, last))
        return merged


def default_path() -> Path:
    """The registry file: $ITRAC_LAYERS if set, else config/tariff_layers.yaml."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


_CACHE: dict[tuple[str, float], Registry] = {}


def load(path: Path | str | None = None) -> Registry:
    """Read and validate the registry (default: `default_path()`); raises LayerError.

    Cached per file and modification time, so an edit shows on the next render."""
    path = Path(path) if path is not None else default_path()
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except OSError as error:
        raise LayerError(f"{path}: cannot read the file ({error.strerror})") from None
    if key not in _CACHE:
        _CACHE[key] = _load(path)
    return _CACHE[key]


def _load(path: Path) -> Registry:
    try:
        data, lines = timeline._compose(path)
    except TimelineError as error:
        raise LayerError(str(error)) from None
    try:
        registry = Registry.model_validate(data)
    except _PydanticError as error:
        raise LayerError(timeline._pydantic_message(path, lines, error)) from None
    layers = [
        layer.model_copy(update={"line": timeline._line(lines, ("layers", index))})
        for index, layer in enumerate(registry.layers)
    ]
    registry = registry.model_copy(update={"layers": layers})
    problem = _consistency_problem(registry)
    if problem is not None:
        loc, text = problem
        raise LayerError(timeline._message(path, lines, loc, text))
    return registry


def check(path: Path | None = None) -> int:
    """For `itrac layers --check FILE`: print a summary or the error; 0 when valid."""
    try:
        registry = load(path)
    except LayerError as error:
        print(error, file=sys.stderr)
        return 1
    programs = {layer.program for layer in registry.layers}
    numbers = len(registry.ranges)
    print(
        f"OK: {len(registry.layers)} layers, {numbers} numbers or ranges, {len(programs)} programs"
    )
    return 0


# --- cross-field rules ----------------------------------------------------------------------
def _consistency_problem(registry: Registry) -> tuple[Loc, str] | None:
    for index, layer in enumerate(registry.layers):
        problem = _layer_problem(registry.refunds, index, layer)
        if problem is not None:
            return problem
        for before_index, before in enumerate(registry.layers[:index]):
            problem = _clash(index, layer, before_index, before)
            if problem is not None:
                return problem
    return None


def _layer_problem(refunds: Refunds, index: int, layer: Layer) -> tuple[Loc, str] | None:
    loc: Loc = ("layers", index)
    if layer.number_to is not None and layer.number_to < layer.number:
        last, first = dotted(layer.number_to), dotted(layer.number)
        text = f"{last} is before {first}: write the range low to high"
        return (*loc, "number_to"), text
    if layer.effective_to is not None and layer.effective_to < layer.effective_from:
        text = f"ends {layer.effective_to}, before it starts ({layer.effective_from})"
        return (*loc, "effective_to"), text
    if layer.program == "section_232" and layer.product is None:
        return (*loc, "product"), "a Section 232 layer names its product (steel, aluminum, ...)"
    if layer.product is not None and layer.program != "section_232":
        return (*loc, "product"), "only Section 232 layers name a product"
    if layer.rate is None and not layer.rate_note.strip():
        return (*loc, "rate"), "give the rate in percent, or say in rate_note why it varies"
    if layer.expected and layer.except_countries:
        text = "the audit's expected scope names countries: list them under countries"
        return (*loc, "except_countries"), text
    if layer.kind == "exemption" and layer.rate:
        return (*loc, "rate"), "an exemption adds no duty: write rate: 0"
    return _refund_problem(refunds, loc, layer)


def _refund_problem(refunds: Refunds, loc: Loc, layer: Layer) -> tuple[Loc, str] | None:
    refunded = layer.program in refunds.programs
    if refunded and not layer.refundable:
        return (
            *loc,
            "refundable",
        ), f"{layer.program_name} duty is refunded under the ruling: write refundable: true"
    if layer.refundable and not refunded:
        listed = ", ".join(refunds.programs)
        return (
            *loc,
            "refundable",
        ), f"only {listed} duty is refundable under the ruling: write refundable: false"
    if refunded and (layer.effective_to is None or layer.effective_to > refunds.last_day):
        ended = layer.effective_to or "open"
        text = (
            f"{layer.program_name} layers end by {refunds.last_day} (the ruling, "
            f"{refunds.source}); this one ends {ended}"
        )
        return (*loc, "effective_to"), text
    return None


def _clash(index: int, layer: Layer, other_index: int, other: Layer) -> tuple[Loc, str] | None:
    """Overlapping numbers must agree on the program and must not overlap in time."""
    if layer.number > other.last_number or other.number > layer.last_number:
        return None
    where = f"layers[{other_index}] ({other.numbers}, line {other.line})"
    if layer.program != other.program:
        text = f"{layer.numbers} is {other.program} in {where}: one number has one program"
        return ("layers", index, "program"), text
    ends = [d for d in (layer.effective_to, other.effective_to) if d is not None]
    if max(layer.effective_from, other.effective_from) <= (min(ends) if ends else date.max):
        span = f"{other.effective_from} to {other.effective_to or 'open'}"
        text = f"{layer.numbers} overlaps {where} in force {span}: a number has one layer on a date"
        return ("layers", index, "effective_from"), text
    return None
