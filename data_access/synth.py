"""Deterministic synthetic ITRAC data: `build_demo_lake` writes a demo lake of six tables.

The demo world (importers, brokers, goods, duties) is `synth_catalog`. This module draws
entries and their lines month by month, vectorised with numpy; `synth_tables` prices them
and builds the entry tables, `synth_bonds` the bonds and reconciliations. Each chunk of
months has its own generator, `default_rng([seed, chunk])`: the same seed, `lines`, `end`
and `years` always give the same lake.

Invariants (tests/test_synth.py proves them):
- entry_lines has one row per tariff ordinal. Ordinal 1 is the commodity HTS and carries
  the goods value, its duty, tax, MPF, HMF and AD/CVD; each Chapter 99 number is a further
  ordinal with entered_value 0, its own rate and duty, and no fees.
- Header totals are exact sums over the entry's rows: entered_value = sum(entered_value);
  duty_amount = sum(duty_amount + add_amount + cvd_amount); tax_amount = sum(tax_amount);
  fee_amount = sum(mpf_amount + hmf_amount).
- MPF per entry: 0.3464% of the entered value, clamped to the fiscal year's minimum and
  maximum (informal entries: the flat informal fee), times the share of the value not
  claimed under an MPF-exempt trade programme (USMCA and most FTAs), rounded half up to the
  cent; apportioned to those lines by value (floors, then a cent to each of the first
  lines until it sums). HMF: 0.125% of each line's value, vessel modes only.
- Warehouse (21) and temporary-importation (23) entries deposit no duty, tax or AD/CVD.
- Dates: export_date <= arrival_date = entry_date <= release_date <= entry_summary_date
  <= end; release_date is empty for cargo not released by `end`. Liquidation is the first
  Friday on or after entry date + 314 days (AD/CVD entries stay suspended 1-3 years more);
  empty and UNLIQUIDATED when that is after `end`, FINAL once 180 days have passed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from data_access import codes
from data_access import lake as lake_store
from data_access.schema import TABLES
from data_access.synth_bonds import chunk_obligations, continuous_bonds
from data_access.synth_catalog import (
    AIR_MODES,
    AIRPORTS,
    AMERICAS,
    ASIA_PACIFIC,
    BROKERS,
    CARRIERS,
    CITIES,
    ENTRY_TYPES,
    FTA_SPI,
    GSP_COUNTRIES,
    GSP_EXPIRED,
    IMPORTERS,
    LAND_CA,
    LAND_MODES,
    LAND_MX,
    MEASURES,
    MID_TRADES,
    MID_WORDS,
    MPF_LIMITS,
    PRODUCTS,
    SEA_AMERICAS,
    SEA_ASIA,
    SEA_EUROPE,
    Broker,
    Importer,
)
from data_access.synth_tables import (
    FLAG_TYPES,
    KINDS,
    MODES,
    SURETIES,
    Ledger,
    chunk_tables,
    days,
    product_arrays,
)

__all__ = ["BROKERS", "IMPORTERS", "Broker", "Importer", "build_demo_lake"]

CHUNK_ROWS = 250_000  # months are grouped into chunks of at least this many rows
OVERDRAW = 1.15  # entries drawn per entry needed; the surplus is trimmed to the target
PILOT_LINES = 2_000  # lines drawn per month to learn how many rows a line brings
SEASON = (1.0, 0.86, 0.95, 0.95, 1.0, 1.0, 1.02, 1.08, 1.1, 1.15, 1.12, 1.05)
GROWTH = 0.03  # a year
SHIFT_START, SHIFT_PER_YEAR = date(2018, 7, 1), 0.22  # China's weight decays from here
Columns = dict[str, np.ndarray]


class Categorical:
    """One discrete distribution per group ({value: weight}), drawn for many rows at once."""

    def __init__(self, tables: Sequence[dict[int, float]]) -> None:
        self.values = np.array([v for t in tables for v in t], dtype=np.int64)
        sizes = np.array([len(t) for t in tables])
        self.last = np.cumsum(sizes) - 1
        edges = []
        for group, table in enumerate(tables):
            cum = np.cumsum(np.fromiter(table.values(), dtype=float))
            edges.append(group + cum / cum[-1])
            edges[-1][-1] = group + 1
        self.edges = np.concatenate(edges)

    def draw(self, rng: np.random.Generator, groups: np.ndarray | int, size: int = 0) -> np.ndarray:
        groups = np.full(size, groups) if np.isscalar(groups) else groups
        flat = np.searchsorted(self.edges, groups + rng.random(len(groups)), side="right")
        return self.values[np.minimum(flat, self.last[groups])]


def _indexed(weights: dict[str, float], vocabulary: Sequence[str]) -> dict[int, float]:
    return {list(vocabulary).index(k): w for k, w in weights.items()}


class World:
    """The catalog as arrays, plus the draws that stay the same for the whole lake."""

    def __init__(self, seed: int) -> None:
        imps = IMPORTERS
        self.country_codes = np.array(sorted({s.country for i in imps for s in i.sources}))
        country = {str(c): n for n, c in enumerate(self.country_codes)}
        self.cn = country["CN"]
        self.products = list(PRODUCTS)
        self.hts = self.products + sorted({m.hts for m in MEASURES})
        self._measures()
        spec = list(PRODUCTS.values())
        for name in ("rate", "tax", "price", "quantity"):
            setattr(self, name, np.array([getattr(p, name) for p in spec], dtype=float))
        self.uoms = sorted({p.uom for p in spec})
        self.uom = np.array([self.uoms.index(p.uom) for p in spec])
        self.counted = np.array([p.uom in ("NO", "DOZ", "PRS", "DPC") for p in spec])
        self.adcvd = np.array([p.adcvd for p in spec])
        self.agency = np.array([list(codes.HOLD_AGENCIES).index(p.agency) for p in spec])
        self.watched = np.isin([p.agency for p in spec], ("FDA", "USDA"))
        product_arrays(self)
        sources = [(n, s) for n, imp in enumerate(imps) for s in imp.sources]
        self.source_importer = np.array([n for n, _ in sources])
        self.source_country = np.array([country[s.country] for _, s in sources])
        self.source_related = np.array([s.country in imps[n].related for n, s in sources])
        self.first_source = np.searchsorted(self.source_importer, np.arange(len(imps)))
        self.goods = Categorical(
            [{self.products.index(h): 1.0 for h in s.products} for _, s in sources]
        )
        self.entry_types = Categorical([_indexed(i.entry_types, ENTRY_TYPES) for i in imps])
        filer_codes = [b.filer_code for b in BROKERS]
        self.filers = Categorical(
            [
                _indexed(dict(zip(i.filer_codes, i.filer_weights, strict=True)), filer_codes)
                for i in imps
            ]
        )
        self.recon = Categorical([_indexed(i.recon_flags or {"001": 1}, FLAG_TYPES) for i in imps])
        for name in ("share", "lines_per_entry", "air_share", "breakbulk_share", "stb_share"):
            setattr(self, name, np.array([getattr(i, name) for i in imps], dtype=float))
        self.flags_entries = np.array([bool(i.recon_flags) for i in imps])
        self.recon_late = np.array([i.recon_late for i in imps])
        self.surety = np.array([SURETIES.index(i.surety_code) for i in imps])
        self.fta_origin = np.array([np.isin(self.country_codes, i.recon_fta) for i in imps])
        self.spi_codes = ["", *sorted(set(FTA_SPI.values()) | {"A"})]
        self.fta_spi = np.array([self.spi_codes.index(FTA_SPI.get(c, "")) for c in country])
        self.gsp = np.isin(self.country_codes, GSP_COUNTRIES)
        self._logistics()
        self._manufacturers(np.random.default_rng([seed, 1_000_000]), sources)
        self.mpf_start = np.array([days(d) for d, *_ in MPF_LIMITS])
        self.mpf_limits = np.rint(np.array([v for _, *v in MPF_LIMITS]) * 100).astype(np.int64)

    def _measures(self) -> None:
        """Per Chapter 99 measure: its HTS index, dates, origins and goods it covers."""
        self.measure_hts = np.array([self.hts.index(m.hts) for m in MEASURES])
        self.measure_days = np.array([(days(m.start), days(m.end or date.max)) for m in MEASURES])
        origin = self.country_codes
        self.measure_origin = np.array(
            [
                (np.isin(origin, m.origins) if m.origins else True) & ~np.isin(origin, m.exclude)
                for m in MEASURES
            ]
        )
        self.measure_goods = np.array(
            [
                [
                    (not m.s301 or p.s301 == m.s301)
                    and (not m.metal or p.metal == m.metal)
                    and not (m.reciprocal and (p.annex2 or bool(p.metal)))
                    for p in PRODUCTS.values()
                ]
                for m in MEASURES
            ]
        )

    def _logistics(self) -> None:
        self.ports = ports = sorted(codes.PORTS)
        gateways = (LAND_MX, LAND_CA, AIRPORTS, SEA_ASIA, SEA_EUROPE, SEA_AMERICAS)
        self.gateways = Categorical([_indexed(g, ports) for g in gateways])
        code = self.country_codes
        self.sea_gateway = np.where(
            np.isin(code, ASIA_PACIFIC), 3, np.where(np.isin(code, AMERICAS), 5, 4)
        )
        self.land_modes = Categorical([_indexed(LAND_MODES, MODES)])
        self.air_modes = Categorical([_indexed(AIR_MODES, MODES)])
        self.carrier_codes = [c for k in KINDS for c, _ in CARRIERS[k]]
        self.bill_prefixes = [p for k in KINDS for _, p in CARRIERS[k]]
        sizes = np.array([len(CARRIERS[k]) for k in KINDS])
        self.carrier_first, self.carrier_count = np.cumsum(sizes) - sizes, sizes

    def _manufacturers(self, rng: np.random.Generator, sources: list) -> None:
        """A few suppliers per importer and origin, as CBP manufacturer IDs."""
        mids, counts = [], []
        for _, source in sources:
            count = int(rng.integers(2, 7))
            for _ in range(count):
                prefix = source.country
                if prefix == "CA":
                    prefix = str(rng.choice(["XO", "XQ", "XC"]))
                city = str(rng.choice(CITIES.get(prefix, ("CITY",))))
                word, trade = rng.choice(MID_WORDS), rng.choice(MID_TRADES)
                number = str(rng.integers(1, 10_000))
                mids.append(f"{prefix}{word[:3]}{trade[:3]}{number}{city[:3]}")
            counts.append(count)
        self.mids = mids
        self.mid_count = np.array(counts)
        self.mid_first = np.cumsum(self.mid_count) - self.mid_count

    def source_weights(self, importer: Importer, day: date) -> list[float]:
        """The importer's source mix at `day`: China's share decays into `shift_to`."""
        years = max(0.0, (day - SHIFT_START).days / 365.25)
        keep = math.exp(-SHIFT_PER_YEAR * years)
        lost = sum(s.weight for s in importer.sources if s.country == "CN") * (1 - keep)
        total = sum(importer.shift_to.values()) or 1.0
        return [
            s.weight * keep
            if s.country == "CN"
            else s.weight + lost * importer.shift_to.get(s.country, 0.0) / total
            for s in importer.sources
        ]


# --- the plan: months, their row targets, chunks -----------------------------------------
@dataclass(frozen=True)
class Month:
    first: date
    last: date
    rows: int  # entry-line rows planned; they sum to `lines`
    lines: int  # commodity lines (tariff ordinal 1) to draw for them


def plan_months(world: World, start: date, end: date, lines: int, seed: int) -> list[Month]:
    """Each calendar month of [start, end] with its share of `lines` (season, growth).

    Activity follows the season and growth; the rows each commodity line brings (its
    Chapter 99 ordinals, more in 2025) come from a small pilot draw of every month."""
    spans, weights = [], []
    first = start
    while first <= end:
        following = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
        last = min(end, following - timedelta(days=1))
        covered = ((last - first).days + 1) / (following - first.replace(day=1)).days
        years = (first - start).days / 365.25
        weights.append(SEASON[first.month - 1] * (1 + GROWTH) ** years * covered)
        spans.append((first, last))
        first = following
    pilot = [Month(f, la, PILOT_LINES, PILOT_LINES) for f, la in spans]
    entries = draw_entries(
        world, pilot, np.random.default_rng([seed, 999_999]), world.lines_per_entry
    )
    drawn = draw_lines(world, entries, np.random.default_rng([seed, 999_998]))
    month = entries["month"][drawn["entry"]]
    ratio = np.bincount(month, 1 + drawn["extra"]) / np.bincount(month)
    exact = np.array(weights) * ratio / np.dot(weights, ratio) * lines
    rows = np.floor(exact).astype(int)
    rows[np.argsort(rows - exact)[: lines - rows.sum()]] += 1
    return [
        Month(f, la, int(r), round(r / q)) for (f, la), r, q in zip(spans, rows, ratio, strict=True)
    ]


def plan_chunks(months: list[Month]) -> list[list[Month]]:
    chunks: list[list[Month]] = [[]]
    for month in months:
        if sum(m.rows for m in chunks[-1]) >= CHUNK_ROWS:
            chunks.append([])
        chunks[-1].append(month)
    return chunks


def build_demo_lake(
    lake: Path,
    *,
    lines: int = 1_000_000,
    seed: int = 42,
    end: date | None = None,
    years: int = 5,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write a fresh demo lake of about `lines` entry-line rows; returns rows per table.

    The data covers the `years` years ending at `end` (default today), so liquidation and
    reconciliation deadlines are live as of `end`. `progress(done, total)` is called after
    each chunk of months with the entry-line rows planned so far and `lines`.
    """
    end = end or date.today()
    start = _years_before(end, years) + timedelta(days=1)
    world = World(seed)
    ledger = Ledger(world, start, end)
    chunks = plan_chunks(plan_months(world, start, end, lines, seed))
    counts = dict.fromkeys(TABLES, 0)

    def draw(index: int) -> list[tuple[str, pl.DataFrame]]:
        rng = np.random.default_rng([seed, index])
        entries, rows = draw_chunk(world, chunks[index], rng, ledger)
        return [
            *chunk_tables(world, entries, rows, rng, ledger),
            *chunk_obligations(world, entries, rng, ledger),
        ]

    with lake_store.transaction(Path(lake), fresh=True) as tx, ThreadPoolExecutor(1) as pool:
        upcoming = pool.submit(draw, 0)  # the next chunk is drawn while one is written
        done = 0
        for index, chunk in enumerate(chunks):
            frames = upcoming.result()
            if index + 1 < len(chunks):
                upcoming = pool.submit(draw, index + 1)
            for name, frame in frames:
                counts[name] += tx.write(name, frame)
            done += sum(m.rows for m in chunk)
            if progress:
                progress(done, lines)
        counts["bonds"] += tx.write("bonds", continuous_bonds(ledger))
        tx.record(
            file="synthetic demo",
            kind="demo",
            seed=seed,
            lines=lines,
            rows_loaded=sum(counts.values()),
            loaded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            sha256="",
        )
    return counts


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- entries and their lines ------------------------------------------------------------
def draw_chunk(
    world: World, months: list[Month], rng: np.random.Generator, ledger: Ledger
) -> tuple[Columns, Columns]:
    """Entries and their commodity lines for `months`, trimmed to the months' row targets."""
    entries = draw_entries(world, months, rng, ledger.lines_per_entry)
    lines = draw_lines(world, entries, rng)
    lines_per_entry = np.bincount(lines["entry"], minlength=len(entries["day"]))
    ledger.learn(entries["importer"], lines_per_entry)
    keep = _trim(entries["month"], lines_per_entry, [m.lines for m in months], rng)
    entries = {k: v[keep] for k, v in entries.items()}
    kept = keep[lines["entry"]]
    lines = {k: v[kept] for k, v in lines.items()}
    lines["entry"] = (np.cumsum(keep) - 1)[lines["entry"]]
    return entries, lines


def draw_entries(
    world: World, months: list[Month], rng: np.random.Generator, lines_per_entry: np.ndarray
) -> Columns:
    """Importer, date, source (origin), entry type and reconciliation flag of each entry."""
    n_imp = len(IMPORTERS)
    counts = np.ceil(
        OVERDRAW * np.outer([m.lines for m in months], world.share / lines_per_entry)
    ).astype(int)  # months x importers
    month = np.repeat(np.arange(len(months)), counts.sum(axis=1))
    importer = np.concatenate([np.repeat(np.arange(n_imp), row) for row in counts])
    calendar = []
    for m in months:
        span = np.arange(days(m.first), days(m.last) + 1)
        weekday = (span + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        weight = np.select([weekday < 5, weekday == 5], [1.0, 0.25], 0.1)
        calendar.append(dict(zip(span.tolist(), weight.tolist(), strict=True)))
    day = Categorical(calendar).draw(rng, month)
    mix = Categorical(
        [
            dict(
                enumerate(
                    world.source_weights(i, m.first + (m.last - m.first) / 2),
                    start=int(world.first_source[n]),
                )
            )
            for m in months
            for n, i in enumerate(IMPORTERS)
        ]
    )
    source = mix.draw(rng, month * n_imp + importer)
    etype = world.entry_types.draw(rng, importer)
    country = world.source_country[source]
    flagged = world.flags_entries[importer] & (etype == 0) & (rng.random(len(day)) < 0.85)
    return {
        "importer": importer,
        "month": month,
        "day": day,
        "source": source,
        "country": country,
        "etype": etype,
        "recon": np.where(flagged, world.recon.draw(rng, importer), -1),
        "fta": flagged & world.fta_origin[importer, country],
    }


def draw_lines(world: World, entries: Columns, rng: np.random.Generator) -> Columns:
    """Commodity lines: goods, SPI claims, and which Chapter 99 measures each carries."""
    n = len(entries["day"])
    informal = entries["etype"] == ENTRY_TYPES.index("11")
    per_entry = 1 + rng.poisson(world.lines_per_entry[entries["importer"]] - 1)
    per_entry = np.where(informal, 1 + (rng.random(n) < 0.3), np.minimum(per_entry, 60))
    entry = np.repeat(np.arange(n), per_entry)
    product = world.goods.draw(rng, entries["source"][entry])
    country, day = entries["country"][entry], entries["day"][entry]
    lines = {"entry": entry, "product": product}
    lines["spi"] = _claims(world, product, country, day, entries["fta"][entry], rng)
    lines["extra"] = np.zeros(len(entry))
    for n_measure, applies in enumerate(measure_masks(world, lines, country, day)):
        lines[f"m{n_measure}"] = applies
        lines["extra"] += applies
    return lines


def _claims(
    world: World,
    product: np.ndarray,
    country: np.ndarray,
    day: np.ndarray,
    fta_flagged: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """SPI per line: USMCA on most MX/CA lines, other FTAs and GSP where they save duty.

    Lines of entries flagged for an FTA reconciliation claim nothing at entry."""
    spi = world.fta_spi[country]
    usmca = spi == world.spi_codes.index("S")
    dutiable = world.rate[product] > 0
    chance = np.where(usmca, 0.85, np.where(dutiable, 0.75, 0.1))
    claimed = (spi > 0) & (rng.random(len(spi)) < chance) & ~fta_flagged
    gsp = world.gsp[country] & dutiable & (day < days(GSP_EXPIRED)) & ~fta_flagged
    return np.where(claimed, spi, np.where(gsp, world.spi_codes.index("A"), 0))


def measure_masks(
    world: World, lines: Columns, country: np.ndarray, day: np.ndarray
) -> list[np.ndarray]:
    """For each Chapter 99 measure, the lines it applies to."""
    product, unclaimed = lines["product"], lines["spi"] == 0
    masks = []
    for m, measure in enumerate(MEASURES):
        first, last = world.measure_days[m]
        if len(day) == 0 or day.max() < first or day.min() > last:
            masks.append(np.zeros(len(day), dtype=bool))
            continue
        applies = world.measure_origin[m][country] & world.measure_goods[m][product]
        applies &= (day >= first) & (day <= last)
        if measure.unclaimed_only:
            applies &= unclaimed
        masks.append(applies)
    return masks


def _trim(
    month: np.ndarray, lines: np.ndarray, targets: list[int], rng: np.random.Generator
) -> np.ndarray:
    """Keep entries, in random order, while each month's lines are short of its target."""
    order = np.lexsort((rng.random(len(month)), month))
    cum = np.cumsum(lines[order]) - lines[order]  # lines before each entry
    starts = np.searchsorted(month[order], np.arange(len(targets)))
    before = np.concatenate([cum, [0]])[starts]
    keep = np.zeros(len(month), dtype=bool)
    keep[order] = cum - before[month[order]] < np.asarray(targets)[month[order]]
    return keep
