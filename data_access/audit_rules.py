"""The audit's dated rules: MPF limits per fiscal year, HMF modes, SPI eligibility.

`load(path)` reads `config/audit_rules.yaml` (or $ITRAC_AUDIT_RULES) into `AuditRules`, or
raises `AuditRulesError` with one message naming file, line and field, like the phase
table and the tariff layer registry (`data_access.timeline` indexes the YAML lines)::

    audit_rules.yaml, line 31, mpf.fiscal_years[7].from: starts 2024-10-02, the day after
    FY2024 ends is 2024-10-01: fiscal years follow each other without gaps

`itrac audit --check FILE` validates an edit. The audit reports
(`data_access.reports.audit`) join these rules as small in-memory tables.
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints
from pydantic import ValidationError as _PydanticError

from data_access import timeline
from data_access.timeline import Day, Loc, Text, TimelineError, _Model

ENV_VAR = "ITRAC_AUDIT_RULES"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "audit_rules.yaml"

Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9+]{1,2}$")]
EntryType = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
Mode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
Money = Annotated[float, Field(ge=0)]


class AuditRulesError(ValueError):
    """A rules file that cannot be used; the message names file, line and field."""


class FiscalYear(_Model):
    year: int = Field(ge=1990, le=2100)
    starts: Day = Field(alias="from")
    ends: Day = Field(alias="to")
    minimum: Money
    maximum: Money
    informal: Money
    source: Text


class Mpf(_Model):
    rate_percent: float = Field(gt=0, lt=100)
    source: Text
    fiscal_years: list[FiscalYear] = Field(min_length=1)
    exempt_spi: tuple[Code, ...] = ()
    exempt_spi_source: str = ""
    informal_entry_types: tuple[EntryType, ...] = ()
    exempt_entry_types: tuple[EntryType, ...] = ()

    @property
    def last_day(self) -> date:
        return self.fiscal_years[-1].ends


class Hmf(_Model):
    rate_percent: float = Field(gt=0, lt=100)
    vessel_modes: tuple[Mode, ...] = Field(min_length=1)
    source: Text


class Span(_Model):
    starts: Day = Field(alias="from")
    ends: Day | None = Field(default=None, alias="to")  # included; None: still in force
    countries: tuple[Country, ...] = ()  # none: any origin


class Removal(_Model):
    country: Country
    starts: Day = Field(alias="from")
    source: Text


class Program(_Model):
    code: Code
    name: Text
    spans: list[Span] = Field(min_length=1)
    removed: tuple[Removal, ...] = ()
    source: Text


class Outliers(_Model):
    z: float = Field(gt=0)
    min_lines: int = Field(ge=3)
    source: Text


class AuditRules(_Model):
    mpf: Mpf
    hmf: Hmf
    spi: list[Program] = Field(min_length=1)
    outliers: Outliers

    def program(self, code: str) -> Program | None:
        return next((p for p in self.spi if p.code == code), None)

    def eligible_rows(self) -> list[tuple[str, str | None, date, date]]:
        """(SPI, origin or None for any, first day, last day) for each day an origin may
        claim the program; a removal cuts the origin's span short."""
        cut = {(p.code, r.country): r.starts for p in self.spi for r in p.removed}
        rows = []
        for p in self.spi:
            for span in p.spans:
                last = span.ends or date.max
                for country in span.countries or (None,):
                    removed = cut.get((p.code, country)) if country else None
                    end = min(last, removed - timedelta(days=1)) if removed else last
                    if end >= span.starts:
                        rows.append((p.code, country, span.starts, end))
        return rows


def default_path() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


_CACHE: dict[tuple[str, float], AuditRules] = {}


def load(path: Path | str | None = None) -> AuditRules:
    """Read and validate the rules (default `default_path()`); cached per file version."""
    path = Path(path) if path is not None else default_path()
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except OSError as error:
        raise AuditRulesError(f"{path}: cannot read the file ({error.strerror})") from None
    if key not in _CACHE:
        _CACHE[key] = _load(path)
    return _CACHE[key]


def _load(path: Path) -> AuditRules:
    try:
        data, lines = timeline._compose(path)
    except TimelineError as error:
        raise AuditRulesError(str(error)) from None
    try:
        rules = AuditRules.model_validate(data)
    except _PydanticError as error:
        raise AuditRulesError(timeline._pydantic_message(path, lines, error)) from None
    problem = _consistency_problem(rules)
    if problem is not None:
        loc, text = problem
        raise AuditRulesError(timeline._message(path, lines, loc, text))
    return rules


def check(path: Path | None = None) -> int:
    """For `itrac audit --check FILE`: print a summary or the error; 0 when valid."""
    try:
        rules = load(path)
    except AuditRulesError as error:
        print(error, file=sys.stderr)
        return 1
    years = rules.mpf.fiscal_years
    print(
        f"OK: MPF limits FY{years[0].year}-FY{years[-1].year} (to {rules.mpf.last_day}), "
        f"{len(rules.spi)} special programs"
    )
    return 0


def _consistency_problem(rules: AuditRules) -> tuple[Loc, str] | None:
    years = rules.mpf.fiscal_years
    for index, year in enumerate(years):
        loc: Loc = ("mpf", "fiscal_years", index)
        if year.ends < year.starts:
            return (*loc, "to"), f"ends {year.ends}, before it starts ({year.starts})"
        if year.maximum < year.minimum:
            return (*loc, "maximum"), f"{year.maximum} is below the minimum {year.minimum}"
        if index and year.starts != years[index - 1].ends + timedelta(days=1):
            after = years[index - 1].ends + timedelta(days=1)
            text = (
                f"starts {year.starts}, the day after FY{years[index - 1].year} ends is "
                f"{after}: fiscal years follow each other without gaps"
            )
            return (*loc, "from"), text
    seen: set[str] = set()
    for index, program in enumerate(rules.spi):
        if program.code in seen:
            return ("spi", index, "code"), f"program {program.code!r} is listed twice"
        seen.add(program.code)
        for position, span in enumerate(program.spans):
            if span.ends is not None and span.ends < span.starts:
                text = f"ends {span.ends}, before it starts ({span.starts})"
                return ("spi", index, "spans", position, "to"), text
    return None
