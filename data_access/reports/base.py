"""What every report stands on: the scope it runs in, the registry, shared shaping.

A report is a function `(scope, **options) -> polars.DataFrame`. It reads tables only
through `Scope.table`, which has already applied the principal's row predicates and the
filters, so a report cannot forget either.
"""

from __future__ import annotations

import inspect
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache

import ibis.expr.types as ir
import polars as pl

from data_access import access, attribution, codes, hts
from data_access.access import Principal
from data_access.engines import Engine, ReadsRollups, result_batches
from data_access.filters import Filters
from data_access.lake import rollups as lake_rollups
from data_access.measures import (  # noqa: F401  (defined there; the reports import them here)
    line_duties,
    line_fees,
    money_sum,
    month,
    safe_ratio,
)
from data_access.schema import table as table_spec

ENTRY_KEYS = {"reconciliations": "flagged_entry_number"}
# Header tables with a row for few entries (bonds, reconciliations: 2-15% of the entries;
# exams carry their own country and HTS number). Matched through the lines for some
# importers or filers, their own entry numbers narrow the lines' side first: DuckDB builds
# its hash on the side it estimates smaller, and takes one importer's flags for more rows
# than its entries under two countries (the largest importer's open reconciliations under
# CN+VN: 42 -> 12 ms). Over every importer (CBP) the header side is the whole table and the
# narrowing costs 15-25%.
FEW_ENTRIES = frozenset({"bonds", "reconciliations"})


@dataclass(frozen=True)
class Scope:
    """Who asks (principal), about what (filters), on which engine."""

    engine: Engine
    principal: Principal
    filters: Filters = field(default_factory=Filters)

    def table(self, name: str, *, own_numbers: bool = False) -> ir.Table:
        """Table `name` with the principal's rows and the filters applied (or Refused).

        `own_numbers`: an HTS prefix matches each tariff row's own number only, leaving
        out the Chapter 99 layers filed under a matching goods number (whose entries are
        those of their goods rows: `line_totals` counts distinct entries on these).

        Built once per engine, thread, principal and filters (`_remembered`): the same
        immutable expression serves every report of a render, and the next render."""
        key = ("table", name, own_numbers, self.principal, self.filters)
        return _remembered(self.engine, key, lambda: self._table(name, own_numbers))

    def _table(self, name: str, own_numbers: bool) -> ir.Table:
        spec = table_spec(name)
        t = access.restrict(self.principal, self.engine.table(name), spec)
        layered = "tariff_ordinal" in t.columns and not own_numbers
        prefix = self.filters.hts_prefix if layered else ""
        filters = replace(self.filters, hts_prefix="") if prefix else self.filters
        predicates = filters.predicates(t, spec)
        if predicates:
            t = t.filter(*predicates)
        if prefix:  # a line's Chapter 99 layers go with its goods (data_access.attribution)
            t = attribution.under_prefix(t, prefix)
        if self.filters.needs_lines and "country_of_origin" not in t.columns:
            t = self._through_lines(t, name)
        return t

    @property
    def rollups(self) -> frozenset[str]:
        """The usable rollups this scope can read (`lake.rollups`): the engine's, if it
        reads any (DuckDB does; Spark reads the tables only)."""
        return self.engine.rollups if isinstance(self.engine, ReadsRollups) else frozenset()

    @property
    def rollup_dates(self) -> dict[str, tuple[date, date]]:
        """First and last date per table the rollups were built from (none: no rollups)."""
        return self.engine.rollup_dates if isinstance(self.engine, ReadsRollups) else {}

    def rollup(self, name: str) -> ir.Table:
        """Rollup `name` with the principal's rows and the filters on its header fields and
        countries applied: `table`'s door, for the rollups (the entry keys, which hold rows
        rather than months, take every filter, the HTS prefix on each row's own number).
        Otherwise the date range and the HTS prefix are for the planner
        (`reports.line_totals`), by whole months and goods number; it asks only for a
        rollup whose columns answer the filters."""
        if name not in self.rollups:
            raise KeyError(f"no usable rollup {name!r} on this engine")
        key = ("rollup", name, self.principal, self.filters)
        return _remembered(self.engine, key, lambda: self._rollup(name))

    def _rollup(self, name: str) -> ir.Table:
        rollup = lake_rollups.ROLLUPS[name]
        spec = table_spec(rollup.source)
        t = self.engine.table(lake_rollups.view_name(name))
        t = access.restrict(self.principal, t, spec)
        keys = rollup.kind == lake_rollups.KEYS  # rows, not months: every filter applies
        filters = (
            self.filters if keys else replace(self.filters, start=None, end=None, hts_prefix="")
        )
        predicates = filters.predicates(t, spec)
        return t.filter(*predicates) if predicates else t

    def entry_keys(self) -> ir.Table:
        """The scope's lines as entry keys, for counting entries and matching header rows:
        entry_number, entry_date, the header fields, country_of_origin, hts_number and
        goods_row (ordinal 1), with the principal's rows and the filters applied.

        An HTS prefix matches each row's own number: an entry is in scope exactly when one
        of its rows is (a Chapter 99 layer is in scope only with its goods row, whose own
        number matches). From the `entry_keys` rollup where the engine has it (distinct
        keys sorted by importer, HTS number and country, so a prefix prunes row groups),
        else from the lines."""
        if lake_rollups.ENTRY_KEYS in self.rollups:
            return self.rollup(lake_rollups.ENTRY_KEYS)  # every filter: own numbers
        t = self.table("entry_lines", own_numbers=True)
        return t.mutate(goods_row=t.tariff_ordinal == 1)

    def entry_numbers(self) -> ir.Table:
        """The entry numbers of the scope's lines (`entry_number`, with the principal's rows
        and the filters applied), what header tables filtered by a line field are matched
        through: under countries without an HTS prefix from the `entry_countries` rollup
        (sorted by importer and country, so the countries prune the rest, one row per
        entry and country), else the entry keys."""
        name = lake_rollups.ENTRY_COUNTRIES
        if name in self.rollups and not self.filters.hts_prefix:
            return self.rollup(name)
        return self.entry_keys()

    def _through_lines(self, t: ir.Table, name: str) -> ir.Table:
        """Header-level rows that have a line matching the line-level filters."""
        key = ENTRY_KEYS.get(name, "entry_number")
        if key not in t.columns:
            return t
        numbers = self.entry_numbers()
        if name in FEW_ENTRIES and self._some_parties:
            numbers = numbers.filter(numbers.entry_number.isin(t[key]))
        return t.filter(t[key].isin(numbers.entry_number))

    @property
    def _some_parties(self) -> bool:
        """The rows of some importers or filers (the principal's or the filters'), not all."""
        principal, filters = self.principal, self.filters
        return principal.role != "cbp" or bool(filters.importer_numbers or filters.filer_codes)

    def run(self, expr: ir.Table) -> pl.DataFrame:
        return self.engine.to_polars(expr)


# Scope.table and Scope.rollup, built: per thread (an engine's Ibis tables are its
# thread's, `engines.duckdb`), per engine (weakly: a closed snapshot's engine goes), least
# recently used out. Restricting and filtering a table in Ibis costs 1-2 ms a call, several
# calls a report, on top of a 5-10 ms query on the rollups (issue 17's fixed cost).
REMEMBERED = 256  # scoped tables kept per engine and thread
_remembered_here = threading.local()


def _remembered(engine: object, key: tuple, build: Callable[[], ir.Table]) -> ir.Table:
    engines = _remembered_here.__dict__.setdefault("engines", weakref.WeakKeyDictionary())
    try:
        built = engines.setdefault(engine, OrderedDict())
    except TypeError:  # an engine that cannot be weakly referenced: built every time
        return build()
    if key in built:
        built.move_to_end(key)
        return built[key]
    built[key] = table = build()
    if len(built) > REMEMBERED:
        built.popitem(last=False)
    return table


def remembered(scope: Scope, key: tuple, build: Callable[[], ir.Table]) -> ir.Table:
    """A report's expression (`build()`), built once per engine, thread, principal,
    filters and `key` (the report's name and options), as `Scope.table` is: the same
    question asked again (a page's next render, paging back, another user of the same
    scope) neither builds nor walks it again, and the engine runs the statement it
    prepared for that very expression (`engines.shapes`). Another scope builds its own;
    its SQL is still compiled once per shape."""
    return _remembered(scope.engine, ("report", *key, scope.principal, scope.filters), build)


ReportFunction = Callable[..., pl.DataFrame]


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    category: str
    tables: tuple[str, ...]
    function: ReportFunction

    def __call__(self, scope: Scope, **options: object) -> pl.DataFrame:
        for name in self.tables:
            if not scope.principal.can_see(name):
                raise access.Refused(
                    f"{table_spec(name).label} data is not available to brokers (a CBP rule)"
                )
        return self.function(scope, **options)

    @property
    def streams(self) -> bool:
        """A paged report (it takes `offset` and `limit`) gives rows k..k+n of its whole
        result as its page: it runs one ordered query and shapes its rows one by one
        (codes described, counts cast), so its whole result can be read in batches."""
        return "offset" in inspect.signature(self.function).parameters

    def batches(self, scope: Scope, rows: int, **options: object) -> Iterator[pl.DataFrame]:
        """The whole result, `rows` at a time (exports: memory does not grow with rows).

        The function runs once on a scope that records its query, then once per batch of
        that query's rows, each time on a scope whose `run` hands it the batch: the same
        principal and filters (Scope.table), the same shaping as one whole run. A report
        that does not stream (or runs more than one query) gives its result as one batch.
        """
        recorder = _Replay(scope.engine, scope.principal, scope.filters)
        first = self(recorder, **options) if self.streams else None
        if first is None or len(recorder.queries) != 1:
            yield self(scope, **options)
            return
        (query,) = recorder.queries
        yield first  # no rows: the columns, even for an empty result
        for batch in result_batches(scope.engine, query, rows):
            replay = _Replay(scope.engine, scope.principal, scope.filters, batch)
            shaped = self(replay, **options)
            if len(replay.queries) != 1 or not replay.queries[0].equals(query):
                raise RuntimeError(f"report {self.name} asked for other rows on its replay")
            yield shaped


@dataclass(frozen=True)
class _Replay(Scope):
    """A scope whose `run` records the query and returns `rows` (a batch of that query's
    result) or, with no rows given, the query's columns without rows."""

    rows: pl.DataFrame | None = field(default=None, compare=False)
    queries: list[ir.Table] = field(default_factory=list, compare=False)

    def run(self, expr: ir.Table) -> pl.DataFrame:
        self.queries.append(expr)
        return self.engine.to_polars(expr.limit(0)) if self.rows is None else self.rows


REPORTS: dict[str, Report] = {}


def report(
    name: str, *, title: str, category: str, tables: tuple[str, ...]
) -> Callable[[ReportFunction], Report]:
    """Register a report under `name` (the name `itrac export` and the pages use)."""

    def register(function: ReportFunction) -> Report:
        if name in REPORTS:
            raise ValueError(f"report {name!r} registered twice")
        REPORTS[name] = Report(name, title, category, tables, function)
        return REPORTS[name]

    return register


# --- shared expression pieces ------------------------------------------------------------
def with_descriptions(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """Add `<column>_description` beside each code column (the descriptions ACE lacks);
    an HTS column also gets `<column>_description_full`, its whole indent chain."""
    added = {column: _describe(column) for column in columns}
    order = []
    for name in frame.columns:
        order.append(name)
        order += [e.meta.output_name() for e in added.get(name, ())]
    if len(set(order)) != len(order):
        raise ValueError(f"with_descriptions: a description column is in {frame.columns}")
    # one polars query for every column: a select and an insert per column cost 2-5 ms
    # of a small report, more under load (each waits for polars' thread pool)
    return frame.with_columns(e for exprs in added.values() for e in exprs).select(order)


def _describe(column: str) -> list[pl.Expr]:
    """Native expressions describing the codes of `column` (no Python per row)."""
    if column in ("hts_number", "hts_code", "hts_chapter"):
        return hts.describe(column, full=column != "hts_chapter")  # a chapter is one text
    return list(_coded(column))


@cache
def _coded(column: str) -> tuple[pl.Expr, ...]:
    """`_describe` for a column of fixed code lists, built once per column: turning a
    list of ports or countries into polars' mapping each call was most of describing a
    small page (1-2 ms for the Entry Summary Header's ten columns)."""
    name = f"{column}_description"
    text = pl.col(column).cast(pl.String)
    if column == "surety_code":
        return (codes.surety_description(text).alias(name),)
    if column in ("country_of_origin", "country_of_export", "country"):
        mapping = codes.countries()
    else:
        mapping = codes.CODE_LISTS.get(column, {})
    return (text.replace_strict(mapping, default="", return_dtype=pl.String).alias(name),)
