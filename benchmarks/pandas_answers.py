"""The benchmark questions in pandas over CSV extracts: what an analyst does today.

`read` loads the columns a page needs from a table's CSV extract (codes as text, dates
parsed, money converted value by value to integer cents so sums are exact); the answer
functions take those frames and the scope and return the compared columns.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data_access import rules
from data_access.schema import table as table_spec

MONEY_LINES = ("entered_value", "duty_amount", "add_amount", "cvd_amount", "tax_amount")
FEES = ("mpf_amount", "hmf_amount")


def read(path: Path, table: str, columns: list[str]) -> pd.DataFrame:
    spec = table_spec(table)
    kinds = {c.name: str(c.dtype) for c in spec.columns}
    text = {c: "str" for c in columns if kinds[c] in ("String", "Boolean")}
    frame = pd.read_csv(path, usecols=columns, dtype=text)
    for name in columns:
        if kinds[name] == "Date":
            frame[name] = pd.to_datetime(frame[name], format="%Y-%m-%d")
        elif kinds[name].startswith("Decimal"):
            frame[name] = (pd.to_numeric(frame[name]).fillna(0) * 100).round().astype("int64")
        elif kinds[name] == "Boolean":
            frame[name] = frame[name].str.lower().eq("true")
    return frame


def _dated(frame: pd.DataFrame, column: str, scope: dict) -> pd.DataFrame:
    start, end = pd.Timestamp(scope["start"]), pd.Timestamp(scope["end"])
    return frame[(frame[column] >= start) & (frame[column] <= end)]


def _month(dates: pd.Series) -> pd.Series:
    return dates.dt.to_period("M").dt.to_timestamp()


def _line_measures(t: pd.DataFrame) -> pd.DataFrame:
    return t.assign(
        line=(t.tariff_ordinal == 1).astype("int64"),
        duties=t.duty_amount + t.add_amount + t.cvd_amount,
        fees=t.mpf_amount + t.hmf_amount,
    )


def _measure_aggs() -> dict:
    return {
        "entries": ("entry_number", "nunique"),
        "lines": ("line", "sum"),
        "entered_value": ("entered_value", "sum"),
        "duties": ("duties", "sum"),
        "taxes": ("tax_amount", "sum"),
        "fees": ("fees", "sum"),
    }


LINE_COLUMNS = [
    "entry_number",
    "tariff_ordinal",
    "entry_date",
    "country_of_origin",
    *MONEY_LINES,
    *FEES,
]


def kpis(frames: dict[str, pd.DataFrame], scope: dict) -> pd.DataFrame:
    t = _line_measures(_dated(frames["entry_lines"], "entry_date", scope)).assign(one=1)
    return t.groupby("one").agg(**_measure_aggs()).reset_index(drop=True)


def trend(frames: dict[str, pd.DataFrame], scope: dict) -> pd.DataFrame:
    t = _line_measures(_dated(frames["entry_lines"], "entry_date", scope))
    t = t.assign(month=_month(t.entry_date))
    return t.groupby("month").agg(**_measure_aggs()).reset_index().sort_values("month")


def countries(frames: dict[str, pd.DataFrame], scope: dict) -> pd.DataFrame:
    t = _line_measures(_dated(frames["entry_lines"], "entry_date", scope))
    g = t.groupby("country_of_origin", dropna=False).agg(
        entered_value=("entered_value", "sum"), duties=("duties", "sum"), lines=("line", "sum")
    )
    g = g.reset_index().sort_values(
        ["entered_value", "country_of_origin"], ascending=[False, True], na_position="first"
    )
    return g.head(10)


def header_count(frames: dict[str, pd.DataFrame], scope: dict) -> pd.DataFrame:
    return pd.DataFrame({"rows": [len(_dated(frames["entry_summaries"], "entry_date", scope))]})


def header_page(frames: dict[str, pd.DataFrame], scope: dict) -> pd.DataFrame:
    t = _dated(frames["entry_summaries"], "entry_date", scope)
    return t.sort_values(["entry_date", "entry_number"]).head(100)


def exam_rate(frames: dict[str, pd.DataFrame], scope: dict) -> pd.DataFrame:
    x = _dated(frames["exams"], "exam_date", scope)
    e = _dated(frames["entry_summaries"], "entry_date", scope)
    exams = x.groupby(_month(x.exam_date).rename("month")).size().rename("exams")
    entries = e.groupby(_month(e.entry_date).rename("month")).size().rename("entries")
    both = pd.concat([exams, entries], axis=1, sort=True).fillna(0).astype("int64")
    return both.reset_index().sort_values("month")


def release_time(frames: dict[str, pd.DataFrame], scope: dict) -> pd.DataFrame:
    t = _dated(frames["cargo_releases"], "arrival_date", scope)
    t = t[t.release_date.notna()]
    t = t.assign(days=(t.release_date - t.arrival_date).dt.days, month=_month(t.arrival_date))
    g = t.groupby("month").days
    out = pd.DataFrame(
        {"released": g.size(), "median_days": g.quantile(0.5), "p90_days": g.quantile(0.9)}
    )
    return out.round(2).reset_index().sort_values("month")


def trailing_dtf(frames: dict[str, pd.DataFrame], scope: dict) -> pd.DataFrame:
    es = frames["entry_summaries"]
    es = es.assign(month=_month(es.entry_date), dtf=es.duty_amount + es.tax_amount + es.fee_amount)
    monthly = es.groupby(["importer_number", "month"]).dtf.sum().reset_index()
    months = rules.months(rules.month_start(scope["start"]), rules.month_start(scope["as_of"]))
    parts = []
    for judged in months:  # 12 full months before each judged month
        start, end = rules.trailing_window(judged)
        window = monthly[
            (monthly.month >= pd.Timestamp(start)) & (monthly.month <= pd.Timestamp(end))
        ]
        part = window.groupby("importer_number").dtf.sum().reset_index()
        parts.append(part.assign(month=pd.Timestamp(judged)))
    out = pd.concat(parts) if parts else pd.DataFrame(columns=["importer_number", "month", "dtf"])
    return out.rename(columns={"dtf": "dtf_trailing_12m"})


def open_flags(frames: dict[str, pd.DataFrame], scope: dict) -> pd.DataFrame:
    t = frames["reconciliations"]
    fta = t.entry_date + pd.DateOffset(months=rules.FTA_RECON_MONTHS)
    other = t.flagged_date + pd.DateOffset(months=rules.RECON_MONTHS)
    due = fta.where(t.fta_flag, other).fillna(t.due_date)
    t = t.assign(due_date=due)
    t = t[~(t.filed_date.notna() | t.status.eq("FILED"))]
    days = (t.due_date - pd.Timestamp(scope["as_of"])).dt.days
    t = t.assign(days_left=days, overdue=days < 0)
    t = t.sort_values(
        ["overdue", "due_date", "flagged_entry_number"], ascending=[False, True, True]
    )
    return t[["flagged_entry_number", "due_date", "days_left"]].head(100)  # the first page


# The columns each table's extract is read with (the union of what the questions use).
COLUMNS = {
    "entry_lines": LINE_COLUMNS,
    "entry_summaries": [
        "entry_number",
        "importer_number",
        "entry_date",
        "entered_value",
        "duty_amount",
        "tax_amount",
        "fee_amount",
    ],
    "exams": ["exam_date"],
    "cargo_releases": ["arrival_date", "release_date"],
    "reconciliations": [
        "flagged_entry_number",
        "fta_flag",
        "entry_date",
        "flagged_date",
        "due_date",
        "filed_date",
        "status",
    ],
}
