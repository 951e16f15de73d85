"""CF-28 (Request for Information) and CF-29 (Notice of Action), each linked to its entry's
lines.

ITRAC and ACE's entry summary data say whether CBP issued a CF-28 or a CF-29 on an entry
(`cf28_issued`, `cf29_issued`), not when, nor whether the importer answered: no file a user
can download and load carries an issue date, a response date or an open/answered status.
ITRAC showed only whether a form was issued (../shared/docs/DOMAIN.md); ES-003's layout has
no CF-28/CF-29 column (DOMAIN.md's list of its headers); the ITRAC Access fixtures hold no
such table; the forms themselves, with their status, live in the ACE Portal's Forms
module, viewed and answered there, not in an ACE Reports download (sources in
../notes/h20-audit.md and the README). So the lake contract gets no date column nobody can
fill, and the response due date (30 days after a CF-28's issue) is not guessed.

What the data does show is listed with each form: its entry's dates, goods lines, HTS
numbers, value, duty and exams; whether the other form was issued on the same entry (a
CF-29 after a CF-28 is CBP acting on what it asked); whether a post-summary correction
changed the entry (`psc_indicator`); and the entry's liquidation status and date (a
liquidated entry is settled, whatever became of the form).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access.measures import EXAM_MEASURES
from data_access.reports.base import Scope, line_duties, money_sum, report
from data_access.reports.paging import count_rows, page

CATEGORY = "CF-28 / CF-29"
TABLES = ("entry_summaries", "entry_lines", "exams")
FORMS = {
    "CF-28": ("cf28_issued", "Request for Information"),
    "CF-29": ("cf29_issued", "Notice of Action"),
}
RESPONSE_DAYS = {"CF-28": 30}  # days to answer a CF-28 from its issue date
STATUS = "issued (issue and response dates are not in ITRAC or ES-003 data)"
ORDER = ["entry_date", "entry_number", "form"]
LINE_ORDER = ["entry_date", "entry_number", "form", "line_number", "tariff_ordinal"]


def _forms(scope: Scope) -> ir.Table:
    """One row per form issued on an entry: form, its name, the other form if the entry
    drew it too, and the entry's header."""
    s = scope.table("entry_summaries")
    parts = []
    for form, (flag, name) in FORMS.items():
        issued = s.filter(s[flag].fill_null(False))
        other, (other_flag, _name) = next((f, v) for f, v in FORMS.items() if f != form)
        parts.append(
            issued.select(
                form=ibis.literal(form),
                form_name=ibis.literal(name),
                entry_number=issued.entry_number,
                entry_date=issued.entry_date,
                entry_summary_date=issued.entry_summary_date,
                importer_number=issued.importer_number,
                filer_code=issued.filer_code,
                entry_type=issued.entry_type,
                also_issued=ibis.ifelse(
                    issued[other_flag].fill_null(False), ibis.literal(other), ibis.null("string")
                ),
                psc_indicator=issued.psc_indicator,
                liquidation_status=issued.liquidation_status,
                liquidation_date=issued.liquidation_date,
            )
        )
    return ibis.union(*parts)


def _requests(scope: Scope) -> ir.Table:
    forms = _forms(scope)
    t = scope.table("entry_lines")
    t = t.semi_join(forms, "entry_number")
    goods = t.tariff_ordinal == 1
    lines = t.group_by("entry_number").aggregate(
        lines=goods.sum().coalesce(0).cast("int64"),
        hts_numbers=ibis.ifelse(goods, t.hts_number, ibis.null("string")).nunique().cast("int64"),
        first_hts_number=ibis.ifelse(goods, t.hts_number, ibis.null("string")).min(),
        entered_value=money_sum(t.entered_value),
        duties=money_sum(line_duties(t)),
    )
    x = scope.table("exams")
    x = x.semi_join(forms, "entry_number")
    exams = x.group_by("entry_number").aggregate(
        exams=x.count().cast("int64"),
        discrepancies=EXAM_MEASURES["discrepancies"].of(x),
    )
    joined = forms.left_join(lines, "entry_number").drop("entry_number_right")
    joined = joined.left_join(exams, "entry_number").drop("entry_number_right")
    return joined.mutate(
        lines=joined.lines.fill_null(0),
        hts_numbers=joined.hts_numbers.fill_null(0),
        exams=joined.exams.fill_null(0),
        discrepancies=joined.discrepancies.fill_null(0),
        status=ibis.literal(STATUS),
    )


@report("cf_forms.requests", title="CF-28 and CF-29 by entry", category=CATEGORY, tables=TABLES)
def requests(scope: Scope, *, offset: int = 0, limit: int | None = None) -> pl.DataFrame:
    """One row per CF-28 or CF-29: its entry's dates, importer, filer, goods lines, HTS
    numbers, value, duty and exams, the other form if the entry drew it too, whether a
    post-summary correction changed the entry, the entry's liquidation status and date, and
    the form's status (issued; the data holds no issue or response date)."""
    return scope.run(page(_requests(scope), ORDER, offset, limit))


@report("cf_forms.requests_count", title="CF-28 and CF-29 rows", category=CATEGORY,
        tables=TABLES)  # fmt: skip
def requests_count(scope: Scope) -> pl.DataFrame:
    return count_rows(scope, _forms(scope))


def _lines(scope: Scope, entry_number: str) -> ir.Table:
    forms = _forms(scope).select("form", "entry_number")
    t = scope.table("entry_lines")
    if entry_number:
        t = t.filter(t.entry_number == ibis.literal(entry_number))
    t = t.join(forms, "entry_number")
    return t.select(
        "form", "entry_number", "entry_date",
        line_number=t.line_number.cast("int32"), tariff_ordinal=t.tariff_ordinal.cast("int16"),
        hts_number=t.hts_number, country_of_origin=t.country_of_origin,
        manufacturer_id=t.manufacturer_id, entered_value=t.entered_value,
        duties=line_duties(t).cast("decimal(18, 2)"),
    )  # fmt: skip


@report("cf_forms.lines", title="Lines of entries with a CF-28 or CF-29", category=CATEGORY,
        tables=TABLES)  # fmt: skip
def lines(
    scope: Scope, *, entry_number: str = "", offset: int = 0, limit: int | None = None
) -> pl.DataFrame:
    """The tariff rows of each entry that drew a CF-28 or CF-29 (one entry, or all), with
    the form: what CBP asked about or acted on."""
    return scope.run(page(_lines(scope, entry_number), LINE_ORDER, offset, limit))


@report("cf_forms.lines_count", title="Lines of CF-28 and CF-29 entries", category=CATEGORY,
        tables=TABLES)  # fmt: skip
def lines_count(scope: Scope, *, entry_number: str = "") -> pl.DataFrame:
    return count_rows(scope, _lines(scope, entry_number))
