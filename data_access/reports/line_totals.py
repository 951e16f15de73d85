"""Totals of entry lines and summaries per key, from a monthly rollup when it gives the same
answer.

`line_totals(scope, by, measures)` is the one way reports sum lines: the sums the pages
show (entries, lines, money) per month, country, chapter or header field;
`summary_totals` counts entry summaries (entries, CF-28s, CF-29s) the same way. Each
question is planned: a rollup (`data_access.lake.rollups`) serves it when

- the engine has usable rollups (built from exactly this snapshot's lines, entries exact),
- every key of `by` is a column of the rollup, and the filters are on its columns (a
  country filter needs the country rollup, an HTS filter must be a 2-digit chapter),
- distinct entries are asked only where no entry spans two rollup rows of one answer
  row: each line-level field of the rollup is a key, or pinned to one value by a filter;
  else they are counted apart (`_entries_apart`): under countries from the entries of
  each set of countries, under an HTS prefix from the entries each number is the first
  of (`rollups.FirstNumbers`), under both from the entry keys.

Whole months of the date range come from the rollup, the days of a month cut by the range
from the lines, and the parts are added up. Anything else reads the lines. Both ways sum
the same measures (`data_access.measures`: the rollups are built from them), and both
read through `Scope`: `Scope.table` for the tables, `Scope.rollup` for a rollup (the
principal's rows and the header filters; this module adds months and HTS). Spark reads
the lines only.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from data_access import attribution
from data_access.filters import Filters
from data_access.lake import agreement, rollups
from data_access.measures import HEADER_DIMS, MEASURES, Measure, dimension, with_dimensions
from data_access.reports.base import Scope
from data_access.schema import CARGO_RELEASES, ENTRY_LINES, ENTRY_SUMMARIES, MONEY_TOTAL_SQL
from data_access.schema import table as table_spec

LINE_KEYS = {"country_of_origin", "hts_chapter"}
LAYER_CHAPTER = attribution.LAYER_PREFIX[:2]  # a layer's own number: 9903...
ROLLUP_KEYS = {*HEADER_DIMS, "month", *LINE_KEYS}

# The names reports ask for where they differ from the measure's (and its rollup column's):
# a table with one row per entry summary or release counts its rows.
ASKED_AS = {
    ENTRY_SUMMARIES.name: {"entries": "rows"},
    CARGO_RELEASES.name: {"releases": "rows"},
}


def measure(table: str, asked: str) -> tuple[str, Measure]:
    """(rollup column, measure) of the measure a report asks `table` for by name."""
    column = ASKED_AS.get(table, {}).get(asked, asked)
    return column, MEASURES[table][column]


def line_totals(
    scope: Scope,
    by: tuple[str, ...],
    measures: tuple[str, ...],
    *,
    narrowed: ir.Table | None = None,
    goods_only: bool = False,
) -> ir.Table:
    """`measures` of the scope's entry_lines per `by` (one row when `by` is empty).

    `by`: "month" (of entry), "hts_chapter", or a line column. `narrowed`: lines a report
    has filtered further (read as they are). `goods_only`: ordinal 1 rows only (Chapter 99
    rows are not goods), for entries and lines.
    """
    _known(ENTRY_LINES.name, measures)
    rollup = None if narrowed is not None else plan(scope, by, measures, goods_only=goods_only)
    if rollup is None and narrowed is None:
        if entries_by_chapter(scope, by, measures, goods_only=goods_only):
            return _from_rollup(scope, rollups.ENTRIES_BY_CHAPTER, by, measures, goods_only)
        split = _entries_apart(scope, by, measures, goods_only)
        if split is not None:
            return split
    if rollup is None:
        t = narrowed if narrowed is not None else scope.table(ENTRY_LINES.name)
        if goods_only:
            t = t.filter(t.tariff_ordinal == 1)
        t = _attributed(t, by)
        return _aggregate(
            t, _keys(t, by), {m: measure(ENTRY_LINES.name, m)[1].of(t) for m in measures}
        )
    return _from_rollup(scope, rollup, by, measures, goods_only)


def entries_by_chapter(
    scope: Scope, by: tuple[str, ...], measures: tuple[str, ...], *, goods_only: bool
) -> bool:
    """Whether the entries with goods per chapter (and header fields, month) under
    countries without an HTS prefix come from the entries-by-chapter rollup: those with
    goods rows in the chapter from one of the countries, exactly (no other rollup holds
    an entry once per chapter and set of countries)."""
    filters = scope.filters
    if rollups.ENTRIES_BY_CHAPTER not in scope.rollups or not goods_only:
        return False
    if not filters.countries or filters.hts_prefix or tuple(measures) != ("entries",):
        return False
    return "hts_chapter" in by and set(by) <= {*HEADER_DIMS, "month", "hts_chapter"}


def _entries_apart(
    scope: Scope, by: tuple[str, ...], measures: tuple[str, ...], goods_only: bool
) -> ir.Table | None:
    """Sums from a rollup, distinct entries apart, where no rollup counts the entries
    exactly but one has the sums (or only entries are asked): from the entries-by-countries
    rollup under countries alone, from the entries-by-HTS rollup under an HTS prefix
    alone, else from the entry keys; the last two need only each row's own HTS number
    and no Chapter 99 layer. A layer is in scope only with its goods row (same
    entry, same header fields and month: what makes the rollups usable), so its entry is
    already counted; under a "99" prefix the entries are those of the rows whose own
    number has it (a layer under a matching goods number has that goods row in scope).
    Keys of the entry only (`by` without line fields)."""
    if "entries" not in measures or not set(by) <= {*HEADER_DIMS, "month"}:
        return None
    rest = tuple(m for m in measures if m != "entries")
    rollup = plan(scope, by, rest, goods_only=goods_only) if rest else None
    if rest and rollup is None:
        return None
    entries = _entries_by_countries(scope, by, goods_only)
    if entries is None:
        entries = _entries_by_hts(scope, by, goods_only)
    if entries is None:
        t = scope.entry_keys()
        if goods_only:
            t = t.filter(t.goods_row)
        entries = _aggregate(
            t, _keys(t, by), {"entries": MEASURES[ENTRY_LINES.name]["entries"].of(t)}
        )
    if rollup is None:  # entries only
        return entries.select(*by, "entries")
    sums = _from_rollup(scope, rollup, by, rest, goods_only)
    if not by:
        joined = sums.cross_join(entries)
    else:
        entries = entries.rename({f"_{k}": k for k in by})
        joined = sums.left_join(entries, [sums[k] == entries[f"_{k}"] for k in by])
    values = {m: joined[m] for m in measures if m != "entries"}
    values["entries"] = joined.entries.fill_null(0)
    return joined.select(*[joined[k] for k in by], **{m: values[m] for m in measures})


def _entries_by_countries(scope: Scope, by: tuple[str, ...], goods_only: bool) -> ir.Table | None:
    """Distinct entries per `by` (entry keys) under a set of countries and no HTS prefix,
    from the entries-by-countries rollup: the entries whose countries (of their goods
    rows, if `goods_only`) include one of the filter's, in whole months; the days of a
    month the range cuts from the lines. None where that rollup cannot answer."""
    name = rollups.ENTRIES_BY_COUNTRIES
    if name not in scope.rollups or scope.filters.hts_prefix or not scope.filters.countries:
        return None
    return _from_rollup(scope, name, by, ("entries",), goods_only)


def _entries_by_hts(scope: Scope, by: tuple[str, ...], goods_only: bool) -> ir.Table | None:
    """Distinct entries per `by` (entry keys) under an HTS prefix and no countries, from
    the entries-by-HTS rollup: the sum of the entries each number under the prefix is
    the first of (`rollups.FirstNumbers`), in whole months; the days of a month the range
    cuts from the lines. Not for the goods rows only (an entry's first number may be a
    further ordinal's); None where that rollup cannot answer."""
    name, filters = rollups.ENTRIES_BY_HTS, scope.filters
    if name not in scope.rollups or not filters.hts_prefix or filters.countries or goods_only:
        return None
    return _from_rollup(scope, name, by, ("entries",), goods_only)


def summary_totals(scope: Scope, by: tuple[str, ...], measures: tuple[str, ...]) -> ir.Table:
    """`measures` ("entries", "cf28", "cf29", "dtf": duties, taxes and fees) of the scope's
    entry summaries per `by` ("month" of entry or a header field)."""
    _known(ENTRY_SUMMARIES.name, measures)
    if entries_of_lines(scope, by, measures):
        return line_totals(scope, by, ("entries",))
    if by_line_countries(scope, by):
        return _from_rollup(scope, rollups.SUMMARIES_BY_COUNTRIES, by, measures, False)
    if by_line_numbers(scope, by):
        return _from_rollup(scope, rollups.SUMMARIES_BY_HTS, by, measures, False)
    return _header_totals(scope, "summaries_by_month", by, measures)


def by_line_numbers(scope: Scope, by: tuple[str, ...]) -> bool:
    """Whether the summaries under an HTS prefix (no countries) per `by` come from the
    rollup of the summaries by their lines' numbers (`rollups.ByLineNumbers`), as
    `by_line_countries` decides for countries."""
    filters = scope.filters
    if rollups.SUMMARIES_BY_HTS not in scope.rollups or filters.countries:
        return False
    if not filters.hts_prefix:
        return False
    return set(by) <= {*HEADER_DIMS, "month"} and _agree(scope, set())


def by_line_countries(scope: Scope, by: tuple[str, ...]) -> bool:
    """Whether the summaries under countries (and no HTS prefix) per `by` come from the
    rollup of the summaries by their lines' countries (`rollups.ByLineCountries`) rather
    than matched row by row through the entries of the countries: where every summary
    shares with its lines the fields the scope filters on (`lake.agreement`: the
    principal's, the period's and the header filters'; the keys are the summaries' own
    in both), and `by` are header fields or the month."""
    filters = scope.filters
    if rollups.SUMMARIES_BY_COUNTRIES not in scope.rollups or not filters.countries:
        return False
    if filters.hts_prefix or not set(by) <= {*HEADER_DIMS, "month"}:
        return False
    return _agree(scope, set())


def entries_of_lines(scope: Scope, by: tuple[str, ...], measures: tuple[str, ...]) -> bool:
    """Whether the entry summaries a line filter asks for can be counted as the entries of
    the matching lines (`line_totals`: the entries-by-countries and entries-by-HTS
    rollups, or the entry keys) rather than matched row by row through the entry keys
    (`Scope._through_lines`: 0.3-0.8 s a question for the largest importer of a 50M-line
    lake). The same entries, per the same keys, where every entry with lines has one
    summary and the summaries share with their lines every field the question reads: its
    keys, the header filters, the principal's fields and the entry date
    (`lake.agreement`, counted when the rollups are built). Only entries, per header
    fields and month."""
    if not scope.filters.needs_lines or tuple(measures) != ("entries",):
        return False
    if not set(by) <= {*HEADER_DIMS, "month"} or not scope.rollups:
        return False
    return _agree(scope, {k for k in by if k != "month"})


def _agree(scope: Scope, keys: set[str]) -> bool:
    """Whether every summary shares with its lines `keys` and the fields the scope filters
    on: the principal's, the period's (`agreement.ALWAYS`) and the header filters'."""
    pairs = scope.filters.column_pairs(ENTRY_SUMMARIES)
    read = {*agreement.ALWAYS, *keys}
    read |= {column for column, _ in pairs if column in ENTRY_SUMMARIES.column_names}
    return read <= agreement.agreeing(scope.engine.lake, scope.engine.generation)


def release_totals(scope: Scope, by: tuple[str, ...], *, days: bool) -> ir.Table:
    """Cargo releases (`releases`) per `by` ("month" of arrival or a release field), and
    per days to release (`release_days`, null while waiting) and `held` when `days`: a
    histogram exact quantiles are computed from (`reports.cargo_release`)."""
    keys = (*by, "release_days", "held") if days else by
    by_lines = releases_by_lines(scope, keys)
    if by_lines is not None:
        return _from_rollup(scope, by_lines, keys, ("releases",), False)
    return _header_totals(scope, "releases_by_month", keys, ("releases",))


def releases_by_lines(scope: Scope, by: tuple[str, ...]) -> str | None:
    """The histogram of the releases by their lines' countries or HTS numbers, and the month
    of the lines (`rollups.ByLineCountries`, `ByLineNumbers`), that answers the releases per
    `by` under countries or under an HTS prefix (not both; no entry type, which only the
    lines hold) rather than matching them row by row through the entries: where every
    release shares with its lines the fields the scope filters on
    (`agreement.releases_agreeing`) and the period cuts no month of the releases or the
    lines (the lines' days of a cut month are not in the rollup). None: match them."""
    filters = scope.filters
    if bool(filters.countries) == bool(filters.hts_prefix) or filters.entry_types:
        return None
    name = rollups.RELEASES_BY_COUNTRIES if filters.countries else rollups.RELEASES_BY_HTS
    if name not in scope.rollups:
        return None
    if not set(by) <= {*rollups.ROLLUPS[name].keys, "month", "release_days", "held"}:
        return None
    if _cut(scope, CARGO_RELEASES.name) or _cut(scope, ENTRY_LINES.name):
        return None
    pairs = filters.column_pairs(CARGO_RELEASES)
    read = {*agreement.PRINCIPAL, *(c for c, _ in pairs if c in CARGO_RELEASES.column_names)}
    agreeing = agreement.releases_agreeing(scope.engine.lake, scope.engine.generation)
    return name if read <= agreeing else None


def in_period(scope: Scope, t: ir.Table, table: str) -> ir.Table | None:
    """The rows of `t`, a monthly rollup of `table`, in the scope's period; None where the
    period cuts a month of the table (the days are in the table only)."""
    if _cut(scope, table):
        return None
    start, end = _within(scope.filters.start, scope.filters.end, scope.rollup_dates.get(table))
    predicates = _month_predicates(t, *_whole_months(start, end))
    return t.filter(*predicates) if predicates else t


def _cut(scope: Scope, table: str) -> bool:
    """Whether the period cuts a month of `table`'s rows (days read from the table)."""
    start, end = _within(scope.filters.start, scope.filters.end, scope.rollup_dates.get(table))
    return bool(_edges(start, end, *_whole_months(start, end)))


def _header_totals(
    scope: Scope, name: str, by: tuple[str, ...], measures: tuple[str, ...]
) -> ir.Table:
    """`measures` of a table with one row per entry or release, per `by`: from rollup
    `name` when it has every key and no line filter asks (those match through the lines;
    counts of such rows add up across rollup rows), else from the table."""
    rollup = rollups.ROLLUPS[name]
    columns = {*rollup.keys, "month", *rollup.dims}
    if name in scope.rollups and set(by) <= columns and not scope.filters.needs_lines:
        return _from_rollup(scope, name, by, measures, goods_only=False)
    t = scope.table(rollup.source)
    values = {m: measure(rollup.source, m)[1].of(t) for m in measures}
    return _aggregate(t, _keys(t, by, rollup.date_column), values)


def _known(table: str, measures: tuple[str, ...]) -> None:
    unknown = {m for m in measures if ASKED_AS.get(table, {}).get(m, m) not in MEASURES[table]}
    if unknown:
        raise ValueError(f"unknown measure {sorted(unknown)[0]!r} of {table}")


def plan(
    scope: Scope, by: tuple[str, ...], measures: tuple[str, ...], *, goods_only: bool = False
) -> str | None:
    """The rollup that answers exactly like the lines, or None (read the lines): the first
    of `rollups.ROLLUPS` (smallest first) that has every key and filter the question
    needs, and, when it asks for distinct entries, no line-level key the question leaves
    free (an entry counted in two rollup rows of one answer row would count twice)."""
    filters = scope.filters
    if not set(by) <= ROLLUP_KEYS or (goods_only and not set(measures) <= {"entries", "lines"}):
        return None
    prefix = filters.hts_prefix
    if prefix.startswith(LAYER_CHAPTER):  # matched by a row's own number or its goods row's
        return _chapter_99_plan(scope, measures)
    needed, pinned = set(by) & LINE_KEYS, set(by) & LINE_KEYS
    if filters.countries:
        needed.add("country_of_origin")
        if len(filters.countries) == 1:  # the goods row a layer counts under is pinned too
            pinned |= {"country_of_origin", "goods_country"}
    if len(prefix) == 2:
        needed.add("hts_chapter")
        pinned.add("hts_chapter")
    elif prefix:
        needed.add("goods_hts")
        if len(prefix) == 10:
            pinned.add("goods_hts")
    for name, rollup in rollups.ROLLUPS.items():
        if rollup.source != ENTRY_LINES.name or rollup.kind != rollups.SUMS:
            continue
        if name not in scope.rollups or name == rollups.LINES_BY_CHAPTER_99:
            continue
        if needed <= _answers(rollup.dims):
            exact = "entries" not in measures or set(rollup.dims) <= pinned
            if exact:
                return name
    return None


def _chapter_99_plan(scope: Scope, measures: tuple[str, ...]) -> str | None:
    """Under a "99" prefix, the rollup of the rows with a Chapter 99 number of their own:
    the sums only (its rows split each entry by number and goods; the entries are counted
    apart, `_entries_apart`)."""
    name = rollups.LINES_BY_CHAPTER_99
    return name if name in scope.rollups and "entries" not in measures else None


def _answers(dims: tuple[str, ...]) -> set[str]:
    """The line-level keys and filters a rollup with `dims` answers: a chapter from the
    goods number; the goods row's country goes with the row's own."""
    out = set(dims)
    if "goods_hts" in out:
        out.add("hts_chapter")
    return out


def _from_rollup(
    scope: Scope, name: str, by: tuple[str, ...], measures: tuple[str, ...], goods_only: bool
) -> ir.Table:
    source = rollups.ROLLUPS[name].source
    dates = scope.rollup_dates.get(source)
    start, end = _within(scope.filters.start, scope.filters.end, dates)
    first, last = _whole_months(start, end)
    parts = []
    if first is None or last is None or first <= last:
        parts.append(_rollup_part(scope, name, by, measures, goods_only, first, last))
    for low, high in _edges(start, end, first, last):
        parts.append(_source_part(scope, source, by, measures, goods_only, low, high))
    union = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    totals = {m: measure(source, m)[1].rolled(union[m]) for m in measures}
    return _aggregate(union, {k: union[k] for k in by}, totals)


def _rollup_part(
    scope: Scope,
    name: str,
    by: tuple[str, ...],
    measures: tuple[str, ...],
    goods_only: bool,
    first: date | None,
    last: date | None,
) -> ir.Table:
    t = scope.rollup(name)  # the principal's rows and the header filters: Scope's door
    if rollups.ROLLUPS[name].kind == rollups.ENTRIES:
        return _entries_part(t, scope.filters, by, goods_only, first, last)
    if rollups.ROLLUPS[name].kind == rollups.FIRSTS:
        return _firsts_part(t, scope.filters, by, first, last)
    source = rollups.ROLLUPS[name].source
    filters = scope.filters
    predicates: list[ir.BooleanValue] = []
    if "first_digits" in t.columns:  # a header table's rollup by its lines' numbers
        prefix = filters.hts_prefix
        under = t.hts_number.startswith(ibis.literal(prefix))
        predicates += [under, t.first_digits <= ibis.literal(len(prefix))]
    elif "goods_hts" in t.columns:
        t, predicates = _by_goods(t, filters, predicates)
    elif filters.hts_prefix:
        predicates.append(t.hts_chapter == ibis.literal(filters.hts_prefix))
    if "countries" in t.columns:  # a header table's rollup by its lines' countries
        predicates.append(_holds_one(t.countries, filters))
    if "entry_month" in t.columns:  # ... and the month of the lines: theirs in the period
        lines = _within(filters.start, filters.end, scope.rollup_dates.get(ENTRY_LINES.name))
        predicates += _entry_months(t, *_whole_months(*lines))
    predicates += _month_predicates(t, first, last)
    if goods_only:
        predicates.append(t.lines > 0)
    if predicates:
        t = t.filter(*predicates)
    columns = {m: measure(source, m)[0] for m in measures}
    if source == ENTRY_LINES.name and goods_only and "entries" in columns:
        columns["entries"] = "goods_entries"
    sums = {m: _typed(measure(source, m)[1], t[column].sum()) for m, column in columns.items()}
    return _aggregate(t, {k: t[k] for k in by}, sums)


def _entries_part(
    t: ir.Table,
    filters: Filters,
    by: tuple[str, ...],
    goods_only: bool,
    first: date | None,
    last: date | None,
) -> ir.Table:
    """Entries per `by` from the entries-by-countries rollup: those whose set of countries
    (of their goods rows, if `goods_only`) holds one of the filter's."""
    countries = t.goods_countries if goods_only else t.countries
    t = t.filter(_holds_one(countries, filters), *_month_predicates(t, first, last))
    return _aggregate(t, {k: t[k] for k in by}, {"entries": t.entries.sum()})


def _holds_one(countries: ir.ArrayValue, filters: Filters) -> ir.BooleanValue:
    """A set of countries holding one of the filter's."""
    return ibis.or_(*(countries.contains(c) for c in filters.countries))


def _firsts_part(
    t: ir.Table, filters: Filters, by: tuple[str, ...], first: date | None, last: date | None
) -> ir.Table:
    """Entries per `by` from the entries-by-HTS rollup: each counted under the prefix by
    the first of its numbers that start with it."""
    prefix = filters.hts_prefix
    under = t.hts_number.startswith(ibis.literal(prefix))
    t = t.filter(under, *_month_predicates(t, first, last))
    entries = t[rollups.first_column(len(prefix))].sum()
    return _aggregate(t, {k: t[k] for k in by}, {"entries": entries})


def _month_predicates(t: ir.Table, first: date | None, last: date | None) -> list[ir.BooleanValue]:
    """A rollup's rows of the months `first`..`last` (None: open), by month and partition."""
    out = []
    if first is not None:
        out += [t.month >= ibis.literal(first), t.year >= ibis.literal(first.year)]
    if last is not None:
        out += [t.month <= ibis.literal(last), t.year <= ibis.literal(last.year)]
    return out


def _entry_months(t: ir.Table, first: date | None, last: date | None) -> list[ir.BooleanValue]:
    """Rows whose lines are of the months `first`..`last` (None: open)."""
    out = [] if first is None else [t.entry_month >= ibis.literal(first)]
    return out + ([] if last is None else [t.entry_month <= ibis.literal(last)])


def _by_goods(
    t: ir.Table, filters: Filters, predicates: list[ir.BooleanValue]
) -> tuple[ir.Table, list[ir.BooleanValue]]:
    """The HTS rollup read as the lines would be (attribution.under_prefix, _attributed):
    a layer counts under its goods row's number only where the country filter keeps that
    goods row (goods_country); otherwise under its own 9903 number (chapter 99). A rollup
    holding each row's own number too (`hts_number`: a "99" prefix) keeps the rows whose
    own number has the prefix as well, all in chapter 99: a layer's goods row is in scope
    only if its own number has the prefix (the lines attribute among the rows in scope)."""
    kept = t.goods_country.isin(list(filters.countries)) if filters.countries else None
    own = "hts_number" in t.columns
    if filters.hts_prefix:
        start = ibis.literal(filters.hts_prefix)
        under = (
            t.goods_hts.startswith(start) if kept is None else t.goods_hts.startswith(start) & kept
        )
        predicates.append(t.hts_number.startswith(start) | under if own else under)
    chapter = ibis.literal(LAYER_CHAPTER) if own else t.goods_hts.substr(0, 2)
    if kept is not None and not filters.hts_prefix:
        chapter = ibis.ifelse(kept.fill_null(False), chapter, ibis.literal(LAYER_CHAPTER))
    return t.mutate(hts_chapter=chapter), predicates


def _source_part(
    scope: Scope,
    source: str,
    by: tuple[str, ...],
    measures: tuple[str, ...],
    goods_only: bool,
    low: date,
    high: date,
) -> ir.Table:
    """The rows of the days `low`..`high` (a month the date range cuts) from the table."""
    t = scope.table(source)
    date = t[table_spec(source).date_column]
    t = t.filter(
        date >= ibis.literal(low),
        date <= ibis.literal(high),
        t.year >= ibis.literal(low.year),
        t.year <= ibis.literal(high.year),
    )
    if goods_only:
        t = t.filter(t.tariff_ordinal == 1)
    if source == ENTRY_LINES.name:
        t = _attributed(t, by)
    values = {m: measure(source, m)[1].of(t) for m in measures}
    return _aggregate(t, _keys(t, by, table_spec(source).date_column), values)


def _within(
    start: date | None, end: date | None, dates: tuple[date, date] | None
) -> tuple[date | None, date | None]:
    """The range's bounds, None where they reach past the lines' first or last date (a
    bound that cuts no data: "Last 5 years" ending today reads no lines)."""
    if dates is None:
        return start, end
    return (
        None if start is not None and start <= dates[0] else start,
        None if end is not None and end >= dates[1] else end,
    )


def _whole_months(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """First day of the first and of the last month the range covers whole (None: open)."""
    first = start
    if start is not None and start.day != 1:
        first = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    last = end
    if end is not None:
        last = end.replace(day=1)
        if (end + timedelta(days=1)).day != 1:  # not the month's last day
            last = (last - timedelta(days=1)).replace(day=1)
    return first, last


def _edges(
    start: date | None, end: date | None, first: date | None, last: date | None
) -> list[tuple[date, date]]:
    """The day ranges outside the whole months, read from the lines."""
    if first is not None and last is not None and first > last:
        assert start is not None and end is not None  # only a cut month is not whole
        return [(start, end)]
    edges = []
    if start is not None and first is not None and start < first:
        edges.append((start, first - timedelta(days=1)))
    if end is not None and last is not None:
        after = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
        if end >= after:
            edges.append((after, end))
    return edges


def _typed(measure: Measure, value: ir.Value) -> ir.Value:
    return value.cast(MONEY_TOTAL_SQL) if measure.money else value.cast("int64")


def _attributed(t: ir.Table, by: tuple[str, ...]) -> ir.Table:
    """Lines with their `hts_chapter`: a Chapter 99 layer counts under its goods' chapter
    (joined, so it is a column before the grouping)."""
    if "hts_chapter" not in by:
        return t
    return with_dimensions(t, ("hts_chapter",))


def _keys(t: ir.Table, by: tuple[str, ...], date: str = "entry_date") -> dict[str, ir.Value]:
    """The key expressions over a table's rows (`measures.dimension`; "month" of its `date`
    column; `hts_chapter` is the column `_attributed` set)."""
    return {k: t.hts_chapter if k == "hts_chapter" else dimension(t, k, date) for k in by}


def _aggregate(t: ir.Table, keys: dict[str, ir.Value], values: dict[str, ir.Value]) -> ir.Table:
    return t.group_by(**keys).aggregate(**values) if keys else t.aggregate(**values)
