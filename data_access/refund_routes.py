"""IEEPA refund routes: the dated, cited rules of `config/refund_routes.yaml`.

`load(path)` reads the file (or $ITRAC_REFUNDS) into `RefundRules`, or raises
`RefundRulesError` with one message naming file, line and field, like the phase table::

    refund_routes.yaml, line 31, routes[1].liquidated_within_days: shorter than the window
    of routes[0] (80 days): a later route's window holds the earlier ones

Which duty is IEEPA duty is the tariff layer registry's answer (its `refunds.programs`);
this file only says by which route, until when, and what CAPE leaves out. The reports in
`data_access.reports.refunds` turn the rules into native expressions.
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic import ValidationError as _PydanticError

from data_access import timeline
from data_access.timeline import Day, Loc, Text, TimelineError, _Model

ENV_VAR = "ITRAC_REFUNDS"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config" / "refund_routes.yaml"

RouteId = Literal["cape", "protest", "final"]
Test = Literal[
    "entry_type", "reconciliation_flag", "adcvd_pending", "open_protest", "drawback_linked"
]
# Tests the entry data cannot answer: shown as a check the user makes, never applied.
UNCHECKABLE: frozenset[str] = frozenset({"open_protest", "drawback_linked"})


class RefundRulesError(ValueError):
    """A refund rules file that cannot be used; the message names file, line and field."""


class Route(_Model):
    id: RouteId
    name: Text
    action: Text
    opens: Day | None = None
    unliquidated: bool = False
    statuses: tuple[Text, ...] = ()
    liquidated_within_days: int | None = Field(default=None, ge=0)
    source: Text


class Exclusion(_Model):
    id: Text
    reason: Text
    test: Test
    entry_types: tuple[Text, ...] = ()
    source: Text

    @property
    def checkable(self) -> bool:
        return self.test not in UNCHECKABLE


class Declaration(_Model):
    header: Text
    max_entries: int = Field(ge=1)
    blocks: Text
    source: Text


class RefundRules(_Model):
    routes: list[Route] = Field(min_length=1)
    exclusions: tuple[Exclusion, ...] = ()
    declaration: Declaration

    def route(self, route_id: str) -> Route:
        return next(r for r in self.routes if r.id == route_id)

    @property
    def cape(self) -> Route:
        return self.route("cape")

    @property
    def excluded_types(self) -> tuple[str, ...]:
        return tuple(t for e in self.exclusions if e.test == "entry_type" for t in e.entry_types)

    def exclusion(self, test: str) -> Exclusion | None:
        return next((e for e in self.exclusions if e.test == test), None)


def default_path() -> Path:
    """The rules file: $ITRAC_REFUNDS if set, else config/refund_routes.yaml."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


_CACHE: dict[tuple[str, float], RefundRules] = {}


def load(path: Path | str | None = None) -> RefundRules:
    """Read and validate the rules (default: `default_path()`); raises RefundRulesError.

    Cached per file and modification time, so an edit shows on the next render."""
    path = Path(path) if path is not None else default_path()
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except OSError as error:
        raise RefundRulesError(f"{path}: cannot read the file ({error.strerror})") from None
    if key not in _CACHE:
        _CACHE[key] = _load(path)
    return _CACHE[key]


def _load(path: Path) -> RefundRules:
    try:
        data, lines = timeline._compose(path)
    except TimelineError as error:
        raise RefundRulesError(str(error)) from None
    try:
        rules = RefundRules.model_validate(data)
    except _PydanticError as error:
        raise RefundRulesError(timeline._pydantic_message(path, lines, error)) from None
    problem = _consistency_problem(rules)
    if problem is not None:
        loc, text = problem
        raise RefundRulesError(timeline._message(path, lines, loc, text))
    return rules


def check(path: Path | None = None) -> int:
    """For `itrac refunds --check FILE`: print a summary or the error; 0 when valid."""
    try:
        rules = load(path)
    except RefundRulesError as error:
        print(error, file=sys.stderr)
        return 1
    print(
        f"OK: {len(rules.routes)} routes, {len(rules.exclusions)} exclusions, "
        f"at most {rules.declaration.max_entries:,} entries per CAPE declaration"
    )
    return 0


# --- cross-field rules ----------------------------------------------------------------------
def _consistency_problem(rules: RefundRules) -> tuple[Loc, str] | None:
    ids = [route.id for route in rules.routes]
    for index, route_id in enumerate(ids):
        if route_id in ids[:index]:
            return ("routes", index, "id"), f"route {route_id!r} is listed twice"
    for needed in ("cape", "protest", "final"):
        if needed not in ids:
            return ("routes",), f"a {needed!r} route is missing (cape, protest and final)"
    return _window_problem(rules) or _exclusion_problem(rules)


def _window_problem(rules: RefundRules) -> tuple[Loc, str] | None:
    previous: tuple[int, int] | None = None  # (index, days) of the last bounded route
    for index, route in enumerate(rules.routes):
        days = route.liquidated_within_days
        last = index == len(rules.routes) - 1
        if days is None and not last:
            return (
                ("routes", index, "liquidated_within_days"),
                "only the last route may have no limit: give the days after liquidation",
            )
        if days is not None and last:
            return (
                ("routes", index, "liquidated_within_days"),
                "the last route takes every older liquidation: leave the days out",
            )
        if days is not None and previous is not None and days <= previous[1]:
            text = (
                f"{days} days is not longer than the window of routes[{previous[0]}] "
                f"({previous[1]} days): list routes from the shortest window to the longest"
            )
            return ("routes", index, "liquidated_within_days"), text
        if days is not None:
            previous = (index, days)
        if route.unliquidated and not route.statuses:
            text = "name the liquidation statuses that count as unliquidated"
            return ("routes", index, "statuses"), text
    if not rules.routes[0].unliquidated:
        return ("routes", 0, "unliquidated"), "the first route takes unliquidated entries"
    return None


def _exclusion_problem(rules: RefundRules) -> tuple[Loc, str] | None:
    for index, exclusion in enumerate(rules.exclusions):
        if exclusion.test == "entry_type" and not exclusion.entry_types:
            return ("exclusions", index, "entry_types"), "list the entry types it excludes"
        if exclusion.test != "entry_type" and exclusion.entry_types:
            text = "entry_types belong to test: entry_type only"
            return ("exclusions", index, "entry_types"), text
    return None


def window_end(liquidated: date, route: Route) -> date | None:
    """The last day a route takes an entry liquidated on `liquidated` (None: no limit)."""
    days = route.liquidated_within_days
    return None if days is None else liquidated + timedelta(days=days)
