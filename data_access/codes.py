"""Code lists with descriptions, the entry-number check digit, and format checks.

The lists are the ones of DOMAIN.md plus small curated extracts of the official HTS and
Schedule D lists (the full lists load from files a user supplies: `load_hts_csv`,
`load_ports_csv`). Country names come from pycountry (ISO 3166), not a hand-typed table.
"""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from pathlib import Path

import polars as pl
import pycountry

ENTRY_TYPES: dict[str, str] = {
    "01": "Consumption - free and dutiable",
    "02": "Consumption - quota/visa",
    "03": "Consumption - antidumping/countervailing duty",
    "04": "Appraisement",
    "05": "Vessel repair",
    "06": "Consumption - foreign trade zone (FTZ)",
    "07": "Consumption - AD/CVD and quota/visa",
    "08": "Duty deferral",
    "09": "Reconciliation summary",
    "11": "Informal - free and dutiable",
    "12": "Informal - quota/visa",
    "13": "Informal - mail",
    "21": "Warehouse",
    "22": "Re-warehouse",
    "23": "Temporary importation bond (TIB)",
    "24": "Trade fair",
    "25": "Permanent exhibition",
    "26": "Warehouse - FTZ admission",
    "31": "Warehouse withdrawal - consumption",
    "32": "Warehouse withdrawal - quota",
    "33": "Aircraft and vessel supply",
    "34": "Warehouse withdrawal - AD/CVD",
    "35": "Aircraft and vessel supply - AD/CVD",
    "36": "Warehouse withdrawal - IT/TE",
    "37": "Warehouse withdrawal - transportation and exportation",
    "38": "Warehouse withdrawal - quota and AD/CVD",
    "41": "Direct identification manufacturing drawback",
    "42": "Direct identification unused merchandise drawback",
    "43": "Rejected merchandise drawback",
    "44": "Substitution manufacturing drawback",
    "45": "Substitution unused merchandise drawback",
    "46": "Other drawback",
    "47": "Drawback - TFTEA",
    "51": "Government - DCASR",
    "52": "Government - dutiable",
    "61": "Immediate transportation (IT)",
    "62": "Transportation and exportation (T&E)",
    "63": "Immediate exportation (IE)",
    "64": "Barge movement",
    "65": "Permit to proceed",
    "66": "Baggage",
    "86": "Section 321 low value",
}

MODES_OF_TRANSPORT: dict[str, str] = {
    "10": "Vessel, non-container",
    "11": "Vessel, container",
    "12": "Border, waterborne",
    "20": "Rail, non-container",
    "21": "Rail, container",
    "30": "Truck, non-container",
    "31": "Truck, container",
    "32": "Auto",
    "33": "Pedestrian",
    "34": "Road, other",
    "40": "Air, non-container",
    "41": "Air, container",
    "50": "Mail",
    "60": "Passenger, hand-carried",
    "70": "Fixed transport installation (pipeline)",
}

BOND_TYPES: dict[str, str] = {"0": "No bond", "8": "Continuous", "9": "Single transaction"}

SURETY_SPECIAL: dict[str, str] = {
    "998": "Cash or government securities in lieu of surety",
    "999": "Bond waived",
}
# Any other code names a corporate surety in CBP's list of sureties; the lake holds no
# surety names, so the description says what the code is rather than inventing one.
SURETY_COMPANY = "Corporate surety, CBP surety code"


def surety_description(code: pl.Expr) -> pl.Expr:
    """`describe("surety_code", ...)` as a native expression (nulls read "")."""
    company = pl.concat_str(pl.lit(f"{SURETY_COMPANY} "), code)
    special = code.replace_strict(SURETY_SPECIAL, default=None, return_dtype=pl.String)
    return pl.coalesce(special, company).fill_null("")


BOND_ACTIVITY_CODES: dict[str, str] = {
    "1": "Importer or broker",
    "1a": "Drawback",
    "2": "Custodian of bonded merchandise",
    "3": "International carrier",
    "3a": "Instruments of international traffic",
    "4": "Foreign trade zone operator",
    "16": "Importer security filing",
}

RECON_FLAGS: dict[str, str] = {
    "001": "Value",
    "002": "Classification",
    "003": "9802",
    "004": "Value and classification",
    "005": "Value and 9802",
    "006": "Classification and 9802",
    "007": "Value, classification and 9802",
}

LIQUIDATION_TYPES: dict[str, str] = {
    "1": "No change",
    "2": "Bill",
    "3": "Refund",
    "4": "Reliquidation - bill",
    "5": "Reliquidation - refund",
    "6": "Automatic",
    "7": "Deemed",
    "8": "Reliquidation - no change",
}

SPECIAL_PROGRAMS: dict[str, str] = {
    "A": "Generalized System of Preferences (GSP)",
    "S": "USMCA (formerly NAFTA, CA/MX)",
    "AU": "Australia FTA",
    "BH": "Bahrain FTA",
    "CL": "Chile FTA",
    "CO": "Colombia TPA",
    "IL": "Israel FTA",
    "JO": "Jordan FTA",
    "KR": "Korea FTA",
    "MA": "Morocco FTA",
    "OM": "Oman FTA",
    "PE": "Peru TPA",
    "SG": "Singapore FTA",
    "P": "CAFTA-DR",
    "P+": "CAFTA-DR (textiles)",
    "D": "African Growth and Opportunity Act (AGOA)",
}

RELEASE_STATUSES: dict[str, str] = {
    "Admissible": "Admissible, awaiting release",
    "Released": "Released",
    "CBP Conditional Release": "Conditionally released by CBP",
    "CBP Review": "Under CBP review",
    "Release Suspended": "Release suspended",
}

MANIFEST_DISPOSITIONS: dict[str, str] = {
    "1A": "Intensive exam required",
    "1B": "Released after intensive exam",
    "1C": "Released after general exam",
}

EXAM_TYPES: dict[str, str] = {
    "NII": "Non-intrusive (X-ray / VACIS)",
    "TAILGATE": "Tailgate",
    "INTENSIVE": "Intensive",
    "DOCUMENT": "Document review",
}

EXAM_RESULTS: dict[str, str] = {
    "NO_DISCREPANCY": "No discrepancy",
    "DISCREPANCY": "Discrepancy found",
}

DISCREPANCY_TYPES: dict[str, str] = {
    "QUANTITY": "Quantity",
    "CLASSIFICATION": "Classification",
    "VALUE": "Value",
    "MARKING": "Country of origin marking",
    "IPR": "Intellectual property rights",
    "PGA": "Partner government agency requirement",
}

LIQUIDATION_STATUSES: dict[str, str] = {
    "UNLIQUIDATED": "Unliquidated",
    "LIQUIDATED": "Liquidated",
    "FINAL": "Liquidation final",
    "SUSPENDED": "Liquidation suspended",
    "EXTENDED": "Liquidation extended",
}

RECON_STATUSES: dict[str, str] = {
    "OPEN": "Open - reconciliation not filed",
    "FILED": "Reconciliation entry filed",
}

HOLD_AGENCIES: dict[str, str] = {
    "CBP": "U.S. Customs and Border Protection",
    "FDA": "Food and Drug Administration",
    "USDA": "Department of Agriculture (APHIS)",
    "EPA": "Environmental Protection Agency",
    "CPSC": "Consumer Product Safety Commission",
    "FWS": "Fish and Wildlife Service",
    "NHTSA": "National Highway Traffic Safety Administration",
}

# A curated extract of CBP Schedule D: the ports the demo data uses, with their names.
PORTS: dict[str, str] = {
    "0101": "Portland, ME",
    "0712": "Champlain-Rouses Point, NY",
    "0901": "Buffalo-Niagara Falls, NY",
    "1001": "New York, NY",
    "1012": "John F Kennedy Intl Airport, NY",
    "1303": "Baltimore, MD",
    "1401": "Norfolk-Newport News, VA",
    "1601": "Charleston, SC",
    "1703": "Savannah, GA",
    "1704": "Atlanta, GA",
    "1801": "Tampa, FL",
    "2304": "Laredo, TX",
    "2402": "El Paso, TX",
    "2506": "Otay Mesa, CA",
    "2604": "Nogales, AZ",
    "2704": "Los Angeles, CA",
    "2709": "Long Beach, CA",
    "2720": "Los Angeles Intl Airport, CA",
    "2809": "San Francisco, CA",
    "2811": "Oakland, CA",
    "3001": "Seattle, WA",
    "3004": "Blaine, WA",
    "3801": "Detroit, MI",
    "3802": "Port Huron, MI",
    "3901": "Chicago, IL",
    "4101": "Cleveland, OH",
    "5201": "Miami, FL",
    "5203": "Port Everglades, FL",
    "5301": "Houston, TX",
    "5501": "Dallas/Ft. Worth, TX",
}

# Every chapter of the HTS, by its short title (the USITC export has no chapter rows: these
# are the schedule's chapter titles, abridged). Chapter 77 is reserved in the Harmonized
# System: no goods are classified there.
HTS_CHAPTERS: dict[str, str] = {
    "01": "Live animals",
    "02": "Meat and edible meat offal",
    "03": "Fish and crustaceans",
    "04": "Dairy produce; eggs; natural honey",
    "05": "Products of animal origin, not elsewhere specified",
    "06": "Live plants and cut flowers",
    "07": "Edible vegetables",
    "08": "Edible fruit and nuts",
    "09": "Coffee, tea, mate and spices",
    "10": "Cereals",
    "11": "Milling products; malt; starches",
    "12": "Oil seeds; grains, seeds and fruit; industrial or medicinal plants",
    "13": "Lac; gums, resins and other vegetable saps and extracts",
    "14": "Vegetable plaiting materials",
    "15": "Animal or vegetable fats and oils; waxes",
    "16": "Preparations of meat or fish",
    "17": "Sugars and sugar confectionery",
    "18": "Cocoa and cocoa preparations",
    "19": "Preparations of cereals, flour, starch or milk; bakers' wares",
    "20": "Preparations of vegetables, fruit or nuts",
    "21": "Miscellaneous edible preparations",
    "22": "Beverages, spirits and vinegar",
    "23": "Food industry residues; prepared animal feed",
    "24": "Tobacco and manufactured tobacco substitutes",
    "25": "Salt; sulfur; earths and stone; lime and cement",
    "26": "Ores, slag and ash",
    "27": "Mineral fuels and oils",
    "28": "Inorganic chemicals",
    "29": "Organic chemicals",
    "30": "Pharmaceutical products",
    "31": "Fertilizers",
    "32": "Tanning or dyeing extracts; dyes, pigments, paints and inks",
    "33": "Essential oils, perfumery, cosmetics",
    "34": "Soap, washing and lubricating preparations, waxes, candles",
    "35": "Albuminoidal substances; modified starches; glues; enzymes",
    "36": "Explosives; pyrotechnics; matches",
    "37": "Photographic or cinematographic goods",
    "38": "Miscellaneous chemical products",
    "39": "Plastics and articles thereof",
    "40": "Rubber and articles thereof",
    "41": "Raw hides and skins and leather",
    "42": "Leather articles, handbags, travel goods",
    "43": "Furskins and artificial fur",
    "44": "Wood and articles of wood",
    "45": "Cork and articles of cork",
    "46": "Basketware and wickerwork",
    "47": "Wood pulp; recovered paper",
    "48": "Paper and paperboard",
    "49": "Printed books, newspapers and other printed products",
    "50": "Silk",
    "51": "Wool and animal hair; horsehair yarn and fabric",
    "52": "Cotton",
    "53": "Other vegetable textile fibers; paper yarn",
    "54": "Man-made filaments",
    "55": "Man-made staple fibers",
    "56": "Wadding, felt and nonwovens; twine, cordage and ropes",
    "57": "Carpets and other textile floor coverings",
    "58": "Special woven fabrics; lace; tapestries; embroidery",
    "59": "Impregnated, coated or laminated textile fabrics",
    "60": "Knitted or crocheted fabrics",
    "61": "Apparel, knitted or crocheted",
    "62": "Apparel, not knitted or crocheted",
    "63": "Other made-up textile articles",
    "64": "Footwear",
    "65": "Headgear",
    "66": "Umbrellas, walking sticks, whips",
    "67": "Prepared feathers; artificial flowers; articles of human hair",
    "68": "Articles of stone, plaster, cement, asbestos or mica",
    "69": "Ceramic products",
    "70": "Glass and glassware",
    "71": "Pearls, precious stones and metals; jewelry; coin",
    "72": "Iron and steel",
    "73": "Articles of iron or steel",
    "74": "Copper and articles thereof",
    "75": "Nickel and articles thereof",
    "76": "Aluminum and articles thereof",
    "77": "Reserved for possible future use (no goods are classified here)",
    "78": "Lead and articles thereof",
    "79": "Zinc and articles thereof",
    "80": "Tin and articles thereof",
    "81": "Other base metals; cermets",
    "82": "Tools, cutlery, spoons and forks, of base metal",
    "83": "Miscellaneous articles of base metal",
    "84": "Machinery and mechanical appliances",
    "85": "Electrical machinery and equipment",
    "86": "Railway locomotives, rolling stock and track fixtures",
    "87": "Vehicles and parts",
    "88": "Aircraft, spacecraft and parts",
    "89": "Ships, boats and floating structures",
    "90": "Optical, medical and measuring instruments",
    "91": "Clocks and watches",
    "92": "Musical instruments",
    "93": "Arms and ammunition",
    "94": "Furniture, bedding, lamps",
    "95": "Toys, games and sports equipment",
    "96": "Miscellaneous manufactured articles",
    "97": "Works of art, collectors' pieces and antiques",
    "98": "Special classification provisions",
    "99": "Temporary legislation; additional duties (e.g. Section 301)",
}

# Curated headings of the demo's goods (abridged from the USITC 2025 export, whose full
# text the app uses when ITRAC_HTS_CSV names it: `data_access.hts`).
HTS_HEADINGS: dict[str, str] = {
    "0304": "Fish fillets and other fish meat, fresh, chilled or frozen",
    "0306": "Crustaceans, live, fresh, chilled, frozen, dried, salted or in brine",
    "0409": "Natural honey",
    "0702": "Tomatoes, fresh or chilled",
    "0804": "Dates, figs, pineapples, avocados, guavas and mangoes, fresh or dried",
    "0901": "Coffee, whether or not roasted or decaffeinated",
    "2203": "Beer made from malt",
    "2204": "Wine of fresh grapes, including fortified wines",
    "2208": "Undenatured ethyl alcohol under 80% vol.; spirits, liqueurs",
    "2941": "Antibiotics",
    "3002": "Human and animal blood; antisera; vaccines; immunological products",
    "3004": "Medicaments in measured doses or retail packings",
    "3304": "Beauty or make-up preparations; skin care, sunscreen",
    "4011": "New pneumatic tires, of rubber",
    "4202": "Trunks, suitcases, handbags, backpacks and similar containers",
    "4407": "Wood sawn or chipped lengthwise, sliced or peeled, over 6 mm thick",
    "4412": "Plywood, veneered panels and similar laminated wood",
    "6109": "T-shirts, singlets, tank tops and similar garments, knitted or crocheted",
    "6203": "Men's or boys' suits, jackets, trousers and shorts, not knitted",
    "6302": "Bed linen, table linen, toilet linen and kitchen linen",
    "6306": "Tarpaulins, awnings, tents, sails and camping goods",
    "6404": "Footwear with rubber or plastic soles and textile uppers",
    "6912": "Ceramic tableware and kitchenware, other than porcelain or china",
    "7013": "Glassware for table, kitchen, toilet, office or decoration",
    "7208": "Flat-rolled iron or nonalloy steel, 600 mm or wider, hot-rolled",
    "7210": "Flat-rolled iron or nonalloy steel, 600 mm or wider, clad, plated or coated",
    "7304": "Tubes, pipes and hollow profiles, seamless, of iron or steel",
    "7306": "Other tubes, pipes and hollow profiles, of iron or steel",
    "7317": "Nails, tacks, staples and similar articles, of iron or steel",
    "7407": "Copper bars, rods and profiles",
    "7604": "Aluminum bars, rods and profiles",
    "8409": "Parts for the engines of heading 8407 or 8408",
    "8413": "Pumps for liquids",
    "8431": "Parts for the machinery of headings 8425 to 8430",
    "8471": "Automatic data processing machines and units thereof",
    "8501": "Electric motors and generators",
    "8504": "Electrical transformers, static converters and inductors",
    "8517": "Telephone sets, including smartphones; other apparatus for voice or data",
    "8528": "Monitors, projectors and television receivers",
    "8542": "Electronic integrated circuits",
    "8544": "Insulated wire, cable and other insulated electric conductors",
    "8708": "Parts and accessories of the motor vehicles of headings 8701 to 8705",
    "8712": "Bicycles and other cycles, not motorized",
    "9018": "Medical, surgical, dental or veterinary instruments and appliances",
    "9021": "Orthopedic appliances; splints; artificial body parts",
    "9401": "Seats and parts thereof",
    "9403": "Other furniture and parts thereof",
    "9404": "Mattress supports; mattresses, quilts and cushions",
    "9405": "Luminaires and lighting fittings",
    "9503": "Toys, scale models and puzzles",
    "9504": "Video game consoles, table or parlor games",
    "9506": "Articles and equipment for exercise, sports or outdoor games",
    "9903": "Additional duties (Chapter 99, subchapter III: Sections 232 and 301, IEEPA)",
}

# Curated 10-digit HTS lines (descriptions abridged from the USITC 2025 export): the goods
# of the demo data, and the Chapter 99 numbers stacked on them (10 digits, suffix 00).
HTS_LINES: dict[str, str] = {
    "0304620020": "Frozen fillets of catfish: Pangasius (basa and tra)",
    "0306170010": "Frozen shrimps and prawns, farmed, shell-on, 31-40 count",
    "0409000035": "Natural honey, white or lighter",
    "0702002066": "Tomatoes, fresh (Mar-Jul, Sep-Nov entry), other: Roma (plum type)",
    "0804400040": "Avocados, fresh: Hass, other",
    "0901110025": "Coffee, not roasted, not decaffeinated: Arabica, other",
    "2203000030": "Beer made from malt, in glass containers not over 4 liters",
    "2204215040": "Wine, red, in containers not over 2 liters, over $1.05/liter",
    "2208905000": "Tequila, in containers not over 4 liters",
    "2941101000": "Antibiotics: ampicillin and its salts",
    "3002150011": "Immunological products in measured doses: monoclonal antibodies",
    "3004909291": "Medicaments in measured doses or retail packings, other",
    "3304995000": "Beauty or make-up preparations, other",
    "4011101050": "New radial tires for motor cars, rim 40.64-43.18 cm (16-17 in)",
    "4202219000": "Handbags, outer surface of leather, valued over $20 each",
    "4202923120": "Backpacks, outer surface of man-made fibers",
    "4407110042": "Lumber of pine, sawn lengthwise, over 6 mm thick, rough",
    "4412330670": "Plywood, outer ply of nonconiferous wood, birch face ply, other",
    "6109100012": "T-shirts of cotton, knitted, men's",
    "6203424511": "Men's trousers of cotton, blue denim",
    "6302600020": "Towels of cotton terry toweling, other",
    "6306229030": "Tents of synthetic fibers, other",
    "6404119020": "Sports footwear, textile uppers, over $12/pair, men's, other",
    "6912004810": "Ceramic tableware and kitchenware, for food or drink contact",
    "7013491000": "Table or kitchen glassware, pressed and toughened",
    "7208510060": "Hot-rolled flat steel, not in coils, over 10 mm thick, other",
    "7210490095": "Flat-rolled steel, zinc coated, other",
    "7304291010": "Casing for oil or gas drilling, threaded, OD < 215.9 mm, wall < 12.7 mm",
    "7306305090": "Welded circular pipe of nonalloy steel, OD 114.3-406.4 mm, other",
    "7317005503": "Steel nails, collated, assembled in a wire coil, other",
    "7604291090": "Aluminum alloy profiles, other",
    "7407105050": "Bars and rods of refined copper, other",
    "8409919990": "Parts for spark-ignition engines, other",
    "8413702004": "Centrifugal pumps: submersible pumps",
    "8431438060": "Parts of oil and gas field machinery, other",
    "8471300100": "Portable automatic data processing machines, not over 10 kg",
    "8501314000": "DC motors, output 74.6 W to 735 W",
    "8504409510": "Power supplies, output not exceeding 50 W",
    "8517130000": "Smartphones",
    "8517620090": "Machines for reception and transmission of voice, images or data, other",
    "8528726440": "Color TV receivers, flat panel, screen 88-113 cm",
    "8542310040": "Processors: graphics processing units (GPUs)",
    "8544300000": "Ignition and other wiring sets for vehicles, aircraft or ships",
    "8544429090": "Insulated electric conductors fitted with connectors, other",
    "8708305090": "Brakes and parts, for motor vehicles, other",
    "8708405000": "Gear boxes for motor vehicles, other vehicles",
    "8708998180": "Parts and accessories of motor vehicles, other",
    "8712001550": "Bicycles, both wheels 55-63.5 cm in diameter",
    "9018390050": "Catheters, cannulae and the like, other",
    "9018908000": "Medical, surgical instruments and appliances, other",
    "9021100050": "Bone plates, screws and nails, internal fixation devices",
    "9401614011": "Upholstered seats with wooden frames: chairs, household",
    "9403409060": "Wooden kitchen furniture: cabinets for permanent installation",
    "9403509045": "Wooden bedroom furniture: beds, other",
    "9403608093": "Other wooden furniture, other",
    "9404210013": "Mattresses of cellular plastics, over 91 x 184 cm",
    "9405114010": "LED lighting fittings of brass, household",
    "9503000090": "Toys, scale models, puzzles and the like, other",
    "9504500000": "Video game consoles and machines",
    "9506910030": "Articles and equipment for general physical exercise, other",
    "9903010100": "IEEPA: products of Mexico (non-USMCA)",
    "9903011000": "IEEPA: products of Canada (non-USMCA)",
    "9903012000": "IEEPA: products of China and Hong Kong",
    "9903012400": "IEEPA: products of China and Hong Kong",
    "9903012500": "IEEPA reciprocal tariff: products of any country",
    "9903016300": "IEEPA reciprocal tariff: products of China",
    "9903800100": "Section 232: products of iron or steel",
    "9903850100": "Section 232: products of aluminum",
    "9903850200": "Section 232: products of aluminum (from 12 March 2025)",
    "9903880100": "Section 301: products of China (list 1)",
    "9903880200": "Section 301: products of China (list 2)",
    "9903880300": "Section 301: products of China (list 3)",
    "9903881500": "Section 301: products of China (list 4A)",
}

# Chapter 99 numbers the demo files that came after the April 2025 export (their sources
# are in config/tariff_layers.yaml): apart, so HTS_LINES stays checkable against it.
HTS_LINES_LATER: dict[str, str] = {
    "9903030100": "Section 122: products of any country",
    "9903780100": "Section 232: copper and copper derivatives",
    "9903760100": "Section 232: softwood timber and lumber",
    "9903760200": "Section 232: upholstered wooden furniture",
    "9903760300": "Section 232: kitchen cabinets and vanities",
    "9903940500": "Section 232: automobile parts",
}
HTS_DESCRIPTIONS: dict[str, str] = {**HTS_LINES, **HTS_LINES_LATER}

CODE_LISTS: dict[str, dict[str, str]] = {
    "entry_type": ENTRY_TYPES,
    "mode_of_transport": MODES_OF_TRANSPORT,
    "bond_type": BOND_TYPES,
    "activity_code": BOND_ACTIVITY_CODES,
    "flag_type": RECON_FLAGS,
    "recon_flag": RECON_FLAGS,
    "liquidation_type": LIQUIDATION_TYPES,
    "liquidation_status": LIQUIDATION_STATUSES,
    "spi": SPECIAL_PROGRAMS,
    "release_status": RELEASE_STATUSES,
    "exam_type": EXAM_TYPES,
    "result": EXAM_RESULTS,
    "discrepancy_type": DISCREPANCY_TYPES,
    "status": RECON_STATUSES,
    "hold_agency": HOLD_AGENCIES,
    "port_of_entry": PORTS,
    "port_of_unlading": PORTS,
    "hts_chapter": HTS_CHAPTERS,
}


# --- countries -------------------------------------------------------------------------
@cache
def countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> common name, from pycountry."""
    return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


def country_name(code: str | None) -> str:
    return countries().get((code or "").upper(), "")


# --- descriptions ----------------------------------------------------------------------
def describable(column: str) -> bool:
    return column in CODE_LISTS or column in (
        "country_of_origin",
        "country_of_export",
        "hts_number",
        "surety_code",
    )


# --- entry numbers ---------------------------------------------------------------------
def _letter_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    offset = ord(char.upper()) - ord("A")
    if not 0 <= offset < 26:
        raise ValueError(f"{char!r} is not a letter or digit")
    if offset < 9:  # A-I -> 1-9
        return offset + 1
    if offset < 18:  # J-R -> 1-9
        return offset - 8
    return offset - 16  # S-Z -> 2-9


def check_digit(filer_code: str, serial: str) -> int:
    """CATAIR Appendix E check digit of filer code + 7-digit serial (ABC, 1234567 -> 6)."""
    digits = [_letter_value(c) for c in filer_code + serial]
    total = 0
    for position, digit in enumerate(digits, start=1):
        if position % 2 == 0:
            doubled = digit * 2
            total += doubled // 10 + doubled % 10
        else:
            total += digit
    return (10 - total % 10) % 10


ENTRY_NUMBER = re.compile(r"^([A-Z0-9]{3})-?([0-9]{7})-?([0-9])$")  # ASCII digits only
# Every character an entry number may hold, with its check-digit value (for vectorized
# checks: `ingest.validate.entry_number_ok`).
CHECK_VALUES = {c: _letter_value(c) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def normalize_entry_number(text: str) -> str:
    """'ABC-1234567-6' or 'ABC12345676' -> 'ABC12345676'; ValueError when malformed."""
    match = ENTRY_NUMBER.match(text.strip().upper())
    if not match:
        raise ValueError(f"{text!r} is not an entry number (XXX-NNNNNNN-C)")
    filer, serial, check = match.groups()
    expected = check_digit(filer, serial)
    if int(check) != expected:
        raise ValueError(f"{text!r} has check digit {check}, expected {expected}")
    return f"{filer}{serial}{check}"


def is_valid_entry_number(text: str) -> bool:
    try:
        normalize_entry_number(text)
    except ValueError:
        return False
    return True


def format_entry_number(stored: str) -> str:
    """The 11-character stored form shown as XXX-NNNNNNN-C."""
    return f"{stored[:3]}-{stored[3:10]}-{stored[10:]}" if len(stored) == 11 else stored


def format_entry_numbers(column: str) -> pl.Expr:
    """`format_entry_number` as a native polars expression over `column` (nulls stay null).

    Pages use this one: a Python function inside a polars expression (map_elements) runs
    on polars' worker threads and needs the GIL, which deadlocked the server under
    concurrent sessions (issue 13).
    """
    stored = pl.col(column).cast(pl.String)
    dashed = pl.concat_str(
        stored.str.slice(0, 3),
        pl.lit("-"),
        stored.str.slice(3, 7),
        pl.lit("-"),
        stored.str.slice(10),
    )
    return pl.when(stored.str.len_chars() == 11).then(dashed).otherwise(stored).alias(column)


# --- format checks ---------------------------------------------------------------------
FILER_CODE = re.compile(r"^[A-Z0-9]{3}$")  # NNN ANN AAN AAA ANA NAN NNA NAA: every mix
# [0-9], never \d: \d is any Unicode digit (Devanagari, Arabic-Indic...) in re and polars.
IMPORTER_NUMBER = re.compile(
    r"^(?:[0-9]{2}-[0-9]{7}[A-HJ-NP-Y0-9]{2}|[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{6}-[0-9]{5})$"
)
PORT_CODE = re.compile(r"^[0-9]{4}$")
HTS_NUMBER = re.compile(r"^[0-9]{10}$")
MANUFACTURER_ID = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,13}$")
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")


def is_filer_code(text: str) -> bool:
    return bool(FILER_CODE.match(text))


def is_importer_number(text: str) -> bool:
    return bool(IMPORTER_NUMBER.match(text))


def is_port_code(text: str) -> bool:
    return bool(PORT_CODE.match(text))


def is_hts_number(text: str) -> bool:
    return bool(HTS_NUMBER.match(text))


def is_manufacturer_id(text: str) -> bool:
    return bool(MANUFACTURER_ID.match(text))


def is_country_code(text: str) -> bool:
    return text in countries()


# --- full lists from files a user supplies ----------------------------------------------
def load_hts_csv(path: Path) -> dict[str, str]:
    """10- and 8-digit HTS numbers -> description, from the USITC HTS CSV export."""
    lines: dict[str, str] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            number = (row.get("HTS Number") or "").replace(".", "").strip()
            if number.isdigit() and len(number) in (8, 10):
                lines[number] = " ".join((row.get("Description") or "").split())
    return lines


def load_ports_json(path: Path) -> dict[str, str]:
    """Schedule D port code -> 'name, state', from `{code: {port, district, state}}`."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {code: f"{v['port']}, {v['state']}" for code, v in raw.items() if code.isdigit()}
