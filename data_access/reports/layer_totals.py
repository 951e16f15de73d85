"""The Chapter 99 layers' rows, duty and entries, and the rows the IEEPA refunds read, from
the layer rollups (`lake.rollups`) when they give the same answer as the lines.

The rollups hold no registry: a layer's program (`config/tariff_layers.yaml`) is joined by
its 9903 number when read (`numbers`: each number's program, `reports.layers`), and which
numbers are refunded, and when, is applied to the refunds' rows when read. Each question is
planned here; a function returns None where its rollup cannot answer exactly (the engine
has no usable rollups, or an HTS prefix of more than the 8 digits of a 9903 number, which
the rollups hold), and the caller reads the lines:

- rows and duty per 9903 number (and month): `layers_by_number`, by header fields, month,
  own and goods country and goods number, so every filter is a predicate on it; the days
  of a month the date range cuts come from the lines (as `reports.line_totals` does);
- entries per program, or with a layer: without an HTS prefix from `layer_entries` (the
  entries of each set of (number, country) of their layers: those whose set holds a number
  of the program under one of the countries), whole months from it and cut days from the
  lines (an entry's rows are in one month, so months add up); under an HTS prefix from
  `chapter_99_by_entry` (the layers' rows per entry with their goods number, sorted by
  goods number so the prefix prunes, and whether the row is a goods row filed under a
  9903 number: not a layer), every filter exact;
- the refunds' rows: `chapter_99_by_entry` (per entry, 9903 number, own and goods
  country and goods number, and AD/CVD rows, sorted by goods number), under any filter
  (an entry's IEEPA duty under an HTS prefix or countries is that of its rows in scope: a
  layer's under its goods row's number and country).

A layer counts under its goods row's number and country as the lines say
(`attribution.under_prefix` after the country filter): under countries and a prefix, its
own and its goods row's country must both be among them; a "99" prefix matches a 9903 row
by its own number too (tests/test_layer_totals.py).
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from data_access.attribution import LAYER_PREFIX, is_layer
from data_access.filters import Filters
from data_access.lake import rollups
from data_access.measures import (
    CHAPTER_99_MEASURES,
    HEADER_DIMS,
    LAYER_MEASURES,
    LAYER_NUMBER_DIGITS,
    LAYER_PAIR_SEPARATOR,
    layer_number,
    month,
)
from data_access.reports.base import Scope
from data_access.reports.line_totals import _edges, _month_predicates, _whole_months, _within
from data_access.schema import ENTRY_LINES, MONEY_TOTAL_SQL
from data_access.tariff_layers import UNLISTED

Days = tuple[date, date]


def _can(scope: Scope, name: str) -> bool:
    """Whether rollup `name` can answer the scope's layer questions: all but a prefix of
    more than 8 digits of a 9903 number (the rollups hold a layer's 8-digit heading)."""
    prefix = scope.filters.hts_prefix
    return name in scope.rollups and not (
        len(prefix) > LAYER_NUMBER_DIGITS and prefix.startswith(LAYER_PREFIX)
    )


def _months(scope: Scope) -> tuple[date | None, date | None, list[Days], bool]:
    """(first month, last month, the cut days read from the lines, whether any whole
    month is read from a rollup) of the scope's date range."""
    dates = scope.rollup_dates.get(ENTRY_LINES.name)
    start, end = _within(scope.filters.start, scope.filters.end, dates)
    first, last = _whole_months(start, end)
    whole = first is None or last is None or first <= last
    return first, last, _edges(start, end, first, last), whole


def _layer_lines(scope: Scope, days: Days) -> ir.Table:
    """The scope's layer rows of the days `days` (a month the date range cuts), with their
    9903 number."""
    t = scope.table(ENTRY_LINES.name)
    low, high = days
    t = t.filter(
        is_layer(t),
        t.entry_date >= ibis.literal(low),
        t.entry_date <= ibis.literal(high),
        t.year >= ibis.literal(low.year),
        t.year <= ibis.literal(high.year),
    )
    return t.mutate(layer_number=layer_number(t))


# --- rows and duty per 9903 number -----------------------------------------------------------
def number_totals(scope: Scope, *, by_month: bool = False) -> ir.Table | None:
    """Layer rows (`tariff_rows`) and `duties` of the scope per 9903 number (`layer_number`)
    and, with `by_month`, month of entry; None where the rollup cannot answer."""
    if not _can(scope, rollups.LAYERS_BY_NUMBER):
        return None
    keys = ("month", "layer_number") if by_month else ("layer_number",)
    first, last, edges, whole = _months(scope)
    parts = [_number_part(scope, keys, first, last)] if whole else []
    for days in edges:
        t = _layer_lines(scope, days)
        t = t.mutate(month=month(t.entry_date))
        sums = {c: m.of(t) for c, m in LAYER_MEASURES.items()}
        parts.append(t.group_by(*keys).aggregate(**sums))
    union = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    totals = {c: m.rolled(union[c]) for c, m in LAYER_MEASURES.items()}
    return union.group_by(*keys).aggregate(**totals)


def _number_part(
    scope: Scope, keys: tuple[str, ...], first: date | None, last: date | None
) -> ir.Table:
    t = scope.rollup(rollups.LAYERS_BY_NUMBER)  # the principal, header fields, own country
    filters = scope.filters
    predicates = _month_predicates(t, first, last) + _under_goods(t, filters)
    if predicates:
        t = t.filter(*predicates)
    sums = {c: _typed(c, t[c].sum()) for c in LAYER_MEASURES}
    return t.group_by(*keys).aggregate(**sums)


def _typed(column: str, value: ir.Value) -> ir.Value:
    return value.cast(MONEY_TOTAL_SQL) if CHAPTER_99_MEASURES[column].money else value.cast("int64")


# --- entries ----------------------------------------------------------------------------------
def program_entries(scope: Scope, numbers: ir.Table) -> ir.Table | None:
    """Distinct entries per program (`program`, `entries`) among the scope's layers, each
    number's program from `numbers` (reg_number, reg_program; unlisted: `UNLISTED`); None
    where no rollup can answer."""
    return _entries(scope, numbers)


def layer_entries(scope: Scope) -> ir.Table | None:
    """One row: the scope's entries with a layer (`entries`); None where no rollup can."""
    return _entries(scope, None)


def _entries(scope: Scope, numbers: ir.Table | None) -> ir.Table | None:
    keys = ("program",) if numbers is not None else ()
    if scope.filters.hts_prefix:
        if not _can(scope, rollups.CHAPTER_99_BY_ENTRY):
            return None
        t = _keys_under_prefix(scope)
        t = _programs(t, numbers) if numbers is not None else t
        return _count(t.group_by(*keys) if keys else t, t.entry_number.nunique())
    if not _can(scope, rollups.LAYER_ENTRIES):
        return None
    first, last, edges, whole = _months(scope)
    parts = [_sets_part(scope, numbers, first, last)] if whole else []
    for days in edges:
        t = _layer_lines(scope, days)
        t = _programs(t, numbers) if numbers is not None else t
        parts.append(_count(t.group_by(*keys) if keys else t, t.entry_number.nunique()))
    union = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    return _count(union.group_by(*keys) if keys else union, union.entries.sum())


def _count(grouped: ir.Table, value: ir.Value) -> ir.Table:
    return grouped.aggregate(entries=value.cast("int64"))


def _programs(t: ir.Table, numbers: ir.Table) -> ir.Table:
    """`t` with each row's `program` from its `layer_number` (unlisted: UNLISTED)."""
    joined = t.left_join(numbers, t.layer_number == numbers.reg_number)
    return joined.mutate(program=joined.reg_program.fill_null(UNLISTED))


def _keys_under_prefix(scope: Scope) -> ir.Table:
    """The layers' rows per entry under the scope's HTS prefix, from `chapter_99_by_entry`:
    its 9903 rows but the goods rows filed under one (`goods_row`), under the prefix as
    `_under_goods` has them; the dates exact, every other filter by `Scope.rollup`."""
    t = scope.rollup(rollups.CHAPTER_99_BY_ENTRY)
    filters = scope.filters
    days = _day_predicates(t, filters.start, filters.end)
    layer = t.layer_number.notnull() & ~t.goods_row
    return t.filter(layer, *_under_goods(t, filters), *days)


def _under_goods(t: ir.Table, filters: Filters) -> list[ir.BooleanValue]:
    """Under an HTS prefix, the rollup rows under it as `attribution.under_prefix` has them
    after the country filter: those whose goods number has it, among the countries with
    their goods row's too (a layer whose goods row the countries leave out is under its own
    number), and, for a "99" prefix, the 9903 rows whose own number has it (`_can`: at most
    8 digits of a 9903 number). None without a prefix (the rows' own countries:
    `Scope.rollup`)."""
    prefix = filters.hts_prefix
    if not prefix:
        return []
    under = t.goods_hts.startswith(ibis.literal(prefix))
    if filters.countries:
        under &= t.goods_country.isin(list(filters.countries))
    if prefix.startswith(LAYER_PREFIX[:2]):
        under |= t.layer_number.startswith(ibis.literal(prefix)).fill_null(False)
    return [under]


def _day_predicates(t: ir.Table, first: date | None, last: date | None) -> list[ir.BooleanValue]:
    """`first` <= entry_date <= `last` (None: open), with the hive years that prune files."""
    out: list[ir.BooleanValue] = []
    if first is not None:
        out += [t.entry_date >= ibis.literal(first), t.year >= ibis.literal(first.year)]
    if last is not None:
        out += [t.entry_date <= ibis.literal(last), t.year <= ibis.literal(last.year)]
    return out


def _sets_part(
    scope: Scope, numbers: ir.Table | None, first: date | None, last: date | None
) -> ir.Table:
    """Entries (per program) of the whole months from `layer_entries`: a row's entries
    count once under each program (and with a layer at all) that one of its (number,
    country) pairs has, among the filter's countries if any."""
    t = scope.rollup(rollups.LAYER_ENTRIES)
    predicates = _month_predicates(t, first, last)
    if predicates:
        t = t.filter(*predicates)
    countries = scope.filters.countries
    if numbers is None and not countries:  # every row's entries have a layer
        return _count(t, t.entries.sum())
    row = (*HEADER_DIMS, "month", "layer_pairs", "entries")  # a rollup row's identity
    pairs = t.select(*row, pair=t.layer_pairs.unnest())
    parts = pairs.pair.split(LAYER_PAIR_SEPARATOR)
    pairs = pairs.mutate(layer_number=parts[0], country=parts[1])
    if countries:
        pairs = pairs.filter(pairs.country.isin(list(countries)))
    if numbers is None:
        held = pairs.select(*row).distinct()
        return _count(held, held.entries.sum())
    pairs = _programs(pairs, numbers)
    held = pairs.select(*row, "program").distinct()
    return _count(held.group_by("program"), held.entries.sum())


# --- the refunds' rows ------------------------------------------------------------------------
def chapter_99_rows(scope: Scope, first: date, last: date) -> ir.Table | None:
    """Per entry of the scope dated `first`..`last` and 9903 number (`hts_number`: the
    8-digit number; null: AD/CVD rows of other numbers), its `tariff_rows`, `duties` and
    `adcvd_lines`; None where the rollup cannot answer (`_can`). Under an HTS prefix a row
    counts under its goods number, a layer only where the countries keep its goods row
    too, and under a "99" prefix a 9903 row by its own number as well (`_under_goods`);
    without a prefix, from the rollup without the goods (a third of the rows)."""
    name, filters = rollups.CHAPTER_99_BY_ENTRY, scope.filters
    if not _can(scope, name):
        return None
    if not filters.hts_prefix and rollups.CHAPTER_99_BY_COUNTRY in scope.rollups:
        name = rollups.CHAPTER_99_BY_COUNTRY
    t = scope.rollup(name)  # the principal, the header fields, each row's own country
    low = max(first, filters.start) if filters.start else first
    high = min(last, filters.end) if filters.end else last
    t = t.filter(*_day_predicates(t, low, high), *_under_goods(t, filters))
    sums = ("tariff_rows", "duties", "adcvd_lines")
    return t.select("entry_number", *sums, hts_number="layer_number")
