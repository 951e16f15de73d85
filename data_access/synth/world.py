"""The demo catalog as numpy arrays, and the vocabularies the tables are coded against.

`World` turns `synth.catalog` into arrays indexed by small integers (importer, source,
product, country, port, measure...), so a chunk of entries is a few integer arrays until
its frames are built. `Categorical` draws from one distribution per group at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from data_access import audit_rules, codes, tariff_layers
from data_access.synth.catalog import (
    ADCVD_CASES,
    AGOA_ENDED,
    AIR_MODES,
    AIRPORTS,
    AMERICAS,
    ASIA_PACIFIC,
    BROKERS,
    CARRIERS,
    CITIES,
    ENTRY_TYPES,
    FILINGS,
    FTA_SPI,
    GSP_COUNTRIES,
    IMPORTERS,
    LAND_CA,
    LAND_MODES,
    LAND_MX,
    MID_TRADES,
    MID_WORDS,
    PRODUCTS,
    SEA_AMERICAS,
    SEA_ASIA,
    SEA_EUROPE,
    AdCvdOrder,
    Filing,
    Importer,
    Product,
)

Columns = dict[str, np.ndarray]  # a chunk's entries (or lines), one array per attribute
EPOCH = date(1970, 1, 1)
FLAG_TYPES = tuple(codes.RECON_FLAGS)
MODES = tuple(codes.MODES_OF_TRANSPORT)
KINDS = ("vessel", "air", "truck", "rail")
GATEWAYS = (LAND_MX, LAND_CA, AIRPORTS, SEA_ASIA, SEA_EUROPE, SEA_AMERICAS)
FILERS = [b.filer_code for b in BROKERS]
SURETIES = sorted({i.surety_code for i in IMPORTERS})
BOND_TYPES = ("0", "8", "9")
NO_ORDER = AdCvdOrder("", 0.0)  # goods under no AD/CVD order
CASES = [None, *sorted({c for order in ADCVD_CASES.values() for c in order.cases if c})]
# China's source weight, relative to the catalog's (mid-2018), on dates in between which it
# moves linearly: after China's share of U.S. goods imports (Census: about 21% in 2018, 18%
# in 2019-2021, 14% in 2023, 13% in 2024, 9-10% in 2025). What China loses goes to each
# importer's `shift_to` countries.
CHINA_KEPT: tuple[tuple[date, float], ...] = (
    (date(2018, 7, 1), 1.0),
    (date(2019, 12, 31), 0.86),
    (date(2021, 12, 31), 0.82),
    (date(2023, 12, 31), 0.66),
    (date(2024, 12, 31), 0.62),
    (date(2025, 12, 31), 0.44),
    (date(2026, 12, 31), 0.42),
)


def china_kept(day: date) -> float:
    """China's weight at `day` relative to the catalog's (CHINA_KEPT, held at its ends)."""
    points = [days(d) for d, _ in CHINA_KEPT]
    return float(np.interp(days(day), points, [k for _, k in CHINA_KEPT]))


def days(day: date) -> int:
    return (day - EPOCH).days


@dataclass(frozen=True)
class Measure:
    """One era of a filed Chapter 99 number: its rate and days from the registry."""

    hts: str  # the number as filed, 10 digits
    number: str  # the registry's 8 digits
    program: str
    product: str  # the Section 232 product, or ""
    rate: float  # a fraction of the goods value
    first: int  # days since 1970, both included
    last: int
    origins: np.ndarray  # per country code: covered
    hts_prefixes: tuple[str, ...]
    filing: Filing
    displaced_by: tuple[str, ...]  # the filing's, and the registry's not_with

    def covers(self, hts: str, product: Product) -> bool:
        if self.filing.annex2_exempt and product.annex2:
            return False
        if self.product and product.s232 != self.product:
            return False
        return not self.hts_prefixes or hts.startswith(self.hts_prefixes)


def demo_measures(registry: tariff_layers.Registry, countries: np.ndarray) -> list[Measure]:
    """The eras of every filing of FILINGS, from the registry (ValueError: not in it)."""
    measures = []
    for filing in FILINGS:
        eras = [
            layer
            for layer in registry.layers_of(filing.number)
            if layer.kind == "duty" and layer.rate is not None
        ]
        if not eras:
            raise ValueError(f"demo filing {filing.number}: the registry has no rate for it")
        exempt_until = max(
            (layer.effective_to or date.max for layer in registry.layers_of(filing.exempt_until)),
            default=date.max,
        )
        for layer in eras:
            last_day = layer.effective_to or date.max
            spans = _spans(layer.effective_from, last_day, filing, exempt_until)
            for first, last, exempting in spans:
                origins = np.isin(countries, layer.countries) | (not layer.countries)
                origins &= ~np.isin(countries, layer.except_countries)
                if exempting:
                    origins &= ~np.isin(countries, filing.exempt_origins)
                measures.append(
                    Measure(
                        hts=layer.number + "00",
                        number=layer.number,
                        program=layer.program,
                        product=layer.product or "",
                        rate=layer.rate / 100,
                        first=days(first),
                        last=days(last),
                        origins=origins,
                        hts_prefixes=layer.hts,
                        filing=filing,
                        displaced_by=tuple(
                            tariff_layers.normalize_number(k) if k.startswith("9903") else k
                            for k in (*filing.displaced_by, *layer.not_with)
                        ),
                    )
                )
    return measures


def _spans(
    first: date, last: date, filing: Filing, exempt_until: date
) -> list[tuple[date, date, bool]]:
    """[first, last] cut where the filing's exempt origins start paying: (from, to, exempt)."""
    if not filing.exempt_origins:
        return [(first, last, False)]
    spans = []
    if first <= exempt_until:
        spans.append((first, min(last, exempt_until), True))
    if last > exempt_until:
        spans.append((max(first, exempt_until + timedelta(days=1)), last, False))
    return spans


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
        """A value for each row of `groups` (or `size` rows of one group)."""
        groups = np.full(size, groups) if np.isscalar(groups) else np.asarray(groups)
        flat = np.searchsorted(self.edges, groups + rng.random(len(groups)), side="right")
        return self.values[np.minimum(flat, self.last[groups])]


def _indexed(weights: dict[str, float], vocabulary: Sequence[str]) -> dict[int, float]:
    return {list(vocabulary).index(k): w for k, w in weights.items()}


def _of(items: Sequence[object], name: str, dtype: type = float) -> np.ndarray:
    return np.array([getattr(item, name) for item in items], dtype=dtype)


class World:
    """The catalog as arrays, plus the draws that stay the same for the whole lake."""

    def __init__(self, seed: int) -> None:
        imps, goods = IMPORTERS, list(PRODUCTS.values())
        self.country_codes = np.array(sorted({s.country for i in imps for s in i.sources}))
        country = {str(c): n for n, c in enumerate(self.country_codes)}
        self.cn = country["CN"]
        # goods
        self.products = list(PRODUCTS)
        self.rate, self.tax = _of(goods, "rate"), _of(goods, "tax")
        self.price, self.quantity = _of(goods, "price"), _of(goods, "quantity")
        self.uoms = sorted({p.uom for p in goods})
        self.uom = np.array([self.uoms.index(p.uom) for p in goods])
        self.counted = np.isin([p.uom for p in goods], ("NO", "DOZ", "PRS", "DPC"))
        self.adcvd = np.array([bool(p.adcvd) for p in goods])
        orders = [ADCVD_CASES.get(p.adcvd, NO_ORDER) for p in goods]
        self.add_rate = np.array([o.ad_rate for o in orders])
        self.cvd_rate = np.array([o.cvd_rate for o in orders])
        self.adcvd_case = np.array([[CASES.index(c or None) for c in o.cases] for o in orders])
        self.agency = np.array([list(codes.HOLD_AGENCIES).index(p.agency) for p in goods])
        self.watched = np.isin([p.agency for p in goods], ("FDA", "USDA"))
        # importers and their sources
        sources = [(n, s) for n, imp in enumerate(imps) for s in imp.sources]
        self.source_importer = np.array([n for n, _ in sources])
        self.source_country = np.array([country[s.country] for _, s in sources])
        self.source_related = np.array([s.country in imps[n].related for n, s in sources])
        self.first_source = np.searchsorted(self.source_importer, np.arange(len(imps)))
        self.goods = Categorical(
            [{self.products.index(h): 1.0 for h in s.products} for _, s in sources]
        )
        self.entry_types = Categorical([_indexed(i.entry_types, ENTRY_TYPES) for i in imps])
        self.filers = Categorical(
            [_indexed(dict(zip(i.filer_codes, i.filer_weights, strict=True)), FILERS)
             for i in imps]
        )  # fmt: skip
        self.recon = Categorical([_indexed(i.recon_flags or {"001": 1}, FLAG_TYPES) for i in imps])
        self.share, self.lines_per_entry = _of(imps, "share"), _of(imps, "lines_per_entry")
        self.air_share, self.breakbulk_share = _of(imps, "air_share"), _of(imps, "breakbulk_share")
        self.stb_share = _of(imps, "stb_share")
        self.flags_entries = np.array([bool(i.recon_flags) for i in imps])
        self.recon_late = _of(imps, "recon_late", bool)
        self.surety = np.array([SURETIES.index(i.surety_code) for i in imps])
        self.fta_origin = np.array([np.isin(self.country_codes, i.recon_fta) for i in imps])
        # trade programmes and fees
        self.spi_codes = ["", *sorted(set(FTA_SPI.values()) | {"A"})]
        self.fta_spi = np.array([self.spi_codes.index(FTA_SPI.get(c, "")) for c in country])
        self.gsp = np.isin(self.country_codes, GSP_COUNTRIES)
        self.agoa_ended = np.array([days(AGOA_ENDED.get(str(c), date.max)) for c in country])
        self._fees(audit_rules.load())
        self._measures()
        self._logistics()
        self._manufacturers(np.random.default_rng([seed, 1_000_000]), [s for _, s in sources])

    def _fees(self, rules: audit_rules.AuditRules) -> None:
        """The audit's fee table: MPF per million of value, each fiscal year's first day and
        its limits in cents (formal minimum, maximum, informal fee), the programmes exempt
        from MPF; HMF per 100,000 of value."""
        years = rules.mpf.fiscal_years
        self.mpf_per_million = round(rules.mpf.rate_percent * 10_000)
        self.mpf_start = np.array([days(y.starts) for y in years])
        limits = [(y.minimum, y.maximum, y.informal) for y in years]
        self.mpf_limits = np.rint(np.array(limits) * 100).astype(np.int64)
        self.mpf_exempt_spi = list(rules.mpf.exempt_spi)
        self.hmf_per_100k = round(rules.hmf.rate_percent * 1_000)

    def _measures(self) -> None:
        """Per Chapter 99 measure (an era of a filed registry number): its HTS index, rate,
        dates, the origins and goods it covers, and what it yields to on a line."""
        self.measures = demo_measures(tariff_layers.load(), self.country_codes)
        self.hts = self.products + sorted({m.hts for m in self.measures})
        self.measure_hts = np.array([self.hts.index(m.hts) for m in self.measures], dtype=np.int64)
        self.measure_rate = np.array([m.rate for m in self.measures])
        self.measure_days = np.array([(m.first, m.last) for m in self.measures], dtype=np.int64)
        self.measure_origin = np.array([m.origins for m in self.measures])
        goods = list(PRODUCTS.items())
        self.measure_goods = np.array([
            [m.covers(hts, product) for hts, product in goods] for m in self.measures
        ])  # fmt: skip

    def _logistics(self) -> None:
        self.ports = sorted(codes.PORTS)
        self.gateways = Categorical([_indexed(g, self.ports) for g in GATEWAYS])
        code = self.country_codes
        asia, americas = np.isin(code, ASIA_PACIFIC), np.isin(code, AMERICAS)
        self.sea_gateway = np.where(asia, 3, np.where(americas, 5, 4))
        self.land_modes = Categorical([_indexed(LAND_MODES, MODES)])
        self.air_modes = Categorical([_indexed(AIR_MODES, MODES)])
        self.carrier_codes = [c for k in KINDS for c, _ in CARRIERS[k]]
        self.bill_prefixes = [p for k in KINDS for _, p in CARRIERS[k]]
        sizes = np.array([len(CARRIERS[k]) for k in KINDS])
        self.carrier_first, self.carrier_count = np.cumsum(sizes) - sizes, sizes

    def _manufacturers(self, rng: np.random.Generator, sources: list) -> None:
        """A few suppliers per importer and origin, as CBP manufacturer IDs."""
        mids, counts = [], []
        for source in sources:
            counts.append(int(rng.integers(2, 7)))
            for _ in range(counts[-1]):
                prefix = (
                    str(rng.choice(["XO", "XQ", "XC"]))
                    if source.country == "CA"
                    else source.country
                )
                city = str(rng.choice(CITIES.get(prefix, ("CITY",))))
                word, trade = rng.choice(MID_WORDS), rng.choice(MID_TRADES)
                mids.append(f"{prefix}{word[:3]}{trade[:3]}{rng.integers(1, 10_000)}{city[:3]}")
        self.mids = mids
        self.mid_count = np.array(counts)
        self.mid_first = np.cumsum(self.mid_count) - self.mid_count

    def source_weights(self, importer: Importer, day: date) -> list[float]:
        """The importer's source mix at `day`: China's share decays into `shift_to`."""
        keep = china_kept(day)
        lost = sum(s.weight for s in importer.sources if s.country == "CN") * (1 - keep)
        total = sum(importer.shift_to.values()) or 1.0
        return [
            s.weight * keep if s.country == "CN"
            else s.weight + lost * importer.shift_to.get(s.country, 0.0) / total
            for s in importer.sources
        ]  # fmt: skip
