"""Monthly rollups of entry lines and summaries: what lets a 5-year question read thousands
of rows instead of millions.

Each line rollup groups the lines by the header fields the global filters use (importer,
filer, port, entry type, mode), the month of entry and at most one line-level field, with
the sums the pages show and the distinct entries of each group (every measure of
`data_access.measures`, compiled from its Ibis definition to DuckDB SQL); the summaries rollup
counts entry summaries (and their CF-28s, CF-29s, duties, taxes and fees) by the header
fields and month; the releases rollup counts cargo releases by their header fields, month
of arrival, days to release and whether held (a histogram: quantiles follow exactly); and
both are rolled up again by their lines' countries (`ByLineCountries`), what a country
filter reads instead of matching them through the entries::

    <lake>/_rollups/<name>/year=YYYY/part-<snapshot>.parquet
    <lake>/_rollups/sources.json    which table files each year was built from, the
                                    tables' first and last entry date, whether exact

They are rebuilt inside every lake transaction (`store._commit` calls `rebuild`), so they
commit in the same atomic swap as the lines; only the years whose files changed are
recomputed (and, where the lines changed, the rollups that hold their countries:
`_changed`), all the rollups of a table in one pass over each year's files, a span of
months at a time (`_write_year`). A reader trusts them only when
`sources.json` names exactly the table files of its snapshot (`usable`), and
`reports.line_totals` decides per question whether a rollup gives the same answer as the
tables (tests/test_rollups.py proves the frames equal).

Distinct entries add up across rollup rows only if every line of an entry shares its
header fields and month; `rebuild` checks that on the whole lake (sum of per-group
distinct entries = distinct entries) and marks the rollups unusable if not.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import polars as pl
from ibis.backends.sql.datatypes import DuckDBType

from data_access import attribution, measures
from data_access.lake import agreement, layout
from data_access.lake.layout import ROLLUPS_DIR
from data_access.measures import GOODS_DIMENSIONS, HEADER_DIMS, LINES, RELEASE_KEYS, Measure
from data_access.schema import CARGO_RELEASES, ENTRY_LINES, ENTRY_SUMMARIES, TABLES

if TYPE_CHECKING:
    from data_access.lake.snapshot import Transaction

VERSION = 21  # bump when a rollup's columns change: every year is rebuilt
SOURCES = "sources.json"
# No automatic checkpoint while a year's rows collect in temporary tables: past the default
# threshold (16 MiB) DuckDB compresses every changed in-memory table at an INSERT's commit,
# 0.3-1.2 s a time, a sixth of a 50M lake's rollup build (session 9, benchmarks/README.md).
BUILD_CONFIG = {
    "memory_limit": "1GB",
    "threads": os.cpu_count() or 2,
    "checkpoint_threshold": "1TB",
}
SOURCE = "rollup_source"  # the table name the compiled queries read (the files, bound later)


SUMS, KEYS, ENTRIES = "sums", "keys", "entries"  # what a rollup's rows hold (Rollup.kind)
PART = "part"  # some measures of some rows (`Part`): not a total of the table
NAMES = "names"  # the names of importers and filers and the last day of each (`LatestNames`)
FIRSTS = "firsts"  # entries counted once under each HTS prefix (`FirstNumbers`)
PREFIX_DIGITS = range(2, 11)  # the lengths of an HTS prefix a filter may set


@dataclass(frozen=True)
class Rollup:
    """Rows of `source` grouped by its header fields, the month of its date and `dims`
    (keys of `measures.dimension`), holding (`kind`):

    - SUMS: every measure of the table (`measures.MEASURES`);
    - KEYS: nothing: the distinct rows of the keys (no month), sorted by `order` in row
      groups of `row_group` rows (a copy sorted for pruning);
    - ENTRIES: the entries of each set of countries their rows come from (`dims`: the
      sorted countries of all rows and of the goods rows, `measures.ENTRY_SETS`), so the
      entries of any countries add up exactly: those whose set has one of them; a dim
      that is not a set (a chapter) splits each entry's rows first, the sets are of each
      part's rows;
    - FIRSTS: the entries under any HTS prefix (`FirstNumbers`);
    - PART: some measures of some of the rows (`Part`).
    """

    source: str
    dims: tuple[str, ...]
    keys: tuple[str, ...] = HEADER_DIMS
    date_column: str = "entry_date"
    kind: str = SUMS
    order: tuple[str, ...] = ("importer_number", "month")
    row_group: int | None = None  # rows per Parquet row group (None: DuckDB's default)
    measures: dict[str, Measure] = field(init=False)

    def __post_init__(self) -> None:
        sums = measures.MEASURES[self.source] if self.kind == SUMS else {}
        object.__setattr__(self, "measures", sums)

    @property
    def grouped(self) -> tuple[str, ...]:
        """The rollup's key columns: header fields, month (unless KEYS) and dims."""
        return (*self.keys, *(() if self.kind == KEYS else ("month",)), *self.dims)

    def rows(self, t: ir.Table) -> ir.Table:
        """The rows of the table the rollup groups (all; `Part`: some)."""
        return t

    def tests(self, t: ir.Table) -> list[ir.Value]:
        """The expressions choosing its rows (none; `Part`: its `where`)."""
        return []

    def query(self, columns: Collection[str]) -> ir.Table:
        """The rollup of a table whose files have `columns`, as one Ibis expression (rows
        in no order: `_write_year` sorts them by `order`)."""
        t = self.rows(source_table(self.source, columns))
        if self.kind == ENTRIES:
            return self._entries(t)
        rows = measures.with_dimensions(t, self.grouped, self.date_column)
        if self.kind == KEYS:
            return rows.select(*self.grouped).distinct()
        sums = {column: m.of(rows) for column, m in self.measures.items()}
        return rows.group_by(list(self.grouped)).aggregate(**sums)

    def _entries(self, t: ir.Table) -> ir.Table:
        per = [d for d in self.dims if d not in measures.ENTRY_SETS]  # keys within an entry
        rows = measures.with_dimensions(t, ("month", *per), self.date_column)
        sets = {d: measures.ENTRY_SETS[d](rows) for d in self.dims if d not in per}
        entries = rows.group_by([*self.keys, "month", "entry_number", *per]).aggregate(**sets)
        count = entries.count().cast("int64")
        return entries.group_by(list(self.grouped)).aggregate(entries=count)

    def reads(self) -> set[str]:
        """The columns of its source table the rollup reads (attribution's where it groups by
        a line's goods)."""
        every = {*TABLES[self.source].column_names, *attribution.GOODS_COLUMNS}
        t = source_table(self.source, every)
        keys = (*self.keys, "month") if self.kind == ENTRIES else self.grouped
        values = [m.of(t) for m in self.measures.values()]
        values += [measures.dimension(t, k, self.date_column) for k in keys]
        values += self.tests(t)
        if self.kind == ENTRIES:
            values += [t.entry_number, *(_entry_value(t, d) for d in self.dims)]
        read = {f.name for v in values for f in v.op().find(ops.Field)}
        if read & set(attribution.GOODS_COLUMNS):
            read |= set(attribution.READS)
        return read - set(attribution.GOODS_COLUMNS)

    def year_totals(self, columns: Collection[str]) -> ir.Table:
        """The additive measures of the table per hive `year` (what `lake.check` compares)."""
        t = self.rows(source_table(self.source, columns, year=True))
        sums = {c: m.of(t) for c, m in self.measures.items() if not m.distinct}
        return t.group_by("year").aggregate(**sums)


def _entry_value(t: ir.Table, name: str) -> ir.Value:
    """A dim of an ENTRIES rollup: a set over an entry's rows, or a key within an entry."""
    sets = measures.ENTRY_SETS
    return sets[name](t) if name in sets else measures.dimension(t, name)


@dataclass(frozen=True)
class FirstNumbers(Rollup):
    """The entries under any HTS prefix, exactly, by header fields, month and HTS number:
    per (entry, own number) of its rows (a layer's 9903 number too: what a "99" prefix
    matches an entry by, `reports.line_totals`), the number counts its entry
    in `entries_<n>` (`first_column(n)`) when it is the entry's smallest number of its
    first n digits. An entry is under a prefix of n digits exactly when one of its numbers
    starts with it, and then exactly one of them is its first of those n digits: the
    entries under the prefix are the sum of `entries_<n>` over the numbers that start
    with it. Without countries (an entry's first number may come from another country).
    One window over each entry's distinct numbers, no goods join (an entry's rows are in
    one month, so in one span of `_write_year`)."""

    kind: str = FIRSTS

    def query(self, columns: Collection[str]) -> ir.Table:
        """The rollup's rows, in no order (`_write_year` sorts them by `order`)."""
        t = source_table(self.source, columns)
        rows = measures.with_dimensions(t, ("month",), self.date_column)
        numbers = rows.select(*self.keys, "month", "entry_number", "hts_number").distinct()
        before = numbers.hts_number.lag().over(
            ibis.window(group_by=numbers.entry_number, order_by=numbers.hts_number)
        )
        numbers = numbers.mutate(_before=before)
        counts = {
            first_column(n): numbers.count(where=_first_of(numbers, n)).cast("int64")
            for n in PREFIX_DIGITS
        }
        return numbers.group_by(list(self.grouped)).aggregate(**counts)

    def reads(self) -> set[str]:
        return {*self.keys, self.date_column, "entry_number", "hts_number"}


@dataclass(frozen=True)
class Part(Rollup):
    """A rollup of the rows `where` keeps (all: None), holding the measures `sums` (kind
    PART), or, of another kind, what that kind holds: the Chapter 99 layers' rows and duty
    per 9903 number, their entries, their keys (`reports.layer_totals`)."""

    kind: str = PART
    where: Callable[[ir.Table], ir.BooleanValue] | None = None
    sums: dict[str, Measure] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "measures", dict(self.sums))

    def rows(self, t: ir.Table) -> ir.Table:
        return t.filter(self.where(t)) if self.where else t

    def tests(self, t: ir.Table) -> list[ir.Value]:
        return [self.where(t)] if self.where else []


@dataclass(frozen=True)
class Coarser(Part):
    """Rollup `of` (a `Part` of the same table, built in the same pass) without some of its
    dims: the finer rollup's rows of the year summed again once its spans are read, a pass
    over those rows instead of the source's (`_write_year`)."""

    of: str = ""

    def query(self, columns: Collection[str]) -> ir.Table:
        rows = ibis.table(ROLLUPS[self.of].query(columns).schema(), name=SOURCE)
        sums = {column: m.rolled(rows[column]) for column, m in self.measures.items()}
        return rows.group_by(list(self.grouped)).aggregate(**sums)

    def reads(self) -> set[str]:
        return ROLLUPS[self.of].reads()


@dataclass(frozen=True)
class ByLineCountries(Part):
    """The measures of a header table per its own header fields, month, `dims` and the
    countries of its entry's lines (`measures.COUNTRY_SETS` "countries", from the lines'
    `entry_countries`: `_entry_sets`); rows whose entry has no lines are left out. Under
    countries without an HTS prefix a header row is in scope when its entry has a line
    from one of them that passes the filters (`reports.base.Scope._through_lines`): the
    rows whose countries hold one, wherever the rows share with their lines the fields a
    question filters on (`lake.agreement`) and the lines' dates are in the period.

    The sets come from the same year's lines (the summaries: where they agree, an entry's
    lines are dated as its summary), or, `every_year`, from every year's, with the month
    of the entry's lines as the key `entry_month` (the releases: dated by arrival, their
    lines may be in another month or year). Rebuilt with the lines (`_changed`)."""

    every_year: bool = False

    @property
    def of_lines(self) -> tuple[str, dict[str, str]]:
        """The temporary table of the lines' values per entry it joins, and its schema."""
        return ENTRY_SETS_TABLE, ENTRY_SETS_SCHEMA

    def query(self, columns: Collection[str]) -> ir.Table:
        """The rollup's rows, in no order: the span's rows joined to their entry's set."""
        name, schema = self.of_lines
        sets = ibis.table(schema, name=name)
        t = source_table(self.source, columns).join(sets, "entry_number")
        rows = measures.with_dimensions(t, ("month", *self.dims), self.date_column)
        sums = {column: m.of(rows) for column, m in self.measures.items()}
        return rows.group_by(list(self.grouped)).aggregate(**sums)

    def reads(self) -> set[str]:
        t = source_table(self.source, TABLES[self.source].column_names)
        values = [m.of(t) for m in self.measures.values()]
        values += [t[k] for k in (*self.keys, self.date_column, "entry_number")]
        values += [measures.DIMENSIONS[d](t) for d in self.dims if d in measures.DIMENSIONS]
        return {f.name for v in values for f in v.op().find(ops.Field)}


@dataclass(frozen=True)
class ByLineNumbers(ByLineCountries):
    """The measures of a header table per its own header fields, month and each HTS number
    of its entry's lines (own numbers: a layer's 9903 number, for a "99" prefix; its goods
    number is its goods row's) with `first_digits`, the fewest digits from which the number
    is the first of its entry's numbers sorted (`FirstNumbers`: 2 for the first, else one
    more than the digits it shares with the number before). Under a prefix of n digits an
    entry's rows count where the number starts with it and `first_digits` <= n: exactly
    once, by the smallest of its numbers under the prefix. From the same year's `entry_keys`
    (where the rows agree with their lines, as `ByLineCountries`), or, `every_year`, every
    year's, with the month of the entry's lines as the key `entry_month`."""

    @property
    def of_lines(self) -> tuple[str, dict[str, str]]:
        return ENTRY_NUMBERS_TABLE, ENTRY_NUMBERS_SCHEMA


@dataclass(frozen=True)
class LatestNames(Rollup):
    """The names the entry summaries give importers and filers (`measures.NAMED`): per
    header fields, month and the two names as filed, the last day they appear
    (`last_date`). The latest name of a code in scope (`reports.names.held_names`) is
    `measures.latest` of these rows' trimmed names, as of the summaries' (one grouping of
    the rows as they are: trimming and two groupings per name were a second a span)."""

    kind: str = NAMES
    dims: tuple[str, ...] = tuple(measures.NAMED.values())

    def query(self, columns: Collection[str]) -> ir.Table:
        t = source_table(self.source, columns)
        absent = {c: ibis.null("string") for c in self.dims if c not in t.columns}
        rows = measures.with_dimensions(t.mutate(**absent), ("month",), self.date_column)
        return rows.group_by(list(self.grouped)).aggregate(last_date=rows[self.date_column].max())

    def reads(self) -> set[str]:
        return {*self.keys, self.date_column, *self.dims}


def first_column(digits: int) -> str:
    """The column of `FirstNumbers` counting the entries under a prefix of `digits`."""
    return f"entries_{digits}"


def _first_of(numbers: ir.Table, digits: int) -> ir.BooleanValue:
    """The entry's first number of its first `digits` digits (numbers sorted per entry)."""
    this, before = numbers.hts_number.substr(0, digits), numbers._before.substr(0, digits)
    return numbers._before.isnull() | (before != this)


ENTRY_KEYS = "entry_keys"
LINES_BY_CHAPTER_99 = "lines_by_chapter_99"
ENTRY_COUNTRIES = "entry_countries"
ENTRIES_BY_COUNTRIES = "entries_by_countries"
ENTRIES_BY_HTS = "entries_by_hts"
ENTRIES_BY_CHAPTER = "entries_by_chapter"
LAYERS_BY_NUMBER = "layers_by_number"
LAYER_ENTRIES = "layer_entries"
LAYER_GOODS = ("country_of_origin", "goods_country", "goods_hts")  # a layer's countries, goods
CHAPTER_99_BY_ENTRY = "chapter_99_by_entry"
CHAPTER_99_BY_COUNTRY = "chapter_99_by_country"
SUMMARIES_BY_COUNTRIES = "summaries_by_countries"
ENTRY_SETS_TABLE = "rollup_entry_sets"  # a year's entries with lines and their countries
ENTRY_SETS_SCHEMA = {"entry_number": "string", "countries": "array<string>", "entry_month": "date"}
ENTRY_KEY_SCHEMA = {"entry_number": "string", "country_of_origin": "string", "entry_date": "date"}
OWN_ROWS = "rollup_own_rows"  # a year's files of the table a ByLineCountries rolls up
ENTRY_NUMBERS_TABLE = "rollup_entry_numbers"  # a year's entries, numbers, first digits
ENTRY_NUMBERS_SCHEMA = {
    "entry_number": "string",
    "hts_number": "string",
    "first_digits": "int8",
    "entry_month": "date",
}
SUMMARIES_BY_HTS = "summaries_by_hts"
RELEASES_BY_COUNTRIES = "releases_by_countries"
RELEASES_BY_HTS = "releases_by_hts"
NAMES_BY_MONTH = "names_by_month"
ROLLUPS: dict[str, Rollup] = {
    "lines_by_month": Rollup(ENTRY_LINES.name, ()),
    "lines_by_country": Rollup(ENTRY_LINES.name, ("country_of_origin",)),
    # Sorted by importer and then chapter (or goods number) in small row groups: an HTS
    # prefix prunes most of an importer's run (and of each importer's, for CBP).
    "lines_by_chapter": Rollup(
        ENTRY_LINES.name,
        ("hts_chapter",),
        order=("importer_number", "hts_chapter", "month"),
        row_group=8_192,  # about 8 groups a year of a 50M-line lake
    ),
    # Any HTS prefix and any countries: the full goods number and, beside the row's own
    # country, its goods row's (a layer counts under its goods only where a country filter
    # keeps that goods row too: `reports.line_totals` reads both).
    "lines_by_hts": Rollup(
        ENTRY_LINES.name,
        ("country_of_origin", "goods_country", "goods_hts"),
        order=("importer_number", "goods_hts", "month"),
        row_group=8_192,  # about 18 groups a year of a 50M-line lake
    ),
    # The rows filed under a Chapter 99 number of their own (`measures.own_chapter_99`)
    # with that number beside their goods number and country: what a "99" prefix sums (it
    # matches a row by its own number or its goods row's: `attribution.under_prefix`),
    # which the other line rollups cannot (they hold a layer under its goods number).
    # About 110k rows a year of a 50M-line lake.
    LINES_BY_CHAPTER_99: Part(
        ENTRY_LINES.name,
        ("country_of_origin", "goods_country", "goods_hts", "hts_number"),
        kind=SUMS,
        where=measures.own_chapter_99,
        sums=measures.ADDITIVE_LINES,
        order=("importer_number", "hts_number", "month"),
        row_group=8_192,
    ),
    # The lines' distinct entry keys, sorted unlike the lines (DESIGN.md keeps those by
    # importer and date): by importer, own HTS number, country and date, in row groups
    # small enough that an HTS prefix (and a country within it) prunes most of each
    # importer's run. What distinct entries under an HTS prefix are counted on, and header
    # tables filtered by a line field are matched through (`Scope.entry_keys`).
    ENTRY_KEYS: Rollup(
        ENTRY_LINES.name,
        ("entry_date", "entry_number", "country_of_origin", "hts_number", "goods_row"),
        kind=KEYS,
        order=("importer_number", "hts_number", "country_of_origin", "entry_date"),
        row_group=61_440,  # about 70 groups per year of a 50M-line lake
    ),
    # The lines' distinct entries per country of origin, sorted by importer, country and
    # date: what header tables filtered by countries without an HTS prefix are matched
    # through (`Scope.entry_numbers`). A country prunes most of each importer's run, and an
    # entry is read once per country, not once per HTS number (the largest importer's
    # CN or VN: 0.35M rows instead of entry_keys' 2.5M).
    ENTRY_COUNTRIES: Rollup(
        ENTRY_LINES.name,
        ("entry_date", "entry_number", "country_of_origin"),
        kind=KEYS,
        order=("importer_number", "country_of_origin", "entry_date"),
        row_group=61_440,
    ),
    # The entries of any set of countries, exactly, by header fields and month (without
    # an HTS prefix: `reports.line_totals`): about 67k rows a year of a 50M-line lake.
    ENTRIES_BY_COUNTRIES: Rollup(ENTRY_LINES.name, ("countries", "goods_countries"), kind=ENTRIES),
    # The entries with goods in each chapter from any set of countries, exactly: per
    # entry and chapter of its goods rows, the countries of those rows (Exams' rate by
    # chapter under countries, `line_totals.entries_by_chapter`).
    ENTRIES_BY_CHAPTER: Part(
        ENTRY_LINES.name,
        ("hts_chapter", "goods_countries"),
        kind=ENTRIES,
        where=measures.is_goods,
    ),
    # The entries under any HTS prefix without countries, exactly (`FirstNumbers`):
    # about 116k rows a year of a 50M-line lake, sorted for a prefix to prune.
    ENTRIES_BY_HTS: FirstNumbers(
        ENTRY_LINES.name,
        ("hts_number",),
        order=("importer_number", "hts_number", "month"),
        row_group=8_192,
    ),
    # The Chapter 99 layers (`attribution.is_layer`): rows and duty by header fields, month,
    # own and goods country, goods number and 9903 number (the program is the registry's,
    # joined when read): about 190k rows a year of a 50M-line lake, sorted for a prefix.
    LAYERS_BY_NUMBER: Part(
        ENTRY_LINES.name,
        ("country_of_origin", "goods_country", "goods_hts", "layer_number"),
        where=attribution.is_layer,
        sums=measures.LAYER_MEASURES,
        order=("importer_number", "goods_hts", "month"),
        row_group=8_192,
    ),
    # The entries with layers, exactly, by header fields, month and the set of (9903
    # number, country) of their layers: the entries of any program under any countries
    # (`measures.ENTRY_SETS`). About 66k rows a year of a 50M-line lake.
    LAYER_ENTRIES: Part(
        ENTRY_LINES.name, ("layer_pairs",), kind=ENTRIES, where=attribution.is_layer
    ),
    # Per entry, 9903 number (none: AD/CVD rows), own and goods country, goods number and
    # whether a goods row (a 9903 number filed first is not a layer), the rows that can
    # hold IEEPA duty or make an entry AD/CVD: what the refunds reports read instead of the
    # lines, and the entries of a program under an HTS prefix. Sorted by importer and goods
    # number: a prefix prunes.
    # The registry (which numbers are refunded, the IEEPA period) is applied when read.
    CHAPTER_99_BY_ENTRY: Part(
        ENTRY_LINES.name,
        ("entry_date", "entry_number", "layer_number", *LAYER_GOODS, "goods_row"),
        where=measures.chapter_99_or_adcvd,
        sums=measures.CHAPTER_99_MEASURES,
        order=("importer_number", "goods_hts", "entry_date"),
        row_group=61_440,
    ),
    # The same without the goods (number and country): what the refunds read without an HTS
    # prefix (the largest importer's IEEPA period of a 50M-line lake: 0.63M rows instead of
    # 1.73M), summed from it.
    CHAPTER_99_BY_COUNTRY: Coarser(
        ENTRY_LINES.name,
        ("entry_date", "entry_number", "layer_number", "country_of_origin"),
        of=CHAPTER_99_BY_ENTRY,
        sums=measures.CHAPTER_99_MEASURES,
        order=("importer_number", "country_of_origin", "entry_date"),
        row_group=61_440,
    ),
    "summaries_by_month": Rollup(ENTRY_SUMMARIES.name, ()),
    # The importers' and filers' names (the filter bar's, a page's first 50-100 ms).
    NAMES_BY_MONTH: LatestNames(ENTRY_SUMMARIES.name),
    # The summaries' measures by header fields, month and their lines' countries: what
    # entries, CF-28s and CF-29s under countries add up from (`line_totals.summary_totals`)
    # instead of matching 1.3M summaries of the largest importer of a 50M-line lake
    # through the entries of the countries. About 75k rows a year there.
    SUMMARIES_BY_COUNTRIES: ByLineCountries(
        ENTRY_SUMMARIES.name, ("countries",), sums=measures.SUMMARIES
    ),
    # ... and by each HTS number of their lines, sorted by importer and number for a
    # prefix to prune: the summaries under an HTS prefix (once each: `ByLineNumbers`).
    SUMMARIES_BY_HTS: ByLineNumbers(
        ENTRY_SUMMARIES.name,
        ("hts_number", "first_digits"),
        sums=measures.SUMMARIES,
        order=("importer_number", "hts_number", "month"),
        row_group=61_440,
    ),
    # Days to release as a key: a histogram, from which exact quantiles follow.
    "releases_by_month": Rollup(
        CARGO_RELEASES.name,
        ("release_days", "held"),
        keys=RELEASE_KEYS,
        date_column=CARGO_RELEASES.date_column,
    ),
    # The release histogram by the lines' countries and the month of the lines: releases
    # under countries (`line_totals.release_totals`) without matching 2.7M releases of
    # the largest importer of a 50M-line lake through the entries of the countries.
    RELEASES_BY_COUNTRIES: ByLineCountries(
        CARGO_RELEASES.name,
        ("release_days", "held", "entry_month", "countries"),
        keys=RELEASE_KEYS,
        date_column=CARGO_RELEASES.date_column,
        sums=measures.RELEASES,
        every_year=True,
    ),
    # ... and by each HTS number of their lines (`ByLineNumbers`), sorted by importer and
    # number: the releases under an HTS prefix without matching them through the entry
    # keys of the prefix (150 ms a question for the largest importer of a 50M-line lake).
    # About 250k rows a year there.
    RELEASES_BY_HTS: ByLineNumbers(
        CARGO_RELEASES.name,
        ("release_days", "held", "entry_month", "hts_number", "first_digits"),
        keys=RELEASE_KEYS,
        date_column=CARGO_RELEASES.date_column,
        sums=measures.RELEASES,
        every_year=True,
        order=("importer_number", "hts_number", "month"),
        row_group=61_440,
    ),
}
SOURCE_TABLES = (ENTRY_LINES.name, ENTRY_SUMMARIES.name, CARGO_RELEASES.name)


def source_table(name: str, columns: Collection[str], *, year: bool = False) -> ir.Table:
    """Table `name` as files with `columns` hold it (a lake written before the contract
    gained a column has files without it), unbound: `compiled` reads it from files."""
    schema = {c: t for c, t in dict(TABLES[name].polars_schema).items() if c in columns}
    schema |= {c: pl.String for c in attribution.GOODS_COLUMNS if c in columns}  # attributed
    if year:
        schema[layout.PARTITION] = pl.Int32
    return ibis.table(ibis.Schema.from_polars(schema), name=SOURCE)


_FILES = "read_parquet($files)"  # the table function `compiled` reads by default


def compiled(expr: ir.Table, files: str = _FILES) -> str:
    """`expr` as DuckDB SQL reading `files` (a table function over the `$files` list)."""
    return str(ibis.to_sql(expr, dialect="duckdb")).replace(f'"{SOURCE}"', files)


def columns_of(con: duckdb.DuckDBPyConnection, files: str, parameters: dict) -> set[str]:
    """The columns the files `files` reads have."""
    return {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {files}", parameters).fetchall()}


def view_name(rollup: str) -> str:
    return f"rollup_{rollup}"


def rollup_glob(lake: Path, rollup: str) -> str:
    return layout.glob(lake / ROLLUPS_DIR / rollup)


def usable(lake: Path) -> bool:
    """Whether the rollups of `lake` were built from exactly its line files and are exact."""
    sources = _read_sources(lake / ROLLUPS_DIR)
    if not sources or sources.get("version") != VERSION or not sources.get("valid"):
        return False
    return sources.get("files") == {t: _table_files(lake / t) for t in SOURCE_TABLES}


def out_of_date(lake: Path) -> bool:
    """Whether the lake has rows its rollups were not built for: another version's rollups,
    or other table files (what `itrac check --repair` rebuilds; an entry whose lines
    disagree on a header field keeps them unusable, rebuilt or not)."""
    files = {t: _table_files(lake / t) for t in SOURCE_TABLES}
    if not any(files.values()):
        return False
    sources = _read_sources(lake / ROLLUPS_DIR)
    return sources.get("version") != VERSION or sources.get("files") != files


def status(lake: Path) -> str:
    """One sentence for the Data page: whether the pages read the rollups, and if not, why."""
    sources = _read_sources(lake / ROLLUPS_DIR)
    if not any(_table_files(lake / t) for t in SOURCE_TABLES):
        return "Monthly rollups: none yet (no entries loaded)."
    if usable(lake):
        return (
            "Monthly rollups: in use. Pages read them wherever they give the same answer as "
            "the lines, and the lines elsewhere."
        )
    if sources.get("version") == VERSION and not sources.get("valid"):
        return (
            "Monthly rollups: not in use. Some entry's lines disagree on a header field "
            "(importer, filer, port, entry type, mode or month), so entries cannot be "
            "counted from them; pages read the lines: the same answers, more slowly."
        )
    return "Monthly rollups: not in use (out of date); the next load rebuilds them."


def entry_dates(lake: Path) -> dict[str, tuple[date, date]]:
    """First and last entry date of each source table the rollups were built from.

    A date range reaching past them cuts no month of the data: `line_totals` reads such a
    range from the rollup alone.
    """
    spans = _read_sources(lake / ROLLUPS_DIR).get("dates") or {}
    return {t: (date.fromisoformat(a), date.fromisoformat(b)) for t, (a, b) in spans.items()}


def rebuild(tx: Transaction) -> None:
    """Bring the transaction's rollups up to date with its tables (changed years only)."""
    files = {t: _table_files(tx.path(t)) for t in SOURCE_TABLES}
    previous = _read_sources(tx.path(ROLLUPS_DIR))
    built = previous.get("files", {}) if previous.get("version") == VERSION else {}
    # Spills past the memory limit go to the system temp, never the working directory
    # (DuckDB's default `.tmp` there held 1.8 GB while a 50M lake built); removed on close.
    spill = Path(tempfile.gettempdir()) / f"itrac-rollups-{os.getpid()}"
    con = duckdb.connect(config={**BUILD_CONFIG, "temp_directory": str(spill)})
    con.execute("SET enable_progress_bar = false")  # a write's own progress is the caller's
    try:
        for source in SOURCE_TABLES:
            now, before = files[source], built.get(source, {})
            for year in set(before) - set(now):
                for name in _of(source):
                    shutil.rmtree(_year_folder(tx, name, year), ignore_errors=True)
        work = [
            (source, year, names)
            for source in SOURCE_TABLES
            for year, names in files[source].items()
            if _changed(source, year, files, built)
        ]
        progress = _Progress(tx.rollup_progress, _rows(con, tx, work))
        for source, year, names in work:
            _write_year(con, tx, _of(source), year, names, progress)
        valid = _entries_add_up(con, tx, files[ENTRY_LINES.name])
        dates = {t: _dates(con, tx, t, files[t]) for t in SOURCE_TABLES if files[t]}
        kept = previous.get(agreement.KEY, {}) if built else {}
        tables = {t: tx.path(t) for t in SOURCE_TABLES}
        agreed = agreement.years(con, tx.path(ROLLUPS_DIR), tables, files, kept)
        released = agreement.releases(con, tx.path(ROLLUPS_DIR), tables, files)
    finally:
        con.close()
    sources = {"version": VERSION, "valid": valid, "dates": dates, "files": files}
    sources[agreement.KEY] = agreed  # summaries against their lines (`lake.agreement`)
    sources[agreement.RELEASES_KEY] = released  # releases against theirs
    tx.replace_file(f"{ROLLUPS_DIR}/{SOURCES}", json.dumps(sources, indent=1).encode())


# Source rows held at once while a year's rollups are computed: a year of a 50M-line lake
# at once spilled the distinct-entry counts past BUILD_CONFIG's memory limit.
SPAN_ROWS = 1_000_000
SPAN_TABLE = "rollup_span"  # the rows of one span, attributed to their goods


def _changed(source: str, year: str, files: dict[str, dict[str, list[str]]], built: dict) -> bool:
    """Whether a year of table `source` is rolled up again: its files changed, or those of
    the year's lines where a rollup of it holds its lines' countries (`ByLineCountries`)."""
    if built.get(source, {}).get(year) != files[source][year]:
        return True
    lines = ENTRY_LINES.name
    with_lines = [r for n in _of(source) if isinstance(r := ROLLUPS[n], ByLineCountries)]
    if not with_lines:
        return False
    if any(r.every_year for r in with_lines):
        return built.get(lines, {}) != files[lines]
    return built.get(lines, {}).get(year) != files[lines].get(year)


def _of(source: str) -> list[str]:
    """The rollups of table `source`."""
    return [name for name, rollup in ROLLUPS.items() if rollup.source == source]


@dataclass
class _Progress:
    """Source rows rolled up so far, told to the transaction's `rollup_progress`."""

    report: Callable[[int, int], None] | None
    total: int
    done: int = 0

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.report:
            self.report(self.done, self.total)


def _rows(con: duckdb.DuckDBPyConnection, tx: Transaction, work: list) -> int:
    """The rows of the table files of `work` ((table, year, file names)), from their footers."""
    paths = [str(layout.year_folder(tx.path(t), y) / n) for t, y, names in work for n in names]
    return (
        con.execute("SELECT count(*) FROM read_parquet($p)", {"p": paths}).fetchone()[0]
        if paths
        else 0
    )


def _write_year(
    con: duckdb.DuckDBPyConnection,
    tx: Transaction,
    names: list[str],
    year: str,
    files: list[str],
    progress: _Progress,
) -> None:
    """One year of the rollups `names` of one source table, from one pass over its files,
    a file per rollup.

    The year is read a span of whole months at a time (`_spans`): each span's rows, with
    their goods number and country (`attribution.with_goods`, joined once for every
    rollup), are held as a temporary table every rollup reads, and each rollup's rows of
    the span are added to its own temporary table, written sorted once the year is read.
    Every rollup groups by the month (or the day), so its rows over the spans are its rows
    over the year.
    """
    source = ROLLUPS[names[0]].source
    parameters = {"files": [str(layout.year_folder(tx.path(source), year) / n) for n in files]}
    rows, queries = _one_pass(tuple(names), frozenset(columns_of(con, _FILES, parameters)))
    date_column = TABLES[source].date_column
    of_lines = _of_lines(con, tx, year, names, parameters)
    coarse = [n for n in names if isinstance(ROLLUPS[n], Coarser)]
    fine = [n for n in names if n not in coarse]
    for index, (first, last, count) in enumerate(_spans(con, parameters, date_column)):
        span_rows = rows.replace(_FILES, _span(date_column, first, last))
        con.execute(f"CREATE OR REPLACE TEMP TABLE {SPAN_TABLE} AS {span_rows}", parameters)
        for name in fine:
            into = "CREATE OR REPLACE TEMP TABLE {} AS" if index == 0 else "INSERT INTO {}"
            con.execute(f"{into.format(_rolled(name))} {queries[name]}")
        progress.advance(count)
    for name in coarse:  # from the finer rollup's rows of the year (`Coarser`)
        con.execute(f"CREATE TEMP TABLE {_rolled(name)} AS {_counts_kept(name, queries[name])}")
    for name in names:
        folder = _year_folder(tx, name, year)
        shutil.rmtree(folder, ignore_errors=True)  # unlinks: files may be shared with a snapshot
        folder.mkdir(parents=True)
        target = folder / f"part-{tx.id}.parquet"
        order = ", ".join(f'"{c}"' for c in ROLLUPS[name].order)
        rolled = f"SELECT * FROM {_rolled(name)} ORDER BY {order}"
        con.execute(f"COPY ({rolled}) TO '{_quoted(target)}' ({_parquet(ROLLUPS[name])})")
        con.execute(f"DROP TABLE {_rolled(name)}")
    for table in (SPAN_TABLE, *of_lines):
        con.execute(f"DROP TABLE {table}")


def _counts_kept(name: str, query: str) -> str:
    """`query` with the rollup's counts as BIGINT: DuckDB sums a BIGINT into a HUGEINT
    (Ibis drops the cast back as a no-op), which Parquet would hold as a double."""
    counts = [c for c, m in ROLLUPS[name].measures.items() if not m.money]
    if not counts:
        return query
    kept = ", ".join(f'CAST("{c}" AS BIGINT) AS "{c}"' for c in counts)
    return f"SELECT * REPLACE ({kept}) FROM ({query})"


def _of_lines(
    con: duckdb.DuckDBPyConnection, tx: Transaction, year: str, names: list[str], files: dict
) -> list[str]:
    """The temporary tables of the lines' values per entry the rollups `names` join
    (`ByLineCountries.of_lines`), made for the year: their names."""
    joined = [r for n in names if isinstance(r := ROLLUPS[n], ByLineCountries)]
    made = []
    for rollup in joined:
        name = rollup.of_lines[0]
        if name not in made:
            (_entry_numbers if name == ENTRY_NUMBERS_TABLE else _entry_sets)(
                con, tx, year, rollup, files
            )
            made.append(name)
    return made


def _entry_sets(
    con: duckdb.DuckDBPyConnection, tx: Transaction, year: str, rollup: ByLineCountries, files: dict
) -> None:
    """ENTRY_SETS_TABLE: the entries of the lines with the countries they come from
    (`measures.COUNTRY_SETS`) and the month they are dated, from `entry_countries` (built
    before: the lines are rolled up first): the year's, or (`every_year`) every year's,
    of the entries of the year's `files` (`_write_year`'s parameters)."""
    lines = _LinesOf(tx, year, rollup, ENTRY_COUNTRIES, files)
    if not lines.keys:
        return _empty(con, ENTRY_SETS_TABLE, ENTRY_SETS_SCHEMA)
    t = lines.table(ENTRY_KEY_SCHEMA)
    sets = t.group_by("entry_number").aggregate(
        countries=measures.COUNTRY_SETS["countries"](t),
        entry_month=measures.month(t.entry_date.min()),
    )
    lines.create(con, ENTRY_SETS_TABLE, sets)


def _entry_numbers(
    con: duckdb.DuckDBPyConnection, tx: Transaction, year: str, rollup: ByLineCountries, files: dict
) -> None:
    """ENTRY_NUMBERS_TABLE: each entry of the lines with each of its own HTS numbers (9903
    numbers too), the fewest digits from which it is the entry's first (`ByLineNumbers`) and
    the month its lines are dated (one: what makes the rollups usable), from the year's
    `entry_keys`, or (`every_year`) every year's, of the entries of the year's `files`."""
    lines = _LinesOf(tx, year, rollup, ENTRY_KEYS, files)
    if not lines.keys:
        return _empty(con, ENTRY_NUMBERS_TABLE, ENTRY_NUMBERS_SCHEMA)
    keys = lines.table({"entry_number": "string", "hts_number": "string", "entry_date": "date"})
    month = measures.month(keys.entry_date)
    numbers = keys.select("entry_number", "hts_number", entry_month=month).distinct()
    before = numbers.hts_number.lag().over(
        ibis.window(group_by=numbers.entry_number, order_by=numbers.hts_number)
    )
    numbers = numbers.mutate(_before=before)
    first = ibis.cases(*((_first_of(numbers, n), n) for n in PREFIX_DIGITS), else_=11)
    first_digits = first.cast("int8")
    numbers = numbers.select("entry_number", "hts_number", "entry_month", first_digits=first_digits)
    lines.create(con, ENTRY_NUMBERS_TABLE, numbers)


@dataclass
class _LinesOf:
    """The files of the lines' rollup `name` (entry keys or countries) a rollup by its
    lines joins: the year's, or (`every_year`) every year's, read for the entries of the
    year's own rows (`files`, `_write_year`'s parameters) only."""

    tx: Transaction
    year: str
    rollup: ByLineCountries
    name: str
    files: dict

    @functools.cached_property
    def keys(self) -> list[str]:
        if self.rollup.every_year:
            return [str(p) for p in layout.files(self.tx.path(ROLLUPS_DIR) / self.name)]
        return [
            str(p) for p in sorted(_year_folder(self.tx, self.name, self.year).glob("*.parquet"))
        ]

    def table(self, schema: dict[str, str]) -> ir.Table:
        """Their rows (unbound: `create` reads the files), of the own rows' entries."""
        lines = ibis.table(schema, name=SOURCE)
        if not self.rollup.every_year:
            return lines
        own = ibis.table({"entry_number": "string"}, name=OWN_ROWS)
        return lines.filter(lines.entry_number.isin(own.entry_number))

    def create(self, con: duckdb.DuckDBPyConnection, table: str, expr: ir.Table) -> None:
        """Temporary table `table` of `expr` over the files."""
        own_rows = f"(SELECT entry_number FROM {_FILES})"
        query = compiled(expr, "read_parquet($keys)").replace(f'"{OWN_ROWS}"', own_rows)
        parameters = {**(self.files if self.rollup.every_year else {}), "keys": self.keys}
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {query}", parameters)


def _empty(con: duckdb.DuckDBPyConnection, name: str, schema: dict[str, str]) -> None:
    """Temporary table `name` with no rows, its columns typed as the Ibis `schema`."""
    types = {c: DuckDBType.from_ibis(ibis.dtype(t)).sql("duckdb") for c, t in schema.items()}
    columns = ", ".join(f'"{c}" {t}' for c, t in types.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")


@functools.cache
def _one_pass(names: tuple[str, ...], columns: frozenset[str]) -> tuple[str, dict[str, str]]:
    """The SQL of one pass over files with `columns` for the rollups `names` of one table:
    the rows they read (the columns any of them reads, with their goods where one groups by
    them), and each rollup's query over those rows (SPAN_TABLE). Compiled once per build,
    not once per year (a quarter of a second each)."""
    rollups = [ROLLUPS[n] for n in names]
    source = rollups[0].source
    read = set().union(*(r.reads() for r in rollups)) & columns
    rows = source_table(source, read)
    if any(GOODS_DIMENSIONS & set(r.dims) for r in rollups):
        rows = attribution.with_goods(rows)
    return compiled(rows), {
        r_name: compiled(
            r.query(rows.columns), _rolled(r.of) if isinstance(r, Coarser) else SPAN_TABLE
        )
        for r_name, r in zip(names, rollups, strict=True)
    }


def _rolled(name: str) -> str:
    """The temporary table a rollup's rows collect in while its year is read."""
    return f"rolled_{name}"


def _parquet(rollup: Rollup) -> str:
    groups = f", ROW_GROUP_SIZE {rollup.row_group}" if rollup.row_group else ""
    return f"FORMAT parquet, COMPRESSION zstd{groups}"


def _year_folder(tx: Transaction, name: str, year: str) -> Path:
    return layout.year_folder(tx.path(ROLLUPS_DIR) / name, year)


def _spans(
    con: duckdb.DuckDBPyConnection, files: dict, date_column: str
) -> list[tuple[date | None, date | None, int]]:
    """Runs of whole months of about `SPAN_ROWS` source rows each, first to last (None:
    open-ended), with their rows."""
    months = con.execute(
        f"SELECT date_trunc('month', \"{date_column}\")::DATE AS m, count(*) "
        "FROM read_parquet($files) GROUP BY m ORDER BY m NULLS LAST",
        files,
    ).fetchall()
    spans: list[tuple[date | None, date | None, int]] = []
    first: date | None = None
    rows = 0
    for month, count in months:
        if rows and month is not None and rows + count > SPAN_ROWS:
            spans.append((first, month, rows))
            first, rows = month, 0
        rows += count
    return [*spans, (first, None, rows)]


def _span(date_column: str, first: date | None, last: date | None) -> str:
    """The source rows from month `first` to before `last` (the last span keeps rows with
    no date), as a subquery `compiled` reads."""
    column = f'"{date_column}"'
    where = [f"{column} >= DATE '{first}'"] if first else []
    where += [f"{column} < DATE '{last}'"] if last else []
    keep = " AND ".join(where or ["true"]) + ("" if last else f" OR {column} IS NULL")
    return f"(SELECT * FROM read_parquet($files) WHERE {keep})"


def _entries_add_up(
    con: duckdb.DuckDBPyConnection, tx: Transaction, files: dict[str, list[str]]
) -> bool:
    """True when no entry's lines straddle two rollup groups (header fields and month)."""
    if not files:
        return True
    lines = {"files": _paths(tx, files, ENTRY_LINES.name)}
    t = source_table(ENTRY_LINES.name, ("entry_number",))
    (distinct,) = con.execute(
        compiled(t.aggregate(entries=LINES["entries"].of(t))), lines
    ).fetchone()
    rolled = layout.glob(tx.path(ROLLUPS_DIR) / "lines_by_month")
    (summed,) = con.execute(
        f"SELECT sum(entries) FROM read_parquet('{_quoted(rolled)}')"
    ).fetchone()
    return distinct == summed


def _dates(
    con: duckdb.DuckDBPyConnection, tx: Transaction, table: str, files: dict[str, list[str]]
) -> list[str]:
    column = TABLES[table].date_column
    first, last = con.execute(
        f"SELECT min({column}), max({column}) FROM read_parquet($files)",
        {"files": _paths(tx, files, table)},
    ).fetchone()
    return [first.isoformat(), last.isoformat()]


def _paths(tx: Transaction, files: dict[str, list[str]], table: str) -> list[str]:
    folder = tx.path(table)
    return [str(layout.year_folder(folder, y) / n) for y, names in files.items() for n in names]


def _table_files(folder: Path) -> dict[str, list[str]]:
    """{year: sorted file names} of a table folder (file names are unique per snapshot)."""
    out: dict[str, list[str]] = {}
    for file in layout.files(folder):
        out.setdefault(layout.year_of(file), []).append(file.name)
    return out


def _read_sources(root: Path) -> dict:
    try:
        return json.loads((root / SOURCES).read_text())
    except (OSError, ValueError):
        return {}


def _quoted(path: Path | str) -> str:
    return str(path).replace("'", "''")
