"""Which lake table a file holds, and which of its headers fill which lake columns.

Headers match the lake's column names, the schema labels and the human names seen in
ACE Reports exports, insensitive to case, spaces and punctuation ("Entry Summary
Number", "entry_number" and "ENTRY SUMMARY NO." are one name). A user mapping file
(`--mapping`, YAML ``"Header in my file": lake_column`` or ``table.column``) comes first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from data_access.schema import ENTRY_LINES, ENTRY_SUMMARIES, TABLES, Table


class MappingError(ValueError):
    """A file whose headers do not make a lake table, or a bad mapping file."""


# ACE names beyond the schema labels, best first: when a file has two headers for one
# column (ES-003 has the tariff-level and the line-level goods value), the first wins.
ACE_NAMES: dict[str, tuple[str, ...]] = {
    "entry_number": ("Entry Summary Number", "Entry Number", "Entry No", "Entry Summary No"),
    "flagged_entry_number": ("Entry Summary Number", "Flagged Entry Summary Number"),
    "importer_number": ("Importer Number", "Importer of Record Number", "IOR Number"),
    "filer_code": ("Filer Code", "Filer"),
    "port_of_entry": ("Port of Entry Code", "Port of Entry", "Entry Port Code", "Port Code"),
    "entry_type": ("Entry Type Code", "Entry Type"),
    "hts_number": ("HTS Number - Full", "HTS Number", "HTSUS Number", "Tariff Number"),
    "country_of_origin": ("Country of Origin Code", "Country of Origin"),
    "country_of_export": ("Country of Export Code", "Country of Export"),
    "manufacturer_id": ("Manufacturer ID", "MID"),
    "spi": ("Line SPI Code", "SPI Code", "SPI"),
    "line_number": ("Entry Summary Line Number", "Line Number"),
    "tariff_ordinal": ("Tariff Ordinal Number", "Tariff Ordinal"),
    "quantity": ("Line Tariff Quantity (1)", "Quantity"),
    "unit_of_measure": ("Line Tariff UOM (1) Code", "Unit of Measure"),
    "duty_rate": ("Column 1 Current Primary Duty Rate", "Duty Rate"),
    "mode_of_transport": ("Mode of Transportation Code", "Mode of Transport Code"),
    "related_party": ("Related Party Indicator", "Related Party Flag", "Related Party"),
    "recon_flag": ("Reconciliation Issue Code",),
    "flag_type": ("Reconciliation Issue Code",),
    "fta_flag": ("NAFTA Reconciliation Indicator", "FTA Reconciliation Indicator"),
    "due_date": ("Reconciliation (Other) Due Date", "Reconciliation Due Date"),
    "status": ("Reconciliation (Other) Status",),
    "recon_entry_number": ("Reconciliation (Other) Entry Summary Number",),
    "bond_type": ("Bond Type Code", "Bond Type"),
}
LINE_NAMES: dict[str, tuple[str, ...]] = {  # entry_lines only: the line grain's money
    "entered_value": (
        "Line Tariff Goods Value Amount",
        "Line Goods Value Amount",
        "Line Entered Value",
    ),
    "duty_amount": ("Line Tariff Duty Amount", "Line Duty Amount"),
    "mpf_amount": ("Line MPF Amount",),
    "hmf_amount": ("Line HMF Amount",),
}
HEADER_NAMES: dict[str, tuple[str, ...]] = {  # entry_summaries only: header money
    "entered_value": ("Entered Value", "Total Entered Value", "Entry Summary Entered Value"),
    "duty_amount": ("Duty Amount", "Total Duty Amount"),
}
# Columns a file may lack because they follow from others (the filer code is the entry
# number's first three characters).
DERIVABLE = {"filer_code": "entry_number"}


def normalize(header: str) -> str:
    """The name headers are compared by: lower case letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _aliases(spec: Table) -> dict[str, list[str]]:
    extra = LINE_NAMES if spec is ENTRY_LINES else HEADER_NAMES if spec is ENTRY_SUMMARIES else {}
    return {
        c.name: [c.name, *extra.get(c.name, ()), c.label, *ACE_NAMES.get(c.name, ())]
        for c in spec.columns
    }


@dataclass(frozen=True)
class Plan:
    """How one file loads: its table, lake column -> file header, and the rest."""

    table: str
    columns: dict[str, str]
    header_extras: dict[str, str] = field(default_factory=dict)  # lines -> derived headers
    ignored: tuple[str, ...] = ()

    @property
    def derived_summaries(self) -> bool:
        return self.table == ENTRY_LINES.name


def load_mapping(path: Path | None) -> dict[str, str]:
    """A user mapping file: normalized header -> 'column' or 'table.column'."""
    if path is None:
        return {}
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise MappingError(f"cannot read mapping {path}: {error}") from None
    if not isinstance(raw, dict):
        raise MappingError(f"{path}: expected lines like 'Header in my file: entry_number'")
    known = {c.name for t in TABLES.values() for c in t.columns}
    mapping = {}
    for header, target in raw.items():
        column = str(target).rsplit(".", 1)[-1]
        table_name = str(target).rsplit(".", 1)[0] if "." in str(target) else None
        if column not in known or (table_name and table_name not in TABLES):
            raise MappingError(
                f"{path}: {header!r} maps to {target!r}, which is no lake column; "
                "use a column name from the lake contract (e.g. entry_number, hts_number)"
            )
        mapping[normalize(str(header))] = str(target)
    return mapping


def map_headers(spec: Table, headers: list[str], user: dict[str, str]) -> dict[str, str]:
    """Lake column -> the file header that fills it, for table `spec`."""
    by_name = {normalize(h): h for h in reversed(headers)}  # first header of a name wins
    found: dict[str, str] = {}
    for norm, target in user.items():
        table_name, _, column = target.rpartition(".")
        mine = not table_name or table_name == spec.name
        if norm in by_name and mine and column in spec.column_names:
            found.setdefault(column, by_name[norm])
    for column, names in _aliases(spec).items():
        if column in found:
            continue
        for name in names:
            if normalize(name) in by_name and by_name[normalize(name)] not in found.values():
                found[column] = by_name[normalize(name)]
                break
    return found


def _missing(spec: Table, columns: dict[str, str]) -> list[str]:
    return [
        c.name
        for c in spec.columns
        if c.required and c.name not in columns and DERIVABLE.get(c.name) not in columns
    ]


def plan_for(headers: list[str], user: dict[str, str], source: str) -> Plan:
    """The table `headers` make (most columns matched wins); MappingError when none."""
    matches = {name: map_headers(spec, headers, user) for name, spec in TABLES.items()}
    complete = [n for n in TABLES if not _missing(TABLES[n], matches[n])]
    if not complete:
        raise MappingError(missing_message(source, headers, matches))
    best = max(complete, key=lambda n: len(matches[n]))
    columns = matches[best]
    extras: dict[str, str] = {}
    if best == ENTRY_LINES.name:
        summary = map_headers(ENTRY_SUMMARIES, headers, user)
        extras = {
            c: h
            for c, h in summary.items()
            if c not in ENTRY_LINES.column_names and h not in columns.values()
        }
    used = set(columns.values()) | set(extras.values())
    return Plan(best, columns, extras, tuple(h for h in headers if h not in used))


def missing_message(source: str, headers: list[str], matches: dict[str, dict[str, str]]) -> str:
    """One message: the closest table, what it lacks, and what the file has."""

    def score(name: str) -> tuple[int, int]:  # the table the file looks most like
        spec = TABLES[name]
        required = [c.name for c in spec.columns if c.required]
        return (len(matches[name]), len(required) - len(_missing(spec, matches[name])))

    closest = TABLES[max(TABLES, key=score)]
    lacking = ", ".join(
        f'"{closest.column(c).label}" ({c})' for c in _missing(closest, matches[closest.name])
    )
    found = listed([f'"{shown(h)}"' for h in headers]) or "no headers"
    return (
        f"{source}: missing required columns for {closest.label} ({closest.name}): {lacking}. "
        f"Found: {found}. Rename those headers, or map them with --mapping FILE "
        "(YAML lines like '\"My header\": entry_number')."
    )


def shown(text: str, width: int = 60) -> str:
    """`text` for a one-line message: control characters escaped, at most `width` long."""
    flat = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def listed(items: list[str], limit: int = 20) -> str:
    """The first `limit` items joined by commas, then "and N more"."""
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit:,} more"


def joined(messages: list[str], limit: int = 3) -> str:
    """Messages of a workbook's sheets as one, the first `limit` of them then how many more."""
    more = (
        f" (and {len(messages) - limit:,} more sheets like these)" if len(messages) > limit else ""
    )
    return " ".join(messages[:limit]) + more
