"""The same questions answered three ways: the project's report, a hand-written DuckDB
query straight over the Parquet files (the engine's floor), and pandas over a CSV extract
(what an analyst does today). `check` fails loudly when the answers differ.

Each `Question` names the project report (and its options), the floor SQL (filter values
bound as parameters, never spliced), the pandas function and the columns compared. Money
is compared exactly, in integer cents (pandas reads money as text and converts each value
to cents, as a careful analyst would, so its sums are exact too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl

from benchmarks import pandas_answers as pa
from data_access import refund_routes, rules, tariff_layers
from data_access.access import Principal
from data_access.attribution import GOODS_HTS_SQL
from data_access.filters import Filters
from data_access.lake import layout
from data_access.reports.refunds import NONE, NOT_ELIGIBLE, ROUTE_NAMES_EXTRA, ieepa_period
from data_access.schema import ENTRY_SUMMARIES, MONEY_MAX, TABLES, Table

SCOPE_KEYS = ("importer", "start", "end")


@dataclass(frozen=True)
class Question:
    page: str
    report: str
    options: dict[str, object]
    sql: Callable[[Path, dict], tuple[str, dict]]
    pandas: Callable[[dict[str, pd.DataFrame], dict], pd.DataFrame] | None  # None: no pandas twin
    columns: tuple[str, ...]
    tables: tuple[str, ...]
    twin_columns: tuple[str, ...] = ()  # what pandas' twin answers when fewer than `columns`


def _src(lake: Path, table: str) -> str:
    return layout.hive_scan(layout.table_glob(lake, table))


class _Params:
    """Bound parameters of one query: every value a `$name`, never text in the SQL."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def bind(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = list(value) if isinstance(value, tuple) else value
        return f"${name}"


def _rows(
    lake: Path,
    table: str,
    scope: dict,
    params: _Params,
    *,
    dated: bool = True,
    only: tuple[str, ...] | None = None,
) -> str:
    """The rows of `table` the scope asks about, as a FROM item: the principal's rows
    (scope["principal"], or scope["importer"]) and every filter of scope["filters"] on the
    table's own columns, the line-level ones through the lines (header tables) and the
    HTS prefix with a line's Chapter 99 layers under its goods (data_access.attribution).
    The period comes from scope["start"]/["end"] unless `dated` is false; `only` keeps just
    those filter fields (the bond judgement ignores the rest)."""
    spec = TABLES[table]
    filters = scope.get("filters") or Filters()
    if only is not None:
        filters = Filters(**{f: getattr(filters, f) for f in only})
    columns = set(spec.column_names)
    clauses = _principal(scope, spec, params)
    if dated:
        for bound, op in (("start", ">="), ("end", "<=")):
            if scope.get(bound):
                clauses.append(f"{spec.date_column} {op} {params.bind(scope[bound])}")
    for column, values in filters.column_pairs(spec):
        if column in columns:
            clauses.append(f"{column} IN (SELECT unnest({params.bind(values)}))")
    prefix = filters.hts_prefix
    if prefix and "hts_number" in columns and "tariff_ordinal" not in columns:
        clauses.append(f"starts_with(hts_number, {params.bind(prefix)})")
    where = " AND ".join(clauses) or "true"
    if prefix and "tariff_ordinal" in columns:
        return _attributed_lines(lake, where, params.bind(prefix))
    if filters.countries or prefix:
        key = "flagged_entry_number" if table == "reconciliations" else "entry_number"
        if "country_of_origin" not in columns and key in columns:
            # Scope._through_lines: the lines of the same scope (period included)
            lines = _rows(lake, "entry_lines", {**scope, "filters": filters}, params, dated=dated)
            where += f" AND {key} IN (SELECT entry_number FROM {lines})"
    return f"(SELECT * FROM {_src(lake, table)} WHERE {where})"


def _principal(scope: dict, spec: Table, params: _Params) -> list[str]:
    principal: Principal | None = scope.get("principal")
    if principal is None:
        if scope.get("importer"):
            return [f"{spec.importer_column} = {params.bind(scope['importer'])}"]
        return []
    if principal.role == "cbp":
        return []
    if principal.role == "importer":
        return [
            f"{spec.importer_column} IN (SELECT unnest({params.bind(principal.importer_numbers)}))"
        ]
    if spec.filer_column is None:
        return ["false"]
    out = [f"{spec.filer_column} IN (SELECT unnest({params.bind(principal.filer_codes)}))"]
    if principal.importer_numbers:
        numbers = params.bind(principal.importer_numbers)
        out.append(f"{spec.importer_column} IN (SELECT unnest({numbers}))")
    return out


def _attributed_lines(lake: Path, where: str, prefix: str) -> str:
    """Lines under an HTS prefix: the rows whose own number starts with it, and the
    Chapter 99 layers of a line whose goods row (ordinal 1, in scope) does. The same rows
    as the window of GOODS_HTS_SQL (data_access.attribution), as a semi-join: several
    times faster than the window over every layer (benchmarks/README.md)."""
    src = _src(lake, "entry_lines")
    own = f"starts_with(hts_number, {prefix})"
    layer = "tariff_ordinal > 1 AND starts_with(hts_number, '9903')"
    goods = f"SELECT entry_number, line_number FROM {src} WHERE {where} AND tariff_ordinal = 1"
    goods += f" AND {own}"
    return (
        f"(SELECT * FROM {src} WHERE {where} AND {own} UNION ALL "
        f"SELECT * FROM {src} WHERE {where} AND {layer} AND NOT {own} "
        f"AND (entry_number, line_number) IN ({goods}))"
    )


def _money(expr: str) -> str:
    return f"coalesce(sum({expr}), 0)::DECIMAL(18, 2)"


LINE_MEASURES = f"""count(DISTINCT entry_number) AS entries,
    count(*) FILTER (WHERE tariff_ordinal = 1) AS lines,
    {_money("entered_value")} AS entered_value,
    {_money("coalesce(duty_amount, 0) + coalesce(add_amount, 0) + coalesce(cvd_amount, 0)")}
        AS duties,
    {_money("coalesce(tax_amount, 0)")} AS taxes,
    {_money("coalesce(mpf_amount, 0) + coalesce(hmf_amount, 0)")} AS fees"""


def kpis_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    params = _Params()
    rows = _rows(lake, "entry_lines", scope, params)
    return f"SELECT {LINE_MEASURES} FROM {rows}", params.values


def trend_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    params = _Params()
    rows = _rows(lake, "entry_lines", scope, params)
    return (
        f"SELECT date_trunc('month', entry_date)::DATE AS month, {LINE_MEASURES} "
        f"FROM {rows} GROUP BY 1 ORDER BY 1",
        params.values,
    )


LINE_DUTIES = "coalesce(duty_amount, 0) + coalesce(add_amount, 0) + coalesce(cvd_amount, 0)"


def countries_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    params = _Params()
    rows = _rows(lake, "entry_lines", scope, params)
    return (
        f"SELECT country_of_origin, {_money('entered_value')} AS entered_value, "
        f"{_money(LINE_DUTIES)} AS duties, count(*) FILTER (WHERE tariff_ordinal = 1) AS lines "
        f"FROM {rows} GROUP BY 1 "
        "ORDER BY entered_value DESC, country_of_origin NULLS FIRST LIMIT 10",
        params.values,
    )


def chapters_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    """Top chapters: a layer counts under its goods' chapter (GOODS_HTS_SQL)."""
    params = _Params()
    rows = _rows(lake, "entry_lines", scope, params)
    return (
        f"SELECT hts_chapter, {_money('entered_value')} AS entered_value, "
        f"{_money(LINE_DUTIES)} AS duties, count(*) FILTER (WHERE tariff_ordinal = 1) AS lines "
        f"FROM (SELECT *, substring({GOODS_HTS_SQL}, 1, 2) AS hts_chapter FROM {rows}) "
        "GROUP BY 1 ORDER BY entered_value DESC, hts_chapter NULLS FIRST LIMIT 10",
        params.values,
    )


def header_count_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    params = _Params()
    rows = _rows(lake, "entry_summaries", scope, params)
    return f"SELECT count(*) AS rows FROM {rows}", params.values


HEADER_COLUMNS = tuple(ENTRY_SUMMARIES.column_names)  # the page's columns (ACE's Header)


def header_page_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    """The Entry Summary Header's first page: its 100 first rows, every column the page
    shows (the floor read three of them before: not the page's question)."""
    params = _Params()
    rows = _rows(lake, "entry_summaries", scope, params)
    return (
        f"SELECT {', '.join(HEADER_COLUMNS)} FROM {rows} "
        "ORDER BY entry_date, entry_number LIMIT 100",
        params.values,
    )


def exam_rate_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    params = _Params()
    exams, entries = (
        _rows(lake, "exams", scope, params),
        _rows(lake, "entry_summaries", scope, params),
    )
    return (
        f"WITH x AS (SELECT date_trunc('month', exam_date)::DATE AS month, count(*) AS exams "
        f"FROM {exams} GROUP BY 1), "
        f"e AS (SELECT date_trunc('month', entry_date)::DATE AS month, count(*) AS entries "
        f"FROM {entries} GROUP BY 1) "
        "SELECT month, coalesce(exams, 0) AS exams, coalesce(entries, 0) AS entries "
        "FROM x FULL JOIN e USING (month) ORDER BY month",
        params.values,
    )


def release_time_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    params = _Params()
    rows = _rows(lake, "cargo_releases", scope, params)
    days = "date_diff('day', arrival_date, release_date)"
    return (
        f"SELECT date_trunc('month', arrival_date)::DATE AS month, count(*) AS released, "
        f"round(quantile_cont({days}, 0.5), 2) AS median_days, "
        f"round(quantile_cont({days}, 0.9), 2) AS p90_days "
        f"FROM {rows} WHERE release_date IS NOT NULL "
        "GROUP BY 1 ORDER BY 1",
        params.values,
    )


def sufficiency_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    """The bond sufficiency judgement itself, the frame `bond.sufficiency` gives: per
    importer with an activity-1 continuous bond and month (from the period's first month,
    or the first such bond, to `as_of`'s), the largest bond in force on the judgement day
    (the month's last, or `as_of` in its month; the lowest number among equals), the DTF
    of the 12 full months before, the required amount (10% rounded up, in integer cents),
    the judgement, the amount to raise to, and the principal's first entry date (a window
    starting before it is not judged). Bonds and DTF keep only the importer filter, as
    the report does (reports.bond.in_force_scope)."""
    params = _Params()
    bonds = _rows(lake, "bonds", scope, params, dated=False, only=("importer_numbers",))
    summaries = _rows(
        lake, "entry_summaries", scope, params, dated=False, only=("importer_numbers",)
    )
    history = _rows(lake, "entry_summaries", {**scope, "filters": None}, params, dated=False)
    as_of, start, end = (f"{params.bind(scope.get(k))}::DATE" for k in ("as_of", "start", "end"))
    continuous, activity = params.bind("8"), params.bind("1")
    money_max = f"{params.bind(MONEY_MAX)}::DECIMAL(38, 2)"
    floor, fine_limit = int(rules.BOND_FLOOR), int(rules.FINE_STEP_LIMIT)
    fine, coarse = int(rules.FINE_STEP), int(rules.COARSE_STEP)
    cents = f"(least(dtf_trailing_12m, {money_max}) * 100)::BIGINT"

    def rounded_up(step: int) -> str:
        unit = step * 1000  # cents of DTF per `step` of its 10%
        return f"({cents} // {unit} + ({cents} % {unit} > 0)::BIGINT) * {step}"

    required = (
        f"CASE WHEN dtf_trailing_12m > {money_max} THEN NULL "
        f"WHEN {cents} <= {floor * 1000} THEN {floor} "
        f"WHEN {cents} <= {fine_limit * 1000} THEN {rounded_up(fine)} "
        f"ELSE {rounded_up(coarse)} END::DECIMAL(18, 2)"
    )
    dtf = "coalesce(duty_amount, 0) + coalesce(tax_amount, 0) + coalesce(fee_amount, 0)"
    covered = "bond_amount IS NOT NULL AND bond_amount >= required_amount"
    return (
        "WITH bonds AS (SELECT importer_number, bond_number, bond_amount, effective_date, "
        f"termination_date FROM {bonds} WHERE bond_type = {continuous} "
        f"AND activity_code = {activity}), "
        "spans AS (SELECT importer_number, min(effective_date) AS first_day, "
        "max(coalesce(termination_date, DATE '9999-12-31')) AS last_day "
        "FROM bonds GROUP BY 1), "
        "spine AS (SELECT m AS month, last_day(m) AS month_end, "
        "(m - INTERVAL 12 MONTH)::DATE AS window_start, (m - INTERVAL 1 DAY)::DATE AS window_end, "
        f"CASE WHEN date_trunc('month', {as_of})::DATE = m AND {as_of} < last_day(m) "
        f"THEN {as_of} ELSE last_day(m) END AS judged_on "
        "FROM (SELECT unnest(generate_series("
        f"date_trunc('month', coalesce({start}, (SELECT min(effective_date) FROM bonds))), "
        f"date_trunc('month', least(coalesce({end}, {as_of}), {as_of})), "
        "INTERVAL 1 MONTH))::DATE AS m)), "
        "grid AS (SELECT s.importer_number, spine.* FROM spans s JOIN spine "
        "ON spine.month_end >= s.first_day AND spine.month <= s.last_day), "
        "best AS (SELECT importer_number, month, bond_number, bond_amount FROM ("
        "SELECT g.importer_number, g.month, b.bond_number, b.bond_amount, row_number() OVER "
        "(PARTITION BY g.importer_number, g.month ORDER BY b.bond_amount DESC, b.bond_number) "
        "AS rank FROM grid g JOIN bonds b ON b.importer_number = g.importer_number "
        "AND b.effective_date <= g.judged_on "
        "AND (b.termination_date IS NULL OR b.termination_date >= g.judged_on) "
        "AND b.bond_amount IS NOT NULL) WHERE rank = 1), "
        "monthly AS (SELECT importer_number, date_trunc('month', entry_date)::DATE AS e_month, "
        f"sum({dtf}) AS dtf FROM {summaries} "
        "WHERE entry_date >= (SELECT min(window_start) FROM spine) GROUP BY 1, 2), "
        "windows AS (SELECT g.importer_number, g.month, sum(m.dtf) AS dtf FROM grid g "
        "JOIN monthly m ON m.importer_number = g.importer_number "
        "AND m.e_month BETWEEN g.window_start AND g.window_end GROUP BY 1, 2), "
        f"history AS (SELECT min(entry_date) AS history_start FROM {history}), "
        "dtf AS (SELECT g.*, b.bond_number, b.bond_amount, "
        "coalesce(w.dtf, 0)::DECIMAL(38, 2) AS dtf_trailing_12m, h.history_start, "
        "coalesce(g.window_start >= h.history_start, false) AS whole FROM grid g "
        "LEFT JOIN best b USING (importer_number, month) "
        "LEFT JOIN windows w USING (importer_number, month) CROSS JOIN history h), "
        f"judged AS (SELECT *, {required} AS required_amount FROM dtf) "
        "SELECT importer_number, month, window_start, window_end, judged_on, bond_number, "
        "bond_amount, dtf_trailing_12m, required_amount, "
        f"CASE WHEN whole THEN {covered} END AS sufficient, "
        f"CASE WHEN NOT whole THEN 'insufficient history' WHEN {covered} THEN 'sufficient' "
        "ELSE 'INSUFFICIENT' END AS judgement, "
        f"CASE WHEN whole AND NOT ({covered}) THEN required_amount END AS raise_to, "
        "history_start FROM judged ORDER BY importer_number, month",
        params.values,
    )


OPEN_FLAG_COLUMNS = (
    "flagged_entry_number", "importer_number", "filer_code", "flag_type", "fta_flag",
    "entry_date", "flagged_date", "due_date", "days_left", "overdue",
)  # fmt: skip


def _open_flags(lake: Path, scope: dict, params: _Params) -> str:
    """The open flags of the scope, whatever the period, with due date, days left on
    `as_of` and overdue: a CTE `f`."""
    rows = _rows(lake, "reconciliations", scope, params, dated=False)
    as_of = params.bind(scope["as_of"])
    due = (
        f"coalesce(CASE WHEN coalesce(fta_flag, false) "
        f"THEN entry_date + INTERVAL {rules.FTA_RECON_MONTHS} MONTH "
        f"ELSE flagged_date + INTERVAL {rules.RECON_MONTHS} MONTH END, due_date)::DATE"
    )
    days = f"date_diff('day', {as_of}::DATE, {due})"
    return (
        f"WITH f AS (SELECT {', '.join(OPEN_FLAG_COLUMNS[:7])}, {due} AS due_date, "
        f"{days} AS days_left, coalesce({days} < 0, false) AS overdue FROM {rows} "
        "WHERE NOT (filed_date IS NOT NULL OR coalesce(status = 'FILED', false))) "
    )


def open_flags_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    """The Deadlines tab's first page: its 100 first open flags, every column it shows."""
    params = _Params()
    flags = _open_flags(lake, scope, params)
    return (
        f"{flags}SELECT * FROM f "
        "ORDER BY overdue DESC, due_date NULLS LAST, flagged_entry_number LIMIT 100",
        params.values,
    )


def open_flags_by_month_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    """The open flags per month due and overdue or not, and those due within 90 days."""
    params = _Params()
    flags = _open_flags(lake, scope, params)
    return (
        f"{flags}SELECT date_trunc('month', due_date)::DATE AS due_month, overdue, "
        "count(*) AS open_flags, count(*) FILTER (WHERE days_left BETWEEN 0 AND 90) AS due_soon "
        "FROM f GROUP BY ALL ORDER BY due_month NULLS LAST, overdue",
        params.values,
    )


# --- tariff layers: the layer rows of the scope (a layer under its goods number for an HTS
# prefix: `_rows`), each 9903 number's program from the registry as bound lists --------------
LAYER_ROWS = "tariff_ordinal > 1 AND starts_with(hts_number, '9903')"  # attribution.is_layer


def _layer_rows(lake: Path, scope: dict, params: _Params) -> str:
    """The scope's layer rows with their `program` (the registry's; unlisted: "unlisted")."""
    registry = tariff_layers.load()
    programs = {
        f"{n:08d}": program
        for first, last, program in registry.ranges
        for n in range(int(first), int(last) + 1)
    }
    numbers, names = params.bind(tuple(programs)), params.bind(tuple(programs.values()))
    rows = _rows(lake, "entry_lines", scope, params)
    return (
        f"(SELECT l.*, coalesce(r.program, {params.bind(tariff_layers.UNLISTED)}) AS program "
        f"FROM (SELECT * FROM {rows} WHERE {LAYER_ROWS}) l LEFT JOIN "
        f"(SELECT unnest({numbers}) AS number, unnest({names}) AS program) r "
        "ON substring(l.hts_number, 1, 8) = r.number)"
    )


def layers_by_program_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    params = _Params()
    rows = _layer_rows(lake, scope, params)
    return (
        "SELECT program, count(DISTINCT entry_number) AS entries, count(*) AS tariff_rows, "
        f"{_money(LINE_DUTIES)} AS duties FROM {rows} GROUP BY 1 "
        "ORDER BY duties DESC, program",
        params.values,
    )


def layers_by_month_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    params = _Params()
    rows = _layer_rows(lake, scope, params)
    return (
        "SELECT date_trunc('month', entry_date)::DATE AS month, program, "
        f"count(*) AS tariff_rows, {_money(LINE_DUTIES)} AS duties FROM {rows} "
        "GROUP BY 1, 2 ORDER BY 1, 2",
        params.values,
    )


def layer_entries_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    params = _Params()
    rows = _rows(lake, "entry_lines", scope, params)
    return (
        f"SELECT count(DISTINCT entry_number) AS rows FROM {rows} WHERE {LAYER_ROWS}",
        params.values,
    )


# --- IEEPA refunds: per entry summary of the IEEPA period, its IEEPA duty (the registry's
# refunded numbers) and AD/CVD lines, routed by the rules of config/refund_routes.yaml --------
ADCVD = "(add_case_number IS NOT NULL OR cvd_case_number IS NOT NULL)"


def _refunded(params: _Params, registry: tariff_layers.Registry) -> str:
    """A row under a refunded 9903 number (`layers.is_refunded`: whole-number comparisons)."""
    tests = [
        f"(hts_number >= {params.bind(a)} AND (hts_number <= {params.bind(b)} "
        f"OR starts_with(hts_number, {params.bind(b)})))"
        for a, b in registry.refunded_ranges
    ]
    return f"(starts_with(hts_number, '9903') AND ({' OR '.join(tests)}))"


def _route(params: _Params, rules: refund_routes.RefundRules, as_of: str) -> str:
    """The route of an entry (columns of the routed summaries), as `refunds._routed`."""
    held = params.bind(tuple(rules.cape.statuses))
    liquidated = (
        f"(liquidation_date IS NOT NULL AND liquidation_date <= {as_of} "
        f"AND NOT (upper(liquidation_status) IN (SELECT unnest({held}))))"
    )
    hits = []
    for exclusion in rules.exclusions:
        if exclusion.test == "entry_type":
            hits.append(f"entry_type IN (SELECT unnest({params.bind(exclusion.entry_types)}))")
        elif exclusion.test == "reconciliation_flag":
            hits.append(
                "(coalesce(recon_flag, '') <> '' OR coalesce(recon_indicator, false) "
                "OR coalesce(fta_recon_flag, false))"
            )
        elif exclusion.test == "adcvd_pending":
            hits.append("(entry_type IN ('03', '07') OR adcvd_lines > 0)")
    excluded = " OR ".join(f"coalesce({hit}, false)" for hit in hits) or "false"
    cases = [f"WHEN ieepa_duty <= 0 THEN {params.bind(NONE)}"]
    for item in rules.routes:
        inside = liquidated
        if item.liquidated_within_days is not None:
            closes = f"liquidation_date + INTERVAL {int(item.liquidated_within_days)} DAY"
            inside = f"({liquidated} AND {closes} >= {as_of})"
        if item.unliquidated:
            inside = f"({inside} OR NOT {liquidated})"
        skip = f"({excluded})" if item.id == "cape" else "false"
        cases.append(f"WHEN {inside} AND NOT {skip} THEN {params.bind(item.id)}")
    return f"CASE {' '.join(cases)} ELSE {params.bind(NOT_ELIGIBLE)} END"


def refunds_summary_sql(lake: Path, scope: dict) -> tuple[str, dict]:
    params = _Params()
    rules, registry = refund_routes.load(), tariff_layers.load()
    first, last = (params.bind(day) for day in ieepa_period(registry))
    as_of = f"{params.bind(scope['as_of'])}::DATE"
    refunded = _refunded(params, registry)
    lines = _rows(lake, "entry_lines", scope, params)
    heads = _rows(lake, "entry_summaries", scope, params)
    order = [r.id for r in rules.routes] + [NOT_ELIGIBLE, NONE]
    names = [r.name for r in rules.routes] + [ROUTE_NAMES_EXTRA[r] for r in order[-2:]]
    every = (
        f"SELECT unnest({params.bind(tuple(order))}) AS route, "
        f"unnest({params.bind(tuple(names))}) AS route_name, "
        f"unnest({params.bind(tuple(range(len(order))))}) AS position"
    )
    per_entry = (
        f"SELECT entry_number, sum(CASE WHEN {refunded} THEN {LINE_DUTIES} ELSE 0 END) "
        f"AS ieepa_duty, count(*) FILTER (WHERE {ADCVD}) AS adcvd_lines FROM {lines} "
        f"WHERE entry_date BETWEEN {first} AND {last} AND ({refunded} OR {ADCVD}) GROUP BY 1"
    )
    facts = (
        "SELECT h.*, coalesce(p.ieepa_duty, 0) AS ieepa_duty, "
        f"coalesce(p.adcvd_lines, 0) AS adcvd_lines FROM {heads} h "
        f"LEFT JOIN ({per_entry}) p USING (entry_number) "
        f"WHERE h.entry_date BETWEEN {first} AND {last}"
    )
    routed = f"SELECT {_route(params, rules, as_of)} AS route, ieepa_duty FROM ({facts})"
    return (
        f"WITH r AS (SELECT route, count(*) AS entries, {_money('ieepa_duty')} AS ieepa_duty "
        f"FROM ({routed}) GROUP BY 1) "
        "SELECT e.route, e.route_name, coalesce(r.entries, 0) AS entries, "
        "coalesce(r.ieepa_duty, 0) AS ieepa_duty "
        f"FROM ({every}) e LEFT JOIN r USING (route) ORDER BY e.position",
        params.values,
    )


SUFFICIENCY_COLUMNS = (
    "importer_number", "month", "window_start", "window_end", "judged_on", "bond_number",
    "bond_amount", "dtf_trailing_12m", "required_amount", "sufficient", "judgement",
    "raise_to", "history_start",
)  # fmt: skip
DTF_COLUMNS = ("importer_number", "month", "dtf_trailing_12m")  # pandas' twin: the input only


def questions(as_of: date) -> list[Question]:
    money_cols = ("entered_value", "duties", "taxes", "fees")
    return [
        Question("overview", "overview.kpis", {}, kpis_sql, pa.kpis,
                 ("entries", "lines", *money_cols), ("entry_lines",)),
        Question("overview", "overview.monthly_trend", {}, trend_sql, pa.trend,
                 ("month", "entries", "lines", *money_cols), ("entry_lines",)),
        Question("overview", "overview.top_countries", {}, countries_sql, pa.countries,
                 ("country_of_origin", "entered_value", "duties", "lines"), ("entry_lines",)),
        Question("overview", "overview.top_hts_chapters", {}, chapters_sql, None,
                 ("hts_chapter", "entered_value", "duties", "lines"), ("entry_lines",)),
        Question("entry_summary", "entry_summary.header_count", {"recon": "all"},
                 header_count_sql, pa.header_count, ("rows",), ("entry_summaries",)),
        Question("entry_summary", "entry_summary.header",
                 {"recon": "all", "offset": 0, "limit": 100}, header_page_sql, pa.header_page,
                 HEADER_COLUMNS, ("entry_summaries",),
                 ("entry_number", "entry_date", "entered_value")),
        Question("exams", "exams.rate_by_month", {}, exam_rate_sql, pa.exam_rate,
                 ("month", "exams", "entries"), ("exams", "entry_summaries")),
        Question("cargo_release", "cargo_release.release_time_monthly", {}, release_time_sql,
                 pa.release_time, ("month", "released", "median_days", "p90_days"),
                 ("cargo_releases",)),
        Question("bond", "bond.sufficiency", {"as_of": as_of}, sufficiency_sql,
                 pa.trailing_dtf, SUFFICIENCY_COLUMNS, ("entry_summaries",)),
        Question("reconciliation", "reconciliation.deadlines",
                 {"as_of": as_of, "offset": 0, "limit": 100}, open_flags_sql, pa.open_flags,
                 OPEN_FLAG_COLUMNS, ("reconciliations",),
                 ("flagged_entry_number", "due_date", "days_left")),
        Question("reconciliation", "reconciliation.deadlines_by_month", {"as_of": as_of},
                 open_flags_by_month_sql, None, ("due_month", "overdue", "open_flags", "due_soon"),
                 ("reconciliations",)),
        Question("tariff_layers", "layers.by_program", {}, layers_by_program_sql, None,
                 ("program", "entries", "tariff_rows", "duties"), ("entry_lines",)),
        Question("tariff_layers", "layers.entries_count", {}, layer_entries_sql, None,
                 ("rows",), ("entry_lines",)),
        Question("tariff_layers", "layers.by_program_month", {}, layers_by_month_sql, None,
                 ("month", "program", "tariff_rows", "duties"), ("entry_lines",)),
        Question("refunds", "refunds.summary", {"as_of": as_of}, refunds_summary_sql, None,
                 ("route", "route_name", "entries", "ieepa_duty"),
                 ("entry_summaries", "entry_lines")),
    ]  # fmt: skip


# --- comparing answers ----------------------------------------------------------------
class Mismatch(AssertionError):
    """The project, the floor and pandas disagree: the benchmark would be meaningless."""


def normalise(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """`columns` in comparable form: money as integer cents, counts as Int64, floats
    rounded, dates as dates; rows in a stable order."""
    out = []
    for name in columns:
        column = frame.get_column(name)
        if isinstance(column.dtype, pl.Decimal):
            column = (column.cast(pl.Decimal(38, 2)) * 100).cast(pl.Int64)
        elif column.dtype.is_integer():
            column = column.cast(pl.Int64)
        elif column.dtype.is_float():
            column = column.round(6)
        elif isinstance(column.dtype, pl.Datetime):
            column = column.cast(pl.Date)
        out.append(column.alias(name))
    return pl.DataFrame(out)


def check(question: Question, project: pl.DataFrame, other: pl.DataFrame, who: str) -> None:
    """Raise Mismatch unless `other` answers `question` exactly as the project did."""
    if question.report == "bond.sufficiency" and "judgement" not in other.columns:
        # pandas' twin answers only the judgement's input, the DTF of every importer and
        # month: pick the project's rows from it
        keys = ["importer_number", "month"]
        project = project.select(*DTF_COLUMNS)
        other = (
            project.select(keys)
            .join(
                normalise(other, DTF_COLUMNS).with_columns(pl.col("month").cast(pl.Date)),
                on=keys,
                how="left",
            )
            .with_columns(pl.col("dtf_trailing_12m").fill_null(0))
        )
        project = normalise(project, DTF_COLUMNS)
    else:
        columns = question.columns
        if question.twin_columns and not set(columns) <= set(other.columns):
            columns = question.twin_columns  # pandas' twin reads fewer columns of the CSV
        project, other = normalise(project, columns), normalise(other, columns)
    if not project.equals(other):
        raise Mismatch(
            f"{who} disagrees with the project on {question.report}:\n"
            f"project ({project.height} rows):\n{project.head(5)}\n"
            f"{who} ({other.height} rows):\n{other.head(5)}"
        )
