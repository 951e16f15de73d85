"""Entry Summary, continued: trade programs, AD/CVD cases, liquidation and protests.

Liquidation facts are per entry, so those reports read entry_summaries (money there is
the header's). "Today" is the option `as_of` (default: today, or ITRAC_TODAY) so a test
or a presenter can pin it. Rules (`data_access.liquidation`, with their cites): an entry on the
314-day clock that is not liquidated is expected on the Friday on or after day 314 (ACE
posts weekly); AD/CVD entries (03, 07) are suspended, warehouse entries (21, 22, 24-26)
liquidate on their withdrawals and TIBs (23) close on export, so none of those is
forecast; nor are entries whose status says suspended or extended. An entry past its
expected day and still unliquidated is overdue (listed, not dropped). A protest is due
180 days after liquidation.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import polars as pl

from data_access import liquidation as rules
from data_access import settings
from data_access.reports.base import Scope, money_sum, month, report, safe_ratio, with_descriptions
from data_access.reports.entry_summary import CATEGORY, LINES, as_counts, headers, lines
from data_access.schema import MONEY_TOTAL

HEADERS = ("entry_summaries",)
LIQUIDATION_DAYS = rules.LIQUIDATION_DAYS
PROTEST_DAYS = rules.PROTEST_DAYS
WINDOWS = (30, 60, 90)
OVERDUE, UNLIQUIDATED, LIQUIDATED = "Overdue", "Unliquidated", "Liquidated"
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


def _posting_day(day: ibis.DateValue) -> ibis.DateValue:
    """The Friday on or after `day` (ACE posts liquidations weekly)."""
    shift = (rules.POSTING_WEEKDAY - day.day_of_week.index() + 7) % 7
    return day + shift.as_interval("D")


def _expected(t: ibis.Table) -> ibis.DateValue:
    return _posting_day(t.entry_date + ibis.interval(days=LIQUIDATION_DAYS))


def _clock(t: ibis.Table) -> ibis.StringValue:
    """The entry's clock: its type's (suspended, on withdrawal, on export), else a held
    status (suspended, extended), else the 314-day forecast."""
    status = t.liquidation_status.upper()
    clock = ibis.literal(rules.FORECAST)
    for code, name in rules.HELD_STATUSES.items():
        clock = ibis.ifelse(status == code, name, clock)
    for kind in (rules.ON_EXPORT, rules.ON_WITHDRAWAL, rules.SUSPENDED):
        clock = ibis.ifelse(t.entry_type.isin(rules.types_on(kind)), kind, clock)
    return clock


def _state(t: ibis.Table, as_of: date) -> ibis.StringValue:
    """Liquidated by `as_of`; else its clock, or Overdue / Unliquidated on the forecast."""
    clock = _clock(t)
    late = _expected(t) < ibis.literal(as_of)
    forecast = ibis.ifelse(late, OVERDUE, UNLIQUIDATED)
    open_state = ibis.ifelse(clock == rules.FORECAST, forecast, clock)
    return ibis.ifelse(_liquidated(t, as_of), LIQUIDATED, open_state)


@report(
    "entry_summary.liquidation_status",
    title="Liquidated and unliquidated entries by type",
    category=CATEGORY,
    tables=HEADERS,
)
def liquidation_status(
    scope: Scope, *, recon: str = "all", as_of: date | None = None
) -> pl.DataFrame:
    """Per entry type: entries liquidated by `as_of`, and the others by where they stand:
    Unliquidated (on the 314-day forecast), Overdue (past it), Suspended (AD/CVD),
    Suspended or Extended (their status), On withdrawal (warehouse), On export (TIB)."""
    as_of = as_of or settings.today()
    t = headers(scope, recon)
    expr = t.group_by(entry_type=t.entry_type, status=_state(t, as_of)).aggregate(
        entries=t.count(),
        entered_value=money_sum(t.entered_value),
        duties=money_sum(t.duty_amount.fill_null(0)),
    )
    return with_descriptions(as_counts(scope.run(expr)).sort("entry_type", "status"), "entry_type")


def _due_rows(scope: Scope, recon: str, as_of: date, within: int) -> ibis.Table:
    """Entries on the 314-day clock, not liquidated by `as_of`, expected by as_of + within
    (overdue ones included: expected before `as_of`)."""
    t = headers(scope, recon)
    last = as_of - timedelta(days=LIQUIDATION_DAYS) + timedelta(days=within)
    t = t.filter(~_liquidated(t, as_of), t.entry_date <= ibis.literal(last))
    t = t.filter(_clock(t) == rules.FORECAST)
    return t.mutate(expected_liquidation_date=_expected(t))


@report(
    "entry_summary.liquidation_due",
    title="Entries expected to liquidate",
    category=CATEGORY,
    tables=HEADERS,
)
def liquidation_due(
    scope: Scope, *, recon: str = "all", as_of: date | None = None, within: int = 90
) -> pl.DataFrame:
    """Entries on the 314-day clock expected to liquidate in the next `within` days (on
    ACE's Friday), and those already past that day and not liquidated (overdue) first."""
    as_of = as_of or settings.today()
    t = _due_rows(scope, recon, as_of, within)
    t = t.filter(t.expected_liquidation_date <= ibis.literal(as_of + timedelta(days=within)))
    expr = t.select(
        "entry_number", "entry_type", "importer_number", "filer_code", "port_of_entry",
        "entry_date", "expected_liquidation_date", "entered_value", "duty_amount",
    )  # fmt: skip
    frame = scope.run(expr).sort("expected_liquidation_date", "entry_number")
    days = (pl.col("expected_liquidation_date") - pl.lit(as_of)).dt.total_days()
    window = pl.lit(None, pl.Int64)
    for limit in reversed(WINDOWS):
        window = pl.when(days.is_between(0, limit)).then(pl.lit(limit, pl.Int64)).otherwise(window)
    frame = frame.with_columns(
        days_to_liquidation=days.cast(pl.Int64), within_days=window, overdue=days < 0
    )
    return with_descriptions(frame, "entry_type")


@report(
    "entry_summary.liquidation_due_summary",
    title="Entries overdue and expected to liquidate in the next 30/60/90 days",
    category=CATEGORY,
    tables=HEADERS,
)
def liquidation_due_summary(
    scope: Scope, *, recon: str = "all", as_of: date | None = None
) -> pl.DataFrame:
    """One row of overdue entries (expected before `as_of`, not liquidated), then one per
    window (30, 60, 90 days, each counting from `as_of`): entries, value, duties."""
    as_of = as_of or settings.today()
    t = _due_rows(scope, recon, as_of, max(WINDOWS))
    day = ibis.literal(as_of)
    groups = {"overdue": t.expected_liquidation_date < day}
    for days in WINDOWS:
        until = ibis.literal(as_of + timedelta(days=days))
        groups[str(days)] = (t.expected_liquidation_date >= day) & (
            t.expected_liquidation_date <= until
        )
    sums = {}
    for key, inside in groups.items():
        sums[f"entries_{key}"] = inside.sum().coalesce(0)
        sums[f"value_{key}"] = money_sum(ibis.ifelse(inside, t.entered_value, 0))
        sums[f"duties_{key}"] = money_sum(ibis.ifelse(inside, t.duty_amount.fill_null(0), 0))
    row = scope.run(t.aggregate(**sums)).row(0, named=True)
    keys = list(groups)
    return pl.DataFrame(
        {
            "window": [OVERDUE, *(f"Next {d} days" for d in WINDOWS)],
            "within_days": [None, *WINDOWS],
            "until": [as_of - timedelta(days=1), *(as_of + timedelta(days=d) for d in WINDOWS)],
            "entries": [int(row[f"entries_{k}"] or 0) for k in keys],
            "entered_value": [row[f"value_{k}"] for k in keys],
            "duties": [row[f"duties_{k}"] for k in keys],
        },
        schema_overrides={
            "within_days": pl.Int64,
            "entered_value": MONEY_TOTAL,
            "duties": MONEY_TOTAL,
        },
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
    as_of = as_of or settings.today()
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
