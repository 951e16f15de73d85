"""Broker scorecard: per filer, what it filed and how CBP and the audit judged it.

Per filer code: entries and entered value, goods lines, exams and the exam rate (exams
per entry, as the Exams page counts them), exams that found a discrepancy, releases held
by an agency and the median days from arrival to release, entries that drew a CF-28 or a
CF-29 and their rates, entries corrected by a post-summary correction (ES-003's Post Summary
Correction Indicator, `entry_summaries.psc_indicator`) and their rate, and the audit's
findings (`audit.summary`'s checks, informational ones left out) per 1,000 goods lines.
PSCs are counted where the data shows them: a filer none of whose entries carries the
indicator (an ITRAC CD, an ACE layout without it) has no PSC figure, not 0; the rate is
per entry that carries it.

A filer is named from the data where the data names it (ES-003's Filer Name, kept on the
entry summaries); a code the data never names reads "ABC (name unknown)". Everything is
read through `Scope.table`: a broker's scope holds only its own filer codes, so a broker
sees only its own card.
"""

from __future__ import annotations

import ibis.expr.types as ir
import polars as pl

from data_access.measures import EXAM_MEASURES, with_ratios
from data_access.reports import audit
from data_access.reports.base import Scope, month, report, safe_ratio
from data_access.reports.cargo_release import release_times
from data_access.reports.line_totals import line_totals, release_totals, summary_totals
from data_access.reports.names import with_names

CATEGORY = "Broker scorecard"
TABLES = ("entry_summaries", "entry_lines", "exams", "cargo_releases")
KEY = "filer_code"
NAME_UNKNOWN = "name unknown"
COUNTS = ("entries", "lines", "exams", "discrepancies", "releases", "held", "cf28", "cf29",
          "findings")  # fmt: skip
RATES = ("exam_rate", "discrepancy_rate", "hold_rate", "cf28_rate", "cf29_rate", "psc_rate")
CARD = (
    KEY, "filer_name", "entries", "entered_value", "lines", "exams", "exam_rate",
    "discrepancies", "discrepancy_rate", "releases", "held", "hold_rate", "median_days",
    "cf28", "cf28_rate", "cf29", "cf29_rate", "pscs", "psc_rate", "findings",
    "findings_per_1000_lines", "finding_dollars",
)  # fmt: skip


def _exams(x: ir.Table, by: list[ir.Value]) -> ir.Table:
    found = EXAM_MEASURES["discrepancies"].of(x)
    return x.group_by(by).aggregate(exams=x.count(), discrepancies=found)


def _corrections(scope: Scope, by: tuple[str, ...]) -> ir.Table:
    """Entries a post-summary correction changed (`pscs`) and entries whose data says
    either way (`psc_entries`: the indicator is not empty), per `by`."""
    s = scope.table("entry_summaries")
    keys = [s[KEY]] + ([month(s.entry_date).name("month")] if "month" in by else [])
    return s.group_by(keys).aggregate(
        pscs=s.psc_indicator.fill_null(False).sum().coalesce(0).cast("int64"),
        psc_entries=s.psc_indicator.count().cast("int64"),
    )


def _figures(scope: Scope, by: tuple[str, ...]) -> pl.DataFrame:
    """Entries, value, lines, exams, releases and CF forms per `by` (filer, month)."""
    entries = scope.run(summary_totals(scope, by, ("entries", "cf28", "cf29")))
    lines = scope.run(line_totals(scope, by, ("entered_value", "lines"), goods_only=True))
    x = scope.table("exams")
    keys = [x[KEY]] + ([month(x.exam_date).name("month")] if "month" in by else [])
    exams = scope.run(_exams(x, keys))
    histogram = scope.run(release_totals(scope, by, days=True))
    releases = histogram.group_by(list(by)).agg(
        releases=pl.col("releases").sum(),
        held=pl.col("releases").filter(pl.col("held")).sum(),
    )
    times = release_times(histogram, by).select(*by, "median_days")
    corrections = scope.run(_corrections(scope, by))
    frame = entries
    for part in (lines, exams, releases, times, corrections):
        frame = frame.join(part, on=list(by), how="full", coalesce=True, nulls_equal=True)
    return frame


def _findings(scope: Scope, by: tuple[str, ...]) -> pl.DataFrame:
    """The audit's findings (informational checks left out) and their dollars per `by`:
    a finding counts once for each filer whose rows prove it."""
    rows = audit.all_findings(scope).filter(pl.col("severity") != "info")
    rows = rows.with_columns(
        pl.col("entry_number").str.slice(0, 3).alias(KEY),
        pl.col("entry_date").dt.truncate("1mo").alias("month"),
    )
    schema = {k: (pl.Date if k == "month" else pl.String) for k in by}
    if rows.is_empty():
        return pl.DataFrame(
            schema={**schema, "findings": pl.Int64, "finding_dollars": audit_money()}
        )
    return rows.group_by(list(by)).agg(
        findings=pl.struct("check", "finding").n_unique().cast(pl.Int64),
        finding_dollars=pl.col("dollars").sum().cast(audit_money()),
    )


def audit_money() -> pl.DataType:
    return pl.Decimal(38, 2)


def _rates(frame: pl.DataFrame) -> pl.DataFrame:
    counts = [c for c in COUNTS if c in frame.columns]
    frame = frame.with_columns(pl.col(counts).fill_null(0).cast(pl.Int64))
    frame = frame.with_columns(
        pl.col("entered_value").fill_null(pl.lit(0).cast(pl.Decimal(38, 2))),
        pl.col("finding_dollars").fill_null(pl.lit(0).cast(pl.Decimal(38, 2))),
    )
    frame = with_ratios(frame, *RATES)
    return frame.with_columns(
        pscs=pl.when(pl.col("psc_entries") > 0).then(pl.col("pscs").cast(pl.Int64)),
        findings_per_1000_lines=safe_ratio(pl.col("findings") * 1000, pl.col("lines")),
    )


def _named(scope: Scope, frame: pl.DataFrame) -> pl.DataFrame:
    """`filer_name`: the Filer Name the lake holds for the code (ES-003's, on the latest
    entry summary that has one), else 'ABC (name unknown)'."""
    held = pl.col(f"{KEY}_description")
    unknown = pl.col(KEY).fill_null("") + f" ({NAME_UNKNOWN})"
    name = pl.when(held != "").then(held).otherwise(unknown).alias("filer_name")
    return with_names(scope, frame, KEY).with_columns(name)


@report("filers.scorecard", title="Broker scorecard", category=CATEGORY, tables=TABLES)
def scorecard(scope: Scope) -> pl.DataFrame:
    """One card per filer code: entries, value, lines, exams and exam rate, discrepancies,
    holds and median days to release, CF-28 and CF-29 and their rates, post-summary
    corrections and their rate (where the data shows them), audit findings per 1,000 goods
    lines and their dollars; the largest filer (entries) first."""
    by = (KEY,)
    frame = _figures(scope, by).join(_findings(scope, by), on=KEY, how="left")
    frame = _named(scope, _rates(frame.filter(pl.col(KEY).is_not_null())))
    return frame.select(CARD).sort(["entries", KEY], descending=[True, False])


@report("filers.trend", title="Broker scorecard by month", category=CATEGORY, tables=TABLES)
def trend(scope: Scope) -> pl.DataFrame:
    """Per filer and month: the scorecard's figures (entries by entry date, exams by exam
    date, releases by arrival date, findings by entry date)."""
    by = (KEY, "month")
    frame = _figures(scope, by).join(_findings(scope, by), on=list(by), how="full",
                                     coalesce=True)  # fmt: skip
    frame = _rates(frame.filter(pl.col(KEY).is_not_null() & pl.col("month").is_not_null()))
    frame = _named(scope, frame)
    columns = [KEY, "month", *(c for c in CARD if c not in (KEY,))]
    return frame.select(columns).sort([KEY, "month"])
