"""The global filters: a validated, hashable value turned into Ibis predicates.

Values come from the URL, the sidebar and the command line; each is checked against the
code lists and formats of `codes` and rejected with a message that says what to do. They
reach the engine only as literals of an Ibis expression: DuckDB's compile cache binds the
ones predicates compare with as parameters (data_access.engines.shapes), and Ibis compiles
any other into the SQL text as a quoted literal (quotes doubled); never text of ours
pasted into SQL (tests/test_security_hostile.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from data_access import codes
from data_access.schema import Table

MAX_VALUES = 200  # per filter: a URL is not a bulk-load channel
MAX_LENGTH = 40  # per value: every valid code is shorter


class FilterError(ValueError):
    """A filter value that cannot be used; the message names the filter and the fix."""


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    importer_numbers: tuple[str, ...] = ()
    filer_codes: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    entry_types: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()
    hts_prefix: str = ""

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise FilterError(f"date range: start {self.start} is after end {self.end}; swap them")
        for name, check, hint in _CHECKS:
            for value in getattr(self, name):
                _check_value(name, value, check, hint)
        if self.hts_prefix and not (self.hts_prefix.isdigit() and 2 <= len(self.hts_prefix) <= 10):
            raise FilterError(
                f"hts_prefix: {self.hts_prefix[:MAX_LENGTH]!r} is not an HTS prefix; "
                "give 2 to 10 digits, e.g. 8471 or 8471.30"
            )

    @classmethod
    def parse(cls, raw: Mapping[str, object]) -> Filters:
        """Filters from loosely typed input (URL query, CLI options); unknown keys are errors."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise FilterError(f"unknown filter {unknown[0]!r}; filters: {', '.join(sorted(known))}")
        values: dict[str, object] = {}
        for name, value in raw.items():
            if value in (None, "", [], ()):
                continue
            if name in ("start", "end"):
                values[name] = _parse_date(name, value)
            elif name == "hts_prefix":
                values[name] = _text(name, value).replace(".", "").strip()
            else:
                values[name] = _normalise(name, _as_list(value))
        return cls(**values)  # type: ignore[arg-type]

    def to_query(self) -> dict[str, str | list[str]]:
        """The filters as URL query parameters (the inverse of `parse`)."""
        out: dict[str, str | list[str]] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value:
                out[f.name] = list(value) if isinstance(value, tuple) else str(value)
        return out

    @property
    def needs_lines(self) -> bool:
        """Filters on line-level fields: header tables then match through their lines."""
        return bool(self.countries or self.hts_prefix)

    def column_pairs(self, spec: Table) -> list[tuple[str, tuple[str, ...]]]:
        """(column of `spec`, values) for each set-valued filter that has values: the one
        map from a filter to the column it narrows (the HTS prefix and the dates apart).
        A column `spec` lacks (a table with no filer) is left out; a line-level column a
        header table lacks is kept: the caller matches it through the lines."""
        pairs = (
            ("importer_numbers", spec.importer_column),
            ("filer_codes", spec.filer_column),
            ("ports", "port_of_entry"),
            ("countries", "country_of_origin"),
            ("entry_types", "entry_type"),
            ("modes", "mode_of_transport"),
        )
        return [(c, getattr(self, n)) for n, c in pairs if c is not None and getattr(self, n)]

    def predicates(self, t: ir.Table, spec: Table) -> list[ir.BooleanValue]:
        """Predicates on the columns `t` has; line-level ones for tables without them are
        left to the caller (see `needs_lines`)."""
        out: list[ir.BooleanValue] = []
        cols = set(t.columns)
        if self.start or self.end:
            out += _date_predicates(t, spec.date_column, self.start, self.end)
        for column, values in self.column_pairs(spec):
            if column in cols:
                out.append(t[column].isin(list(values)))
        if self.hts_prefix and "hts_number" in cols:
            out.append(t.hts_number.startswith(ibis.literal(self.hts_prefix)))
        return out


def _date_predicates(
    t: ir.Table, column: str, start: date | None, end: date | None
) -> list[ir.BooleanValue]:
    out = []
    has_year = "year" in t.columns  # the hive partition column: lets engines skip folders
    if start:
        out.append(t[column] >= ibis.literal(start))
        if has_year:
            out.append(t.year >= ibis.literal(start.year))
    if end:
        out.append(t[column] <= ibis.literal(end))
        if has_year:
            out.append(t.year <= ibis.literal(end.year))
    return out


_CHECKS: tuple[tuple[str, object, str], ...] = (
    ("importer_numbers", codes.is_importer_number, "use NN-NNNNNNNXX, NNN-NN-NNNN or YYDDPP-NNNNN"),
    ("filer_codes", codes.is_filer_code, "use the 3-character filer code, e.g. ABC"),
    ("ports", codes.is_port_code, "use the 4-digit Schedule D code, e.g. 2704"),
    ("countries", codes.is_country_code, "use the ISO 3166 alpha-2 code, e.g. CN"),
    ("entry_types", codes.ENTRY_TYPES.__contains__, "use a 2-digit entry type, e.g. 01"),
    ("modes", codes.MODES_OF_TRANSPORT.__contains__, "use a 2-digit mode code, e.g. 11"),
)


def _check_value(name: str, value: str, check: object, hint: str) -> None:
    if not isinstance(value, str) or len(value) > MAX_LENGTH or not check(value):  # type: ignore[operator]
        shown = repr(value[:MAX_LENGTH] if isinstance(value, str) else value)
        raise FilterError(f"{name}: {shown} is not valid; {hint}")


def _as_list(value: object) -> list[str]:
    items: Iterable[object] = value if isinstance(value, list | tuple) else str(value).split(",")
    out = [str(v).strip() for v in items if str(v).strip()]
    if len(out) > MAX_VALUES:
        raise FilterError(f"too many values ({len(out)}); at most {MAX_VALUES} per filter")
    return out


def _normalise(name: str, values: list[str]) -> tuple[str, ...]:
    if name in ("filer_codes", "countries") or name == "importer_numbers":
        values = [v.upper() for v in values]
    return tuple(dict.fromkeys(values))


def _text(name: str, value: object) -> str:
    text = str(value)
    if len(text) > MAX_LENGTH:
        raise FilterError(f"{name}: value longer than {MAX_LENGTH} characters")
    return text


def _parse_date(name: str, value: object) -> date:
    if isinstance(value, date):
        return value
    text = _text(name, value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FilterError(f"{name}: {text!r} is not a date; use YYYY-MM-DD") from None


PERIODS = (
    "Last 12 months",
    "Year to date",
    "Last CBP fiscal year (Oct-Sep)",
    "Last 5 years",
    "Custom",
)


def period_range(period: str, today: date) -> tuple[date, date] | None:
    """The dates a preset covers, ending `today` (None for "Custom")."""
    if period == "Last 12 months":
        return _shift_years(today, -1) + timedelta(days=1), today
    if period == "Year to date":
        return date(today.year, 1, 1), today
    if period == "Last CBP fiscal year (Oct-Sep)":
        last_end_year = today.year if today.month >= 10 else today.year - 1
        return date(last_end_year - 1, 10, 1), date(last_end_year, 9, 30)
    if period == "Last 5 years":
        return _shift_years(today, -5) + timedelta(days=1), today
    if period == "Custom":
        return None
    raise FilterError(f"unknown period {period!r}; periods: {', '.join(PERIODS)}")


def _shift_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
