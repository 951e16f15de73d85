"""When an entry liquidates: the clock each entry type follows, and ACE's posting day.

One definition, read by the liquidation reports (`reports.entry_summary_duties`) and the
demo generator (`synth.tables`). Facts (docs/DOMAIN.md, "Liquidation"):

- 19 USC 1504(a): an entry liquidates within one year of entry, or is deemed liquidated;
  CBP's practice is about 314 days after entry, posted in ACE weekly, on Fridays.
- 19 USC 1504(b): CBP may extend liquidation, a year at a time, up to three times; 1504(c)
  suspends it where the law requires: AD/CVD entries (types 03, 07) stay suspended until
  Commerce's liquidation instructions, often for years.
- 19 USC 1504(a)(1)(B): warehouse entries (21, 22, 24, 25, 26) liquidate on their
  withdrawals, not on their own clock; a temporary importation bond (23) closes on export.
- 19 USC 1514(c)(3): a protest is due within 180 days of liquidation; 19 USC 1501: CBP may
  reliquidate on its own within 90 days of liquidation.

These have not changed since the Customs Modernization Act (1993) and no date in the data
switches them, so they are named constants here with their cites, not a dated table in
config/ (the tariff layers and refund routes, which do change, are).
"""

from __future__ import annotations

from datetime import date, timedelta

LIQUIDATION_DAYS = 314  # CBP's usual timing inside the one-year window of 19 USC 1504(a)
POSTING_WEEKDAY = 4  # ACE posts liquidations on Fridays (Monday = 0)
PROTEST_DAYS = 180  # 19 USC 1514(c)(3)
RELIQUIDATION_DAYS = 90  # 19 USC 1501
EXTENSION_DAYS = 365  # one extension, 19 USC 1504(b)

# The clock of an entry type; any type not listed follows the 314-day forecast.
FORECAST = "314 days"
SUSPENDED = "Suspended (AD/CVD)"
ON_WITHDRAWAL = "On withdrawal"
ON_EXPORT = "On export"
CLOCKS: dict[str, str] = {
    "03": SUSPENDED,
    "07": SUSPENDED,
    "21": ON_WITHDRAWAL,
    "22": ON_WITHDRAWAL,
    "24": ON_WITHDRAWAL,
    "25": ON_WITHDRAWAL,
    "26": ON_WITHDRAWAL,
    "23": ON_EXPORT,
}
# Liquidation statuses (as ACE writes them, upper-cased) that hold an entry off the clock.
HELD_STATUSES: dict[str, str] = {"SUSPENDED": "Suspended", "EXTENDED": "Extended"}


def clock(entry_type: str) -> str:
    """How an entry of this type liquidates: FORECAST, SUSPENDED, ON_WITHDRAWAL, ON_EXPORT."""
    return CLOCKS.get(entry_type, FORECAST)


def types_on(kind: str) -> list[str]:
    return [t for t, c in CLOCKS.items() if c == kind]


def posting_day(day: date) -> date:
    """The first Friday on or after `day` (ACE's weekly posting)."""
    return day + timedelta(days=(POSTING_WEEKDAY - day.weekday()) % 7)


def expected_liquidation(entry_date: date) -> date:
    """The forecast for an entry on the 314-day clock: the Friday on or after day 314."""
    return posting_day(entry_date + timedelta(days=LIQUIDATION_DAYS))
