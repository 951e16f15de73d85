"""Chapter 99 layers belong to the goods line they were filed with.

ACE files an additional duty (Section 301, 232, IEEPA, 122) as a further tariff ordinal of
a line: a 9903 number with $0.00 goods value and its own duty. Read row by row, those
duties sit under "chapter 99" and the goods they were paid on look nearly duty-free. Here a
layer row takes the HTS number of its line's goods row (ordinal 1) wherever the dashboard
groups or filters by HTS: chapter 99 stops being a chapter with duty, and the duty a
chapter, heading or number bears includes its layers. Totals never change: attribution
moves duty between HTS groups, it never adds any.

A layer whose line has no goods row keeps its own number. The rule is Ibis (`goods_hts`,
`goods_country`: the reports and, compiled, the rollups); `GOODS_HTS_SQL` is the same rule
hand-written for the benchmarks' plain DuckDB queries (whose answers the harness checks).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

LAYER_PREFIX = "9903"
LINE_KEY = ("entry_number", "line_number")

# The goods HTS of a tariff row in SQL over entry_lines (the benchmarks' floor queries).
GOODS_HTS_SQL = (
    f"CASE WHEN tariff_ordinal > 1 AND starts_with(hts_number, '{LAYER_PREFIX}') THEN "
    "coalesce(max(CASE WHEN tariff_ordinal = 1 THEN hts_number END) "
    "OVER (PARTITION BY entry_number, line_number), hts_number) ELSE hts_number END"
)


def is_layer(t: ir.Table) -> ir.BooleanValue:
    """A Chapter 99 layer row: a further ordinal whose number starts with 9903."""
    return (t.tariff_ordinal > 1) & t.hts_number.startswith(ibis.literal(LAYER_PREFIX))


def goods_hts(t: ir.Table) -> ir.StringValue:
    """The HTS number a row's duty is attributed to: its line's goods number for a layer."""
    window = ibis.window(group_by=[t[k] for k in LINE_KEY])
    goods = ibis.ifelse(t.tariff_ordinal == 1, t.hts_number, ibis.null("string")).max()
    return ibis.ifelse(is_layer(t), goods.over(window).coalesce(t.hts_number), t.hts_number)


def goods_country(t: ir.Table) -> ir.StringValue:
    """The country of origin of the goods row a layer is attributed to (the row's own for
    every other row, and for a layer without a goods row): a country filter that leaves
    that goods row out leaves the layer under its own number (tests/test_rollups.py)."""
    window = ibis.window(group_by=[t[k] for k in LINE_KEY])
    goods = ibis.ifelse(t.tariff_ordinal == 1, t.hts_number, ibis.null("string")).max()
    country = ibis.ifelse(t.tariff_ordinal == 1, t.country_of_origin, ibis.null("string"))
    attributed = is_layer(t) & goods.over(window).notnull()
    return ibis.ifelse(attributed, country.max().over(window), t.country_of_origin)


def with_goods_hts(t: ir.Table, name: str = "goods_hts_number") -> ir.Table:
    return t.mutate(**{name: goods_hts(t)})


def under_prefix(t: ir.Table, prefix: str) -> ir.Table:
    """Rows whose own or attributed HTS number starts with `prefix`: the goods lines under
    it with their layers, and the layers whose own 9903 number matches it."""
    start = ibis.literal(prefix)
    near = t.filter(t.hts_number.startswith(start) | is_layer(t))  # before the window: fewer rows
    columns = near.columns
    near = with_goods_hts(near, "_goods_hts")
    keep = near.hts_number.startswith(start) | near._goods_hts.startswith(start)
    return near.filter(keep).select(*columns)
