"""Hostile filter values are inert: rejected with a message, or matched literally.

Through `Filters.parse` (the URL and command-line path), through the filter bar's widgets
and the URL of the real frame (AppTest), and through `itrac export`'s arguments. Then the
DuckDB connection itself: even SQL that reached it could not read files, load extensions
or unlock its settings.
"""

from __future__ import annotations

import threading
from pathlib import Path

import ibis
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from data_access.access import CBP
from data_access.cli import main as itrac
from data_access.engines import get_engine
from data_access.filters import FilterError, Filters
from data_access.reports import REPORTS, Scope
from tests.test_frame import USERS, launcher, metric
from tests.test_security_properties import build_tables, write_lake

HOSTILE = (
    "' OR 1=1 --",
    "x'); DROP TABLE entry_lines; --",
    "2704' UNION SELECT * FROM bonds --",
    "%",
    "_",
    "%25",
    "84%",
    "8_71",
    "*",
    "\\",
    '"',
    "x" * 10_000,
    "\x00",
    "CN\x00",
    "27-1234567AB\x00' OR '1'='1",
    "ÇN",
    "ＣＮ",  # fullwidth letters
    "２７０４",  # fullwidth digits: str.isdigit() says yes
    "٨٤٧١",  # Arabic-Indic digits
    "\u202e0901",  # right-to-left override
    "🙂",
    "../../etc/passwd",
    "${jndi:ldap://x}",
    "0901\n",
)
FIELDS = (
    "importer_numbers",
    "filer_codes",
    "ports",
    "countries",
    "entry_types",
    "modes",
    "hts_prefix",
    "start",
    "end",
)
COLUMNS = {  # Filters field -> entry_lines column it matches
    "importer_numbers": "importer_number",
    "filer_codes": "filer_code",
    "ports": "port_of_entry",
    "countries": "country_of_origin",
    "entry_types": "entry_type",
    "modes": "mode_of_transport",
}


@pytest.fixture(scope="module")
def lines_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    tables = build_tables()
    return write_lake(tmp_path_factory.mktemp("hostile") / "lake", tables), tables["entry_lines"]


def literal_lines(lines: pl.DataFrame, f: Filters) -> int:
    """Tariff rows the filters select, matched as plain text in polars."""
    for field, column in COLUMNS.items():
        if getattr(f, field):
            lines = lines.filter(pl.col(column).is_in(getattr(f, field)))
    if f.hts_prefix:  # a line's Chapter 99 layers go with its goods (data_access.attribution)
        hts = pl.col("hts_number")
        goods = lines.filter(pl.col("tariff_ordinal") == 1, hts.str.starts_with(f.hts_prefix))
        keys = goods.select("entry_number", "line_number", matched=pl.lit(True))
        lines = lines.join(keys, on=["entry_number", "line_number"], how="left")
        layer = (pl.col("tariff_ordinal") > 1) & hts.str.starts_with("9903")
        lines = lines.filter(
            hts.str.starts_with(f.hts_prefix) | (layer & pl.col("matched").fill_null(False))
        )
    return lines.height


def assert_inert(lines_lake: tuple[Path, pl.DataFrame], field: str, value: str) -> None:
    try:
        f = Filters.parse({field: value})
    except FilterError as error:
        assert str(error).startswith((field, "too many values")), str(error)
        assert len(str(error)) < 300  # the message quotes at most the start of the value
        return
    where, lines = lines_lake
    tariff_rows = REPORTS["entry_summary.line_tariff_details_count"](
        Scope(get_engine(where, "duckdb"), CBP, f)
    )
    assert tariff_rows.item() == literal_lines(lines, f), (field, value, f)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:20]))
def test_hostile_filter_values_are_rejected_or_literal(lines_lake, field: str, value: str) -> None:
    assert_inert(lines_lake, field, value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), value=st.text(max_size=50) | st.sampled_from(HOSTILE))
def test_any_text_in_any_filter_is_inert(lines_lake, field: str, value: str) -> None:
    assert_inert(lines_lake, field, value)


def test_legitimate_values_still_filter(lines_lake) -> None:
    where, lines = lines_lake
    f = Filters.parse({"countries": "cn", "hts_prefix": "8471.30"})
    count = REPORTS["entry_summary.line_tariff_details_count"](
        Scope(get_engine(where, "duckdb"), CBP, f)
    )
    assert count.item() == literal_lines(lines, f) == 2  # the CN 8471.30 line and its layer


# --- the URL and the widgets of the real frame ------------------------------------------
@pytest.fixture
def frame(tiny_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    users = tmp_path / "users.yaml"
    users.write_text(USERS)
    monkeypatch.setenv("ITRAC_DEMO", "1")
    monkeypatch.setenv("ITRAC_LAKE", str(tiny_lake))
    monkeypatch.setenv("ITRAC_USERS", str(users))
    return AppTest.from_file(str(launcher(tmp_path)), default_timeout=30)


UNFILTERED = {"Entries": "3", "Entered value": "$6.7K"}  # tiny_lake, CBP, last 5 years


def figures(at: AppTest) -> dict[str, str]:
    return {label: metric(at, label) for label in UNFILTERED}


@pytest.mark.parametrize(
    "query",
    [
        {"country": "' OR 1=1 --"},
        {"importer": "x" * 10_000},
        {"importer": ["27-1234567AB' OR '1'='1", "30-7654321CD\x00"]},
        {"port": "%"},
        {"filer": "_"},
        {"mode": "🙂"},
        {"entry_type": "01; DROP TABLE entry_lines"},
        {"period": "Last 5 years' OR 1=1"},
        {"period": "Custom", "start": "2024-01-01' OR 1=1 --", "end": "\x00"},
        {"view_as": "' OR role='cbp"},
    ],
    ids=lambda q: repr(q)[:40],
)
def test_hostile_url_values_are_ignored(frame: AppTest, query: dict) -> None:
    frame.query_params.update(query)
    at = frame.run()
    assert not at.exception
    if query.get("period") != "Custom":
        assert figures(at) == UNFILTERED
    for multiselect in at.multiselect:
        assert all(v in multiselect.options for v in multiselect.value)


@pytest.mark.parametrize(
    ("hts", "message"),
    [
        ("%25", "'%25' is not an HTS prefix"),
        ("%", "'%' is not an HTS prefix"),
        ("' OR 1=1 --", "is not an HTS prefix"),
        ("8_71", "'8_71' is not an HTS prefix"),
        ("\x00", "'\\x00' is not an HTS prefix"),
        ("9" * 10_000, "value longer than 40 characters"),
    ],
    ids=lambda v: repr(v)[:20],
)
def test_hostile_hts_in_url_and_box_is_refused_with_a_message(
    frame: AppTest, hts: str, message: str
) -> None:
    frame.query_params["hts"] = hts
    at = frame.run()
    assert not at.exception
    assert message in at.sidebar.error[0].value
    assert figures(at) == UNFILTERED
    at.text_input(key="hts").input("84%").run()
    assert "'84%' is not an HTS prefix" in at.sidebar.error[0].value
    assert figures(at) == UNFILTERED
    at.text_input(key="hts").input("8471").run()
    assert not at.sidebar.error
    assert figures(at) == {"Entries": "1", "Entered value": "$1.0K"}


# --- itrac export -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "' OR 1=1 --"], 'countries: "\' OR 1=1 --" is not valid'),
        (["--hts", "%"], "hts_prefix: '%' is not an HTS prefix"),
        (["--importer", "x" * 10_000], "importer_numbers: '" + "X" * 40 + "' is not valid"),
        (["--port", "27\x0004"], "ports: '27\\x0004' is not valid"),
        (["--filer", "A_%"], "filer_codes: 'A_%' is not valid"),
        (["--start", "2024-01-01' OR 1=1"], 'start: "2024-01-01\' OR 1=1" is not a date'),
        (["--as", "importer:' OR 1=1 --"], '"\' OR 1=1 --" is not an importer number'),
        (["--as", "broker:%"], "'%' is not a filer code"),
        (["--as", "admin"], "cannot read principal 'admin'"),
        (["--as", "importer:"], "cannot read principal 'importer:'"),
        (["--as", "cbp' OR 1=1"], "cannot read principal"),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_hostile_export_arguments_exit_2_with_the_message(
    lines_lake, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    out = tmp_path / "x.csv"
    code = itrac(
        ["export", "overview.kpis", "--lake", str(lines_lake[0]), "--out", str(out), *args]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


# --- the DuckDB connection under the reports --------------------------------------------
FORBIDDEN = {
    "read a file outside the lake": "SELECT * FROM read_csv('/etc/passwd')",
    "read text outside the lake": "SELECT * FROM read_text('/etc/passwd')",
    "list files outside the lake": "SELECT * FROM glob('/etc/*')",
    "climb out of the lake": "SELECT * FROM read_parquet('{lake}/../**/*.parquet')",
    "read over the network": "SELECT * FROM read_csv('https://example.com/x.csv')",
    "write outside the lake": "COPY (SELECT 1 AS a) TO '/tmp/itrac-escape.csv'",
    "attach a database": "ATTACH '/tmp/itrac-escape.duckdb'",
    "install an extension": "INSTALL httpfs",
    "load an extension": "LOAD httpfs",
    "re-enable external access": "SET enable_external_access = true",
    "widen the directories": "SET allowed_directories = ['/']",
    "unlock the configuration": "SET lock_configuration = false",
    "scan a Python variable": "SELECT * FROM confidential",
}


@pytest.mark.parametrize("attempt", FORBIDDEN, ids=str)
def test_duckdb_connection_is_locked_down(lines_lake, attempt: str) -> None:
    where = lines_lake[0]
    confidential = pl.DataFrame({"secret": [1]})  # noqa: F841 - what replacement scans would find
    results: list[BaseException | None] = []

    def attempt_in_a_session_thread() -> None:  # each Streamlit session has its own cursor
        con = get_engine(where, "duckdb")._backend().con  # type: ignore[attr-defined]
        try:
            con.execute(FORBIDDEN[attempt].format(lake=where)).fetchall()
            results.append(None)
        except Exception as error:
            results.append(error)

    thread = threading.Thread(target=attempt_in_a_session_thread)
    thread.start()
    thread.join()
    error = results[0]
    assert error is not None, f"DuckDB let a query {attempt}"
    assert type(error).__name__ in (
        "PermissionException",
        "InvalidInputException",
        "CatalogException",
    ), repr(error)
    assert not Path("/tmp/itrac-escape.csv").exists()


def test_lake_views_still_answer_after_the_lockdown(lines_lake) -> None:
    where, lines = lines_lake
    count = REPORTS["entry_summary.line_tariff_details_count"](
        Scope(get_engine(where, "duckdb"), CBP, Filters())
    )
    assert count.item() == lines.height == 18


# --- below the validation: what Ibis compiles a text value to --------------------------
# Filter values never reach the engine unvalidated (above), and none of the filters takes
# free text. Ibis does not bind them as parameters either: it compiles each value into the
# SQL text as a quoted literal (quotes doubled). These tests hold that compilation to
# literal meaning on its own, for text no validation stands in front of.
@pytest.fixture(scope="module")
def text_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    tables = build_tables()
    lines = tables["entry_lines"]
    mids = [HOSTILE[i % len(HOSTILE)] for i in range(lines.height)]
    tables["entry_lines"] = lines.with_columns(manufacturer_id=pl.Series(mids, dtype=pl.String))
    where = write_lake(tmp_path_factory.mktemp("hostile-text") / "lake", tables)
    return where, tables["entry_lines"]


def assert_literal(text_lake: tuple[Path, pl.DataFrame], value: str) -> None:
    where, lines = text_lake
    t = Scope(get_engine(where, "duckdb"), CBP).table("entry_lines")
    mid = t.manufacturer_id
    asked = {
        "equals": t.filter(mid == ibis.literal(value)),
        "isin": t.filter(mid.isin([value, "DEMAKER1"])),
        "startswith": t.filter(mid.startswith(ibis.literal(value))),
    }
    column = pl.col("manufacturer_id")
    oracle = {
        "equals": lines.filter(column == value),
        "isin": lines.filter(column.is_in([value, "DEMAKER1"])),
        "startswith": lines.filter(column.str.starts_with(value)),
    }
    for how, expr in asked.items():
        got = expr.select("entry_number", "tariff_ordinal", "manufacturer_id").to_polars()
        want = oracle[how].select("entry_number", "tariff_ordinal", "manufacturer_id")
        assert got.sort(got.columns).to_dicts() == want.sort(want.columns).to_dicts(), how
    assert get_engine(where, "duckdb").table("entry_lines").count().to_pyarrow().as_py() == 18


@pytest.mark.parametrize(
    "value",
    [*HOSTILE, "x';--", "a\\'b", "';", "\\", "'", "''", "x\x00y"],
    ids=lambda v: repr(v[:20]),
)
def test_hostile_text_compiles_to_its_literal_meaning(text_lake, value: str) -> None:
    assert_literal(text_lake, value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(max_size=30) | st.sampled_from(HOSTILE))
def test_any_text_compiles_to_its_literal_meaning(text_lake, value: str) -> None:
    assert_literal(text_lake, value)


def test_ibis_compiles_values_as_quoted_literals_not_parameters() -> None:
    """What docs/security.md says: values are in the SQL text, quotes doubled."""
    t = ibis.table({"importer_number": "string"}, name="entry_summaries")
    sql = ibis.to_sql(t.filter(t.importer_number.isin(["27-1234567AB' OR '1'='1"])), "duckdb")
    assert "IN ('27-1234567AB'' OR ''1''=''1')" in sql
    assert "?" not in sql and "$1" not in sql
