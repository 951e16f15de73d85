"""The one place the words people read come from: table headers (on screen and in the
files exported with ACE headers), legends and axis titles.

A stored column reads as ACE's own header, from the lake contract (`Column.label` in
data_access/schema.py: "Entry Summary Number", "Line Tariff Goods Value Amount"). A
column the reports derive (a count, a sum, a rate) reads as `DERIVED` says, in ACE's
words where ACE has them. A code's description column (`port_of_entry_description`)
reads as the code's header without "Code" ("Port of Entry"). Pages, tables, charts and
exports (`export.header_names`, `itrac export --headers ace`) ask `label()`; none spells
a header of its own. It lives in data_access, not ui, so the exports use the very words
the screen shows (data_access never imports ui); ui/labels.py hands it to the pages.

A report's columns read in the words of `report_table(report)`: a detail report's rows
are rows of its first lake table (`entry_number` is "Entry Number" on Cargo Release);
sums and counts read in the entry summaries' words ("Entered Value"), unless `REPORT_WORDS`
names a table or page context for them.

Two counts are told apart everywhere (issue 16, item 8): "Lines" are entry summary lines
(one per line number), "Tariff Rows" are the line tariff rows of ES-003, one per tariff
ordinal, Chapter 99 numbers included, so there are more tariff rows than lines.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from data_access import schema
from data_access.tariff_layers import PROGRAM_NAMES_ALL

if TYPE_CHECKING:
    from data_access.reports.base import Report

LINES = "Lines"
TARIFF_ROWS = "Tariff Rows"
LINES_HELP = "Entry summary lines, one per line number (Chapter 99 numbers not counted)"
TARIFF_ROWS_HELP = (
    "Line tariff rows, one per tariff ordinal: a line's goods row and its Chapter 99 rows"
)

DESCRIPTION = "_description"
FULL = "_full"

# The money columns the reports make: dollars on screen (tables, chart axes and hovers,
# ui/column_formats.MONEY_COLUMNS, with the lake contract's decimal(18,2) columns).
DERIVED_MONEY: dict[str, str] = {
    "duties": "Duties",
    "taxes": "Taxes",
    "fees": "Fees",
    "amount": "Amount",
    "line_duties": "Line Duties (with ADD/CVD)",
    "chapter_99_duty_amount": "Chapter 99 Duty Amount",
    "goods_duties": "Duty on Goods Rows",
    "refundable_duties": "Refundable IEEPA Duty",
    "ieepa_duty": "IEEPA Duty",
    "required_amount": "Required Bond Amount",
    "raise_to": "Raise Bond To",
    "dtf_trailing_12m": "Duties, Taxes and Fees (12 Months)",
    "amount_in_force": "Amount in Force",
    "total_amount": "Total Amount",
    "value_adjustment": "Value Adjustment",
    "duty_adjustment": "Duty Adjustment",
    "dollars": "Dollars Involved",  # the audit: what a finding puts at stake
    "finding_dollars": "Audit Dollars Involved",
    **{f"{program}_duties": f"{name} duty" for program, name in PROGRAM_NAMES_ALL.items()},
}

# Columns the reports make (no lake table stores them), and columns whose header on a
# report differs from the stored one. ACE's words where ACE has the field.
DERIVED: dict[str, str] = {
    # counts
    "entries": "Entries",
    "lines": LINES,  # entry summary lines: never the count of tariff rows
    "tariff_rows": TARIFF_ROWS,
    "tariff_numbers": TARIFF_ROWS,  # a line's tariff ordinals (its goods and Chapter 99 rows)
    "rows": "Rows",
    "exams": "Exams",
    "discrepancies": "Discrepancies",
    "releases": "Releases",
    "released": "Released",
    "holds": "Holds",
    "bonds": "Bonds",
    "in_force": "In Force",
    "reconciliations": "Reconciliation Entries",
    "flagged": "Flagged Entries",
    "flagged_entries": "Flagged Entries",
    "fta_flagged": "FTA Flagged Entries",
    "filed": "Filed",
    "open": "Open",
    "open_flags": "Open Flags",
    "overdue": "Overdue",
    "due_soon": "Due in 90 Days",
    "cf28": "CF-28 (Request for Information)",
    "cf29": "CF-29 (Notice of Action)",
    "adcvd_lines": "AD/CVD Lines",
    "examined_entries": "Examined Entries",
    "held": "Held",
    "findings": "Findings",
    "pscs": "Post-Summary Corrections",  # entries ES-003's indicator marks (filers.*)
    "ieepa_layers": "IEEPA Layers",
    # rates (fractions, shown as percents)
    "exam_rate": "Exam Rate",
    "discrepancy_rate": "Discrepancy Rate",
    "effective_duty_rate": "Effective Duty Rate",
    "rate_without_layers": "Rate Without Layers",
    "share": "Share",
    "hold_rate": "Hold Rate",
    "cf28_rate": "CF-28 Rate",
    "cf29_rate": "CF-29 Rate",
    "findings_per_1000_lines": "Audit Findings per 1,000 Lines",
    "psc_rate": "PSC Rate",
    **DERIVED_MONEY,
    "history_start": "First Entry Date Held",  # a bond month before it: insufficient history
    "description_full": "HTS Description (Full Text)",  # data_access.hts: the whole chain
    # dates and periods
    "month": "Month",
    "partial_month": "Partial Month",  # a month the data does not cover whole (data_access.periods)
    "due_month": "Month Due",
    "week": "Week",
    "week_start": "Week Starting",
    "week_end": "Week Ending",
    "judged_on": "Judged On",
    "window_start": "12-Month Window Start",
    "window_end": "12-Month Window End",
    "expected_liquidation_date": "Expected Liquidation Date",
    "protest_deadline": "Protest Deadline",
    "earliest_due_date": "Earliest Due Date",
    "first_flagged_date": "First Flagged Date",
    "date": "Date",
    "start": "Start",
    "end": "End",
    "until": "Until",
    # days
    "days_left": "Days Left",
    "days_to_liquidation": "Days to Liquidation",
    "release_days": "Days to Release",
    "median_days": "Median Days to Release",
    "p90_days": "90th Percentile Days to Release",
    "within_days": "Within Days",
    # codes and words
    "hts_code": "HTS Code",
    "hts_chapter": "HTS Chapter",
    "goods_hts_number": "HTS Number - Full",
    "layer_number": "Chapter 99 HTS Number",
    "description": "HTS Description",  # the HTS reports' text of each code
    "case_number": "AD/CVD Case Number",
    "duty": "Duty Type",
    "amount_band": "Amount Band",
    "iso3": "Country ISO Alpha-3 Code",
    "status": "Status",
    "deadline": "Deadline",
    "judgement": "Judgement",
    "sufficient": "Sufficient",
    "program": "Program Code",
    "program_name": "Program",
    "finding": "Finding Code",
    "finding_name": "Finding",
    "detail": "Detail",
    "refundable": "Refundable (2026 IEEPA Ruling)",
    "route": "Refund Route Code",
    "route_name": "Refund Route",
    "window": "Window",
    "label": "Name",
    "check": "Check Code",  # the audit's checks (data_access/audit_rules.py)
    "check_title": "Check",
    "title": "Check",
    "severity": "Severity",
    "explanation": "What It Means",
    "dollars_are": "Dollars Are",
    "form": "Form",  # CF-28 / CF-29
    "form_name": "Form Name",
    "also_issued": "Also Issued on the Entry",  # the other form on the same entry
    "hts_numbers": "HTS Numbers",
    "first_hts_number": "First HTS Number",
    "next_step": "If Nothing Is Done",
    "dimension": "Filter",  # overview.filter_options: the sidebar's choices
    "code": "Code",
    # the Data and Transition timeline pages
    "file": "File",
    "tables": "Tables",
    "note": "Note",
    "rows_read": "Rows Read",
    "rows_loaded": "Rows Loaded",
    "rows_rejected": "Rows Rejected",
    "rows_replaced": "Rows Replaced",
    "loaded_at": "Loaded At",
    "loaded_by": "Loaded By",
    "row": "Row",
    "column": "Column",
    "reason": "Reason",
    "value": "Value",
    "category": "Category",
    "phase": "Phase",
    "milestone": "Milestone",
    "channel": "Channel",
    "table": "Table",
    "first": "First Date",
    "last": "Last Date",
    "what_it_is": "What It Is",
    "in_ace_reports": "In ACE Reports",
    "in_this_dashboard": "In This Dashboard",
    "first date": "First Date",
    "last date": "Last Date",
    "in ACE Reports": "In ACE Reports",
    "in this dashboard": "In This Dashboard",
    "what it is": "What It Is",
}

# Descriptions whose header is not the code's header without "Code".
DESCRIPTIONS: dict[str, str] = {
    "hts_number": "HTS Description",
    "hts_code": "HTS Description",
    "hts_chapter": "HTS Chapter Description",
    "spi": "Special Program",
    "surety_code": "Surety",
    "activity_code": "Bond Activity",
}

# A page's own wording, where its tables (and the files it exports) have long used it.
CONTEXTS: dict[str, dict[str, str]] = {
    "audit": {  # the Audit page's findings (audit.findings) and broker scorecard (filers.*)
        "finding": "Finding",  # the rows proving one finding share it
        "detail": "What Was Found",
        "filer_name": "Filer",
    },
    "refunds": {  # the Refunds page's entries list (refunds.entries)
        "reason": "Why",
        "next_step": "If nothing is done",
    },
    "tariff_layers": {
        "hts_code": "HTS",
        "month": "Month of Entry",
        "detail": "What the registry says",
        "in_force": "In force on the entry date",
        "refundable": "Refundable (2026 IEEPA ruling)",
        "tariff_rows": "Chapter 99 tariff rows",
        "entered_value": "Line Tariff Goods Value Amount",
        "duties": "Line Tariff Duty Amount",
        "goods_duties": "Duty on the goods rows",
        "refundable_duties": "Refundable IEEPA duty",
        "effective_duty_rate": "Effective duty rate",
        "rate_without_layers": "Rate without layers",
    },
}

# Reports whose columns read in a table's or a page's words other than the default's
# (`report_table`): the bonds' and the reconciliations' own headers, the Tariff layers
# and Audit pages' wording for their reports.
REPORT_WORDS: dict[str, str] = {
    "audit.findings": "audit",
    "bond.ending_soon": "bonds",
    "reconciliation.deadlines": "reconciliations",
    "refunds.entries": "refunds",
}
REPORT_WORDS_BY_MODULE: dict[str, str] = {  # the reports of a module
    "layers": "tariff_layers",
    "audit": "audit",
    "filers": "audit",
}

STORAGE_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def label(column: str, table: str | None = None) -> str:
    """The header people read for `column`: the lake contract's label for `table`'s
    column when given, else a derived column's label, a description's, the first lake
    table's label for that name, and a name that is already a header as it is. `table`
    is a lake table's name or a page's in `CONTEXTS`."""
    if table in CONTEXTS and column in CONTEXTS[table]:
        return CONTEXTS[table][column]
    if table in schema.TABLES and column in schema.table(table).column_names:
        return schema.table(table).column(column).label
    if column in DERIVED:
        return DERIVED[column]
    if column.endswith(DESCRIPTION) and column != DESCRIPTION:
        return _description(column.removesuffix(DESCRIPTION), table)
    if column.endswith(DESCRIPTION + FULL):  # data_access.hts: the whole indent chain
        return f"{label(column.removesuffix(FULL), table)} (Full Text)"
    stored = _contract_label(column)
    if stored is not None:
        return stored
    if not is_storage_name(column):
        return column  # already a header ("Entry Summary Number", "first date")
    return _fallback(column)  # a column nobody named yet: never shown snake_case


def labels(columns: list[str], table: str | None = None) -> dict[str, str]:
    """`label` of each column: the mapping a rename or a chart's `labels=` takes."""
    return {column: label(column, table) for column in columns}


def report_table(report: Report) -> str | None:
    """Whose words `report`'s columns read in, on screen and in its files: `REPORT_WORDS`,
    else a detail report's first table (it is paged: its rows are that table's rows),
    else its module's page (`REPORT_WORDS_BY_MODULE`), else None (sums and counts: the
    entry summaries' words first)."""
    if report.name in REPORT_WORDS:
        return REPORT_WORDS[report.name]
    if report.streams and report.tables:
        return report.tables[0]
    return REPORT_WORDS_BY_MODULE.get(report.name.split(".")[0])


def known(column: str) -> bool:
    """Whether `column` has a header chosen here (not only the title-cased fallback)."""
    if column.endswith(DESCRIPTION) and column != DESCRIPTION:
        column = column.removesuffix(DESCRIPTION)
        return column in DESCRIPTIONS or known(column)
    if column.endswith(DESCRIPTION + FULL):
        return known(column.removesuffix(FULL))
    return column in DERIVED or _contract_label(column) is not None or not is_storage_name(column)


def is_storage_name(name: str) -> bool:
    """Whether `name` looks like a storage name (snake_case, lower case), not a header."""
    return bool(STORAGE_NAME.match(name))


def _fallback(column: str) -> str:
    return column.replace("_", " ").title()


def _description(code: str, table: str | None) -> str:
    if code in DESCRIPTIONS:
        return DESCRIPTIONS[code]
    header = label(code, table)
    if header.endswith(" Code"):
        return header.removesuffix(" Code")
    return f"{header} Description"


def _contract_label(column: str) -> str | None:
    for spec in schema.TABLES.values():  # entry summaries first: header words win
        if column in spec.column_names:
            return spec.column(column).label
    return None
