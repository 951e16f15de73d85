"""Deterministic synthetic ITRAC data: `build_demo_lake` writes a demo lake of six tables.

The demo world (importers, brokers, goods, duties) is `synth.catalog`, turned into arrays
by `synth.world`. This module plans the months and draws entries and their lines, vectorised
with numpy; `synth.tables` prices them and builds the entry tables, `synth.bonds` the bonds
and reconciliations. Each chunk of
months has its own generator, `default_rng([seed, chunk])`: the same seed, `lines`, `end`
and `years` always give the same lake.

Invariants (tests/test_synth.py proves them):
- entry_lines has one row per tariff ordinal. Ordinal 1 is the commodity HTS and carries
  the goods value, its duty, tax, MPF, HMF and AD/CVD; each Chapter 99 number is a further
  ordinal with entered_value 0, its own rate and duty, and no fees. Which numbers a line
  carries, at what rate, is the registry's (config/tariff_layers.yaml) for the entry date:
  `synth.catalog.FILINGS` says only which numbers the demo files, on which goods.
- Header totals are exact sums over the entry's rows: entered_value = sum(entered_value);
  duty_amount = sum(duty_amount + add_amount + cvd_amount); tax_amount = sum(tax_amount);
  fee_amount = sum(mpf_amount + hmf_amount).
- MPF per entry: 0.3464% of the entered value, clamped to the fiscal year's minimum and
  maximum (informal entries: the flat informal fee), times the share of the value not
  claimed under an MPF-exempt trade programme (USMCA and most FTAs), rounded half up to the
  cent; apportioned to those lines by value (floors, then a cent to each of the first
  lines until it sums). HMF: 0.125% of each line's value, vessel modes only.
- Warehouse (21), temporary-importation (23) and Section 321 (86, one line of at most
  $800, none from 2025-08-29) entries deposit no duty, tax or AD/CVD; 86 pays no MPF.
- Dates: export_date <= arrival_date = entry_date <= release_date <= entry_summary_date
  <= end; release_date is empty for cargo not released by `end`. Liquidation follows
  each entry type's clock (data_access.liquidation: a Friday on or after day 314, AD/CVD
  suspended, warehouse on withdrawal, TIB on export; some extended, late or reliquidated:
  synth.tables._liquidation); empty and UNLIQUIDATED, SUSPENDED or EXTENDED when after
  `end`, FINAL once 180 days have passed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from data_access import lake as lake_store
from data_access import settings
from data_access.schema import TABLES, conform
from data_access.synth import audit as planted
from data_access.synth.bonds import chunk_obligations, continuous_bonds
from data_access.synth.catalog import (
    AGOA_IN_FORCE,
    BROKERS,
    DE_MINIMIS_SUSPENDED,
    ENTRY_TYPES,
    GSP_EXPIRED,
    IMPORTERS,
    Broker,
    Importer,
)
from data_access.synth.tables import Ledger, chunk_tables
from data_access.synth.world import Categorical, Columns, World, days

__all__ = ["BROKERS", "IMPORTERS", "Broker", "Importer", "build_demo_lake"]

CHUNK_ROWS = 250_000  # months are grouped into chunks of at least this many rows
# Small tables are held and written once, one file per year: written per chunk, a 50M
# lake's exams came in 65 files of ~3,000 rows, and opening them was most of a query.
WRITTEN_ONCE = ("exams", "reconciliations", "bonds")
OVERDRAW = 1.15  # entries drawn per entry needed; the surplus is trimmed to the target
PILOT_LINES = 2_000  # lines drawn per month to learn how many rows a line brings
SEASON = (1.0, 0.86, 0.95, 0.95, 1.0, 1.0, 1.02, 1.08, 1.1, 1.15, 1.12, 1.05)
GROWTH = 0.03  # a year


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
    plant_findings: bool = False,
    rollup_progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write a fresh demo lake of about `lines` entry-line rows; returns rows per table.

    The data covers the `years` years ending at `end` (default: today, or ITRAC_TODAY), so
    liquidation and reconciliation deadlines are live as of `end`. Given `end`, nothing in
    the lake depends on the day it is built (the manifest's loaded_at and the coverage's
    written_at say when, as metadata). `progress(done, total)` is called after
    each chunk of months with the entry-line rows planned so far and `lines`;
    `rollup_progress(done, total)` while the commit builds the rollups (source rows).
    `plant_findings` adds the audit findings of `synth.audit.PLANTED` (what `itrac demo`
    builds; the invariants above hold for the lake without them).
    """
    end = end or settings.today()
    start = _years_before(end, years) + timedelta(days=1)
    world = World(seed)
    ledger = Ledger(world, start, end)
    chunks = plan_chunks(plan_months(world, start, end, lines, seed))
    counts = dict.fromkeys(TABLES, 0)
    held: dict[str, list[pl.DataFrame]] = {name: [] for name in WRITTEN_ONCE}

    def draw(index: int) -> list[tuple[str, pl.DataFrame]]:
        rng = np.random.default_rng([seed, index])
        entries, rows = draw_chunk(world, chunks[index], rng, ledger)
        return [
            *chunk_tables(world, entries, rows, rng, ledger),
            *chunk_obligations(world, entries, rng, ledger),
        ]

    with lake_store.transaction(Path(lake), fresh=True) as tx, ThreadPoolExecutor(1) as pool:
        tx.rollup_progress = rollup_progress
        upcoming = pool.submit(draw, 0)  # the next chunk is drawn while one is written
        done = 0
        for index, chunk in enumerate(chunks):
            frames = upcoming.result()
            if index + 1 < len(chunks):
                upcoming = pool.submit(draw, index + 1)
            for name, frame in frames:
                if name in WRITTEN_ONCE:
                    held[name].append(frame)
                else:
                    counts[name] += tx.write(name, frame)
            done += sum(m.rows for m in chunk)
            if progress:
                progress(done, lines)
        if plant_findings:  # on copies of the latest chunk's entries
            latest = dict(frames)
            for name, frame in planted.plant(latest["entry_lines"], latest["entry_summaries"]):
                counts[name] += tx.write(name, frame)
        held["bonds"].append(continuous_bonds(ledger))
        for name, parts in held.items():
            counts[name] += tx.write(name, pl.concat([conform(name, p) for p in parts]))
        tx.record(
            file="synthetic demo",
            kind="demo",
            seed=seed,
            lines=lines,
            end=end.isoformat(),
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
    suspended = (etype == ENTRY_TYPES.index("86")) & (day >= days(DE_MINIMIS_SUSPENDED))
    etype = np.where(suspended, ENTRY_TYPES.index("11"), etype)  # de minimis ended: informal
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
    low_value = entries["etype"] == ENTRY_TYPES.index("86")
    per_entry = 1 + rng.poisson(world.lines_per_entry[entries["importer"]] - 1)
    per_entry = np.where(informal, 1 + (rng.random(n) < 0.3), np.minimum(per_entry, 60))
    per_entry = np.where(low_value, 1, per_entry)
    entry = np.repeat(np.arange(n), per_entry)
    product = world.goods.draw(rng, entries["source"][entry])
    country, day = entries["country"][entry], entries["day"][entry]
    lines = {"entry": entry, "product": product, "low_value": low_value[entry]}
    claimed = _claims(world, product, country, day, entries["fta"][entry], rng)
    lines["spi"] = np.where(lines["low_value"], 0, claimed)  # Section 321: nothing to claim
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
    """SPI per line: USMCA on most MX/CA lines, other FTAs and GSP where they save duty,
    each only while in force for the origin (GSP to 2020, AGOA by AGOA_IN_FORCE).

    Lines of entries flagged for an FTA reconciliation claim nothing at entry."""
    spi = world.fta_spi[country]
    agoa = spi == world.spi_codes.index("D")
    in_force = np.zeros(len(day), dtype=bool)
    for first, last in AGOA_IN_FORCE:
        in_force |= (day >= days(first)) & (day <= days(last))
    spi = np.where(agoa & ~(in_force & (day < world.agoa_ended[country])), 0, spi)
    usmca = spi == world.spi_codes.index("S")
    dutiable = world.rate[product] > 0
    chance = np.where(usmca, 0.85, np.where(dutiable, 0.75, 0.1))
    claimed = (spi > 0) & (rng.random(len(spi)) < chance) & ~fta_flagged
    gsp = world.gsp[country] & dutiable & (day < days(GSP_EXPIRED)) & ~fta_flagged
    return np.where(claimed, spi, np.where(gsp, world.spi_codes.index("A"), 0))


def measure_masks(
    world: World, lines: Columns, country: np.ndarray, day: np.ndarray
) -> list[np.ndarray]:
    """For each Chapter 99 measure, the lines it applies to.

    A measure applies by origin, goods and entry date (the registry's); then a line keeps
    it unless the line carries a measure of a program, Section 232 product or number the
    measure yields to, among the measures before it (FILINGS order)."""
    product, spi, low_value = lines["product"], lines["spi"], lines["low_value"]
    usmca = spi == world.spi_codes.index("S")
    carried: dict[str, np.ndarray] = {}
    masks = []
    for m, measure in enumerate(world.measures):
        if len(day) == 0 or day.max() < measure.first or day.min() > measure.last:
            masks.append(np.zeros(len(day), dtype=bool))
            continue
        applies = world.measure_origin[m][country] & world.measure_goods[m][product]
        applies &= (day >= measure.first) & (day <= measure.last) & ~low_value
        if measure.filing.usmca_exempt:
            applies &= ~usmca
        for key in measure.displaced_by:
            if key in carried:
                applies &= ~carried[key]
        for key in {measure.program, measure.product, measure.number} - {""}:
            carried[key] = carried[key] | applies if key in carried else applies
        masks.append(applies)
    return masks


def _trim(
    month: np.ndarray, lines: np.ndarray, targets: list[int], rng: np.random.Generator
) -> np.ndarray:
    """Keep entries, in random order, until each month's lines reach its target.

    An entry is kept when its middle line falls below the target, so the total is off by
    less than half an entry per month, either way."""
    order = np.lexsort((rng.random(len(month)), month))
    middle = np.cumsum(lines[order]) - lines[order] / 2  # lines before the entry's middle
    starts = np.searchsorted(month[order], np.arange(len(targets)))
    before = np.concatenate([[0], np.cumsum(lines[order])])[starts]
    keep = np.zeros(len(month), dtype=bool)
    keep[order] = middle - before[month[order]] < np.asarray(targets)[month[order]]
    return keep
