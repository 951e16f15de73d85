"""Row validation with dataframely: good rows load, bad rows go to the quarantine.

One schema per file plan, built from the lake contract: required columns are filled,
dates, amounts, numbers and flags parsed, entry numbers carry the right check digit
(`codes.is_valid_entry_number`), HTS, port, filer code and importer number have their
formats, countries are ISO 3166, listed codes are known, amounts are at most
$10 billion either way (`schema.MONEY_CEILING`), and an importer or broker
loads only rows of their own. Every failed rule becomes one quarantine row: file row,
column (the file's header), reason and the value as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import dataframely as dy
import numpy as np
import polars as pl
from dataframely._rule import RuleFactory

from data_access import codes, settings
from data_access.access import Principal
from data_access.ingest.mapping import Plan
from data_access.ingest.values import MDB_UNDECODED, RAW
from data_access.ingest.workbook import FORMULA, FORMULA_REASON
from data_access.schema import (
    DATE,
    ENTRY_SUMMARIES,
    FLAG,
    MONEY,
    MONEY_CEILING,
    TABLES,
    Column,
)

SEP = "::"
FORMATS: dict[str, tuple[str, str]] = {  # column -> (regex, reason)
    "hts_number": (rf"{codes.HTS_NUMBER.pattern}|^[0-9]{{8}}$", "not a 10-digit HTS number"),
    "port_of_entry": (codes.PORT_CODE.pattern, "not a 4-digit port code"),
    "port_of_unlading": (codes.PORT_CODE.pattern, "not a 4-digit port code"),
    "filer_code": (codes.FILER_CODE.pattern, "not a 3-character filer code"),
    "importer_number": (
        codes.IMPORTER_NUMBER.pattern,
        "not an importer number (NN-NNNNNNNXX, NNN-NN-NNNN or YYDDPP-NNNNN)",
    ),
}
# 8 digits pass only as a Chapter 99 number on a further ordinal, made 10 by parsing
# (values.chapter_99); an 8-digit number left as written is refused with the reason why.
CHAPTER_99_NOT_FURTHER = (
    "a Chapter 99 number (9903, 8 digits) not on a further tariff ordinal: Chapter 99 "
    "numbers are ordinals 2 and up, ordinal 1 carries the line's 10-digit HTS number"
)
EIGHT_NOT_CHAPTER_99 = (
    "8 digits but not a Chapter 99 number (9903xxxx): write the full 10-digit HTS number"
)
KNOWN: dict[str, dict[str, str]] = {
    "entry_type": codes.ENTRY_TYPES,
    "mode_of_transport": codes.MODES_OF_TRANSPORT,
    "bond_type": codes.BOND_TYPES,
    "recon_flag": codes.RECON_FLAGS,
    "flag_type": codes.RECON_FLAGS,
    "liquidation_type": codes.LIQUIDATION_TYPES,
}
COUNTRIES = ("country_of_origin", "country_of_export")
ENTRY_NUMBERS = ("entry_number", "flagged_entry_number", "recon_entry_number")
PARSE_REASONS = {
    DATE: "not a date (write MM/DD/YYYY or YYYY-MM-DD)",
    MONEY: "not an amount (like 1234.56, $1,234.56 or (1,234.56))",
    FLAG: "not a yes/no value (Y or N)",
}
ENTRY_OK = "_entry_ok"
DUPLICATE = "_duplicate"
RUN_ROWS = 4_000_000  # runs merge up to this size: a merge never holds more than ~100 MB
# Plausible dates: ACE (and ITRAC's data) starts after 1990; an event more than a year
# ahead is a typo in the year. Dates that are deadlines may lie further ahead.
EARLIEST_DATE = date(1990, 1, 1)
YEARS_AHEAD = {"due_date": 3, "termination_date": 10}
# Every amount is bounded so that sums of them cannot overflow (schema.MONEY_CEILING).
OVER_CEILING = (
    f"more than ${MONEY_CEILING:,.2f} either way, the largest amount a row may carry "
    "(check the value: a line of real trade is far less)"
)


@dataclass
class Checked:
    good: pl.DataFrame  # typed lake columns (and `_row`)
    failures: pl.DataFrame  # _row, column (lake), reason


def _columns(plan: Plan) -> dict[str, Column]:
    spec = TABLES[plan.table]
    found = {c: spec.column(c) for c in plan.columns}
    found.update({c: ENTRY_SUMMARIES.column(c) for c in plan.header_extras})
    if "filer_code" in spec.column_names and "filer_code" not in found:
        found["filer_code"] = spec.column("filer_code")  # derived from the entry number
    return found


def _rules(plan: Plan, principal: Principal, columns: dict[str, Column]) -> dict[str, pl.Expr]:
    """Rule name (`column::reason`) -> expression true for a valid row."""
    rules: dict[str, pl.Expr] = {}

    def add(column: str, reason: str, ok: pl.Expr) -> None:
        rules[f"{column}{SEP}{reason}"] = ok.fill_null(True)

    for name, column in columns.items():
        value = pl.col(name)
        parsed_type = column.dtype in PARSE_REASONS or column.dtype.is_numeric()
        if column.required:  # an unparseable value is reported as such, not as empty
            filled = pl.col(name + RAW) if parsed_type and name != "duty_rate" else value
            add(name, f"{column.label} is empty", filled.is_not_null())
        if parsed_type and name != "duty_rate":
            raw = pl.col(name + RAW)
            parsed = raw.is_null() | value.is_not_null()
            if column.dtype == DATE:
                add(
                    name,
                    "a date mdbtools cannot decode (before 1899 or after 4637)",
                    parsed | ~raw.str.starts_with(MDB_UNDECODED),
                )
                parsed = parsed | raw.str.starts_with(MDB_UNDECODED)
            add(name, PARSE_REASONS.get(column.dtype, "not a number"), parsed)
        if column.dtype == DATE:
            add(name, *_plausible(name, value))
        if column.dtype == MONEY:
            add(name, OVER_CEILING, value.abs() <= pl.lit(MONEY_CEILING, MONEY))
        if name in FORMATS:
            pattern, reason = FORMATS[name]
            add(name, reason, value.str.contains(pattern))
        if name == "hts_number":
            eight, chapter_99 = value.str.contains(r"^[0-9]{8}$"), value.str.starts_with("9903")
            add(name, CHAPTER_99_NOT_FURTHER, ~(eight & chapter_99))
            add(name, EIGHT_NOT_CHAPTER_99, ~(eight & ~chapter_99))
        if name in KNOWN:
            add(name, f"unknown {column.label}", value.is_in(list(KNOWN[name])))
        if name in COUNTRIES:
            add(name, "not an ISO 3166 country code", value.is_in(list(codes.countries())))
        if name in ENTRY_NUMBERS:
            add(
                name,
                "not an entry number with a valid check digit (XXX-NNNNNNN-C)",
                pl.col(f"{ENTRY_OK}_{name}"),
            )
    _own_rows(rules, plan, principal, columns)
    key = TABLES[plan.table].key
    labels = [TABLES[plan.table].column(c).label for c in key]
    shown = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    add(key[0], f"the same {shown} as an earlier row of this file", ~pl.col(DUPLICATE))
    return rules


def _formula_rules(plan: Plan, present: list[str]) -> dict[str, pl.Expr]:
    """A cell holding a formula loads as its cached value, however stale: refused."""
    headers = {**plan.columns, **plan.header_extras}
    return {
        f"{name}{SEP}{FORMULA_REASON}": ~pl.col(FORMULA + header).fill_null(False)
        for name, header in headers.items()
        if FORMULA + header in present
    }


def _plausible(name: str, value: pl.Expr) -> tuple[str, pl.Expr]:
    """The reason and rule for a date outside the years the lake can hold data of."""
    years = YEARS_AHEAD.get(name, 1)
    latest = settings.today() + timedelta(days=365 * years + years // 4)
    ahead = "a year" if years == 1 else f"{years} years"
    reason = f"a date before {EARLIEST_DATE.year} or more than {ahead} from today (check the year)"
    return reason, value.is_between(EARLIEST_DATE, latest)


def _own_rows(
    rules: dict[str, pl.Expr], plan: Plan, principal: Principal, columns: dict[str, Column]
) -> None:
    """An importer loads only their importer numbers; a broker only entries they filed."""
    if principal.role == "importer" and "importer_number" in columns:
        mine = ", ".join(principal.importer_numbers)
        rules[f"importer_number{SEP}not your importer number (you may load {mine})"] = (
            pl.col("importer_number").is_in(list(principal.importer_numbers)).fill_null(False)
        )
    if principal.role == "broker" and "filer_code" in columns:
        mine = ", ".join(principal.filer_codes)
        rules[f"filer_code{SEP}not filed by you (you may load filer {mine})"] = (
            pl.col("filer_code").is_in(list(principal.filer_codes)).fill_null(False)
        )


def entry_number_ok(number: pl.Expr) -> pl.Expr:
    """`codes.is_valid_entry_number` for a normalized column (upper case, no dashes), as
    one vectorized expression: the CATAIR check digit of filer code + serial."""
    total: pl.Expr = pl.lit(0, dtype=pl.Int32)
    for position in range(1, 11):
        char = number.str.slice(position - 1, 1)
        value = char.replace_strict(codes.CHECK_VALUES, default=0, return_dtype=pl.Int32)
        if position % 2 == 0:
            value = (value * 2) // 10 + (value * 2) % 10
        total = total + value
    expected = (10 - total % 10) % 10
    written = number.str.slice(10, 1).cast(pl.Int32, strict=False)
    return number.str.contains(r"^[A-Z0-9]{3}[0-9]{8}$") & (written == expected)


def _with_entry_checks(frame: pl.DataFrame, columns: dict[str, Column]) -> pl.DataFrame:
    """One boolean per entry-number column."""
    return frame.with_columns(
        entry_number_ok(pl.col(name)).alias(f"{ENTRY_OK}_{name}")
        for name in ENTRY_NUMBERS
        if name in columns
    )


class FileKeys:
    """The table keys of one file's rows read so far, batch after batch: a row whose key
    an earlier row of the file has would load twice (and count twice).

    Within a batch keys compare exactly; across batches each key is kept as two hashes
    (96 bits, 12 bytes a row: 390 MiB for a 32M-row 5 GiB file, where exact keys would
    take gigabytes), in sorted runs merged as they grow up to RUN_ROWS, so a batch is
    looked up in O(rows x log) and a merge stays small whatever the file's size. Two
    different keys share both hashes with a probability of about rows^2 / 2^97: 1e-14
    for 32M rows."""

    def __init__(self, table: str) -> None:
        spec = TABLES[table]
        self.key = list(spec.key)
        self.schema = {k: spec.column(k).dtype for k in self.key}
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (h1 sorted, h2 beside)

    def mark(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` with DUPLICATE: true where an earlier row (of the file) has the key."""
        keys = frame.select(
            pl.col(k) if k in frame.columns else pl.lit(None, dtype=t).alias(k)
            for k, t in self.schema.items()
        )
        key = pl.struct(self.key)
        marks = keys.select(
            known=pl.col(self.key[0]).is_not_null(),
            within=~key.is_first_distinct(),
            h1=key.hash(seed=1),
            h2=key.hash(seed=2).cast(pl.UInt32, wrap_numerical=True),
        )
        h1, h2 = marks["h1"].to_numpy(), marks["h2"].to_numpy()
        known, within = marks["known"].to_numpy(), marks["within"].to_numpy()
        earlier = self._seen(h1, h2)
        duplicate = known & (within | earlier)
        fresh = known & ~within & ~earlier
        self._add(h1[fresh], h2[fresh])
        return frame.with_columns(pl.Series(DUPLICATE, duplicate))

    def _seen(self, h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
        order = np.argsort(h1)  # sorted needles: searchsorted walks the runs in order
        h1, h2 = h1[order], h2[order]
        seen = np.zeros(len(h1), dtype=bool)
        for run1, run2 in self.runs:
            at = np.minimum(np.searchsorted(run1, h1), len(run1) - 1)
            hit = run1[at] == h1
            seen |= hit & (run2[at] == h2)
            for index in np.flatnonzero(hit & ~seen):  # h1 shared by two keys: rare
                same = np.flatnonzero(run1 == h1[index])
                seen[index] = bool((run2[same] == h2[index]).any())
        found = np.empty_like(seen)
        found[order] = seen
        return found

    def _add(self, h1: np.ndarray, h2: np.ndarray) -> None:
        if len(h1):
            order = np.argsort(h1, kind="stable")
            self.runs.append((h1[order], h2[order]))
        while (
            len(self.runs) > 1
            and 2 * len(self.runs[-1][0]) >= len(self.runs[-2][0])
            and len(self.runs[-1][0]) + len(self.runs[-2][0]) <= RUN_ROWS
        ):
            (a1, a2), (b1, b2) = self.runs.pop(), self.runs.pop()
            both1, both2 = np.concatenate([b1, a1]), np.concatenate([b2, a2])
            order = np.argsort(both1, kind="stable")
            self.runs.append((both1[order], both2[order]))


def check(
    frame: pl.DataFrame, plan: Plan, principal: Principal, keys: FileKeys | None = None
) -> Checked:
    """Split parsed rows into the valid ones and one failure row per broken rule; `keys`
    carries the file's keys from batch to batch (duplicate rows within the file)."""
    columns = _columns(plan)
    frame = _with_entry_checks(frame, columns)
    frame = (keys or FileKeys(plan.table)).mark(frame)
    rules = _rules(plan, principal, columns) | _formula_rules(plan, frame.columns)
    # Every column is declared (dataframely hands rules only the schema's columns); the
    # types come from parsing, the rules carry the meaning.
    attrs: dict[str, object] = {name: dy.Any() for name in frame.columns}
    attrs["_row"] = dy.Int64(nullable=False)
    for rule_name, expr in rules.items():
        attrs[rule_name] = RuleFactory(lambda _schema, e=expr: e)
    schema = type(f"{plan.table}_file", (dy.Schema,), attrs)
    good, failure = schema.filter(frame)
    failures = _failures(failure, list(rules))
    return Checked(good.select("_row", *columns), failures)


def _failures(failure: dy.FailureInfo, rule_names: list[str]) -> pl.DataFrame:
    empty = pl.DataFrame(schema={"_row": pl.Int64, "column": pl.String, "reason": pl.String})
    if len(failure) == 0:
        return empty
    details = failure.details()
    present = [r for r in rule_names if r in details.columns]
    long = (
        details.select("_row", *present)
        .unpivot(index="_row", variable_name="rule", value_name="state")
        .filter(pl.col("state") == "invalid")
    )
    parts = pl.col("rule").str.split_exact(SEP, 1)
    return long.select(
        "_row",
        parts.struct.field("field_0").alias("column"),
        parts.struct.field("field_1").alias("reason"),
    ).sort("_row", "column")
