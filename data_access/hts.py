"""HTS descriptions: the indent chain of the USITC HTS export, or the curated lists.

In the USITC export a row's own text is often just "Other": an HTS number is described
by the texts of its ancestors by indent, from its heading down (8504.40.95.10 is
"Electrical transformers, static converters (for example, rectifiers) and inductors;
parts thereof: Static converters: Other: Rectifiers and rectifying apparatus: Power
supplies: With a power output not exceeding 50 W"). Each code gets

- `description`: short enough for a chart label or a table cell: the heading's first
  clause, then the number's own text with its parent (and any "Other" above them), "…"
  where levels were left out;
- `description_full`: the whole chain, for the table beside a chart and for exports.

The export is a file the user supplies (`ITRAC_HTS_CSV`: the CSV of hts.usitc.gov, e.g.
the 2025 edition); without it the curated lists of `codes` describe the demo's goods.
Chapters always come from `codes.HTS_CHAPTERS` (the export has no chapter rows); Chapter
99 numbers read as the curated program names where the project has them ("Section 301:
products of China (list 3)" says more at a glance than the schedule's legal text).

Everything here is native polars, built once per file (cached on its path, size and
modification time), and applied to report frames by a replace (a hash join): no Python
function runs per row on a render path.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import polars as pl

from data_access import codes

SETTING = "ITRAC_HTS_CSV"
COLUMNS = ("HTS Number", "Indent", "Description")
LEVELS = (4, 6, 8, 10)  # heading, subheading, 8-digit line, 10-digit statistical line
SHORT_MAX = 120  # characters of a short description, at most (cut with "…")
HEADING_MAX = 50  # of which the heading's first clause takes at most this many
HEADING_CLAUSE_MIN = 25  # a shorter first clause of a heading keeps the clauses after it
GENERIC = r"^Other\b.{0,12}$"  # "Other", "Other:", "Other parts": says nothing alone
LOOKUP_SCHEMA = {"hts_code": pl.String, "description": pl.String, "description_full": pl.String}


class HtsReferenceError(ValueError):
    """An HTS export that cannot be read: names the file, the row and the fix."""


def reference_file() -> Path | None:
    """ITRAC_HTS_CSV: the USITC HTS CSV export to describe HTS numbers with (or None)."""
    text = os.environ.get(SETTING, "").strip()
    return Path(text) if text else None


# --- reading the export ------------------------------------------------------------------
def read_usitc(path: Path) -> pl.DataFrame:
    """(row, hts_code, indent, text) of the export, in file order: codes without dots,
    text on one line without the trailing colon; heading-only rows have no code."""
    try:
        raw = pl.read_csv(
            path,
            columns=list(COLUMNS),
            schema_overrides=dict.fromkeys(COLUMNS, pl.String),
            encoding="utf8-lossy",
            truncate_ragged_lines=True,
            quote_char='"',
        )
    except (OSError, pl.exceptions.PolarsError) as error:
        raise HtsReferenceError(
            f"{path}: cannot read it as the USITC HTS CSV export ({error}); "
            f"set {SETTING} to the CSV downloaded from hts.usitc.gov (columns "
            f"{', '.join(COLUMNS)})"
        ) from None
    rows = raw.with_row_index("row", offset=2).filter(
        pl.col("Indent").is_not_null() | pl.col("Description").is_not_null()
    )
    indent = pl.col("Indent").str.strip_chars().cast(pl.Int32, strict=False)
    bad = rows.filter(indent.is_null())
    if bad.height:
        first = bad.row(0, named=True)
        raise HtsReferenceError(
            f"{path}, record {first['row']} (HTS Number {first['HTS Number'] or 'empty'}), "
            f"column Indent: {first['Indent']!r} is not a whole number; the export gives "
            "each row's depth in the tree as 0, 1, 2, ..."
        )
    text = pl.col("Description").fill_null("").str.replace_all(r"\s+", " ").str.strip_chars()
    return rows.select(
        "row",
        hts_code=pl.col("HTS Number").str.replace_all(r"[^0-9]", "").replace("", None),
        indent=indent,
        text=text.str.strip_chars_end(":").str.strip_chars(),
    )


def chains(rows: pl.DataFrame) -> pl.DataFrame:
    """(hts_code, description, description_full) of every numbered row of `read_usitc`.

    The ancestor of a row at depth j is the last row at depth j above it since the last
    row shallower than j: a forward fill per depth that a shallower row cuts (one native
    expression per depth, no Python per row)."""
    depth = int(rows.get_column("indent").max() or 0)
    indent, text = pl.col("indent"), pl.col("text")
    cut = "\x00"  # a shallower row ends the run of its depth's text
    levels = rows.with_columns(
        pl.when(indent == j)
        .then(text)
        .when(indent < j)
        .then(pl.lit(cut))
        .forward_fill()
        .replace(cut, None)
        .alias(f"t{j}")
        for j in range(depth + 1)
    )
    above = [pl.when(indent > j).then(pl.col(f"t{j}")) for j in range(depth)]
    full = pl.concat_str(*above, text, separator=": ", ignore_nulls=True)
    return levels.filter(pl.col("hts_code").is_not_null()).select(
        "row",
        "hts_code",
        description=_short(depth),
        description_full=full,
    )


def _clause(value: pl.Expr) -> pl.Expr:
    """A text's first clause, without parentheses: what a short label keeps of it."""
    first = value.str.replace(r";.*$", "")
    return first.str.replace_all(r"\s*\([^)]*\)", "").str.strip_chars()


def _heading(value: pl.Expr) -> pl.Expr:
    """A heading's first clause, or more when that alone would mislead ("Human blood" for
    heading 3002, whose next clauses are antisera and vaccines)."""
    whole = value.str.replace_all(r"\s*\([^)]*\)", "").str.strip_chars()
    return (
        pl.when(_clause(value).str.len_chars() < HEADING_CLAUSE_MIN)
        .then(whole)
        .otherwise(_clause(value))
    )


def _cut(value: pl.Expr, limit: int) -> pl.Expr:
    """`value` cut at a word to at most `limit` characters, with "…" where it was cut."""
    cut = value.str.slice(0, limit - 1).str.replace(r"[\s,;:]+\S*$", "")
    return (
        pl.when(value.str.len_chars() > limit)
        .then(pl.concat_str(cut, pl.lit("…")))
        .otherwise(value)
    )


def _short(depth: int) -> pl.Expr:
    """The heading's first clause, then the row's parent and own text (from higher up
    while the parent level says no more than "Other"), "…" for the levels left out."""
    indent, text = pl.col("indent"), pl.col("text")
    said = [
        pl.when((indent > j) & ~pl.col(f"t{j}").str.contains(GENERIC)).then(pl.lit(j))
        for j in range(2, depth)
    ]
    keep_from = pl.max_horizontal(pl.lit(1), *said) if said else pl.lit(1)
    keep_from = pl.min_horizontal(keep_from, indent - 1).clip(lower_bound=1)
    kept = [
        pl.when((indent > j) & (pl.lit(j) >= keep_from)).then(_clause(pl.col(f"t{j}")))
        for j in range(1, depth)
    ]
    tail = pl.concat_str(*kept, _clause(text), separator=": ", ignore_nulls=True)
    tail = tail.str.replace_all(r"(: Other)(: Other)+$", ": Other")  # not "Other: Other: Other"
    heading = _cut(_heading(pl.col("t0")), HEADING_MAX) if depth else pl.lit("")
    gap = pl.when(keep_from > 1).then(pl.lit(": … ")).otherwise(pl.lit(": "))
    nested = pl.concat_str(heading, gap, _cut(tail, SHORT_MAX - HEADING_MAX))
    return pl.when(indent == 0).then(_cut(_heading(text), SHORT_MAX)).otherwise(nested)


def by_prefix(described: pl.DataFrame) -> pl.DataFrame:
    """Descriptions of every heading, subheading, 8- and 10-digit code of the export: a
    code's own row, or else the first row under it (heading 0409 is 0409.00.00)."""
    levels = [
        described.filter(pl.col("hts_code").str.len_chars() >= size).with_columns(
            size=pl.col("hts_code").str.len_chars(),
            hts_code=pl.col("hts_code").str.slice(0, size),
        )
        for size in LEVELS
    ]
    return (
        pl.concat(levels)
        .sort("hts_code", "size", "row")
        .unique("hts_code", keep="first", maintain_order=True)
        .select(list(LOOKUP_SCHEMA))
    )


def _version(path: Path) -> tuple[str, int, int]:
    """What the cache knows a file by: its path, modification time and size."""
    try:
        stat = path.stat()
    except OSError as error:
        raise HtsReferenceError(
            f"{path}: {error.strerror or error}; set {SETTING} to the USITC HTS CSV export "
            "or unset it to use the curated descriptions"
        ) from None
    return str(path.resolve()), stat.st_mtime_ns, stat.st_size


def reference(path: Path) -> pl.DataFrame:
    """`by_prefix` of the export at `path`."""
    return by_prefix(chains(read_usitc(path)))


# --- the one lookup ----------------------------------------------------------------------
def _curated(entries: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "hts_code": list(entries),
            "description": list(entries.values()),
            "description_full": list(entries.values()),
        },
        schema=LOOKUP_SCHEMA,
    )


@cache
def _lookup(version: tuple[str, int, int] | None) -> pl.DataFrame:
    """The lookup for this version of the export (None: the curated lists only)."""
    official = reference(Path(version[0])) if version else None
    chapters = _curated(codes.HTS_CHAPTERS)
    curated = _curated({**codes.HTS_HEADINGS, **codes.HTS_DESCRIPTIONS})
    if official is None:
        return pl.concat([chapters, curated])
    # Chapter 98/99: the curated program names win; elsewhere the official chain does.
    programs = curated.filter(pl.col("hts_code").str.starts_with("9"))
    program_numbers = programs.get_column("hts_code")
    official_full = official.select(key="hts_code", official_full="description_full")
    eight = pl.col("hts_code").str.slice(0, 8)  # 9903.88.03 is filed as 9903880300
    programs = (
        programs.with_columns(key=pl.when(pl.col("hts_code").str.ends_with("00")).then(eight))
        .join(official_full, on="key", how="left", maintain_order="left")
        .with_columns(pl.col("official_full").fill_null(pl.col("description_full")))
        .select("hts_code", "description", description_full="official_full")
    )
    rest = pl.concat([official.filter(~pl.col("hts_code").is_in(program_numbers.implode())),
                      curated.filter(~pl.col("hts_code").str.starts_with("9"))])  # fmt: skip
    rest = rest.unique("hts_code", keep="first", maintain_order=True)
    return pl.concat([chapters, programs, rest])


def lookup() -> pl.DataFrame:
    """(hts_code, description, description_full) for chapters, headings, subheadings and
    lines: from ITRAC_HTS_CSV when set, the curated lists otherwise (built once)."""
    path = reference_file()
    return _lookup(_version(path) if path else None)


# --- applying it ---------------------------------------------------------------------------
def describe(column: str, *, name: str | None = None, full: bool = True) -> list[pl.Expr]:
    """The short and the full description of the HTS codes in `column` (any length: a
    chapter, heading or number), as two native expressions named `<name>` and
    `<name>_full` (default `<column>_description`; `full=False`: the short one only).
    A number the list lacks reads as its nearest described parent (8, 6, then 4 digits),
    else its chapter."""
    name = name or f"{column}_description"
    table = lookup()
    keys = table.get_column("hts_code")
    code = pl.col(column).cast(pl.String)

    def found(field: str) -> pl.Expr:
        values = table.get_column(field)

        def at(codes_: pl.Expr) -> pl.Expr:
            return codes_.replace_strict(keys, values, default=None, return_dtype=pl.String)

        length = code.str.len_chars()
        parents = [pl.when(length > n).then(at(code.str.slice(0, n))) for n in (8, 6, 4)]
        chapter = pl.concat_str(
            pl.lit("Chapter "), code.str.slice(0, 2), pl.lit(": "), at(code.str.slice(0, 2))
        )
        return pl.coalesce(at(code), *parents, pl.when(length > 2).then(chapter)).fill_null("")

    short = found("description").alias(name)
    return [short, found("description_full").alias(f"{name}_full")] if full else [short]


def describe_one(code: str | None) -> str:
    """The short description of one code (for the CLI and tests; pages use `describe`)."""
    if code is None:
        return ""
    frame = pl.DataFrame({"hts": [code]}, schema={"hts": pl.String})
    return str(frame.select(describe("hts")[0]).item())


def with_hts_descriptions(frame: pl.DataFrame, column: str = "hts_code") -> pl.DataFrame:
    """`frame` with `description` and `description_full` of `column` right after it."""
    described = frame.with_columns(describe(column, name="description"))
    at = frame.columns.index(column) + 1
    order = [*frame.columns[:at], "description", "description_full", *frame.columns[at:]]
    return described.select(order)
