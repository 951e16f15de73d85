"""One vocabulary of measures: each figure the pages sum, and each key they group by, once.

A `Measure` is an aggregate over the rows of one lake table, written in Ibis so it runs on
DuckDB and Spark alike. The reports sum through `reports.line_totals`, which takes these
measures by name; the monthly rollups (`lake.rollups`) are built from the same measures,
compiled to DuckDB SQL, and re-read by summing their columns. So "duties" is defined here
and nowhere else: an Overview figure is the page -> `reports.overview` -> `line_totals`
-> this module.

Every measure adds up across rollup rows except the distinct counts (`distinct`): those
add up only where no entry is in two rollup rows of one answer row, which is what
`reports.line_totals.plan` decides.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access import attribution
from data_access.schema import CARGO_RELEASES, ENTRY_LINES, ENTRY_SUMMARIES, EXAMS, MONEY_TOTAL_SQL

DISCREPANCY = "DISCREPANCY"  # an exam's result when CBP found a discrepancy


# --- the pieces measures are made of ------------------------------------------------------
def month(column: ir.DateValue) -> ir.DateValue:
    """First day of the month, as a date on every engine.

    Not `truncate("M")`: DuckDB and Spark both return a timestamp for that (Spark's in the
    session time zone) and Ibis drops a cast to date as a no-op. MAKE_DATE is a date in
    SQL on both (pinned in tests/test_spark_parity.py).
    """
    return ibis.date(column.year(), column.month(), 1)


def money_sum(column: ir.Value) -> ir.Value:
    """The sum of money, as decimal(38,2) on every engine: a sum of 50 million amounts at
    the ceiling cannot overflow it (schema.MONEY_TOTAL)."""
    return column.sum().coalesce(ibis.literal(0).cast(column.type())).cast(MONEY_TOTAL_SQL)


def line_duties(t: ir.Table) -> ir.Value:
    """Duties of a tariff row: ordinary duty plus antidumping and countervailing duty."""
    return t.duty_amount.fill_null(0) + t.add_amount.fill_null(0) + t.cvd_amount.fill_null(0)


def line_fees(t: ir.Table) -> ir.Value:
    """Fees of a tariff row: merchandise processing fee plus harbor maintenance fee."""
    return t.mpf_amount.fill_null(0) + t.hmf_amount.fill_null(0)


def summary_dtf(t: ir.Table) -> ir.Value:
    """Duties, taxes and fees of an entry summary (what a bond must cover)."""
    return t.duty_amount.fill_null(0) + t.tax_amount.fill_null(0) + t.fee_amount.fill_null(0)


def is_goods(t: ir.Table) -> ir.BooleanValue:
    """A goods row: tariff ordinal 1 (a further ordinal is a Chapter 99 layer)."""
    return t.tariff_ordinal == 1


LAYER_NUMBER_DIGITS = 8  # a layer's number as the registry and the rollups hold it


def layer_number(t: ir.Table) -> ir.StringValue:
    """The 8-digit 9903 heading of a Chapter 99 row (ACE writes 9903xxxx or 9903xxxx00);
    null for any other row. What the registry's programs and refunds are looked up by."""
    hts = t.hts_number
    chapter_99 = hts.startswith(ibis.literal(attribution.LAYER_PREFIX))
    return ibis.ifelse(chapter_99, hts.substr(0, LAYER_NUMBER_DIGITS), ibis.null("string"))


def has_adcvd(t: ir.Table) -> ir.BooleanValue:
    """A tariff row under an antidumping or countervailing duty case."""
    return t.add_case_number.notnull() | t.cvd_case_number.notnull()


def own_chapter_99(t: ir.Table) -> ir.BooleanValue:
    """A row filed under a Chapter 99 number of its own (a 9903 layer, an MTB 9902 row):
    the only rows a "99..." prefix can match (a layer's goods number is its goods row's,
    which matches only where that row's own number does)."""
    return t.hts_number.startswith(ibis.literal(attribution.LAYER_PREFIX[:2]))


def chapter_99_or_adcvd(t: ir.Table) -> ir.BooleanValue:
    """A row that can hold IEEPA duty (a 9903 number) or make its entry an AD/CVD entry."""
    return t.hts_number.startswith(ibis.literal(attribution.LAYER_PREFIX)) | has_adcvd(t)


# --- measures -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Measure:
    """An aggregate over the rows of `table`: money (decimal(38,2)) or a count (int64)."""

    table: str
    aggregate: Callable[[ir.Table], ir.Value]
    money: bool = False
    distinct: bool = False  # distinct entries: adds up only where no entry spans rows

    def of(self, t: ir.Table) -> ir.Value:
        """The measure over the rows of `t`, in its one type on every engine."""
        value = self.aggregate(t)
        return value if self.money else value.cast("int64")

    def rolled(self, column: ir.Value) -> ir.Value:
        """The measure re-read from rollup rows holding it in `column`: their sum."""
        return money_sum(column) if self.money else column.sum().coalesce(0).cast("int64")


def _lines(aggregate: Callable[[ir.Table], ir.Value], **kind: bool) -> Measure:
    return Measure(ENTRY_LINES.name, aggregate, **kind)


def _count(t: ir.Table, where: ir.BooleanValue) -> ir.Value:
    """Rows where `where` holds: 0, not null, over no rows on Spark too."""
    return t.count(where=where).coalesce(0)


def _money(terms: Callable[[ir.Table], ir.Value]) -> Callable[[ir.Table], ir.Value]:
    return lambda t: money_sum(terms(t))


LINES: dict[str, Measure] = {
    "rows": _lines(lambda t: t.count()),  # tariff rows
    "lines": _lines(lambda t: _count(t, is_goods(t))),  # one goods row per line
    "entries": _lines(lambda t: t.entry_number.nunique(), distinct=True),
    "goods_entries": _lines(lambda t: t.entry_number.nunique(where=is_goods(t)), distinct=True),
    "entered_value": _lines(_money(lambda t: t.entered_value), money=True),
    "duties": _lines(_money(line_duties), money=True),
    "taxes": _lines(_money(lambda t: t.tax_amount.fill_null(0)), money=True),
    "fees": _lines(_money(line_fees), money=True),
}
# The measures that add up across rollup rows (no distinct entries).
ADDITIVE_LINES: dict[str, Measure] = {k: m for k, m in LINES.items() if not m.distinct}
# The Chapter 99 layers' own measures (rows of `attribution.is_layer`; their entered value
# is $0.00 by definition) and those of the rows the refunds read (`chapter_99_or_adcvd`).
LAYER_MEASURES: dict[str, Measure] = {"tariff_rows": LINES["rows"], "duties": LINES["duties"]}
CHAPTER_99_MEASURES: dict[str, Measure] = {
    **LAYER_MEASURES,
    "adcvd_lines": _lines(lambda t: _count(t, has_adcvd(t))),
}
SUMMARIES: dict[str, Measure] = {  # one row per entry summary: counts add up across groups
    "rows": Measure(ENTRY_SUMMARIES.name, lambda t: t.count()),
    "cf28": Measure(ENTRY_SUMMARIES.name, lambda t: _count(t, t.cf28_issued)),
    "cf29": Measure(ENTRY_SUMMARIES.name, lambda t: _count(t, t.cf29_issued)),
    "dtf": Measure(ENTRY_SUMMARIES.name, _money(summary_dtf), money=True),
}
RELEASES: dict[str, Measure] = {"rows": Measure(CARGO_RELEASES.name, lambda t: t.count())}
EXAM_MEASURES: dict[str, Measure] = {
    "exams": Measure(EXAMS.name, lambda t: t.count()),
    "examined_entries": Measure(EXAMS.name, lambda t: t.entry_number.nunique(), distinct=True),
    "discrepancies": Measure(EXAMS.name, lambda t: _count(t, found_discrepancy(t))),
}
MEASURES: dict[str, dict[str, Measure]] = {
    ENTRY_LINES.name: LINES,
    ENTRY_SUMMARIES.name: SUMMARIES,
    CARGO_RELEASES.name: RELEASES,
    EXAMS.name: EXAM_MEASURES,
}


def found_discrepancy(t: ir.Table) -> ir.BooleanValue:
    """An exam that found a discrepancy."""
    return t.result.fill_null("") == DISCREPANCY


# --- ratios of measures (on results, in polars: money over money is a double on DuckDB and
# a decimal on Spark, so a ratio is never an engine expression) --------------------------
RATIOS: dict[str, tuple[str, str]] = {  # name -> (numerator, denominator) measures
    "effective_duty_rate": ("duties", "entered_value"),
    "exam_rate": ("exams", "entries"),
    "discrepancy_rate": ("discrepancies", "exams"),
    "hold_rate": ("held", "releases"),  # releases an agency held
    "cf28_rate": ("cf28", "entries"),  # entries that drew a CF-28
    "cf29_rate": ("cf29", "entries"),
    "psc_rate": ("pscs", "psc_entries"),  # per entry whose PSC indicator says either way
}


def safe_ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator as a float, null where the denominator is 0."""
    return (
        pl.when(denominator != 0)
        .then(numerator.cast(pl.Float64) / denominator.cast(pl.Float64))
        .otherwise(None)
    )


def ratio(name: str) -> pl.Expr:
    """Ratio `name` of `RATIOS` over a result's measure columns."""
    numerator, denominator = RATIOS[name]
    return safe_ratio(pl.col(numerator), pl.col(denominator)).alias(name)


def with_ratios(frame: pl.DataFrame, *names: str) -> pl.DataFrame:
    return frame.with_columns(ratio(name) for name in names)


# --- dimensions ---------------------------------------------------------------------------
HEADER_DIMS = ("importer_number", "filer_code", "port_of_entry", "entry_type", "mode_of_transport")
# Codes whose names are in the data: the names the entry summaries hold (ACE's Importer
# Name and Filer Name), not a list of the project's.
NAMED = {"importer_number": "importer_name", "filer_code": "filer_name"}


def latest(name: ir.StringValue, on: ir.DateValue) -> ir.StringValue:
    """The `name` of the latest date `on`, the greatest of that day's if they differ (one
    answer however the rows are grouped: the key is the date, then the name)."""
    return name.argmax(on.cast("string").concat(name))


RELEASE_KEYS = ("importer_number", "filer_code", "port_of_entry", "mode_of_transport")

# Keys that are not a column: each a function of the table's rows. A Chapter 99 layer
# counts under its goods row's HTS number and country (`attribution.with_goods`, which
# `with_dimensions` applies first where a key needs it: GOODS_DIMENSIONS).
DIMENSIONS: dict[str, Callable[[ir.Table], ir.Value]] = {
    "hts_chapter": lambda t: t.goods_hts.substr(0, 2),
    "goods_hts": lambda t: t.goods_hts,
    "goods_country": lambda t: t.goods_country,
    "release_days": lambda t: t.release_date.delta(t.arrival_date, unit="day"),
    "held": lambda t: t.hold_agency.notnull(),
    "goods_row": is_goods,  # a line's goods row, not a Chapter 99 layer
    "layer_number": layer_number,
}
# The countries an entry's rows come from, sorted and distinct (all rows; goods rows only):
# per-entry aggregates, the keys of `lake.rollups`' entries-by-countries rollup.
COUNTRY_SETS: dict[str, Callable[[ir.Table], ir.Value]] = {
    "countries": lambda t: t.country_of_origin.collect(distinct=True).sort(),
    "goods_countries": lambda t: t.country_of_origin.collect(
        where=is_goods(t), distinct=True
    ).sort(),
}
# The (9903 number, country) of an entry's layer rows, sorted and distinct, as
# "number:country" (the lake's `layer_entries`: the entries of any program and countries).
LAYER_PAIR_SEPARATOR = ":"
ENTRY_SETS: dict[str, Callable[[ir.Table], ir.Value]] = {
    **COUNTRY_SETS,
    "layer_pairs": lambda t: (
        (layer_number(t) + ibis.literal(LAYER_PAIR_SEPARATOR) + t.country_of_origin.fill_null(""))
        .collect(distinct=True)
        .sort()
    ),
}
GOODS_DIMENSIONS = frozenset({"hts_chapter", *attribution.GOODS_COLUMNS})


def dimension(t: ir.Table, name: str, date_column: str = "entry_date") -> ir.Value:
    """Key `name` over the rows of `t`: "month" (of `date_column`), a derived key, a column.
    A goods key (GOODS_DIMENSIONS) needs `t` from `with_dimensions` or `with_goods`."""
    if name == "month":
        return month(t[date_column])
    if name in DIMENSIONS:
        return DIMENSIONS[name](t)
    return t[name]


def with_dimensions(
    t: ir.Table, names: Collection[str], date_column: str = "entry_date"
) -> ir.Table:
    """The rows of `t` with each key of `names` as a column, ready to group by: with their
    goods number and country first where a key needs them."""
    if GOODS_DIMENSIONS & set(names) and not set(attribution.GOODS_COLUMNS) <= set(t.columns):
        t = attribution.with_goods(t)
    keys = {n: dimension(t, n, date_column) for n in names if n not in attribution.GOODS_COLUMNS}
    return t.mutate(**keys) if keys else t
