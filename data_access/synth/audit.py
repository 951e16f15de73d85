"""Audit findings planted in the demo lake, in known numbers, for webinars and tests.

`plant(lines, summaries)` takes the last chunk of demo entries (the latest months) and
returns the rows to add: each planted finding is a copy of a clean demo entry with one
thing wrong (`PLANTED` says how many of each), on a new entry number of the same filer
(serials from 9,000,000 up, far above the demo's), plus three line rows loaded twice. The
rows are otherwise the demo's own, so nothing else changes: the audit of a planted demo
finds what the unplanted demo of the same seed finds, plus exactly `PLANTED`
(tests/test_synth_audit.py). `itrac demo` plants them; `build_demo_lake` only when asked.
A demo too small to hold every kind (under about 20,000 lines) gets none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import polars as pl

from data_access import codes
from data_access.schema import conform

PLANTED: dict[str, int] = {  # check -> findings planted
    "duplicate_line": 3,
    "duplicate_entry": 2,
    "hts_differs": 2,
    "rate_differs": 2,
    "unit_value_low": 2,
    "unit_value_high": 2,
    "identifiers": 2,
    "dates": 1,
    "mpf_outside_limits": 2,
    "hmf_not_vessel": 2,
    "spi_not_eligible": 2,
    "usmca_origin": 2,
    "layer_missing": 2,
    "layer_outside_dates": 2,
    "layer_extra": 2,
}
FIRST_SERIAL = 9_000_000
PLAIN_NEEDED = 21  # plain templates the plants take
GROUP_LINES = 20  # goods lines the unit-value group needs (the audit: at least 10)
KEY = ["entry_number", "line_number", "tariff_ordinal"]
MONEY = pl.Decimal(18, 2)
Change = Callable[[pl.DataFrame, pl.DataFrame], tuple[pl.DataFrame, pl.DataFrame]]


def _cents(value: str) -> pl.Expr:
    return pl.lit(Decimal(value), MONEY)


def _plain_entries(lines: pl.DataFrame, summaries: pl.DataFrame) -> pl.DataFrame:
    """Entries of one goods row and no layer, type 01, no trade program, not from China,
    Mexico or Canada, by vessel, paying MPF: templates one change makes wrong."""
    per = lines.group_by("entry_number").agg(rows=pl.len())
    single = per.filter(pl.col("rows") == 1).get_column("entry_number")
    goods = lines.filter(
        pl.col("entry_number").is_in(single.implode())
        & (pl.col("entry_type") == "01")
        & pl.col("spi").is_null()
        & ~pl.col("country_of_origin").is_in(["CN", "HK", "MX", "CA"])
        & pl.col("mode_of_transport").is_in(["10", "11"])
        & (pl.col("mpf_amount") > 0)
        & (pl.col("hmf_amount") > 0)
        & (pl.col("quantity") > 0)
    )
    heads = summaries.filter(pl.col("entry_type") == "01").select("entry_number")
    return goods.join(heads, on="entry_number").sort("entry_number")


def _with_layer_301(lines: pl.DataFrame) -> pl.DataFrame:
    """Chinese goods lines whose only layer is one Section 301 row (9903.88)."""
    layers = lines.filter(pl.col("tariff_ordinal") > 1)
    count = layers.group_by("entry_number", "line_number").agg(
        layers=pl.len(), only_301=pl.col("hts_number").str.starts_with("990388").all()
    )
    per_entry = lines.group_by("entry_number").agg(lines=pl.col("line_number").n_unique())
    chosen = count.filter((pl.col("layers") == 1) & pl.col("only_301")).join(
        per_entry.filter(pl.col("lines") == 1), on="entry_number"
    )
    return lines.join(chosen.select("entry_number"), on="entry_number").sort(KEY)


class Planter:
    """New entry numbers per filer, and the copies of template entries with a change."""

    def __init__(self, lines: pl.DataFrame, summaries: pl.DataFrame) -> None:
        self.lines, self.summaries = lines, summaries
        self.serials: dict[str, int] = {}
        self.new_lines: list[pl.DataFrame] = []
        self.new_heads: list[pl.DataFrame] = []

    def number(self, filer: str) -> str:
        serial = self.serials[filer] = self.serials.get(filer, FIRST_SERIAL) + 1
        digits = f"{serial:07d}"
        return f"{filer}{digits}{codes.check_digit(filer, digits)}"

    def copy(self, entry: str, change: Change, *, number: str | None = None) -> str:
        """A copy of entry `entry` under a new number, `change(lines, header)` applied;
        the header's totals follow its rows."""
        rows = self.lines.filter(pl.col("entry_number") == entry)
        head = self.summaries.filter(pl.col("entry_number") == entry)
        new = number or self.number(entry[:3])
        rows, head = change(
            rows.with_columns(entry_number=pl.lit(new)), head.with_columns(entry_number=pl.lit(new))
        )
        duty = pl.sum_horizontal(pl.col("duty_amount", "add_amount", "cvd_amount").fill_null(0))
        fees = pl.sum_horizontal(pl.col("mpf_amount", "hmf_amount").fill_null(0))
        totals = rows.select(
            entered_value=pl.col("entered_value").sum(),
            duty_amount=duty.sum(),
            fee_amount=fees.sum(),
        )
        head = head.with_columns(
            *(pl.lit(totals.item(0, c)).cast(head.schema[c]).alias(c) for c in totals.columns)
        )
        self.new_lines.append(rows)
        self.new_heads.append(head)
        return new


def _plus(dollars: int) -> Change:
    """A change that also makes the copy's value a few dollars more (so it is no twin)."""

    def change(rows: pl.DataFrame, head: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        goods = pl.col("tariff_ordinal") == 1
        more = pl.col("entered_value") + _cents(f"{dollars}.00")
        return rows.with_columns(entered_value=pl.when(goods).then(more).otherwise(
            pl.col("entered_value"))), head  # fmt: skip

    return change


def _then(first: Change, second: Change) -> Change:
    def change(rows: pl.DataFrame, head: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        return second(*first(rows, head))

    return change


def _lines(**values: pl.Expr) -> Change:
    return lambda rows, head: (rows.with_columns(**values), head)


def _layer(number: str, duty: str) -> Change:
    """A Chapter 99 row added to the line."""

    def change(rows: pl.DataFrame, head: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        layer = rows.head(1).with_columns(
            tariff_ordinal=pl.lit(2, pl.Int16), hts_number=pl.lit(number),
            entered_value=_cents("0.00"), duty_amount=_cents(duty), quantity=pl.lit(None),
            unit_of_measure=pl.lit(None), duty_rate=pl.lit(None), tax_amount=pl.lit(None),
            mpf_amount=pl.lit(None), hmf_amount=pl.lit(None),
        )  # fmt: skip
        return pl.concat([rows, layer.cast(rows.schema)]), head

    return change


def plant(lines: pl.DataFrame, summaries: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """The rows to add to the demo: `PLANTED` findings on copies of entries of `lines` and
    `summaries` (the latest chunk). Deterministic: the same chunk gives the same rows."""
    lines = conform("entry_lines", lines)
    summaries = conform("entry_summaries", summaries)
    plain = _plain_entries(lines, summaries).get_column("entry_number").to_list()
    layered = _with_layer_301(lines).get_column("entry_number").unique(maintain_order=True)
    common = _common_group(lines, plain[len(plain) // 2 :])
    if len(plain) < 2 * PLAIN_NEEDED or len(common) < 4 or len(layered) < 2:
        return []  # too small a demo to hold every kind (about 20,000 lines and up do)
    p = Planter(lines, summaries)
    pick = iter(plain)

    def next_plain() -> str:
        return next(pick)

    # duplicate lines: three rows loaded twice (MPF under a fiscal year's half maximum, so
    # the doubled MPF stays inside the limits: the finding is the duplicate alone)
    small = lines.filter(pl.col("entry_number").is_in(plain) & (pl.col("mpf_amount") < 250))
    twice = small.sort(KEY).tail(3)
    # twins: exact copies of two entries
    for _ in range(2):
        p.copy(next_plain(), lambda rows, head: (rows, head))
    # one product under another tariff line of its subheading; a second duty rate
    for _ in range(2):
        line = pl.col("hts_number").str.slice(6, 2)
        digits = pl.when(line == "90").then(pl.lit("80")).otherwise(pl.lit("90"))
        other = pl.concat_str(pl.col("hts_number").str.slice(0, 6), digits, pl.lit("00"))
        p.copy(next_plain(), _then(_plus(1), _lines(hts_number=other)))
    for _ in range(2):
        p.copy(
            next_plain(), _then(_plus(2), _lines(duty_rate=pl.col("duty_rate").fill_null(0) + 0.05))
        )
    # unit values: the most common goods group's lines, quantities 100 times off
    for k, factor in enumerate((100.0, 100.0, 0.01, 0.01)):
        p.copy(common[k], _then(_plus(3), _lines(quantity=pl.col("quantity") * factor)))
    # identifiers: a check digit off by one, an origin that is no country
    entry = next_plain()
    good = p.number(entry[:3])
    p.copy(entry, _plus(4), number=good[:-1] + str((int(good[-1]) + 1) % 10))
    p.copy(next_plain(), _then(_plus(4), _lines(country_of_origin=pl.lit("XX"))))
    # dates: exported after the entry date
    late = pl.col("entry_date") + timedelta(days=5)
    p.copy(next_plain(), _then(_plus(5), lambda rows, head: (rows, head.with_columns(
        export_date=late))))  # fmt: skip
    # MPF above the maximum and below the minimum
    p.copy(next_plain(), _then(_plus(6), _lines(mpf_amount=_cents("999.00"))))
    p.copy(next_plain(), _then(_plus(6), _lines(mpf_amount=_cents("1.00"))))
    # HMF on goods that came by air
    for _ in range(2):
        p.copy(next_plain(), _then(_plus(7), _lines(mode_of_transport=pl.lit("40"))))
    # trade programs: GSP after it expired, AGOA for Ethiopia; USMCA on overseas goods
    p.copy(next_plain(), _then(_plus(8), _lines(spi=pl.lit("A"), country_of_origin=pl.lit("IN"))))
    p.copy(next_plain(), _then(_plus(8), _lines(spi=pl.lit("D"), country_of_origin=pl.lit("ET"))))
    for _ in range(2):
        p.copy(next_plain(), _then(_plus(9), _lines(spi=pl.lit("S"))))
    # Chapter 99: a Section 301 layer left off; IEEPA after the ruling; a number not listed
    for entry in layered.head(2).to_list():
        p.copy(
            entry,
            _then(_plus(10), lambda rows, head: (rows.filter(pl.col("tariff_ordinal") == 1), head)),
        )
    for _ in range(2):
        p.copy(next_plain(), _then(_plus(11), _layer("9903012500", "10.00")))
    for _ in range(2):
        p.copy(next_plain(), _then(_plus(12), _layer("9903990100", "5.00")))
    return [
        ("entry_lines", pl.concat([twice, *p.new_lines])),
        ("entry_summaries", pl.concat(p.new_heads)),
    ]


def _common_group(lines: pl.DataFrame, plain: list[str]) -> list[str]:
    """Plain entries of the most common (HTS, origin, unit) goods group, in order."""
    goods = lines.filter((pl.col("tariff_ordinal") == 1) & pl.col("entry_number").is_in(plain))
    group = ["hts_number", "country_of_origin", "unit_of_measure"]
    order = ["n", *group]
    top = goods.group_by(group).agg(n=pl.len()).sort(order, descending=[True, False, False, False])
    if top.is_empty():
        return []
    first = top.row(0, named=True)
    same = pl.all_horizontal(pl.col(c) == first[c] for c in group)
    if lines.filter((pl.col("tariff_ordinal") == 1) & same).height < GROUP_LINES:
        return []
    chosen = goods.filter(pl.all_horizontal(pl.col(c) == first[c] for c in group))
    return chosen.get_column("entry_number").sort().to_list()[-4:]
