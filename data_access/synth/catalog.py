"""The demo world of the synthetic generator: importers, brokers, goods and duties.

Plain data, read by `synth`. Companies, importer numbers, filer codes, sureties and
manufacturers are invented; HTS numbers, Chapter 99 numbers, AD/CVD case numbers, ports,
fee limits and trade programmes are real (rates of AD/CVD deposits are illustrative).
Source weights are as of mid-2018, before the Section 301 duties; `synth` shifts China's
weight to each importer's `shift_to` countries as time goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Broker:
    filer_code: str
    name: str


@dataclass(frozen=True)
class Source:
    country: str
    weight: float
    products: tuple[str, ...]


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def sources(table: str) -> tuple[Source, ...]:
    """Sources from "CN 0.55 hts hts ... VN 0.15 hts ...": a country, its weight, its goods."""
    found: list[Source] = []
    for token in table.split():
        if token.isalpha():
            found.append(Source(token, 0.0, ()))
        elif not found[-1].weight:
            found[-1] = Source(found[-1].country, float(token), ())
        else:
            last = found[-1]
            found[-1] = Source(last.country, last.weight, (*last.products, token))
    return tuple(found)


@dataclass(frozen=True)
class Importer:
    importer_number: str
    name: str
    share: float  # share of entry lines
    filer_codes: tuple[str, ...]
    filer_weights: tuple[float, ...]
    sources: tuple[Source, ...]
    shift_to: dict[str, float] = field(default_factory=dict)  # where China's share goes
    entry_types: dict[str, float] = field(default_factory=lambda: {"01": 0.97, "11": 0.03})
    lines_per_entry: float = 3.0
    air_share: float = 0.05
    breakbulk_share: float = 0.05  # vessel shipments that are not containerised
    related: tuple[str, ...] = ()  # countries of related-party suppliers
    surety_code: str = "457"
    stb_share: float = 0.0  # entries on a single-transaction bond
    bond_story: str = ""  # "insufficient_now" | "insufficient_past"
    recon_flags: dict[str, float] = field(default_factory=dict)  # flag type -> weight
    recon_fta: tuple[str, ...] = ()  # origins whose flags are FTA (USMCA) claims
    recon_late: bool = False  # leaves its latest reconciliations unfiled past due


@dataclass(frozen=True)
class Product:
    rate: float  # column 1 general rate, ad valorem (equivalent for specific rates)
    uom: str
    price: float  # USD per unit of measure
    quantity: float  # median quantity per line
    s232: str = ""  # the Section 232 product it falls under (a registry `product`), if any
    adcvd: str = ""  # key of ADCVD_CASES (China only)
    tax: float = 0.0  # excise tax, ad valorem equivalent
    annex2: bool = False  # exempt from the 2025 reciprocal duty (and from Section 122)
    agency: str = "CBP"  # agency most likely to hold it


@dataclass(frozen=True)
class AdCvdOrder:
    """An antidumping order and, where there is one, its countervailing duty order."""

    ad_case: str  # "A-570-106"
    ad_rate: float  # cash deposit rate, ad valorem
    cvd_case: str = ""  # "C-570-107"; empty: no CVD order
    cvd_rate: float = 0.0

    @property
    def cases(self) -> tuple[str, str]:
        return self.ad_case, self.cvd_case


@dataclass(frozen=True)
class Filing:
    """How the demo files one Chapter 99 number of the registry (config/tariff_layers.yaml).

    Rates, dates, origins and `not_with` are the registry's, era by era (no second copy
    here); the demo says on which of its goods it is filed, and the exceptions it models.
    Goods: a Section 232 layer's `product` (Product.s232), else the layer's `hts` prefixes,
    else any goods."""

    number: str  # as the registry writes it: "9903.88.03"
    usmca_exempt: bool = False  # not on lines that claim USMCA (SPI S)
    annex2_exempt: bool = False  # not on annex II goods (Product.annex2)
    displaced_by: tuple[str, ...] = ()  # programs, 232 products or numbers filed instead
    exempt_origins: tuple[str, ...] = ()  # origins exempt (agreements, quotas) ...
    exempt_until: str = ""  # ... until this registry number's last era ends (empty: always)


BROKERS: tuple[Broker, ...] = (
    Broker("WPG", "Westport Global Customs Brokerage"),
    Broker("K47", "Keller & Associates Customs House Brokers"),
    Broker("2R4", "Border Route Customs Brokers"),
    Broker("ND2", "Northern Dispatch Customs Services"),
    Broker("3MV", "Meridian Vantage Logistics"),
    Broker("T8E", "Trident Trade Services"),
    Broker("71C", "Gulfstream Customs & Forwarding"),
)

PRODUCTS: dict[str, Product] = {
    # furniture and home
    "9403608093": Product(0.0, "NO", 150, 120, agency="CPSC", s232="timber"),
    "9401614011": Product(0.0, "NO", 180, 100, agency="CPSC", s232="timber"),
    "9403409060": Product(0.0, "NO", 220, 80, adcvd="cabinets", s232="timber"),
    "9403509045": Product(0.0, "NO", 250, 60, adcvd="bedroom"),
    "9404210013": Product(0.03, "NO", 160, 100, adcvd="mattresses"),
    "9405114010": Product(0.039, "NO", 35, 800, agency="CPSC"),
    "6912004810": Product(0.098, "DPC", 18, 1500, agency="FDA"),
    "7013491000": Product(0.125, "NO", 2.5, 6000),
    "6302600020": Product(0.091, "NO", 3, 8000),
    "4412330670": Product(0.0, "M3", 500, 60, adcvd="plywood"),
    "4407110042": Product(0.0, "M3", 320, 80, s232="timber"),
    # toys, electronics
    "9503000090": Product(0.0, "NO", 8, 4000, agency="CPSC"),
    "9504500000": Product(0.0, "NO", 300, 300),
    "9506910030": Product(0.046, "NO", 120, 200),
    "8528726440": Product(0.039, "NO", 280, 200),
    "8471300100": Product(0.0, "NO", 450, 300, annex2=True),
    "8517130000": Product(0.0, "NO", 350, 500, annex2=True),
    "8517620090": Product(0.0, "KG", 60, 800),
    "8504409510": Product(0.0, "NO", 4, 10000),
    "8544429090": Product(0.026, "NO", 2, 15000),
    "8542310040": Product(0.0, "NO", 400, 500, annex2=True),
    # apparel, footwear, bags
    "6109100012": Product(0.165, "DOZ", 28, 800),
    "6203424511": Product(0.166, "DOZ", 110, 400),
    "6404119020": Product(0.20, "PRS", 16, 3000),
    "4202219000": Product(0.09, "NO", 35, 1500, agency="FWS"),
    "4202923120": Product(0.176, "NO", 9, 5000),
    # vehicle parts
    "8708998180": Product(0.025, "NO", 25, 3000, agency="NHTSA", s232="auto_parts"),
    "8708305090": Product(0.025, "NO", 30, 2000, agency="NHTSA", s232="auto_parts"),
    "8708405000": Product(0.025, "NO", 800, 60, s232="auto_parts"),
    "4011101050": Product(0.04, "NO", 60, 800, adcvd="tires", agency="NHTSA", s232="auto_parts"),
    "8409919990": Product(0.025, "KG", 12, 3000, agency="EPA", s232="auto_parts"),
    "8544300000": Product(0.05, "NO", 45, 1500, s232="auto_parts"),
    "8501314000": Product(0.04, "NO", 35, 2000),
    # steel and aluminum
    "7208510060": Product(0.0, "KG", 0.9, 200_000, s232="steel"),
    "7210490095": Product(0.0, "KG", 1.1, 150_000, s232="steel"),
    "7306305090": Product(0.0, "KG", 1.2, 80_000, s232="steel", adcvd="pipe"),
    "7317005503": Product(0.0, "KG", 1.6, 40_000, adcvd="nails"),
    "7604291090": Product(0.05, "KG", 4, 30_000, s232="aluminum", adcvd="extrusions"),
    "7407105050": Product(0.01, "KG", 10, 20_000, s232="copper"),
    "7304291010": Product(0.0, "KG", 1.5, 100_000, s232="steel", adcvd="octg"),
    # food and drink
    "0804400040": Product(0.045, "KG", 2.5, 18_000, agency="USDA"),
    "0702002066": Product(0.028, "KG", 1.4, 20_000, agency="USDA"),
    "0901110025": Product(0.0, "KG", 5.5, 19_000, agency="FDA"),
    "0306170010": Product(0.0, "KG", 9, 18_000, agency="FDA"),
    "0304620020": Product(0.0, "KG", 3, 20_000, agency="FDA"),
    "0409000035": Product(0.006, "KG", 3, 20_000, adcvd="honey", agency="FDA"),
    "2204215040": Product(0.012, "L", 5, 9000, tax=0.05, agency="FDA"),
    "2208905000": Product(0.0, "PFL", 18, 4000, tax=0.2, agency="FDA"),
    "2203000030": Product(0.0, "L", 1.8, 30_000, tax=0.08, agency="FDA"),
    # pharmaceuticals, cosmetics, medical devices
    "3004909291": Product(0.0, "KG", 900, 200, annex2=True, agency="FDA"),
    "3002150011": Product(0.0, "KG", 20_000, 5, annex2=True, agency="FDA"),
    "2941101000": Product(0.0, "KG", 60, 2000, annex2=True, agency="FDA"),
    "3304995000": Product(0.0, "KG", 40, 2000, agency="FDA"),
    "9018390050": Product(0.0, "NO", 12, 8000, agency="FDA"),
    "9018908000": Product(0.0, "NO", 150, 400, agency="FDA"),
    "9021100050": Product(0.0, "NO", 60, 1000, agency="FDA"),
    # outdoor, energy equipment
    "8712001550": Product(0.11, "NO", 120, 300, agency="CPSC"),
    "6306229030": Product(0.088, "KG", 9, 5000),
    "8413702004": Product(0.0, "NO", 1200, 40),
    "8431438060": Product(0.0, "NO", 300, 300),
}

# AD/CVD orders on goods of China.
ADCVD_CASES: dict[str, AdCvdOrder] = {
    "cabinets": AdCvdOrder("A-570-106", 0.4855, "C-570-107", 0.1330),
    "bedroom": AdCvdOrder("A-570-890", 0.4175),
    "mattresses": AdCvdOrder("A-570-092", 0.5703),
    "plywood": AdCvdOrder("A-570-051", 0.5736, "C-570-052", 0.2298),
    "tires": AdCvdOrder("A-570-016", 0.1435, "C-570-017", 0.2073),
    "pipe": AdCvdOrder("A-570-910", 0.6920, "C-570-911", 0.4050),
    "nails": AdCvdOrder("A-570-909", 0.3200),
    "extrusions": AdCvdOrder("A-570-967", 0.3279, "C-570-968", 0.0886),
    "octg": AdCvdOrder("A-570-943", 0.3238, "C-570-944", 0.1524),
    "honey": AdCvdOrder("A-570-863", 1.2000),
}

# Origins whose steel or aluminum paid no Section 232 duty before 2025-03-12 (quota or
# agreement; the date is the end of the registry's quota numbers, 9903.80.05-.62).
_STEEL_DEALS = ("CA", "MX", "AU", "AR", "BR", "KR")
_ALUMINUM_DEALS = ("CA", "MX", "AU", "AR")
_AUTOS = ("autos", "auto_parts")  # EO 14289: 232 autos first, then IEEPA CA/MX, then metals

# The ordinal order on a line follows this tuple. Not filed: registry ranges whose rate
# varies by country or product (country-specific reciprocal 9903.02.xx, the rest of timber
# 9903.76.xx), for want of a rate; the demo has no vehicles (9903.94.01), trucks
# (9903.74.xx). From 2025-10-14 its pine lumber carries 9903.76.01 (10%), its upholstered
# furniture and cabinets 9903.76.02/.03 (25%) (Proclamation 10976).
FILINGS: tuple[Filing, ...] = (
    Filing("9903.88.01"),
    Filing("9903.88.02"),
    Filing("9903.88.03"),
    Filing("9903.88.15"),
    Filing("9903.94.05", usmca_exempt=True),  # auto parts; USMCA-qualifying parts exempt
    Filing("9903.01.20"),
    Filing("9903.01.24"),
    Filing("9903.01.01", usmca_exempt=True, displaced_by=_AUTOS),
    Filing("9903.01.10", usmca_exempt=True, displaced_by=_AUTOS),
    Filing(
        "9903.80.01", displaced_by=_AUTOS, exempt_origins=_STEEL_DEALS, exempt_until="9903.80.05"
    ),
    Filing("9903.85.01", displaced_by=_AUTOS, exempt_origins=_ALUMINUM_DEALS),
    Filing("9903.85.02", displaced_by=_AUTOS),
    Filing("9903.78.01"),
    Filing("9903.76.01"),
    Filing("9903.76.02"),
    Filing("9903.76.03"),
    Filing("9903.01.63", annex2_exempt=True, displaced_by=("section_232",)),
    Filing("9903.01.25", annex2_exempt=True, displaced_by=("9903.01.63",)),
    Filing("9903.03.01", annex2_exempt=True, usmca_exempt=True),
)

# Fees (the MPF rate, its fiscal-year limits and the programmes exempt from it, the HMF
# rate) are the audit's rules file, config/audit_rules.yaml: no second copy here
# (`synth.world.World` reads them), so the demo charges what the audit judges against.

# Trade programmes: origin -> SPI; claims exempt the line from duty (and MPF where listed).
FTA_SPI: dict[str, str] = dict(
    pair.split(":")  # type: ignore[misc]
    for pair in words(
        "MX:S CA:S KR:KR AU:AU SG:SG CL:CL CO:CO PE:PE IL:IL MA:MA JO:JO BH:BH OM:OM "
        "GT:P HN:P SV:P CR:P NI:P DO:P KE:D ET:D"
    )
)
GSP_COUNTRIES = words("IN TH ID PH BR TR EC AR")
GSP_EXPIRED = date(2021, 1, 1)
# AGOA (SPI D) in force: lapsed 2025-10-01, renewed in 2026-02 through 2026-12-31 (CSMS
# 67647279; the day in February is not confirmed: claims resume on the 1st); Ethiopia lost
# eligibility on 2022-01-01. Days are entry dates, both included.
AGOA_IN_FORCE: tuple[tuple[date, date], ...] = (
    (date(2000, 10, 1), date(2025, 9, 30)),
    (date(2026, 2, 1), date(2026, 12, 31)),
)
AGOA_ENDED: dict[str, date] = {"ET": date(2022, 1, 1)}  # origin -> first day without AGOA
# De minimis (Section 321, entry type 86) suspended for all countries from 2025-08-29 (EO
# 14324): such shipments are filed as informal entries (11) from that day.
DE_MINIMIS_SUSPENDED = date(2025, 8, 29)
DE_MINIMIS_LIMIT = 800  # USD a shipment

ENTRY_TYPES = ("01", "03", "06", "11", "21", "23", "86")

# fmt: off
# Ports of entry by gateway, with weights; modes by gateway kind.
LAND_MX = {"2304": 0.5, "2402": 0.18, "2506": 0.17, "2604": 0.15}
LAND_CA = {"3801": 0.4, "3802": 0.2, "0712": 0.1, "0901": 0.2, "3004": 0.1}
AIRPORTS = {"2720": 0.33, "1012": 0.3, "3901": 0.15, "1704": 0.12, "5501": 0.1}
SEA_ASIA = {"2704": 0.3, "2709": 0.34, "2811": 0.1, "3001": 0.1, "2809": 0.04, "1001": 0.06,
            "1703": 0.06}
SEA_EUROPE = {"1001": 0.33, "1303": 0.1, "1401": 0.14, "1601": 0.1, "1703": 0.15,
              "5301": 0.1, "0101": 0.04, "4101": 0.04}
SEA_AMERICAS = {"5203": 0.2, "5201": 0.1, "1801": 0.1, "5301": 0.2, "1703": 0.15,
                "1001": 0.15, "2709": 0.1}
ASIA_PACIFIC = words("CN HK VN TW KR JP IN BD KH MY TH ID PH SG AU NZ")
AMERICAS = words("CO BR CL PE EC GT HN SV CR NI DO AR")
LAND_MODES = {"31": 0.6, "30": 0.28, "21": 0.08, "20": 0.04}
AIR_MODES = {"40": 0.8, "41": 0.2}
# fmt: on

# Carriers by mode kind: (code, bill-of-lading prefix: the SCAC, or the airline's prefix).
_SCACS = {
    "vessel": "MAEU MSCU CMDU COSU EGLV HLCU ONEY YMLU HDMU ZIMU",
    "truck": "SWFT JBHT SNDR WERN CRSE ODFL",
    "rail": "BNSF UP CN CPRS KCSM FXE",
}
CARRIERS: dict[str, tuple[tuple[str, str], ...]] = {
    **{kind: tuple((c, c) for c in words(scacs)) for kind, scacs in _SCACS.items()},
    "air": tuple(
        tuple(pair.split(":"))  # type: ignore[misc]
        for pair in words("CX:160 KE:180 LH:020 FX:023 5X:406 AA:001 BR:695 CI:297 EK:176 QR:157")
    ),
}

# Manufacturer-ID parts: supplier name words, and cities (Canada: province MID prefix).
MID_WORDS = words(
    "GOLDEN SUNRISE PACIFIC GREAT ORIENT EVERWIN NEWLAND GLOBAL UNITED ROYAL SILVER BRIGHT "
    "STAR OCEAN EAGLE LOTUS MAPLE AZTECA ANDES NORDIC ALPINE HARVEST"
)
MID_TRADES = words(
    "TEXTILE FURNITURE INDUSTRIAL ELECTRONICS TRADING METAL FOODS PRODUCTS HOME GARMENT "
    "PHARMA PRECISION PLASTICS"
)
CITIES: dict[str, tuple[str, ...]] = {
    line.split(":")[0]: tuple(line.split(":")[1].split(","))
    for line in words(
        "CN:SHENZHEN,NINGBO,DONGGUAN,XIAMEN,QINGDAO,FOSHAN VN:HOCHIMINH,HANOI,HAIPHONG,BINHDUONG "
        "MX:MONTERREY,TIJUANA,JUAREZ,GUADALAJARA,SALTILLO XO:TORONTO,WINDSOR,MISSISSAUGA "
        "XQ:MONTREAL,LAVAL XC:VANCOUVER,SURREY IN:MUMBAI,CHENNAI,TIRUPUR,HYDERABAD "
        "BD:DHAKA,CHITTAGONG KH:PHNOMPENH TW:TAIPEI,TAICHUNG KR:BUSAN,SEOUL JP:NAGOYA,OSAKA "
        "DE:STUTTGART,MUNICH,HAMBURG IT:MILAN,FLORENCE FR:BORDEAUX,LYON ES:VALENCIA "
        "IE:CORK,DUBLIN CH:BASEL IL:HAIFA GB:LONDON TR:ISTANBUL,IZMIR BR:SANTOS,VITORIA "
        "CO:MEDELLIN CL:SANTIAGO EC:GUAYAQUIL GT:GUATEMALA KE:NAIROBI ET:ADDISABABA "
        "AR:ROSARIO MY:PENANG PT:PORTO AU:ADELAIDE CR:HEREDIA"
    )
}

# fmt: off
IMPORTERS: tuple[Importer, ...] = (
    Importer(
        "27-4418529AB", "Summit Ridge Retail Inc.", 0.32, ("WPG", "K47"), (0.7, 0.3),
        sources("""
            CN 0.36 9403608093 9401614011 9403409060 9403509045 9404210013 9405114010
                    6912004810 7013491000 9503000090 9504500000 9506910030 8528726440
                    4202923120 6109100012 4412330670
            VN 0.02 9403608093 9401614011 9403509045 6109100012 6203424511 6404119020 4202923120
            MX 0.10 8528726440 9403608093 9404210013
            CA 0.10 9403608093 9401614011 9404210013 4407110042
            IN 0.14 6302600020 6109100012 6912004810
            BD 0.06 6109100012 6203424511
            TW 0.08 9506910030 8504409510
            IT 0.03 6912004810 7013491000
            TR 0.03 6302600020 7013491000
        """),
        shift_to={"VN": 0.55, "MX": 0.25, "IN": 0.2},
        entry_types={"01": 0.91, "06": 0.04, "11": 0.02, "21": 0.01, "86": 0.02},
        lines_per_entry=7, air_share=0.03, surety_code="457", bond_story="insufficient_now",
    ),
    Importer(
        "38-2847105AA", "Great Lakes Auto Components LLC", 0.14, ("2R4", "ND2"), (0.6, 0.4),
        sources("""
            MX 0.38 8708998180 8708305090 8708405000 8544300000 8501314000 8409919990
            CA 0.33 8708998180 8708405000 8409919990 4011101050
            CN 0.12 8708305090 4011101050 8501314000 8708998180
            JP 0.06 8708405000 8501314000
            DE 0.06 8708405000 8409919990
            KR 0.06 4011101050 8544300000
        """),
        shift_to={"MX": 1.0}, entry_types={"01": 0.96, "06": 0.03, "11": 0.01},
        lines_per_entry=10, air_share=0.02, related=("MX", "CA", "DE"), surety_code="161",
        recon_flags={"001": 0.9, "004": 0.1}, recon_fta=("MX", "CA"),
    ),
    Importer(
        "94-3318240AC", "Coastal Electronics Distribution Corp.", 0.11, ("3MV", "WPG"), (0.6, 0.4),
        sources("""
            CN 0.30 8471300100 8517130000 8517620090 8504409510 8544429090 8542310040 8528726440
            TW 0.18 8542310040 8517620090 8471300100
            MX 0.20 8528726440 8471300100 8504409510
            VN 0.02 8517130000 8471300100 8504409510
            MY 0.10 8542310040 8504409510
            KR 0.07 8528726440 8542310040
            CA 0.10 8517620090 8504409510
        """),
        shift_to={"VN": 0.5, "MX": 0.3, "TW": 0.2},
        entry_types={"01": 0.87, "06": 0.06, "11": 0.03, "86": 0.04},
        lines_per_entry=4, air_share=0.7, surety_code="736",
    ),
    Importer(
        "13-3907724AD", "Evergreen Apparel Group Inc.", 0.09, ("K47", "71C"), (0.5, 0.5),
        sources("""
            CN 0.45 6109100012 6203424511 6404119020 4202219000 4202923120
            VN 0.10 6109100012 6203424511 6404119020 4202923120
            BD 0.12 6109100012 6203424511
            IN 0.08 6109100012 4202219000
            KH 0.06 6109100012 6404119020
            GT 0.06 6109100012 6203424511
            KE 0.03 6109100012
            IT 0.05 4202219000 6404119020
        """),
        shift_to={"VN": 0.6, "BD": 0.2, "KH": 0.2},
        lines_per_entry=6, air_share=0.08, surety_code="283",
    ),
    Importer(
        "74-2650319AE", "Blue Mesa Foods Inc.", 0.07, ("2R4", "71C"), (0.5, 0.5),
        sources("""
            MX 0.45 0804400040 0702002066 2208905000 2203000030
            CO 0.10 0901110025
            BR 0.08 0901110025
            VN 0.03 0306170010 0304620020
            IN 0.06 0306170010
            EC 0.06 0306170010
            CL 0.06 2204215040
            CN 0.04 0409000035
            AR 0.04 0409000035
            ET 0.04 0901110025
        """),
        shift_to={"MX": 0.5, "VN": 0.5}, entry_types={"01": 0.98, "11": 0.02},
        lines_per_entry=2.5, air_share=0.05, surety_code="161",
    ),
    Importer(
        "76-0492871AF", "Harbor Steel & Metals Inc.", 0.06, ("T8E",), (1.0,),
        sources("""
            CN 0.16 7208510060 7210490095 7306305090 7317005503 7604291090
            KR 0.20 7208510060 7210490095 7306305090
            BR 0.12 7208510060
            TR 0.10 7210490095 7306305090
            VN 0.02 7210490095 7317005503
            CA 0.22 7604291090 7208510060 7407105050
            MX 0.08 7306305090 7210490095 7407105050
            IN 0.05 7604291090 7317005503
        """),
        shift_to={"VN": 0.5, "TR": 0.3, "MX": 0.2}, entry_types={"01": 1.0},
        lines_per_entry=2, air_share=0.0, breakbulk_share=0.7, surety_code="457",
        bond_story="insufficient_past",
    ),
    Importer(
        "22-3571806AG", "Northwind Pharma Supply Co.", 0.05, ("3MV",), (1.0,),
        sources("""
            IE 0.25 3004909291 3002150011
            DE 0.20 3004909291 3002150011 2941101000
            IN 0.20 3004909291 2941101000
            CH 0.15 3004909291 3002150011
            IL 0.08 3004909291
            FR 0.07 3304995000
            KR 0.05 3304995000
        """),
        lines_per_entry=3, air_share=0.57, related=("IE", "DE", "CH"), surety_code="736",
        recon_flags={"001": 0.7, "002": 0.1, "004": 0.2},
    ),
    Importer(
        "91-1847263AH", "Cascade Outdoor Gear Co.", 0.04, ("WPG", "ND2"), (0.5, 0.5),
        sources("""
            CN 0.50 8712001550 6306229030 9506910030 4202923120
            TW 0.20 8712001550 9506910030
            VN 0.05 6306229030 4202923120 6404119020
            CA 0.15 6306229030 9506910030
        """),
        shift_to={"VN": 0.7, "TW": 0.3}, entry_types={"01": 0.94, "11": 0.03, "86": 0.03},
        lines_per_entry=5, air_share=0.05, surety_code="283",
    ),
    Importer(
        "75-2981634AJ", "Lone Star Energy Equipment LP", 0.035, ("T8E", "71C"), (0.6, 0.4),
        sources("""
            CN 0.30 7304291010 8413702004 8431438060
            MX 0.20 8413702004 8431438060
            CA 0.25 8431438060 7304291010
            KR 0.15 7304291010
            DE 0.10 8413702004
            IN 0.10 7304291010
        """),
        shift_to={"MX": 0.6, "IN": 0.4}, entry_types={"01": 0.9, "23": 0.05, "11": 0.05},
        lines_per_entry=3, air_share=0.1, breakbulk_share=0.3, surety_code="161",
    ),
    Importer(
        "58-1749306AK", "Magnolia Home Decor LLC", 0.03, ("K47", "71C"), (0.5, 0.5),
        sources("""
            CN 0.45 6912004810 7013491000 9405114010 6302600020
            IN 0.20 6302600020 6912004810
            VN 0.04 9405114010 6912004810
            MX 0.10 6912004810 7013491000
            PT 0.05 6912004810
            IT 0.05 7013491000
        """),
        shift_to={"VN": 0.5, "MX": 0.3, "IN": 0.2}, entry_types={"01": 0.95, "11": 0.05},
        lines_per_entry=4, air_share=0.02, surety_code="283", stb_share=0.2,
    ),
    Importer(
        "23-2790518AL", "Keystone Medical Devices Inc.", 0.025, ("3MV", "2R4"), (0.5, 0.5),
        sources("""
            MX 0.35 9018390050 9018908000 9021100050
            IE 0.20 9018908000 9021100050
            CR 0.15 9018390050 9018908000
            DE 0.10 9018908000
            IL 0.10 9018390050
            CN 0.10 9018390050 9018908000
        """),
        shift_to={"MX": 1.0}, entry_types={"01": 0.95, "11": 0.05},
        lines_per_entry=3, air_share=0.4, related=("MX", "CR"), surety_code="736",
        recon_flags={"003": 0.55, "005": 0.3, "006": 0.05, "007": 0.1}, recon_late=True,
    ),
    Importer(
        "84-1639027AM", "Prairie Wine & Spirits Imports LLC", 0.02, ("71C", "T8E"), (0.6, 0.4),
        sources("""
            FR 0.30 2204215040
            IT 0.25 2204215040
            ES 0.10 2204215040
            AU 0.10 2204215040
            CL 0.05 2204215040
            MX 0.20 2208905000 2203000030
        """),
        entry_types={"01": 0.7, "21": 0.3}, lines_per_entry=3, air_share=0.0, surety_code="457",
    ),
    Importer(
        "88-0716245AN", "Atlas Event Productions LLC", 0.01, ("WPG", "ND2"), (0.5, 0.5),
        sources("""
            DE 0.30 8528726440 9405114010 8517620090
            GB 0.20 8528726440 9405114010 8517620090
            JP 0.20 8528726440 8517620090
            CN 0.30 9405114010 9403608093 8528726440
        """),
        entry_types={"23": 0.7, "01": 0.3}, lines_per_entry=3, air_share=0.4, surety_code="161",
    ),
)
# fmt: on
