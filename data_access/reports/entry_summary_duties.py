"""Entry Summary, continued: trade programs, AD/CVD cases, liquidation and protests.

Liquidation facts are per entry, so those reports read entry_summaries (money there is
the header's). "Today" is the option `as_of` (default: the real today) so a test or a
presenter can pin it. Rules (DOMAIN.md): an entry with no liquidation date is expected
to liquidate 314 days after entry; a protest is due 180 days after liquidation.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import polars as pl

from data_access.reports.base import Scope, money_sum, month, report, safe_ratio, with_descriptions
from data_access.reports.entry_summary import CATEGORY, LINES, as_counts, headers, lines
from data_access.schema import MONEY_TOTAL

HEADERS = ("entry_summaries",)
LIQUIDATION_DAYS = 314
PROTEST_DAYS = 180
WINDOWS = (30, 60, 90)
ADCVD_ENTRY_TYPE = "03"
NO_PROGRAM = "No special program"


# --- trade programs ---------------------------------------------------------------------
@report(
    "entry_summary.spi_share",
    title="Share of value by special program (SPI)",
    category=CATEGORY,
    tables=LINES,
)
def spi_share(scope: Scope, *, recon: str = "all") -> pl.DataFrame:
    """Per month and SPI: entered value and its share of the month's value.

    The commodity ordinal carries the line's value and SPI; a line without an SPI counts
    under a null SPI described as "No special program".
    """
    t = lines(scope, recon)
    t = t.filter(t.tariff_ordinal == 1)
    expr = t.group_by(month=month(t.entry_date), spi=t.spi).aggregate(
        lines=t.count(), entered_value=money_sum(t.entered_value)
    )
    frame = as_counts(scope.run(expr)).sort("month", "spi", nulls_last=True)
    share = safe_ratio(pl.col("entered_value"), pl.col("entered_value").sum().over("month"))
    frame = with_descriptions(frame.with_columns(share=share), "spi")
    return frame.with_columns(
        pl.when(pl.col("spi").is_null())
        .then(pl.lit(NO_PROGRAM))
        .otherwise(pl.col("spi_description"))
        .alias("spi_description")
    )


@report(
    "entry_summary.chapter99_duties",
    title="Chapter 99 additional duties by country",
    category=CATEGORY,
    tables=LINES,
)
def chapter99_duties(scope: Scope, *, recon: str = "all") -> pl.DataFrame:
    """Per month and country of origin: duty on Chapter 99 numbers (e.g. Section 301)."""
    t = lines(scope, recon)
    t = t.filter(t.hts_number.startswith(ibis.literal("99")))
    expr = t.group_by(month=month(t.entry_date), country_of_origin=t.country_of_origin).aggregate(
        tariff_rows=t.count(), duties=money_sum(t.duty_amount.fill_null(0))
    )
    frame = as_counts(scope.run(expr), "tariff_rows").sort("month", "country_of_origin")
    return with_descriptions(frame, "country_of_origin")


# --- AD/CVD -----------------------------------------------------------------------------
@report("entry_summary.adcvd_cases", title="AD/CVD by case", category=CATEGORY, tables=LINES)
def adcvd_cases(scope: Scope, *, recon: str = "all") -> pl.DataFrame:
    """Type 03 entries: antidumping (ADD) and countervailing (CVD) duty by case number."""
    t = lines(scope, recon)
    t = t.filter(t.entry_type == ADCVD_ENTRY_TYPE)
    parts = []
    for duty in ("add", "cvd"):
        case, amount = t[f"{duty}_case_number"], t[f"{duty}_amount"]
        rows = t.filter(case.notnull() | amount.notnull())
        parts.append(
            rows.group_by(case_number=rows[f"{duty}_case_number"]).aggregate(
                duty=ibis.literal(duty.upper()),
                entries=rows.entry_number.nunique(),
                lines=rows.count(),
                entered_value=money_sum(rows.entered_value),
                amount=money_sum(rows[f"{duty}_amount"].fill_null(0)),
            )
        )
    frame = as_counts(scope.run(ibis.union(*parts)))
    keys = ["amount", "case_number", "duty"]
    return frame.sort(keys, descending=[True, False, False], nulls_last=True)


# --- liquidation ------------------------------------------------------------------------
def _liquidated(t: ibis.Table, as_of: date) -> ibis.BooleanValue:
    return t.liquidation_date.notnull() & (t.liquidation_date <= ibis.literal(as_of))


@report(
    "entry_summary.liquidation_status",
    title="Liquidated and unliquidated entries by type",
    category=CATEGORY,
    tables=HEADERS,
)
def liquidation_status(
    scope: Scope, *, recon: str = "all", as_of: date | None = None
) -> pl.DataFrame:
    """Per entry type: entries liquidated by `as_of` and entries not (yet) liquidated."""
    as_of = as_of or date.today()
    t = headers(scope, recon)
    status = ibis.ifelse(_liquidated(t, as_of), "Liquidated", "Unliquidated")
    expr = t.group_by(entry_type=t.entry_type, status=status).aggregate(
        entries=t.count(),
        entered_value=money_sum(t.entered_value),
        duties=money_sum(t.duty_amount.fill_null(0)),
    )
    return with_descriptions(as_counts(scope.run(expr)).sort("entry_type", "status"), "entry_type")


def _due_rows(scope: Scope, recon: str, as_of: date, within: int) -> ibis.Table:
    """Unliquidated entries whose expected liquidation falls in [as_of, as_of + within]."""
    t = headers(scope, recon)
    first = as_of - timedelta(days=LIQUIDATION_DAYS)  # bounds on entry_date prune files
    last = first + timedelta(days=within)
    t = t.filter(
        t.liquidation_date.isnull(),
        t.entry_date >= ibis.literal(first),
        t.entry_date <= ibis.literal(last),
    )
    return t.mutate(expected_liquidation_date=t.entry_date + ibis.interval(days=LIQUIDATION_DAYS))


@report(
    "entry_summary.liquidation_due",
    title="Entries expected to liquidate",
    category=CATEGORY,
    tables=HEADERS,
)
def liquidation_due(
    scope: Scope, *, recon: str = "all", as_of: date | None = None, within: int = 90
) -> pl.DataFrame:
    """Entries with no liquidation date expected to liquidate in the next `within` days."""
    as_of = as_of or date.today()
    t = _due_rows(scope, recon, as_of, within)
    expr = t.select(
        "entry_number", "entry_type", "importer_number", "filer_code", "port_of_entry",
        "entry_date", "expected_liquidation_date", "entered_value", "duty_amount",
    )  # fmt: skip
    frame = scope.run(expr).sort("expected_liquidation_date", "entry_number")
    days = (pl.col("expected_liquidation_date") - pl.lit(as_of)).dt.total_days()
    window = pl.lit(None, pl.Int64)
    for limit in reversed(WINDOWS):
        window = pl.when(days <= limit).then(pl.lit(limit, pl.Int64)).otherwise(window)
    frame = frame.with_columns(days_to_liquidation=days.cast(pl.Int64), within_days=window)
    return with_descriptions(frame, "entry_type")


@report(
    "entry_summary.liquidation_due_summary",
    title="Entries expected to liquidate in the next 30/60/90 days",
    category=CATEGORY,
    tables=HEADERS,
)
def liquidation_due_summary(
    scope: Scope, *, recon: str = "all", as_of: date | None = None
) -> pl.DataFrame:
    """One row per window (30, 60, 90 days, each counting from `as_of`): entries, value."""
    as_of = as_of or date.today()
    t = _due_rows(scope, recon, as_of, max(WINDOWS))
    sums = {}
    for days in WINDOWS:
        inside = t.expected_liquidation_date <= ibis.literal(as_of + timedelta(days=days))
        sums[f"entries_{days}"] = inside.sum().coalesce(0)
        sums[f"value_{days}"] = money_sum(ibis.ifelse(inside, t.entered_value, 0))
        sums[f"duties_{days}"] = money_sum(ibis.ifelse(inside, t.duty_amount.fill_null(0), 0))
    row = scope.run(t.aggregate(**sums)).row(0, named=True)
    return pl.DataFrame(
        {
            "within_days": list(WINDOWS),
            "until": [as_of + timedelta(days=d) for d in WINDOWS],
            "entries": [int(row[f"entries_{d}"] or 0) for d in WINDOWS],
            "entered_value": [row[f"value_{d}"] for d in WINDOWS],
            "duties": [row[f"duties_{d}"] for d in WINDOWS],
        },
        schema_overrides={"entered_value": MONEY_TOTAL, "duties": MONEY_TOTAL},
    )


@report(
    "entry_summary.protest_windows",
    title="Protest windows open",
    category=CATEGORY,
    tables=HEADERS,
)
def protest_windows(scope: Scope, *, recon: str = "all", as_of: date | None = None) -> pl.DataFrame:
    """Entries liquidated within the last 180 days of `as_of`: the protest can still be
    filed, until `protest_deadline` (liquidation date + 180 days)."""
    as_of = as_of or date.today()
    t = headers(scope, recon)
    t = t.filter(
        t.liquidation_date <= ibis.literal(as_of),
        t.liquidation_date >= ibis.literal(as_of - timedelta(days=PROTEST_DAYS)),
    )
    expr = t.select(
        "entry_number", "entry_type", "importer_number", "filer_code", "entry_date",
        "liquidation_date", "liquidation_type", "entered_value", "duty_amount",
        protest_deadline=t.liquidation_date + ibis.interval(days=PROTEST_DAYS),
    )  # fmt: skip
    frame = scope.run(expr).sort("protest_deadline", "entry_number")
    days = (pl.col("protest_deadline") - pl.lit(as_of)).dt.total_days().cast(pl.Int64)
    return with_descriptions(frame.with_columns(days_left=days), "entry_type", "liquidation_type")
