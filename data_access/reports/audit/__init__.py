"""Audit findings: the checks consultants run by hand over ITRAC and ES-003 data.

Each check (`checks.CHECKS`, defined in `lines`, `formats`, `fees`, `programs`) has a
sentence a compliance manager reads, a severity and the dollars involved, and returns the
rows that prove each finding. The reports:

- `audit.summary`: one row per check (findings, rows, dollars), by severity then dollars;
- `audit.findings`: the proving rows, all checks or one (`check`), paged;
- `audit.findings_count`: how many rows `audit.findings` has;
- `audit.by_filer`: findings and lines per filer (the broker scorecard's audit figure).

Every read goes through `Scope.table`: a principal never sees a finding on rows it may not
see. Options `rules` and `registry` name other rule files (default: the configured ones).
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import polars as pl

from data_access import audit_rules, settings, tariff_layers
from data_access.reports.audit import fees, formats, lines, programs  # noqa: F401  (registers)
from data_access.reports.audit.checks import CHECKS, ROW_SCHEMA, SEVERITIES, Context
from data_access.reports.base import Scope, report
from data_access.reports.paging import page_frame

CATEGORY = "Audit"
TABLES = ("entry_lines", "entry_summaries")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
FINDING_COLUMNS = ("check", "check_title", "severity", *ROW_SCHEMA.names())


def run_check(ctx: Context, check_id: str) -> pl.DataFrame:
    """The proving rows of one check, with its id, title and severity in front."""
    spec = CHECKS[check_id]
    rows = spec.function(ctx)
    return rows.select(
        pl.lit(spec.id).alias("check"),
        pl.lit(spec.title).alias("check_title"),
        pl.lit(spec.severity).alias("severity"),
        pl.all(),
    )


def _check(check: str) -> str:
    if check and check not in CHECKS:
        raise ValueError(f"check: {check!r} is not one of {', '.join(CHECKS)}")
    return check


def all_findings(
    scope: Scope, rules: str | None = None, registry: str | None = None, check: str = ""
) -> pl.DataFrame:
    """Every proving row (of `check`, or of all), ordered: severity, the finding's dollars
    (largest first), check, finding, then the row itself."""
    rules_path = str(audit_rules.default_path() if rules is None else rules)
    registry_path = str(tariff_layers.default_path() if registry is None else registry)
    versions = (_version(rules_path), _version(registry_path), settings.today())
    frame = _every_finding(scope, rules_path, registry, versions)
    return frame.filter(pl.col("check") == check) if check else frame


def _version(path: str) -> float:
    """A rules file's modification time: an edit makes a new cache key."""
    return Path(path).stat().st_mtime if Path(path).exists() else 0.0


@functools.lru_cache(maxsize=64)
def _every_finding(
    scope: Scope, rules: str, registry: str | None, versions: tuple[float, float, date]
) -> pl.DataFrame:
    """Every check's rows, computed once per scope (engine snapshot, principal, filters),
    rules files' versions and today (`versions`): the summary, a page of rows and their
    count share one run. The key holds the principal: one principal's findings never
    serve another."""
    del versions  # part of the key only
    ctx = Context(scope, audit_rules.load(rules), registry)
    frames = [run_check(ctx, c) for c in CHECKS]
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=dict.fromkeys(FINDING_COLUMNS))
    rank = pl.col("severity").replace_strict(SEVERITY_RANK, return_dtype=pl.Int8)
    finding_dollars = pl.col("dollars").sum().over("check", "finding")
    frame = frame.with_columns(_rank=rank, _total=finding_dollars)
    keys = ["_rank", "_total", "check", "finding", "entry_number", "line_number",
            "tariff_ordinal", "hts_number", "dollars", "detail"]  # fmt: skip
    descending = [False, True, *([False] * (len(keys) - 2))]
    return frame.sort(keys, descending=descending, nulls_last=True).drop("_rank", "_total")


@report("audit.checks", title="Audit checks", category=CATEGORY, tables=TABLES)
def checks(scope: Scope) -> pl.DataFrame:
    """One row per check: id, title, the sentence that explains it, severity, and what its
    dollars are (no data is read)."""
    del scope
    return pl.DataFrame(
        [
            {
                "check": c.id,
                "title": c.title,
                "explanation": c.explanation,
                "severity": c.severity,
                "dollars_are": c.dollars,
            }
            for c in CHECKS.values()
        ],
        schema={n: pl.String for n in ("check", "title", "explanation", "severity", "dollars_are")},
    )


@report("audit.summary", title="Audit findings by check", category=CATEGORY, tables=TABLES)
def summary(scope: Scope, *, rules: str | None = None, registry: str | None = None) -> pl.DataFrame:
    """Per check: findings, proving rows, dollars involved; every check is listed (0 when
    clean), by severity, then dollars (largest first)."""
    found = all_findings(scope, rules, registry)
    per = found.group_by("check").agg(
        findings=pl.col("finding").n_unique().cast(pl.Int64),
        rows=pl.len().cast(pl.Int64),
        dollars=pl.col("dollars").sum().cast(pl.Decimal(38, 2)),
    )
    frame = (
        checks(scope)
        .join(per, on="check", how="left")
        .with_columns(
            pl.col("findings", "rows").fill_null(0),
            pl.col("dollars").fill_null(pl.lit(0).cast(pl.Decimal(38, 2))),
        )
    )
    rank = pl.col("severity").replace_strict(SEVERITY_RANK, return_dtype=pl.Int8)
    frame = frame.with_columns(_rank=rank).sort(
        ["_rank", "dollars", "check"], descending=[False, True, False]
    )
    return frame.drop("_rank").select(
        "check", "title", "severity", "findings", "rows", "dollars", "explanation", "dollars_are"
    )


@report("audit.findings", title="Audit findings", category=CATEGORY, tables=TABLES)
def findings(
    scope: Scope,
    *,
    check: str = "",
    offset: int = 0,
    limit: int | None = None,
    rules: str | None = None,
    registry: str | None = None,
) -> pl.DataFrame:
    """The rows that prove each finding (all checks, or `check`), most serious and costly
    first; `offset` and `limit` page them."""
    frame = page_frame(all_findings(scope, rules, registry, _check(check)), offset, limit)
    return frame.with_columns(filer_code=pl.col("entry_number").str.slice(0, 3))


@report("audit.findings_count", title="Audit finding rows", category=CATEGORY, tables=TABLES)
def findings_count(
    scope: Scope, *, check: str = "", rules: str | None = None, registry: str | None = None
) -> pl.DataFrame:
    frame = all_findings(scope, rules, registry, _check(check))
    return pl.DataFrame({"rows": [frame.height]}, schema={"rows": pl.Int64})
