"""Charts read at a glance (issue 16, items 1, 3, 4 and 5): partial months marked and left
out of rate trends, rates as percents, Top N + Other, human legends, one palette.

The lake below holds entries from 1 January to 14 March 2024: January and February are
whole, March is partial. Ten entries in January, ten in February, two in March, and one
exam a month, so the exam rate is 10%, 10% and (March, a fortnight) 50%: the spike the
issue saw, which the trend must leave out unless asked.
"""

from __future__ import annotations

import base64
import tomllib
from datetime import date, timedelta
from decimal import Decimal
from itertools import combinations
from pathlib import Path

import numpy as np
import plotly.io as pio
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_access import codes, lake
from data_access.filters import Filters
from data_access.periods import Span, data_span, mark_partial
from ui import charts, palette
from ui.labels import is_storage_name, label
from ui.look import framed

ROOT = Path(__file__).resolve().parents[1]
ACME = "27-1234567AB"
DAYS = (  # entry dates: 10 in January (from the 1st), 10 in February, 2 in March
    [date(2024, 1, 1) + timedelta(days=3 * i) for i in range(10)]
    + [date(2024, 2, 1) + timedelta(days=2 * i) for i in range(10)]
    + [date(2024, 3, 5), date(2024, 3, 14)]
)
EXAM_DAYS = {0: date(2024, 1, 3), 10: date(2024, 2, 10), 20: date(2024, 3, 10)}  # entry -> day


def entry(serial: int) -> str:
    text = f"{serial:07d}"
    return f"ABC{text}{codes.check_digit('ABC', text)}"


def build(where: Path) -> Path:
    n = len(DAYS)
    common = {
        "entry_number": [entry(i + 1) for i in range(n)],
        "importer_number": [ACME] * n,
        "filer_code": ["ABC"] * n,
        "entry_type": ["01"] * n,
        "port_of_entry": ["2704"] * n,
        "mode_of_transport": ["11"] * n,
        "entry_date": DAYS,
        "entered_value": pl.Series([Decimal("1000.00")] * n, dtype=pl.Decimal(18, 2)),
    }
    summaries = pl.DataFrame(common)
    lines = pl.DataFrame(common).with_columns(
        line_number=pl.lit(1), tariff_ordinal=pl.lit(1), hts_number=pl.lit("8471300100"),
        country_of_origin=pl.lit("CN"),
        duty_amount=pl.lit(Decimal("50.00")).cast(pl.Decimal(18, 2)),
    )  # fmt: skip
    exams = pl.DataFrame(
        {
            "exam_id": [f"X{i}" for i in EXAM_DAYS],
            "entry_number": [entry(i + 1) for i in EXAM_DAYS],
            "importer_number": [ACME] * len(EXAM_DAYS),
            "filer_code": ["ABC"] * len(EXAM_DAYS),
            "exam_date": list(EXAM_DAYS.values()),
            "exam_type": ["NII"] * len(EXAM_DAYS),
            "result": ["NO_DISCREPANCY"] * len(EXAM_DAYS),
        }
    )
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_summaries", summaries)
        tx.write("entry_lines", lines)
        tx.write("exams", exams)
        tx.record(file="charts", rows_loaded=n)
    return where


@pytest.fixture(scope="module")
def chart_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("charts") / "lake")


def page_script(lake_dir: str, page: str) -> None:
    import importlib
    from pathlib import Path

    from data_access.access import CBP
    from data_access.filters import Filters
    from ui.data import View

    importlib.import_module(f"pages.{page}").render(View(Path(lake_dir), "duckdb", CBP, Filters()))


def open_page(where: Path, page: str, **params: str) -> AppTest:
    at = AppTest.from_function(page_script, args=(str(where), page), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def figures(at: AppTest) -> list:
    return [pio.from_json(e.proto.spec) for e in at.get("plotly_chart")]


def months(trace) -> list[str]:
    return [str(x)[:10] for x in trace.x]


def numbers(values: object) -> list[float]:
    """A figure's numbers (plotly ships them as base64 typed arrays)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), values["dtype"]).tolist()
    return list(values)  # type: ignore[call-overload]


# --- partial months: the data's own first and last days decide --------------------------
def holdings(**spans: tuple[date, date]) -> pl.DataFrame:
    rows = [{"table": t, "rows": 5, "first": a, "last": b} for t, (a, b) in spans.items()]
    return pl.DataFrame(rows, schema={"table": pl.String, "rows": pl.Int64, "first": pl.Date,
                                      "last": pl.Date})  # fmt: skip


MONTHS = pl.DataFrame({"month": [date(2024, m, 1) for m in (1, 2, 3)]})


@pytest.mark.parametrize(
    ("first", "last", "filters", "partial"),
    [
        (date(2024, 1, 1), date(2024, 3, 14), Filters(), [False, False, True]),
        (date(2024, 1, 5), date(2024, 3, 31), Filters(), [True, False, False]),
        (date(2024, 1, 1), date(2024, 3, 31), Filters(), [False, False, False]),
        (date(2023, 6, 1), date(2024, 6, 1), Filters(start=date(2024, 2, 10)), [True, True, False]),
        (date(2023, 6, 1), date(2024, 6, 1), Filters(end=date(2024, 2, 29)), [False, False, True]),
    ],
)
def test_a_month_is_partial_when_the_data_does_not_cover_it_whole(
    first: date, last: date, filters: Filters, partial: list[bool]
) -> None:
    where = data_span(holdings(entry_lines=(first, last)), ["entry_lines"], filters)
    assert mark_partial(MONTHS, where).get_column("partial_month").to_list() == partial


def test_the_span_is_what_every_table_covers_and_none_without_data() -> None:
    held = holdings(
        entry_summaries=(date(2024, 1, 1), date(2024, 3, 14)),
        cargo_releases=(date(2023, 12, 20), date(2024, 3, 31)),
    )
    both = data_span(held, ["entry_summaries", "cargo_releases"], Filters())
    assert both == Span(date(2024, 1, 1), date(2024, 3, 14))
    assert data_span(held, ["exams"], Filters()) is None
    assert mark_partial(MONTHS, None).get_column("partial_month").to_list() == [False] * 3
    assert data_span(held, ["entry_summaries"], Filters(start=date(2025, 1, 1))) is None


# --- Top N + Other -------------------------------------------------------------------------
def test_top_n_names_the_largest_and_sums_the_rest_into_other() -> None:
    countries = [f"C{i:02d}" for i in range(14)]  # C00 is the largest: 14, 13, ... 1
    frame = pl.DataFrame(
        {
            "month": [date(2024, 1, 1)] * 14 + [date(2024, 2, 1)] * 14,
            "label": countries * 2,
            "code": [c.lower() for c in countries] * 2,
            "duties": [float(14 - i) for i in range(14)] * 2,
            "rows": [1] * 28,
        }
    )
    top = charts.top_n(frame, "label", "duties", sums=("duties", "rows"), n=10, by=("month",),
                       also=("code",))  # fmt: skip
    january = top.filter(pl.col("month") == date(2024, 1, 1))
    assert january.get_column("label").to_list() == [*countries[:10], "Other (4 more)"]
    assert january.get_column("code").to_list()[-1] == "Other (4 more)"
    assert january.get_column("duties").to_list()[-1] == 4 + 3 + 2 + 1
    assert january.get_column("rows").to_list()[-1] == 4
    assert top.get_column("duties").sum() == frame.get_column("duties").sum() == 210
    assert top.height == 22
    small = charts.top_n(frame.head(11), "label", "duties", sums=("duties",), n=10)
    assert small.height == 11  # an "Other" of one would hide a name for nothing


def test_ranked_bars_add_the_rest_up_and_recompute_a_rate() -> None:
    ports = pl.DataFrame(
        {
            "label": [f"P{i}" for i in range(5)],
            "exams": [9, 4, 3, 1, 1],
            "entries": [10, 10, 10, 10, 30],
        }
    ).with_columns(exam_rate=pl.col("exams") / pl.col("entries"))
    figure = charts.ranked_bars(ports, value="exam_rate", n=3, sums=("exams", "entries"),
                                rate=("exams", "entries"), percent=True)  # fmt: skip
    bars = figure.data[0]
    assert list(bars.y) == ["Other (2 more)", "P2", "P1", "P0"]  # largest at the top
    assert list(bars.x) == pytest.approx([2 / 40, 0.3, 0.4, 0.9])
    assert bars.texttemplate == "%{x:.2%}"  # each bar says its value, as a percent
    assert figure.layout.xaxis.tickformat == ".2~%"
    assert "%{x:.2%}" in bars.hovertemplate
    assert list(figure.layout.yaxis.tickvals) == ["P0", "P1", "P2", "Other (2 more)"]
    four = charts.ranked_bars(ports.head(4), value="exam_rate", n=3, sums=("exams", "entries"),
                              rate=("exams", "entries"), percent=True)  # fmt: skip
    assert list(four.data[0].y) == ["P3", "P2", "P1", "P0"]  # an Other of one: P3 by name


def test_money_bars_leave_room_for_the_label_past_the_longest() -> None:
    """The label past the longest bar ("$309.4M") is drawn whole on a narrow chart."""
    ports = pl.DataFrame(
        {"label": ["A", "B"], "entered_value": [Decimal("309400000.00"), Decimal("1.00")]},
        schema_overrides={"entered_value": pl.Decimal(38, 2)},
    )
    figure = charts.ranked_bars(ports, value="entered_value", n=5)
    assert list(figure.layout.xaxis.range) == pytest.approx([0, 309_400_000 * 1.2])
    assert figure.data[0].cliponaxis is False  # the label may draw into the margin
    assert figure.layout.margin.r == charts.LABEL_MARGIN
    assert framed(figure).layout.margin.r == charts.LABEL_MARGIN  # chart_with_table keeps it


NUCLEAR = "84 Nuclear reactors, boilers, machinery and mechanical appliances"  # 65 characters


def test_a_cut_name_ends_in_an_ellipsis_and_no_two_bars_read_alike() -> None:
    """Names past 42 characters are cut with "…" on the chart, whole in the hover; two
    that would be cut alike (the same first 41 characters) are cut in the middle, keeping
    the ends that tell them apart; alike even so, numbered."""
    names = [f"{NUCLEAR}; parts", f"{NUCLEAR}; other parts", "A" * 45 + "x" + "A" * 24,
             "A" * 45 + "y" + "A" * 24,  # alike but for the middle
             "90 Optical, medical and measuring instruments", "27 Mineral fuels"]  # fmt: skip
    frame = pl.DataFrame({"label": names, "lines": [60, 50, 40, 30, 20, 10]})
    bars = charts.ranked_bars(frame, value="lines").data[0]
    assert list(bars.y)[::-1] == [  # largest at the top
        "84 Nuclear reactors,…cal appliances; parts",
        "84 Nuclear reactors,…pliances; other parts",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA… (1)",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA… (2)",
        "90 Optical, medical and measuring instrum…",
        "27 Mineral fuels",
    ]
    assert {len(y) for y in bars.y} <= set(range(charts.TICK_CHARACTERS + 1))
    assert list(bars.hovertext)[::-1] == names  # the hover names each bar whole
    assert "<b>%{hovertext}</b>" in bars.hovertemplate


def test_a_rate_of_few_entries_does_not_lead_the_ranking() -> None:
    ports = pl.DataFrame(
        {
            "label": ["Tiny", "Big", "Mid", "Small", "Least"],
            "exams": [1, 9, 3, 2, 0],
            "entries": [1, 300, 50, 49, 10],
        }
    ).with_columns(exam_rate=pl.col("exams") / pl.col("entries"))
    figure = charts.ranked_bars(ports, value="exam_rate", sums=("exams", "entries"),
                                rate=("exams", "entries"), least=("entries", 50))  # fmt: skip
    bars = figure.data[0]
    assert list(bars.y)[::-1] == ["Mid", "Big", "Under 50 entries (3 more)"]  # top first
    assert list(bars.x)[::-1] == pytest.approx([3 / 50, 9 / 300, 3 / 60])  # pooled: 3 in 60
    assert list(bars.marker.color)[::-1] == [palette.PALETTE[0]] * 2 + [palette.OTHER_COLOUR]
    one = charts.ranked_bars(ports, value="exam_rate", n=1, sums=("exams", "entries"),
                             rate=("exams", "entries"), least=("entries", 10))  # fmt: skip
    assert list(one.data[0].y)[::-1] == ["Mid", "Other (3 more)", "Under 10 entries (1 more)"]
    assert list(one.data[0].x)[::-1] == pytest.approx([3 / 50, 11 / 359, 1.0])
    unknown = pl.DataFrame({"label": ["Big", "(none)"], "exams": [9, 4], "entries": [300, 0]})
    no_rate = charts.ranked_bars(  # exams of no entry in the period: no rate, no bar
        unknown.with_columns(exam_rate=pl.col("exams") / pl.col("entries")), value="exam_rate",
        sums=("exams", "entries"), rate=("exams", "entries"), least=("entries", 50),
    )  # fmt: skip
    assert list(no_rate.data[0].y) == ["Big"]


def exam_lake(where: Path) -> Path:
    """January 2024, 71 entries of $1,000 (a line each, from China). Port 2704: 60 entries,
    3 exams (5%); port 1001: 1 entry, 1 exam (100%); port 2304: 10 entries, none examined."""
    ports = ["2704"] * 60 + ["1001"] + ["2304"] * 10
    examined = [0, 20, 40, 60]  # entries (by position) with an exam: 3 at 2704, the 1001 one
    n = len(ports)
    summaries = pl.DataFrame(
        {
            "entry_number": [entry(i + 1) for i in range(n)],
            "importer_number": [ACME] * n,
            "filer_code": ["ABC"] * n,
            "entry_type": ["01"] * n,
            "port_of_entry": ports,
            "mode_of_transport": ["11"] * n,
            "entry_date": [date(2024, 1, 1) + timedelta(days=i % 28) for i in range(n)],
            "entered_value": pl.Series([Decimal("1000.00")] * n, dtype=pl.Decimal(18, 2)),
        }
    )
    exams = pl.DataFrame(
        {
            "exam_id": [f"X{i}" for i in examined],
            "entry_number": [entry(i + 1) for i in examined],
            "importer_number": [ACME] * len(examined),
            "filer_code": ["ABC"] * len(examined),
            "port_of_entry": [ports[i] for i in examined],
            "exam_date": [date(2024, 1, 28)] * len(examined),
            "exam_type": ["NII"] * len(examined),
            "result": ["NO_DISCREPANCY"] * len(examined),
        }
    )
    lines = summaries.with_columns(
        line_number=pl.lit(1), tariff_ordinal=pl.lit(1), hts_number=pl.lit("8471300100"),
        country_of_origin=pl.lit("CN"),
    )  # fmt: skip
    with lake.transaction(where, fresh=True) as tx:
        tx.write("entry_summaries", summaries)
        tx.write("entry_lines", lines)
        tx.write("exams", exams)
        tx.record(file="exams", rows_loaded=n)
    return where


def test_the_exams_page_ranks_ports_from_fifty_entries_and_lists_every_one(tmp_path) -> None:
    at = open_page(exam_lake(tmp_path / "lake"), "exams", exam_tab="Exam rate")
    ports = figures(at)[1]
    named = codes.CODE_LISTS["port_of_entry"]
    assert list(ports.data[0].y)[::-1] == [f"2704 {named['2704']}", "Under 50 entries (2 more)"]
    assert numbers(ports.data[0].x)[::-1] == pytest.approx([3 / 60, 1 / 11])
    assert ports.layout.xaxis.title.text == "Exam Rate (ranked from 50 entries)"
    assert ports.layout.xaxis.tickformat == ".2~%"
    assert "ranked among those with at least 50 entries" in at.caption[1].value
    table = at.dataframe[1].value  # the table beside the chart keeps every port
    assert sorted(zip(table["port_of_entry"], table["entries"], strict=True)) == [
        ("1001", 1), ("2304", 10), ("2704", 60)
    ]  # fmt: skip


# --- the palette ------------------------------------------------------------------------------
def theme_backgrounds() -> list[str]:
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    return [theme["light"]["backgroundColor"], theme["dark"]["backgroundColor"]]


def test_thirty_colours_stay_apart() -> None:
    assert len(palette.PALETTE) == 30
    assert len({c.lower() for c in palette.PALETTE} | {palette.OTHER_COLOUR}) == 31
    closest = min(palette.delta_e(a, b) for a, b in combinations(palette.PALETTE, 2))
    assert closest > 12  # CIE76: plainly different side by side


def test_the_first_colours_stay_apart_for_colour_blind_viewers() -> None:
    first = palette.PALETTE[: palette.CVD_SAFE]
    for vision in palette.CVD_MATRICES:
        closest = min(palette.delta_e(a, b, vision) for a, b in combinations(first, 2))
        assert closest > 12, vision


def test_every_colour_reads_on_the_light_and_the_dark_theme() -> None:
    for background in theme_backgrounds():
        for colour in (*palette.PALETTE, palette.OTHER_COLOUR):
            assert palette.contrast(colour, background) >= 3, (colour, background)


def test_thirty_countries_get_thirty_colours_and_keep_them() -> None:
    order = sorted(codes.countries())  # a dimension's stable order
    shown = ["CN", "CL", *[c for c in order if c not in ("CN", "CL")][:28]]
    colours = palette.colour_map(shown, order)
    assert len(set(colours.values())) == 30
    assert colours["CN"] != colours["CL"]  # China and Chile are not the same blue
    assert palette.colour_map(["CL", "DE", "Other (9 more)"], order)["CL"] == colours["CL"]
    assert palette.colour_map(["Other (9 more)"], order) == {"Other (9 more)": "#8a8f98"}


# --- the pages ------------------------------------------------------------------------------
def test_exam_rate_trend_leaves_the_partial_month_out(chart_lake) -> None:
    at = open_page(chart_lake, "exams")
    assert {m.label: m.value for m in at.metric}["Exam rate"] == "13.64%"  # 3 / 22
    trend = figures(at)[0]
    assert [months(t) for t in trend.data] == [["2024-01-01", "2024-02-01"]]
    assert numbers(trend.data[0].y) == pytest.approx([0.1, 0.1])  # not March's 50%
    assert trend.layout.yaxis.tickformat == ".2~%"
    assert "%{y:.2%}" in trend.data[0].hovertemplate
    assert trend.data[0].name == "Exam Rate"
    assert "Partial months (Mar 2024; data 01 Jan 2024 to 14 Mar 2024) are left out" in (
        at.caption[0].value
    )
    table = at.dataframe[0].value
    assert table["partial_month"].tolist() == [False, False, True]  # the table flags March
    assert label("partial_month") == "Partial Month"  # its header on screen
    assert at.toggle(key="exams-rate-by-month-partial").value is False


def test_asked_for_the_partial_month_is_drawn_dotted(chart_lake) -> None:
    at = open_page(chart_lake, "exams", **{"exams-rate-by-month-partial": "true"})
    trend = figures(at)[0]
    dotted, marker, whole = trend.data
    assert months(dotted) == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert dotted.line.dash == "dot"
    assert months(marker) == ["2024-03-01"] and numbers(marker.y) == pytest.approx([0.5])
    assert "partial month" in marker.hovertemplate
    assert months(whole) == ["2024-01-01", "2024-02-01"]


def test_monthly_bars_hatch_the_partial_month(chart_lake) -> None:
    at = open_page(chart_lake, "overview")
    whole, partial = figures(at)[0].data
    assert months(whole) == ["2024-01-01", "2024-02-01"]
    assert months(partial) == ["2024-03-01"]
    assert numbers(partial.y) == [2000.0]  # the two March entries' value
    assert (partial.marker.pattern.shape, partial.marker.opacity) == ("/", 0.45)
    assert not whole.marker.pattern.shape and whole.marker.opacity is None
    assert partial.showlegend is False and partial.legendgroup == whole.legendgroup
    assert partial.hovertemplate.endswith("%{customdata[0]}<extra></extra>")
    assert partial.customdata[0][0].startswith("<br><b>partial month</b>: data 01 Jan 2024")


def test_legends_and_axes_read_as_words(chart_lake) -> None:
    at = open_page(chart_lake, "exams", exam_tab="CF-28 / CF-29")
    forms = figures(at)[0]
    assert [t.name for t in forms.data if t.showlegend is not False] == [
        "CF-28 (Request for Information)",
        "CF-29 (Notice of Action)",
    ]
    assert {t.offsetgroup for t in forms.data} == {
        t.name for t in forms.data if t.showlegend is not False
    }
    for page, tab in (("exams", "Exam rate"), ("exams", "Types and results"), ("overview", "")):
        for figure in figures(open_page(chart_lake, page, exam_tab=tab)):
            words = [t.name for t in figure.data if t.name]
            words += [figure.layout.xaxis.title.text or "", figure.layout.yaxis.title.text or ""]
            words += [figure.layout.legend.title.text or ""]
            assert not [w for w in words if w and is_storage_name(w)], (page, tab, words)


def test_a_code_that_is_its_own_description_is_said_once() -> None:
    from ui.entry_summary_charts import plottable

    mix = pl.DataFrame(
        {
            "release_status": ["RELEASED", "HOLD", None, "X9"],
            "release_status_description": ["Released", "On hold", "Not released", ""],
        }
    )
    assert plottable(mix, "release_status").get_column("label").to_list() == [
        "Released",  # not "Released Released"
        "HOLD On hold",
        "Not released",
        "X9",
    ]


def test_cargo_volumes_name_each_port_and_mode(tmp_path) -> None:
    from tests.cbr_lake import build as build_cbr

    at = open_page(build_cbr(tmp_path / "lake"), "cargo_release")
    ports, modes = figures(at)[:2]
    assert ports.layout.legend.title.text == "Port of Entry"  # not "Port Of Entry"
    ports_named = codes.CODE_LISTS["port_of_entry"]
    assert [t.name for t in ports.data if t.showlegend is not False] == [
        f"{code} {ports_named[code]}" for code in ("2704", "1001", "2304")
    ]  # largest first, each with its name (not the bare code)
    assert modes.layout.legend.title.text == "Mode of Transportation"
    assert "11 Vessel, container" in {t.name for t in modes.data}


def test_the_address_says_how_many_categories_are_named(tmp_path) -> None:
    from tests.entry_summary_lake import build as build_es

    where = build_es(tmp_path / "lake")
    countries = figures(open_page(where, "overview"))[1].data[0]
    assert len(countries.y) == 5  # five countries: all named, no Other
    assert not [y for y in countries.y if y.startswith("Other")]
    at = open_page(where, "overview", top="3")
    three = figures(at)[1].data[0]
    assert three.y[0] == "Other (2 more)" and len(three.y) == 4
    smallest = sorted(numbers(countries.x))[:2]
    assert numbers(three.x)[0] == pytest.approx(sum(smallest))  # Other adds up the rest
    assert "the top 3 by name" in at.caption[1].value


def test_the_audit_trend_per_filer_leaves_the_partial_month_out(chart_lake) -> None:
    at = open_page(chart_lake, "audit", audit_tab="Broker scorecard")
    trend = figures(at)[-1]
    assert [months(t) for t in trend.data] == [["2024-01-01", "2024-02-01"]]  # not March
    assert numbers(trend.data[0].y) == pytest.approx([0.1, 0.1])
    assert trend.layout.yaxis.tickformat == ".2~%"
    assert "%{y:.2%}" in trend.data[0].hovertemplate


def test_duty_rate_and_program_shares_leave_the_partial_month_out(chart_lake) -> None:
    trends = figures(open_page(chart_lake, "entry_summary", es_tab="Trends"))
    value, _duties, rate = trends
    assert {months(t)[-1] for t in value.data} == {"2024-02-01", "2024-03-01"}  # bars: all
    assert [months(t) for t in rate.data] == [["2024-01-01", "2024-02-01"]]
    assert numbers(rate.data[0].y) == pytest.approx([0.05, 0.05])  # 50 / 1,000
    assert rate.layout.yaxis.tickformat == ".2~%"
    shares = figures(open_page(chart_lake, "entry_summary", es_tab="Trade programs"))[0]
    assert sorted({m for t in shares.data for m in months(t)}) == ["2024-01-01", "2024-02-01"]
    assert shares.layout.yaxis.tickformat == ".2~%"
    assert "%{y:.2%}" in shares.data[0].hovertemplate
