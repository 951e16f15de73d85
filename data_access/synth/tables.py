"""Prices, dates and controls of a chunk of synthetic entries, and their entry tables.

Money is integer cents until a frame is built (decimal(18,2)), so every sum is exact.
`Ledger` carries what outlives a chunk: entry-number serials per filer, the lines-per-
entry estimates, and each importer's monthly duties, taxes and fees (for its bonds).
The invariants are listed in `synth`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from data_access import codes, liquidation
from data_access.synth.catalog import (
    BROKERS,
    DE_MINIMIS_LIMIT,
    ENTRY_TYPES,
    IMPORTERS,
)
from data_access.synth.world import (
    BOND_TYPES,
    CASES,
    FILERS,
    FLAG_TYPES,
    MODES,
    SURETIES,
    Columns,
    days,
)

if TYPE_CHECKING:
    from data_access.synth.world import World

SERIAL_BASE = 1_000_000  # entry serials of each filer start above this
RECON_SERIAL = 9_000_000  # reconciliation (type 09) entries are numbered from here
LIQUIDATION_DAYS = liquidation.LIQUIDATION_DAYS
LIQUIDATION_TYPES = ("1", "2", "3", "6", "4", "5", "8")  # codes.LIQUIDATION_TYPES, as drawn
LIQUIDATION_STATUS = {s: n for n, s in enumerate(codes.LIQUIDATION_STATUSES)}
_STATUS = {s: n for n, s in enumerate(codes.RELEASE_STATUSES)}
# Entries that deposit no duty, tax or AD/CVD: warehouse (21), temporary importation under
# bond (23), Section 321 low value (86).
NO_DEPOSIT = [ENTRY_TYPES.index(t) for t in ("21", "23", "86")]


def month_index(day: np.ndarray) -> np.ndarray:
    """Months since year 0 of days since 1970 (year * 12 + month - 1)."""
    return day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12


def month_start(month: np.ndarray) -> np.ndarray:
    return (month - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def pick(vocabulary: Sequence[str | None], index: np.ndarray) -> pl.Series:
    """The strings of `vocabulary` at `index`, as a polars column."""
    return pl.Series(list(vocabulary), dtype=pl.String).gather(index)


def money(cents: np.ndarray) -> pl.Series:
    decimals = pl.Series(np.asarray(cents, dtype=np.int64)).cast(pl.Decimal(18, 0))
    return (decimals * Decimal("0.01")).cast(pl.Decimal(18, 2))


def dates(day: np.ndarray, missing: np.ndarray | None = None) -> pl.Series:
    series = pl.Series(np.asarray(day, dtype=np.int32)).cast(pl.Date)
    return series if missing is None else series.set(pl.Series(missing), None)


def round_half_up(numerator: np.ndarray, denominator: int | np.ndarray) -> np.ndarray:
    return (2 * numerator + denominator) // (2 * denominator)


def check_digits(filer: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """CATAIR check digits of many entry numbers at once (as codes.check_digit)."""
    # check_digit of a zero serial is the filer code's part of the sum, mod 10
    prefix = np.array([10 - codes.check_digit(f, "0000000") for f in FILERS])
    digit = serial[:, None] // 10 ** np.arange(6, -1, -1) % 10  # positions 4..10
    doubled = digit[:, 0::2] * 2
    total = prefix[filer] + (doubled // 10 + doubled % 10).sum(1) + digit[:, 1::2].sum(1)
    return (10 - total % 10) % 10


def entry_numbers(filer: np.ndarray, serial: np.ndarray) -> pl.Series:
    frame = pl.DataFrame({"f": pick(FILERS, filer), "s": serial, "c": check_digits(filer, serial)})
    text = pl.concat_str("f", pl.col("s").cast(pl.String).str.zfill(7), pl.col("c").cast(pl.String))
    return frame.select(text).to_series()


class Ledger:
    """State carried from chunk to chunk."""

    def __init__(self, world: World, start: date, end: date) -> None:
        self.world, self.start, self.end = world, start, end
        self.lines_per_entry = world.lines_per_entry.astype(float)
        self.next_serial = SERIAL_BASE + 150_000 * np.arange(len(FILERS))
        self.first_month = start.year * 12 + start.month - 1
        months = end.year * 12 + end.month - self.first_month
        self.dtf = np.zeros((len(IMPORTERS), months), dtype=np.int64)  # cents

    def learn(self, importer: np.ndarray, lines: np.ndarray) -> None:
        """Remember the mean lines per entry of each importer (to draw enough entries)."""
        drawn = np.bincount(importer, minlength=len(IMPORTERS))
        total = np.bincount(importer, lines, minlength=len(IMPORTERS))
        self.lines_per_entry = np.where(
            drawn > 0, total / np.maximum(drawn, 1), self.lines_per_entry
        )

    def serials(self, filer: np.ndarray, day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Serials per filer in date order, with gaps (the filer's other clients)."""
        order = np.lexsort((rng.random(len(day)), day, filer))
        gaps = 1 + (rng.random(len(day)) < 0.2)
        cum = np.cumsum(gaps[order])
        by_filer = filer[order]
        before = np.concatenate([[0], cum])[np.searchsorted(by_filer, np.arange(len(FILERS)))]
        serial = np.empty(len(day), dtype=np.int64)
        serial[order] = self.next_serial[by_filer] + cum - before[by_filer]
        self.next_serial += np.bincount(filer, gaps, minlength=len(FILERS)).astype(np.int64)
        if self.next_serial.max() >= RECON_SERIAL:
            raise ValueError("too many entries for the demo filers' serial numbers")
        return serial

    def add_dtf(self, importer: np.ndarray, day: np.ndarray, cents: np.ndarray) -> None:
        np.add.at(self.dtf, (importer, month_index(day) - self.first_month), cents)


@dataclass
class Tariffs:
    """The Chapter 99 rows of a chunk: the line each belongs to, its number and duty."""

    line: np.ndarray
    hts: np.ndarray
    ordinal: np.ndarray
    rate: np.ndarray
    duty: np.ndarray


def chunk_tables(
    world: World, e: Columns, ln: Columns, rng: np.random.Generator, ledger: Ledger
) -> Iterator[tuple[str, pl.DataFrame]]:
    """entry_lines, entry_summaries, cargo_releases, exams of a chunk; fills in `e`."""
    n = len(e["day"])
    e["filer"] = world.filers.draw(rng, e["importer"])
    e["number"] = entry_numbers(e["filer"], ledger.serials(e["filer"], e["day"], rng))
    case = world.adcvd[ln["product"]] & (e["country"][ln["entry"]] == world.cn)
    e["etype"] = np.where(
        (np.bincount(ln["entry"], case, n) > 0) & (e["etype"] == 0), 1, e["etype"]
    )  # an 01 entry with AD/CVD goods is an 03
    ln["case"] = case & (e["etype"][ln["entry"]] == 1)
    ln["first"] = np.searchsorted(ln["entry"], np.arange(n))
    ln["number"] = np.arange(len(ln["entry"])) - ln["first"][ln["entry"]] + 1
    _logistics(world, e, rng)
    tariffs = _price(world, e, ln, rng)
    _dates_and_controls(world, e, ln["product"][ln["first"]], rng, days(ledger.end))
    ledger.add_dtf(e["importer"], e["day"], e["duty"] + e["tax"] + e["fee"])
    yield "entry_lines", _entry_lines(world, e, ln, tariffs)
    yield "entry_summaries", _entry_summaries(world, e)
    yield "cargo_releases", _cargo_releases(world, e)
    yield "exams", _exams(world, e, ln["product"][ln["first"]])


def _logistics(world: World, e: Columns, rng: np.random.Generator) -> None:
    """Port, mode, carrier, bill and manufacturer: MX/CA by land, others by air or sea."""
    n = len(e["day"])
    origin = world.country_codes[e["country"]]
    air = rng.random(n) < world.air_share[e["importer"]]
    e["gateway"] = np.select(
        [origin == "MX", origin == "CA", air], [0, 1, 2], world.sea_gateway[e["country"]]
    )
    e["port"] = world.gateways.draw(rng, e["gateway"])
    breakbulk = rng.random(n) < world.breakbulk_share[e["importer"]]
    e["mode"] = np.select(
        [e["gateway"] <= 1, e["gateway"] == 2, breakbulk],
        [world.land_modes.draw(rng, 0, n), world.air_modes.draw(rng, 0, n), MODES.index("10")],
        MODES.index("11"),
    )
    mode = np.asarray(MODES)[e["mode"]]
    e["kind"] = np.select(
        [np.isin(mode, ("10", "11")), np.isin(mode, ("40", "41")), np.isin(mode, ("30", "31"))],
        [0, 1, 2],
        3,
    )
    e["carrier"] = world.carrier_first[e["kind"]] + (
        rng.random(n) * world.carrier_count[e["kind"]]
    ).astype(np.int64)
    width = np.where(e["kind"] == 0, 10, 8)  # ocean bills 10 digits, others 8
    e["bill"] = 10 ** (width - 1) + (rng.random(n) * 9 * 10.0 ** (width - 1)).astype(np.int64)
    e["mid"] = world.mid_first[e["source"]] + (rng.random(n) * world.mid_count[e["source"]]).astype(
        np.int64
    )


def _price(world: World, e: Columns, ln: Columns, rng: np.random.Generator) -> Tariffs:
    """Quantities, values, duties, AD/CVD, taxes and fees per line; totals per entry."""
    entry, product, size = ln["entry"], ln["product"], len(ln["entry"])
    n = len(e["day"])
    quantity = world.quantity[product] * rng.lognormal(0, 0.8, size)
    quantity *= np.where(e["kind"][entry] == 1, 0.25, 1.0)  # air shipments are smaller
    price = world.price[product] * rng.uniform(0.85, 1.15, size)
    value = np.rint(np.maximum(_units(world, product, quantity) * price, 1) * 100)
    informal = e["etype"][entry] == ENTRY_TYPES.index("11")
    value = np.where(informal, np.minimum(value, 120_000), value)
    low_value = ln["low_value"]  # Section 321: one line, at most the de minimis limit
    value = np.where(low_value, np.minimum(value, DE_MINIMIS_LIMIT * 100), value).astype(np.int64)
    ln["quantity"] = _units(world, product, value / 100 / price)
    ln["value"] = value
    ln["related"] = rng.random(size) < np.where(world.source_related[e["source"][entry]], 0.9, 0.03)
    deposit = ~np.isin(e["etype"][entry], NO_DEPOSIT)
    ln["rate"] = np.where(ln["spi"] > 0, 0.0, world.rate[product])
    ln["duty"] = np.rint(value * ln["rate"]).astype(np.int64) * deposit
    ln["tax"] = np.rint(value * world.tax[product]).astype(np.int64) * deposit
    ln["add"] = np.rint(value * world.add_rate[product]).astype(np.int64) * ln["case"]
    ln["cvd"] = np.rint(value * world.cvd_rate[product]).astype(np.int64) * ln["case"]
    tariffs = _chapter99(world, ln, deposit)
    _fees(world, e, ln)
    sums = [ln["duty"] + ln["add"] + ln["cvd"], ln["tax"], ln["mpf"] + ln["hmf"], value]
    e["duty"], e["tax"], e["fee"], e["value"] = (
        np.rint(np.bincount(entry, s, n)).astype(np.int64) for s in sums
    )
    e["duty"] += np.rint(np.bincount(entry[tariffs.line], tariffs.duty, n)).astype(np.int64)
    return tariffs


def _units(world: World, product: np.ndarray, quantity: np.ndarray) -> np.ndarray:
    counted = world.counted[product]
    return np.where(
        counted, np.maximum(1, np.round(quantity)), np.maximum(0.01, np.round(quantity, 2))
    )


def _chapter99(world: World, ln: Columns, deposit: np.ndarray) -> Tariffs:
    lines, ordinals, measures = [], [], []
    before = np.zeros(len(ln["entry"]), dtype=np.int64)  # Chapter 99 rows so far per line
    for m in range(len(world.measures)):
        applies = ln[f"m{m}"]
        lines.append(np.flatnonzero(applies))
        ordinals.append(2 + before[applies])
        measures.append(np.full(applies.sum(), m))
        before += applies
    line, measure = np.concatenate(lines), np.concatenate(measures)
    rate = world.measure_rate[measure]
    duty = np.rint(ln["value"][line] * rate).astype(np.int64) * deposit[line]
    return Tariffs(line, world.measure_hts[measure], np.concatenate(ordinals), rate, duty)


def _fees(world: World, e: Columns, ln: Columns) -> None:
    """MPF per entry (fiscal-year limits, FTA share exempt) apportioned to lines; HMF."""
    entry, value, n = ln["entry"], ln["value"], len(e["day"])
    eligible = ~np.isin(np.asarray(world.spi_codes)[ln["spi"]], world.mpf_exempt_spi)
    eligible &= ~ln["low_value"]  # Section 321 shipments pay no MPF
    total = np.rint(np.bincount(entry, value, n)).astype(np.int64)
    payable = np.rint(np.bincount(entry, value * eligible, n)).astype(np.int64)
    year = np.maximum(np.searchsorted(world.mpf_start, e["day"], side="right") - 1, 0)
    low, high, informal_fee = world.mpf_limits[year].T
    ad_valorem = np.clip(round_half_up(total * world.mpf_per_million, 1_000_000), low, high)
    informal = e["etype"] == ENTRY_TYPES.index("11")
    mpf = round_half_up(np.where(informal, informal_fee, ad_valorem) * payable, total)
    share = np.where(eligible, mpf[entry] * value // np.maximum(payable[entry], 1), 0)
    remainder = mpf - np.rint(np.bincount(entry, share, n)).astype(np.int64)
    before = np.cumsum(eligible) - eligible  # eligible lines before each line
    rank = before - before[ln["first"]][entry]
    ln["mpf"] = share + (eligible & (rank < remainder[entry]))
    vessel = e["kind"][entry] == 0
    ln["hmf"] = round_half_up(value * world.hmf_per_100k, 100_000) * vessel


def _dates_and_controls(
    world: World, e: Columns, lead: np.ndarray, rng: np.random.Generator, end: int
) -> None:
    """Exams, holds, release, summary, export and liquidation dates, CF-28/29, bond."""
    n, day, kind = len(e["day"]), e["day"], e["kind"]
    watched = world.watched[lead]
    examined = rng.random(n) < 0.02 + 0.02 * (e["country"] == world.cn) + 0.015 * watched
    exam = rng.choice(4, n, p=[0.45, 0.25, 0.10, 0.20])  # NII, TAILGATE, INTENSIVE, DOCUMENT
    e["exam"] = np.where(examined, exam, -1)
    found = examined & (rng.random(n) < np.array([0.08, 0.15, 0.35, 0.2])[exam])
    e["discrepancy"] = np.where(found, rng.choice(6, n, p=[0.25, 0.2, 0.15, 0.15, 0.1, 0.15]), -1)
    exam_days = np.array([(1, 1), (1, 2), (3, 8), (0, 2)])[exam]
    held = rng.random(n) < 0.01 + 0.03 * watched
    agency = np.where(rng.random(n) < 0.75, world.agency[lead], 0)  # 0: CBP
    e["hold"] = np.where(held, agency, -1)
    release_days = np.array([(1, 5), (0, 1), (0, 1), (0, 2)])[kind]
    planned = day + rng.integers(release_days[:, 0], release_days[:, 1] + 1)
    planned += examined * rng.integers(exam_days[:, 0], exam_days[:, 1] + 1)
    planned += held * rng.integers(2, 16, n)
    e["released"] = planned <= end
    e["release"] = planned
    e["summary"] = np.minimum(planned + rng.integers(0, 10, n), end)
    e["exam_day"] = np.minimum(day + (rng.random(n) * (planned - day + 1)).astype(np.int64), end)
    transit = np.array([(0, 2), (0, 2), (1, 3), (14, 30), (9, 20), (4, 14)])[e["gateway"]]
    e["export"] = day - rng.integers(transit[:, 0], transit[:, 1] + 1)
    e["cf28"] = rng.random(n) < 0.012 + 0.35 * found
    e["cf29"] = rng.random(n) < 0.004 + 0.25 * found + 0.3 * e["cf28"]
    conditional = rng.random(n) < 0.005 + 0.02 * watched
    e["status"] = np.where(
        e["released"],
        np.where(conditional, _STATUS["CBP Conditional Release"], _STATUS["Released"]),
        np.select(
            [held, examined],
            [_STATUS["Release Suspended"], _STATUS["CBP Review"]],
            _STATUS["Admissible"],
        ),
    )
    _liquidation(e, rng, end)
    informal = e["etype"] == ENTRY_TYPES.index("11")
    single = (e["etype"] == ENTRY_TYPES.index("23")) | (
        (rng.random(n) < world.stb_share[e["importer"]]) & ~informal
    )
    e["bond"] = np.select([informal, single], [0, 2], 1)


def _liquidation(e: Columns, rng: np.random.Generator, end: int) -> None:
    """Liquidation date, type and status by each entry type's clock (`liquidation`).

    On the forecast: the Friday on or after day 314; 1.5% of entries (30% of those with a
    CF-28) extended a year (a tenth of them twice), 1% posted one to eight weeks late (so
    overdue at `end`). AD/CVD: suspended one to three years more. Warehouse: on a withdrawal
    30-720 days after entry, plus the 314 days. TIB: closed on export, 60-365 days after
    entry. 2% of liquidations are reliquidated by CBP within 90 days (types 4, 5, 8)."""
    n, day = len(e["day"]), e["day"]
    clock = np.asarray([liquidation.clock(t) for t in ENTRY_TYPES])[e["etype"]]
    forecast = clock == liquidation.FORECAST
    extended = forecast & (rng.random(n) < 0.015 + 0.3 * e["cf28"])
    extensions = extended * (1 + (rng.random(n) < 0.1))
    late = forecast & ~extended & (rng.random(n) < 0.01)
    due = np.select(
        [clock == liquidation.ON_WITHDRAWAL, clock == liquidation.ON_EXPORT],
        [day + rng.integers(30, 721, n) + LIQUIDATION_DAYS, day + rng.integers(60, 366, n)],
        day + LIQUIDATION_DAYS + extensions * liquidation.EXTENSION_DAYS,
    )
    due += (clock == liquidation.SUSPENDED) * rng.integers(365, 1100, n)
    due += late * 7 * rng.integers(1, 9, n)
    first = _friday(due)
    kinds = rng.choice(4, n, p=[0.9, 0.04, 0.04, 0.02])  # "1", "2", "3", "6"
    kinds = np.where(e["cf29"] & (rng.random(n) < 0.6), 1, kinds)
    again = first + 7 * rng.integers(1, 13, n)  # a Friday within 90 days (19 USC 1501)
    reliquidated = (rng.random(n) < 0.02) & (again <= end)
    e["liquidation"] = np.where(reliquidated, again, first)
    e["liquidation_type"] = np.where(
        reliquidated, rng.choice([4, 5, 6], n, p=[0.4, 0.4, 0.2]), kinds
    )
    e["liquidated"] = first <= end
    held = np.select(
        [
            clock == liquidation.SUSPENDED,
            extended & (end >= _friday(day + LIQUIDATION_DAYS) - 30),
        ],
        [LIQUIDATION_STATUS["SUSPENDED"], LIQUIDATION_STATUS["EXTENDED"]],
        LIQUIDATION_STATUS["UNLIQUIDATED"],
    )
    final = e["liquidation"] <= end - liquidation.PROTEST_DAYS
    e["liquidation_status"] = np.where(
        e["liquidated"],
        np.where(final, LIQUIDATION_STATUS["FINAL"], LIQUIDATION_STATUS["LIQUIDATED"]),
        held,
    )


def _friday(day: np.ndarray) -> np.ndarray:
    """The Friday on or after each day (days since 1970, a Thursday), as ACE posts."""
    return day + (liquidation.POSTING_WEEKDAY - (day + 3) % 7) % 7


# --- frames ----------------------------------------------------------------------------
def entry_columns(world: World, e: Columns, index: np.ndarray) -> dict[str, pl.Series]:
    """Columns every entry table repeats, for the entries at `index`."""
    importer = e["importer"][index]
    return {
        "entry_number": e["number"].gather(index),
        "importer_number": pick([i.importer_number for i in IMPORTERS], importer),
        "filer_code": pick(FILERS, e["filer"][index]),
        "entry_type": pick(ENTRY_TYPES, e["etype"][index]),
        "port_of_entry": pick(world.ports, e["port"][index]),
        "mode_of_transport": pick(MODES, e["mode"][index]),
    }


def _entry_lines(world: World, e: Columns, ln: Columns, tariffs: Tariffs) -> pl.DataFrame:
    size, extra = len(ln["entry"]), len(tariffs.line)
    line = np.concatenate([np.arange(size), tariffs.line])
    entry, product = ln["entry"][line], ln["product"][line]
    base = np.arange(size + extra) < size
    zero = np.zeros(extra, dtype=np.int64)
    adcvd = world.adcvd_case[product] * (ln["case"][line] & base)[:, None]  # AD, CVD
    return pl.DataFrame(
        {
            **entry_columns(world, e, entry),
            "line_number": pl.Series(ln["number"][line], dtype=pl.Int32),
            "tariff_ordinal": pl.Series(
                np.concatenate([np.ones(size), tariffs.ordinal]), dtype=pl.Int16
            ),
            "entry_date": dates(e["day"][entry]),
            "hts_number": pick(world.hts, np.concatenate([ln["product"], tariffs.hts])),
            "country_of_origin": pick(world.country_codes, e["country"][entry]),
            "manufacturer_id": pick(world.mids, e["mid"][entry]),
            "spi": pick([None, *world.spi_codes[1:]], np.where(base, ln["spi"][line], 0)),
            "related_party": ln["related"][line],
            "quantity": pl.Series(np.where(base, ln["quantity"][line], np.nan)).fill_nan(None),
            "unit_of_measure": pick(
                [*world.uoms, None], np.where(base, world.uom[product], len(world.uoms))
            ),
            "entered_value": money(np.concatenate([ln["value"], zero])),
            "duty_rate": np.concatenate([ln["rate"], tariffs.rate]),
            "duty_amount": money(np.concatenate([ln["duty"], tariffs.duty])),
            **{
                f"{name}_amount": money(np.concatenate([ln[name], zero]))
                for name in ("tax", "mpf", "hmf", "add", "cvd")
            },
            "add_case_number": pick(CASES, adcvd[:, 0]),
            "cvd_case_number": pick(CASES, adcvd[:, 1]),
        }
    )


def _entry_summaries(world: World, e: Columns) -> pl.DataFrame:
    everything = np.arange(len(e["day"]))
    columns = entry_columns(world, e, everything)
    surety = np.where(e["bond"] == 0, 0, world.surety[e["importer"]] + 1)
    return pl.DataFrame(
        {
            **columns,
            "importer_name": pick([i.name for i in IMPORTERS], e["importer"]),
            "filer_name": pick([b.name for b in BROKERS], e["filer"]),  # FILERS' order
            "entry_date": dates(e["day"]),
            "entry_summary_date": dates(e["summary"]),
            "country_of_export": pick(world.country_codes, e["country"]),
            "export_date": dates(e["export"]),
            "port_of_unlading": columns["port_of_entry"],
            "carrier_code": pick(world.carrier_codes, e["carrier"]),
            "ultimate_consignee": columns["importer_number"],
            "bond_type": pick(BOND_TYPES, e["bond"]),
            "surety_code": pick([None, *SURETIES], surety),
            "recon_flag": pick([None, *FLAG_TYPES], e["recon"] + 1),
            "fta_recon_flag": e["fta"],
            "recon_indicator": e["recon"] >= 0,
            **{f"{name}_amount": money(e[name]) for name in ("duty", "tax", "fee")},
            "entered_value": money(e["value"]),
            "liquidation_date": dates(e["liquidation"], ~e["liquidated"]),
            "liquidation_type": pick(
                [None, *LIQUIDATION_TYPES],
                np.where(e["liquidated"], e["liquidation_type"] + 1, 0),
            ),
            "liquidation_status": pick(list(LIQUIDATION_STATUS), e["liquidation_status"]),
            "cf28_issued": e["cf28"],
            "cf29_issued": e["cf29"],
            "psc_indicator": _corrected(e),
        }
    )


def _corrected(e: Columns) -> np.ndarray:
    """Entries a post-summary correction changed: about 3% of each filer's (5% for every
    third filer), picked by a hash of the entry's day and value rather than drawn from the
    generator, so that no other figure of the demo moved when they were added."""
    mixed = e["value"].astype(np.uint64) * np.uint64(2_654_435_761)
    mixed = (mixed + e["day"].astype(np.uint64) * np.uint64(40_503)) % np.uint64(10_007)
    share = np.where(e["filer"] % 3 == 0, 0.05, 0.03)
    return mixed.astype(np.float64) / 10_007 < share


def _cargo_releases(world: World, e: Columns) -> pl.DataFrame:
    columns = entry_columns(world, e, np.arange(len(e["day"])))
    bill = pl.DataFrame({"p": pick(world.bill_prefixes, e["carrier"]), "n": e["bill"]})
    return pl.DataFrame(
        {
            **columns,
            "carrier_code": pick(world.carrier_codes, e["carrier"]),
            "bill_of_lading": bill.select(
                pl.concat_str("p", pl.col("n").cast(pl.String))
            ).to_series(),
            "arrival_date": dates(e["day"]),
            "release_date": dates(e["release"], ~e["released"]),
            "release_status": pick(list(codes.RELEASE_STATUSES), e["status"]),
            "hold_agency": pick([None, *codes.HOLD_AGENCIES], e["hold"] + 1),
        }
    )


def _exams(world: World, e: Columns, lead: np.ndarray) -> pl.DataFrame:
    index = np.flatnonzero(e["exam"] >= 0)
    columns = entry_columns(world, e, index)
    found = e["discrepancy"][index]
    return pl.DataFrame(
        {
            **columns,
            "exam_id": "EX" + columns["entry_number"],
            "exam_type": pick(list(codes.EXAM_TYPES), e["exam"][index]),
            "exam_date": dates(e["exam_day"][index]),
            "result": pick(list(codes.EXAM_RESULTS), (found >= 0).astype(int)),
            "discrepancy_type": pick([None, *codes.DISCREPANCY_TYPES], found + 1),
            "hts_number": pick(world.hts, lead[index]),
            "country_of_origin": pick(world.country_codes, e["country"][index]),
        }
    )
