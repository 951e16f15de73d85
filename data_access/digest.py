"""The digest: one page a person reads in a mail client, of what needs them this week.

`build(where, principal, as_of=, previous=)` reads every section through one `Scope` of
the principal (nothing it may not see is in it) and returns a `Digest`; `html(digest)`
renders it as one self-contained page (inline CSS, no script, no image or font to
fetch, every value escaped); `as_json(digest)` is the same for other tools.

Sections: files loaded since the last digest (the lake manifest: CBP sees every load,
anyone else their own), entries expected to liquidate in the next 4 weeks, refund
windows closing in the next 4 weeks, continuous bonds whose required amount is at or
above 90% of the bond, reconciliation flags due within 90 days or overdue, the exam rate
of this month against the 12 months before, and audit findings the last digest did not
list. `previous` is the state the last digest left (`state(digest)`): when it ran and
which findings it listed; without one, files of the last 7 days are listed and every
finding is new.
"""

from __future__ import annotations

import html as markup
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl

from data_access import lake, rules
from data_access.access import Principal, Refused
from data_access.engines import get_engine
from data_access.reports import Scope, bond_sufficiency, exams, reconciliation, refunds
from data_access.reports import entry_summary_duties as duties

WEEKS = 4
RECON_DAYS = 90
BOND_NEAR = Decimal("0.90")
FIRST_LOOKBACK = timedelta(days=7)
ROWS_SHOWN = 50  # per section in the page: a mail, not a report (JSON holds every row)


@dataclass
class Section:
    key: str
    title: str
    headers: list[str]
    rows: list[list[object]]
    empty: str  # the one line said when there are no rows
    notes: list[str] = field(default_factory=list)


@dataclass
class Digest:
    principal: str
    as_of: date
    generated_at: str
    since: str
    sections: list[Section]
    findings: list[list[str]]  # (check, finding) keys listed, for the next digest's "new"


def build(
    where: Path, principal: Principal, *, as_of: date, previous: dict | None = None
) -> Digest:
    previous = previous or {}
    now = datetime.now(UTC)
    since = previous.get("generated_at") or (now - FIRST_LOOKBACK).isoformat(timespec="seconds")
    scope = Scope(get_engine(where), principal)
    seen = {tuple(k) for k in previous.get("findings", [])}
    findings: set[tuple[str, ...]] = set()

    def audit_section() -> Section:
        section, found = _audit(scope, seen)
        findings.update(found)
        return section

    sections = [
        _loaded(where, principal, since, bool(previous.get("generated_at"))),
        _guarded("liquidation", lambda: _liquidation(scope, as_of)),
        _guarded("refunds", lambda: _refunds(scope, as_of)),
        _guarded("bonds", lambda: _bonds(scope, as_of)),
        _guarded("reconciliation", lambda: _reconciliation(scope, as_of)),
        _guarded("exams", lambda: _exams(scope, as_of)),
        _guarded("audit", audit_section),
    ]
    return Digest(
        principal.name or principal.key,
        as_of,
        now.isoformat(timespec="seconds"),
        since,
        sections,
        sorted([list(k) for k in seen | findings]),
    )


def state(digest: Digest) -> dict:
    """What the next digest needs: when this one ran, the findings it knew."""
    return {"generated_at": digest.generated_at, "findings": digest.findings}


# --- sections --------------------------------------------------------------------------
SECTIONS = {
    "liquidation": f"Entries expected to liquidate in the next {WEEKS} weeks",
    "refunds": f"IEEPA refund windows closing in the next {WEEKS} weeks",
    "bonds": "Continuous bonds near their limit: required amount at or above 90% of the bond",
    "reconciliation": f"Reconciliation flags due within {RECON_DAYS} days or overdue",
    "exams": "Exam rate: this month against the 12 months before",
    "audit": "New audit findings",
}


def _guarded(key: str, make: Callable[[], Section]) -> Section:
    """The section, or one line saying the principal may not see what it reads."""
    try:
        return make()
    except Refused as error:
        return Section(key, SECTIONS[key], [], [], f"Not available to you: {error}.")


def _loaded(where: Path, principal: Principal, since: str, had_previous: bool) -> Section:
    rows = lake.manifest(where)
    wanted = {"file", "loaded_at", "loaded_for", "rows_loaded", "rows_rejected"}
    when = "since the last digest" if had_previous else "in the last 7 days"
    title = f"Files loaded {when}"
    headers = ["File", "Loaded at (UTC)", "Rows loaded", "Rows rejected"]
    if rows.is_empty() or not wanted <= set(rows.columns):
        return Section("loaded", title, headers, [], f"No files loaded {when}.")
    rows = rows.filter(pl.col("loaded_at").fill_null("") > since)
    if principal.role != "cbp":  # a load's file name is its loader's to see
        rows = rows.filter(pl.col("loaded_for") == principal.key)
    listed = [
        [r["file"], r["loaded_at"], _count(r["rows_loaded"]), _count(r["rows_rejected"])]
        for r in rows.sort("loaded_at").iter_rows(named=True)
    ]
    return Section("loaded", title, headers, listed, f"No files loaded {when}.")


def _liquidation(scope: Scope, as_of: date) -> Section:
    frame = duties.liquidation_due(scope, as_of=as_of, within=7 * WEEKS)
    overdue = frame.filter(pl.col("overdue")).height
    due = frame.filter(~pl.col("overdue"))
    rows = [
        [r["entry_number"], r["importer_number"], _day(r["entry_date"]),
         _day(r["expected_liquidation_date"]), _count(r["days_to_liquidation"]),
         _money(r["entered_value"]), _money(r["duty_amount"])]
        for r in due.iter_rows(named=True)
    ]  # fmt: skip
    notes = (
        [f"{overdue:,} more entries are past their expected day and not liquidated."]
        if overdue
        else []
    )
    return Section(
        "liquidation",
        SECTIONS["liquidation"],
        ["Entry Summary Number", "Importer Number", "Entry Date", "Expected Liquidation",
         "Days Left", "Entered Value", "Duty"],
        rows,
        f"No entries are expected to liquidate in the next {WEEKS} weeks.",
        notes,
    )  # fmt: skip


def _refunds(scope: Scope, as_of: date) -> Section:
    frame = refunds.by_entry(scope, as_of=as_of)
    last = as_of + timedelta(days=7 * WEEKS - 1)
    due = frame.filter(pl.col("deadline").is_between(as_of, last)).sort("deadline", "entry_number")
    rows = [
        [r["entry_number"], r["importer_number"], r["route_name"], _day(r["deadline"]),
         _count((r["deadline"] - as_of).days), _money(r["ieepa_duty"])]
        for r in due.iter_rows(named=True)
    ]  # fmt: skip
    return Section(
        "refunds",
        SECTIONS["refunds"],
        ["Entry Summary Number", "Importer Number", "Refund Route", "Deadline", "Days Left",
         "IEEPA Duty"],
        rows,
        f"No refund window closes in the next {WEEKS} weeks.",
    )  # fmt: skip


def _bonds(scope: Scope, as_of: date) -> Section:
    frame = bond_sufficiency.sufficiency_now(scope, as_of=as_of)
    amount, required = pl.col("bond_amount"), pl.col("required_amount")
    near = frame.filter(amount.is_null() | (required >= amount * BOND_NEAR))
    rows = [
        [r["importer_number"], r["bond_number"] or "(none in force)", _money(r["bond_amount"]),
         _money(r["required_amount"]), _share(r["required_amount"], r["bond_amount"]),
         "Yes" if r["sufficient"] else "No"]
        for r in near.sort("importer_number").iter_rows(named=True)
    ]  # fmt: skip
    return Section(
        "bonds",
        SECTIONS["bonds"],
        ["Importer Number", "Bond Number", "Bond Amount", "Required Amount",
         "Required / Bond", "Sufficient"],
        rows,
        "No continuous bond's required amount is at or above 90% of the bond.",
    )  # fmt: skip


def _reconciliation(scope: Scope, as_of: date) -> Section:
    frame = reconciliation.deadlines(scope, as_of=as_of)
    due = frame.filter(pl.col("days_left") <= RECON_DAYS)
    rows = [
        [r["flagged_entry_number"], r["importer_number"], r["flag_type"], _day(r["due_date"]),
         "Overdue" if r["overdue"] else _count(r["days_left"])]
        for r in due.iter_rows(named=True)
    ]  # fmt: skip
    return Section(
        "reconciliation",
        SECTIONS["reconciliation"],
        ["Flagged Entry Number", "Importer Number", "Flag Type", "Due Date", "Days Left"],
        rows,
        f"No reconciliation flag is due within {RECON_DAYS} days or overdue.",
    )  # fmt: skip


def _exams(scope: Scope, as_of: date) -> Section:
    month = rules.month_start(as_of)
    first = rules.month_start(month - timedelta(days=365 - 1))
    frame = exams.rate_by_month(scope).filter(pl.col("month").is_not_null())
    this = frame.filter(pl.col("month") == month)
    trailing = frame.filter(pl.col("month").is_between(first, month - timedelta(days=1)))
    rows = [
        _rate_row(f"{month:%B %Y} (through {as_of:%b} {as_of.day})", this),
        _rate_row(f"12 months before ({first:%b %Y} to {month - timedelta(days=1):%b %Y})",
                  trailing),
    ]  # fmt: skip
    if not (rows[0][2] or rows[1][2]):
        rows = []
    return Section(
        "exams",
        SECTIONS["exams"],
        ["Period", "Exams", "Entries", "Exam Rate"],
        rows,
        "No entries this month or in the 12 months before.",
    )


def _rate_row(label: str, frame: pl.DataFrame) -> list[object]:
    exams_, entries = int(frame["exams"].sum()), int(frame["entries"].sum())
    rate = f"{exams_ / entries:.1%}" if entries else "no entries"
    return [label, _count(exams_), _count(entries), rate]


def _audit(scope: Scope, seen: set[tuple[str, ...]]) -> tuple[Section, set[tuple[str, ...]]]:
    from data_access.reports import audit

    found = audit.all_findings(scope)
    keys = found.select("check", "finding").unique()
    new = {k for k in keys.iter_rows() if k not in seen}
    fresh = found.filter(
        pl.concat_str("check", "finding", separator="\x1f").is_in(["\x1f".join(k) for k in new])
    )
    per = (
        fresh.group_by("check", "check_title", "severity")
        .agg(
            findings=pl.col("finding").n_unique(),
            rows=pl.len(),
            dollars=pl.col("dollars").sum(),
        )
        .with_columns(_rank=pl.col("severity").replace_strict(audit.SEVERITY_RANK, default=99))
        .sort(["_rank", "dollars", "check"], descending=[False, True, False])
    )
    rows = [
        [r["check_title"], r["severity"], _count(r["findings"]), _count(r["rows"]),
         _money(r["dollars"])]
        for r in per.iter_rows(named=True)
    ]  # fmt: skip
    section = Section(
        "audit",
        SECTIONS["audit"],
        ["Check", "Severity", "New Findings", "Rows", "Dollars Involved"],
        rows,
        "No new audit findings since the last digest.",
    )
    return section, {tuple(k) for k in keys.iter_rows()}


# --- formats ---------------------------------------------------------------------------
def _count(value: object) -> str:
    return "" if value is None else f"{int(value):,}"


def _money(value: object) -> str:
    if value is None:
        return ""
    amount = Decimal(str(value))
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _share(part: object, whole: object) -> str:
    if part is None or not whole:
        return ""
    return f"{Decimal(str(part)) / Decimal(str(whole)):.0%}"


# --- output ----------------------------------------------------------------------------
def as_json(digest: Digest) -> dict:
    return {
        "principal": digest.principal,
        "as_of": digest.as_of.isoformat(),
        "generated_at": digest.generated_at,
        "since": digest.since,
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "rows": [dict(zip(s.headers, r, strict=True)) for r in s.rows],
                "empty": s.empty if not s.rows else "",
                "notes": s.notes,
            }
            for s in digest.sections
        ],
    }


STYLE = """
body{font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;background:#ffffff;margin:0;padding:16px;}
h1{font-size:20px;margin:0 0 4px 0;} h2{font-size:16px;margin:24px 0 6px 0;}
p{margin:4px 0;font-size:14px;} .meta{color:#444444;font-size:13px;}
table{border-collapse:collapse;font-size:13px;margin:4px 0;}
th,td{border:1px solid #c8c8c8;padding:4px 8px;text-align:left;}
th{background:#eef1f5;} td.n{text-align:right;}
"""


def html(digest: Digest) -> str:
    """The digest as one HTML page that needs nothing else (no URL in it)."""
    e = markup.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>ITRAC digest {e(digest.as_of.isoformat())}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>ITRAC digest as of {e(digest.as_of.isoformat())}</h1>",
        f'<p class="meta">For {e(digest.principal)}; made {e(digest.generated_at)}.</p>',
    ]
    for section in digest.sections:
        parts.append(f'<h2 id="{e(section.key)}">{e(section.title)}</h2>')
        if not section.rows:
            parts.append(f"<p>{e(section.empty)}</p>")
        else:
            parts.append(_table(section))
        if len(section.rows) > ROWS_SHOWN:
            more = len(section.rows) - ROWS_SHOWN
            parts.append(f"<p>{more:,} more not shown here (--format json lists them all).</p>")
        parts += [f"<p>{e(note)}</p>" for note in section.notes]
    parts.append("</body></html>")
    return "\n".join(parts)


def _table(section: Section) -> str:
    e = markup.escape
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in section.headers)
    body = []
    for row in section.rows[:ROWS_SHOWN]:
        cells = "".join(
            f'<td class="n">{e(str(v))}</td>' if _numeric(v) else f"<td>{e(str(v))}</td>"
            for v in row
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _numeric(value: object) -> bool:
    text = str(value).lstrip("-$")
    return bool(text) and text.replace(",", "").replace(".", "").rstrip("%").isdigit()
