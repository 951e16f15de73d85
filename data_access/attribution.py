"""Chapter 99 layers belong to the goods line they were filed with.

ACE files an additional duty (Section 301, 232, IEEPA, 122) as a further tariff ordinal of
a line: a 9903 number with $0.00 goods value and its own duty. Read row by row, those
duties sit under "chapter 99" and the goods they were paid on look nearly duty-free. Here a
layer row takes the HTS number of its line's goods row (ordinal 1) wherever the dashboard
groups or filters by HTS: chapter 99 stops being a chapter with duty, and the duty a
chapter, heading or number bears includes its layers. Totals never change: attribution
moves duty between HTS groups, it never adds any.

A layer whose line has no goods row keeps its own number. The rule is Ibis (`with_goods`:
the reports and, compiled, the rollups); `GOODS_HTS_SQL` is the same rule
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


GOODS_COLUMNS = ("goods_hts", "goods_country")
READS = (*LINE_KEY, "tariff_ordinal", "hts_number", "country_of_origin")  # what `with_goods` reads


def with_goods(t: ir.Table) -> ir.Table:
    """`t` with `goods_hts`, the HTS number each row's duty is attributed to (its line's
    goods number for a layer, its own for every other row and for a layer without a goods
    row), and `goods_country`, that goods row's country of origin (the row's own
    likewise): a country filter that leaves the goods row out leaves the layer under its
    own number (tests/test_rollups.py).

    A join of the layer rows to their line's goods row, not a window over every line: the
    same answer (the largest goods number and country where a line has two goods rows: a
    duplicate line, which the audit flags and the demo plants, so the goods rows are
    grouped by line before the join and no layer is counted twice; tests/test_rollups.py).
    On a year of 8.3M lines the HTS rollup builds in 12.0 s against the window's 19.2 s
    quiet, 27 against 97 s at load 5-8 (benchmarks/README.md). Row order is not kept.
    """
    layer = is_layer(t).fill_null(False)
    rows = t.filter(t.tariff_ordinal == 1)
    goods = rows.group_by(_entry=rows.entry_number, _line=rows.line_number).aggregate(
        _hts=rows.hts_number.max(), _country=rows.country_of_origin.max()
    )
    layers = t.filter(layer)
    joined = layers.left_join(
        goods, [layers.entry_number == goods._entry, layers.line_number == goods._line]
    )
    found = joined._hts.notnull()
    attributed = joined.select(
        *t.columns,
        goods_hts=ibis.ifelse(found, joined._hts, joined.hts_number),
        goods_country=ibis.ifelse(found, joined._country, joined.country_of_origin),
    )
    others = t.filter(~layer).mutate(goods_hts=t.hts_number, goods_country=t.country_of_origin)
    return attributed.union(others.select(*attributed.columns))


def under_prefix(t: ir.Table, prefix: str) -> ir.Table:
    """Rows whose own or attributed HTS number starts with `prefix`: the goods lines under
    it with their layers, and the layers whose own 9903 number matches it."""
    start = ibis.literal(prefix)
    near = t.filter(t.hts_number.startswith(start) | is_layer(t))  # before the join: fewer rows
    columns = near.columns
    near = with_goods(near)
    keep = near.hts_number.startswith(start) | near.goods_hts.startswith(start)
    return near.filter(keep).select(*columns)
