"""Whether the entry summaries agree with their lines: what lets a count of entry
summaries under a line filter (countries, HTS prefix) come from the line rollups.

Under a line filter an entry summary is in scope when its own header fields pass the
filters and its entry has a line that passes them (`reports.base.Scope._through_lines`):
on a 50M-line lake that is a match of the summaries through millions of entry keys per
question. The entries of the matching lines (`reports.line_totals`: the entries-by-
countries and entries-by-HTS rollups) are the same entries, per the same header fields,
exactly when every entry with lines has one summary, no summary lacks its lines, and the
summary's fields the question reads (the keys it groups by, the fields it filters on,
the principal's and the entry date) are its lines'. The demo plants entries whose lines
say air and whose summary says vessel (`synth.audit`): such a field is left out, and a
question reading it matches row by row.

Counted per year of the lines and summaries when the rollups are rebuilt (`rollups.rebuild`,
a year again only when its files changed), from the year's `entry_countries` rollup (the
lines' distinct header fields, dates and entry numbers, per country: 2.5x fewer rows than
`entry_keys`, which also has the HTS number) and its summaries, kept in the rollups'
`sources.json`::

    "agreement": {"2024": {"lines": [...], "summaries": [...], "counts": {"alone": 0,
                  "repeated": 0, "importer_number": 0, ..., "entry_date": 0}}}

An entry whose summary is filed in another year than its lines is alone in both years:
counted, never missed.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import duckdb

from data_access.lake import layout
from data_access.lake.layout import ROLLUPS_DIR
from data_access.measures import HEADER_DIMS, RELEASE_KEYS
from data_access.schema import CARGO_RELEASES, ENTRY_LINES, ENTRY_SUMMARIES

KEY = "agreement"
DATE = "entry_date"
FIELDS = (*HEADER_DIMS, DATE)  # what a summary and its lines must share
KEYS_ROLLUP = "entry_countries"  # the lines' distinct keys per country, a file per year
PRINCIPAL = ("importer_number", "filer_code")  # the fields a principal's rows are chosen by
ALWAYS = (*PRINCIPAL, DATE)  # the principal's fields and the period's
RELEASES_KEY = "release_agreement"
RELEASE_FIELDS = RELEASE_KEYS  # what a release and its lines must share to be counted by
# their lines' countries (`rollups.ByLineCountries`); the dates differ by design


def years(
    con: duckdb.DuckDBPyConnection,
    rollups: Path,
    tables: dict[str, Path],
    files: dict[str, dict[str, list[str]]],
    previous: dict[str, dict],
) -> dict[str, dict]:
    """Each year's counts of disagreement, for the year's current files (`files`: {table:
    {year: file names}}); a year whose files did not change keeps its `previous` counts."""
    lines, summaries = files.get(ENTRY_LINES.name, {}), files.get(ENTRY_SUMMARIES.name, {})
    out = {}
    for year in sorted(set(lines) | set(summaries)):
        held = {"lines": lines.get(year, []), "summaries": summaries.get(year, [])}
        before = previous.get(year) or {}
        if {k: before.get(k) for k in held} == held and "counts" in before:
            out[year] = before
            continue
        folder = layout.year_folder(rollups / KEYS_ROLLUP, year)
        keys = [str(p) for p in sorted(folder.glob("*.parquet"))] if held["lines"] else []
        heads = layout.year_folder(tables[ENTRY_SUMMARIES.name], year)
        out[year] = {
            **held,
            "counts": _counts(con, keys, [str(heads / n) for n in held["summaries"]]),
        }
    return out


def _counts(
    con: duckdb.DuckDBPyConnection, keys: list[str], summaries: list[str]
) -> dict[str, int]:
    """One year: entries with lines and no summary or a summary and no lines (`alone`),
    entry numbers held twice (`repeated`), and per field the entries whose summary differs
    from their lines (the date: from any of them)."""
    if not keys or not summaries:
        rows = _rows(con, keys) + _rows(con, summaries)
        return {"alone": rows, "repeated": 0, **dict.fromkeys(FIELDS, 0)}
    return _run(con, keys, summaries)


def _run(con: duckdb.DuckDBPyConnection, keys: list[str], summaries: list[str]) -> dict[str, int]:
    """`_counts`' query: each summary beside its entry's lines (their fields `l_<field>`),
    a full join on the entry number."""
    lines_fields = ", ".join(f'min("{f}") AS "l_{f}"' for f in HEADER_DIMS)
    differs = ", ".join(
        f'count_if(both_ AND "{f}" IS DISTINCT FROM "l_{f}") AS "{f}"' for f in HEADER_DIMS
    )
    columns = ", ".join(f'"{f}"' for f in FIELDS)
    sql = f"""
        WITH l AS (
            SELECT entry_number AS l_entry, {lines_fields},
                min({DATE}) AS l_first, max({DATE}) AS l_last
            FROM read_parquet($keys) GROUP BY entry_number
        ), s AS (
            SELECT entry_number AS s_entry, {columns} FROM read_parquet($heads)
        ), j AS (
            SELECT *, s_entry IS NOT NULL AND l_entry IS NOT NULL AS both_
            FROM s FULL JOIN l ON s_entry = l_entry
        )
        SELECT count_if(NOT both_) AS alone,
            count(*) - (SELECT count(*) FROM (SELECT DISTINCT coalesce(s_entry, l_entry) FROM j))
                AS repeated, {differs},
            count_if(both_ AND ({DATE} IS DISTINCT FROM l_first
                OR {DATE} IS DISTINCT FROM l_last)) AS {DATE}
        FROM j
    """
    result = con.execute(sql, {"keys": keys, "heads": summaries})
    names = [d[0] for d in result.description]
    (row,) = result.fetchall()
    return {n: int(v or 0) for n, v in zip(names, row, strict=True)}


def _rows(con: duckdb.DuckDBPyConnection, files: list[str]) -> int:
    if not files:
        return 0
    return int(con.execute("SELECT count(*) FROM read_parquet($p)", {"p": files}).fetchall()[0][0])


def missing(sources: dict, files: dict[str, dict[str, list[str]]]) -> bool:
    """Whether `sources` lacks the agreement of some year of `files` (rollups built before
    it was counted): the next rebuild counts it."""
    held = sources.get(KEY) or {}
    lines, summaries = files.get(ENTRY_LINES.name, {}), files.get(ENTRY_SUMMARIES.name, {})
    return any(year not in held for year in set(lines) | set(summaries))


def agreeing(lake: Path | object, generation: str) -> frozenset[str]:
    """The fields (of `FIELDS`) every entry summary of the lake's snapshot `generation`
    (the engine's: read once per snapshot) shares with its lines; none when some entry has
    lines and no summary or the reverse, an entry number is held twice, a year was not
    counted, or the lake is not a folder (object storage: the pages match row by row)."""
    if not isinstance(lake, Path):
        return frozenset()
    return _agreeing(str(lake), generation)


@functools.lru_cache(maxsize=16)
def _sources(lake: str, generation: str) -> dict:
    """The rollups' `sources.json` of the lake's snapshot `generation` (empty: none)."""
    snapshot = Path(lake) / layout.SNAPSHOTS / generation if generation else Path(lake)
    try:
        return json.loads((snapshot / ROLLUPS_DIR / "sources.json").read_text())
    except (OSError, ValueError):
        return {}


@functools.lru_cache(maxsize=16)
def _agreeing(lake: str, generation: str) -> frozenset[str]:
    sources = _sources(lake, generation)
    files = sources.get("files") or {}
    held = sources.get(KEY) or {}
    if not held or missing(sources, files):
        return frozenset()
    counts = [year.get("counts") or {} for year in held.values()]
    if any(c.get("alone", 1) or c.get("repeated", 1) for c in counts):
        return frozenset()
    return frozenset(f for f in FIELDS if all(c.get(f, 1) == 0 for c in counts))


# --- the releases -------------------------------------------------------------------------
def releases(
    con: duckdb.DuckDBPyConnection,
    rollups: Path,
    tables: dict[str, Path],
    files: dict[str, dict[str, list[str]]],
) -> dict[str, object]:
    """The releases whose entry has lines, and per field of RELEASE_FIELDS those whose
    value is not their lines' (an entry's lines from `entry_countries`, any year: a
    release is dated by arrival), for the current files; counted for the whole lake at
    each rebuild (a few seconds on a 50M-line lake)."""
    held = {t: files.get(t, {}) for t in (ENTRY_LINES.name, CARGO_RELEASES.name)}
    keys = [str(p) for p in layout.files(rollups / KEYS_ROLLUP)]
    folder = tables[CARGO_RELEASES.name]
    heads = [
        str(layout.year_folder(folder, y) / n)
        for y, ns in held[CARGO_RELEASES.name].items()
        for n in ns
    ]
    if not keys or not heads:
        return {"files": held, "counts": {"matched": 0, **dict.fromkeys(RELEASE_FIELDS, 0)}}
    lines_fields = ", ".join(f'min("{f}") AS "l_{f}"' for f in RELEASE_FIELDS)
    differs = ", ".join(
        f'count_if("{f}" IS DISTINCT FROM "l_{f}") AS "{f}"' for f in RELEASE_FIELDS
    )
    fields = ", ".join(f'"{f}"' for f in RELEASE_FIELDS)
    sql = f"""
        WITH r AS (SELECT entry_number, {fields} FROM read_parquet($heads)),
        l AS (
            SELECT entry_number, {lines_fields} FROM read_parquet($keys)
            WHERE entry_number IN (SELECT entry_number FROM r) GROUP BY entry_number
        )
        SELECT count(*) AS matched, {differs} FROM r JOIN l USING (entry_number)
    """
    result = con.execute(sql, {"keys": keys, "heads": heads})
    names = [d[0] for d in result.description]
    (row,) = result.fetchall()
    return {"files": held, "counts": {n: int(v or 0) for n, v in zip(names, row, strict=True)}}


def releases_agreeing(lake: Path | object, generation: str) -> frozenset[str]:
    """The fields (of RELEASE_FIELDS) every release of the snapshot shares with its
    lines; none where they were not counted for its files (rollups built before) or the
    lake is not a folder."""
    if not isinstance(lake, Path):
        return frozenset()
    return _releases_agreeing(str(lake), generation)


@functools.lru_cache(maxsize=16)
def _releases_agreeing(lake: str, generation: str) -> frozenset[str]:
    sources = _sources(lake, generation)
    held = sources.get(RELEASES_KEY) or {}
    files = sources.get("files") or {}
    tables = (ENTRY_LINES.name, CARGO_RELEASES.name)
    if held.get("files") != {t: files.get(t, {}) for t in tables}:
        return frozenset()
    counts = held.get("counts") or {}
    return frozenset(f for f in RELEASE_FIELDS if counts.get(f, 1) == 0)
