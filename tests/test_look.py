"""What every chart gets on its way to the screen (ui/look.readable) so it reads on a phone
as on a projector: the legend in rows under the plot, horizontal bars with their names
above them, and names under vertical bars wrapped instead of aslant (issue 16).

The browser side (plot widths at 390 px) is tests/browser/test_look_pages_browser.py.
"""

from __future__ import annotations

import ast
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from tests import audit_lake
from ui import charts, look, widgets

ROOT = Path(__file__).resolve().parents[1]

PORTS = pl.DataFrame(
    {
        "label": [f"P{i}" for i in range(5)],
        "exams": [9, 4, 3, 1, 1],
        "entries": [10, 10, 10, 10, 30],
    }
).with_columns(exam_rate=pl.col("exams") / pl.col("entries"))


def stacked(series: int, title: str = "Port of Entry") -> go.Figure:
    frame = pl.DataFrame(
        {
            "month": ["Jan", "Feb"] * series,
            "port": [f"Port {i}" for i in range(series) for _ in range(2)],
            "releases": list(range(2 * series)),
        }
    )
    figure = px.bar(frame, x="month", y="releases", color="port")
    return figure.update_layout(legend_title_text=title)


def test_the_legend_sits_in_rows_under_the_plot_and_the_figure_grows_for_it() -> None:
    figure = look.readable(stacked(5))
    legend = figure.layout.legend
    assert (legend.orientation, legend.xref, legend.x, legend.xanchor) == (
        "h",
        "container",
        0,
        "left",
    )
    assert (legend.yref, legend.y, legend.yanchor) == ("container", 0, "bottom")
    assert legend.maxheight == 1  # never a legend that scrolls
    assert legend.title.side == "top"  # the title on its own row, the entries from the left
    # 450 px of plotly's default, plus 3 rows of two entries and the title's row, and a pad
    assert figure.layout.height == 450 + 22 * (3 + 1) + 16


def test_a_figure_without_a_legend_keeps_its_place_and_height() -> None:
    single = px.bar(PORTS, x="label", y="exams").update_layout(height=300)
    assert look.readable(single).layout.legend.orientation is None
    assert single.layout.height == 300


def test_a_donut_counts_a_legend_entry_per_slice() -> None:
    donut = go.Figure(go.Pie(labels=["A", "B", "C", "D"], values=[1, 2, 3, 4], hole=0.4))
    assert look.legend_entries(donut) == 4
    assert look.readable(donut).layout.legend.orientation == "h"


def test_horizontal_bars_carry_their_names_above_them() -> None:
    figure = charts.ranked_bars(PORTS, value="exam_rate", n=3, sums=("exams", "entries"),
                                rate=("exams", "entries"), percent=True)  # fmt: skip
    look.readable(figure)
    names = [(a.text, a.y, a.yanchor, a.xref, a.x) for a in figure.layout.annotations]
    top = (1 - look.BAR_GAP) / 2  # a bar's top edge, from its category's centre
    assert names == [  # bottom (position 0) to top: largest at the top, Other last
        ("Other (2 more)", pytest.approx(0 + top), "bottom", "x domain", 0),
        ("P2", pytest.approx(1 + top), "bottom", "x domain", 0),
        ("P1", pytest.approx(2 + top), "bottom", "x domain", 0),
        ("P0", pytest.approx(3 + top), "bottom", "x domain", 0),
    ]
    assert figure.layout.yaxis.showticklabels is False  # no second copy beside the bars
    assert figure.layout.bargap == look.BAR_GAP
    assert figure.layout.height == look.BAR_CHART_PAD_PX + 4 * look.BAR_SLOT_PX


def test_names_follow_a_reversed_axis_and_a_category_array() -> None:
    frame = pl.DataFrame({"label": ["B", "A", "C"], "duty": [2, 1, 3]})
    figure = px.bar(frame, x="duty", y="label", orientation="h",
                    category_orders={"label": ["C", "B", "A"]})  # fmt: skip
    assert list(figure.layout.yaxis.categoryarray) == ["A", "B", "C"]  # px: first on top
    figure.update_yaxes(autorange="reversed")  # then A (position 0) is at the top
    look.readable(figure)
    top = -(1 - look.BAR_GAP) / 2  # on a reversed axis the bar's top edge is below its centre
    assert [(a.text, a.y) for a in figure.layout.annotations] == [
        ("A", pytest.approx(0 + top)),
        ("B", pytest.approx(1 + top)),
        ("C", pytest.approx(2 + top)),
    ]


def test_grouped_bars_get_room_and_level_values_beside_them() -> None:
    frame = pl.DataFrame({"label": ["A", "B"], "median": [1.0, 2.0], "p90": [3.0, 5.0]})
    figure = px.bar(frame, x=["median", "p90"], y="label", orientation="h", barmode="group",
                    text_auto=".1f")  # fmt: skip
    look.readable(figure)
    assert {(t.textposition, t.textangle, t.cliponaxis) for t in figure.data} == {
        ("outside", 0, False)
    }
    slot = look.BAR_SLOT_PX + look.GROUP_SLOT_PX  # two bars a category
    legend = look.legend_height(2, titled=bool(figure.layout.legend.title.text))
    assert figure.layout.height == look.BAR_CHART_PAD_PX + 2 * slot + legend


def test_vertical_bars_wrap_long_names_instead_of_turning_them() -> None:
    sureties = pl.DataFrame(
        {"surety": ["161 Corporate surety, CBP surety code 161", "998 Cash"], "bonds": [5, 2]}
    )
    figure = charts.category_ticks(px.bar(sureties, x="surety", y="bonds"))
    assert list(figure.layout.xaxis.ticktext) == [
        "161 Corporate<br>surety, CBP<br>surety code<br>161",
        "998 Cash",
    ]
    assert list(figure.layout.xaxis.tickvals) == list(sureties["surety"])
    assert figure.layout.xaxis.tickangle == 0


# --- no emoji: they draw as empty boxes where no emoji font is installed ----------------------
# (Debian's chromium here, air-gapped Linux desktops). Icons are Streamlit's Material
# Symbols (":material/lock:"), whose font the app serves itself. Arrows (← ↑ ⬇) stay: the
# text fonts have them.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2300-\u23ff\u2b50-\u2b55\ufe0f\u200d]")
SHOWN = ("pages", "ui", "dashboard.py")  # where every word on screen is written


def shown_strings() -> list[tuple[str, int, str]]:
    """Every string literal of the app's code: (file, line, text)."""
    found = []
    for path in (file for part in SHOWN for file in _files(part)):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((str(path.relative_to(ROOT)), node.lineno, node.value))
    return found


def _files(part: str) -> list[Path]:
    return [ROOT / part] if part.endswith(".py") else sorted((ROOT / part).rglob("*.py"))


def test_no_emoji_on_screen() -> None:
    strings = shown_strings()
    assert len(strings) > 1000  # the pages' texts were read
    emoji = [(f, line, EMOJI.findall(text)) for f, line, text in strings if EMOJI.search(text)]
    assert emoji == [], f"emoji draw as empty boxes without an emoji font: {emoji}"


# --- tables: a missing value reads as a dash, not "None" -----------------------------------
def audit_page(lake_dir: str) -> None:
    from pathlib import Path

    from data_access.access import CBP
    from data_access.filters import Filters
    from pages import audit
    from ui.data import View

    audit.render(View(Path(lake_dir), "duckdb", CBP, Filters()))


def test_the_audit_tables_show_missing_values_as_a_dash(tmp_path: Path) -> None:
    """The Audit rows table had "None" in the line and tariff-row cells of entry-level
    findings (a fee check finds an entry, not a line)."""
    lake_dir = audit_lake.build(tmp_path / "lake")
    at = AppTest.from_function(audit_page, args=(str(lake_dir),), default_timeout=120).run()
    assert not at.exception, at.exception
    _summary, rows = at.dataframe  # the findings by check, and their rows
    assert rows.value["Entry Summary Line Number"].isna().sum() == 11  # to show
    assert [frame.proto.placeholder for frame in at.dataframe] == ["–"] * len(at.dataframe)


def test_every_table_is_drawn_by_the_one_table_widget() -> None:
    """So every table shows missing values alike: st.dataframe only in widgets.dataframe."""
    callers = {
        (str(path.relative_to(ROOT)), function)
        for part in SHOWN
        for path in _files(part)
        for function in _callers(path, "dataframe")
    }
    assert callers == {("ui/widgets.py", "dataframe")}


def _callers(path: Path, method: str) -> set[str]:
    """The functions of `path` that call `<something>.method(...)`."""
    return {
        function.name
        for function in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(function, ast.FunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
    }


def test_stored_moments_read_as_the_sidebar_says_them() -> None:
    """The Data page's Loaded At read 2026-12-01T20:00:06+00:00; the sidebar says
    2026-12-01 20:00 UTC."""
    files = pl.DataFrame(
        {
            "file": ["a.csv", "b.csv", "c.csv"],
            "loaded_at": ["2026-12-01T20:00:06+00:00", None, "not a moment"],
            "rows_at": [1, 2, 3],  # not text: left alone
        }
    )
    shown = widgets.moments(files)
    assert shown["loaded_at"].to_list() == ["2026-12-01 20:00 UTC", None, "not a moment"]
    assert shown["rows_at"].to_list() == [1, 2, 3]
    assert widgets.moment("2026-12-01T20:00:07+00:00") == "2026-12-01 20:00 UTC"


# --- values as the tables show them: money as dollars, rates as percents -----------------
MONTHLY = pl.DataFrame(
    {
        "month": [date(2024, 1, 1), date(2024, 2, 1)],
        "entered_value": pl.Series([Decimal("812345.67"), Decimal("1200000.00")],
                                   dtype=pl.Decimal(38, 2)),
        "entries": [3, 4],
        "exam_rate": [0.125, 0.5],
    }
)  # fmt: skip


def test_money_axes_read_as_dollars_and_rates_as_percents() -> None:
    money = look.readable(
        charts.month_bars(MONTHLY, y="entered_value", where=None, y_title="Entered Value (USD)")
    )
    assert (money.layout.yaxis.tickprefix, money.layout.yaxis.exponentformat) == ("$", "B")
    assert money.layout.yaxis.hoverformat == "$,.2f"  # $812,345.67
    assert [t.hovertemplate for t in money.data] == [
        "Month=%{x|%b %Y}<br>Entered Value (USD)=%{y:$,.2f}%{customdata[0]}<extra></extra>"
    ]
    assert money.layout.xaxis.tickprefix is None  # the months
    bars = look.readable(charts.ranked_bars(  # horizontal: the value axis is x
        PORTS.with_columns(entered_value=pl.col("entries") * 1000.0), value="entered_value",
        money=True, x_title="IEEPA duty (USD)",  # any case, a unit after the words
    ))  # fmt: skip
    assert (bars.layout.xaxis.tickprefix, bars.layout.yaxis.tickprefix) == ("$", None)
    assert "IEEPA duty (USD)=%{x:$,.2f}" in bars.data[0].hovertemplate
    counts = look.readable(charts.month_bars(MONTHLY, y="entries", where=None))
    assert (counts.layout.yaxis.tickprefix, counts.layout.yaxis.tickformat) == (None, None)
    assert "Entries=%{y:,}" in counts.data[0].hovertemplate
    rate = look.readable(
        px.line(MONTHLY, x="month", y="exam_rate", labels={"exam_rate": "Exam rate"})
    )
    assert (rate.layout.yaxis.tickformat, rate.layout.yaxis.hoverformat) == (".2~%", ".2%")
    assert rate.data[0].hovertemplate == "month=%{x}<br>Exam rate=%{y:.2%}<extra></extra>"
    assert rate.layout.yaxis.tickprefix is None


def test_the_world_map_colours_by_dollars() -> None:
    frame = pl.DataFrame({"iso3": ["CHN", "MEX"], "entered_value": [5e6, 2e5]})
    figure = px.choropleth(frame, locations="iso3", color="entered_value",
                           labels={"entered_value": "Entered Value (USD)"})  # fmt: skip
    look.readable(figure)
    assert figure.layout.coloraxis.colorbar.tickprefix == "$"
    assert "Entered Value (USD)=%{z:$,.2f}" in figure.data[0].hovertemplate


MONEY_AXES = {  # every money axis the pages draw over the test lakes: (page, tab, title)
    ("overview", "", "Entered Value (USD)"),
    ("entry_summary", "Trends", "Entered Value (USD)"),
    ("entry_summary", "Trends", "Duties (USD)"),
    ("entry_summary", "Breakdowns", "Entered Value (USD)"),
    ("entry_summary", "Trade programs", "Duties (USD)"),
    ("entry_summary", "AD/CVD", "Amount (USD)"),
    ("bond", "Sufficiency", "Amount (USD)"),
    ("bond", "Activity codes", "Amount in Force (USD)"),
    ("reconciliation", "Adjustments", "Amount (USD; negative: refund)"),
    ("tariff_layers", "Over time", "Chapter 99 Duty Amount (USD)"),
    ("tariff_layers", "By country", "Duties (USD)"),
    ("tariff_layers", "By HTS", "Duties (USD)"),
    ("refunds", "By route", "IEEPA duty (USD)"),
    ("refunds", "Closing by week", "IEEPA duty (USD)"),
}


def test_every_money_axis_on_every_page_reads_as_dollars(page_lakes) -> None:
    from tests.page_walk import CASES, PAGES, open_page

    dollars, in_usd = set(), set()
    for page, tab, params in CASES:
        at = open_page(page_lakes[PAGES[page][0]], page, **params)
        for chart in at.get("plotly_chart"):
            layout = json.loads(chart.proto.spec)["layout"]
            for axis in (v for k, v in layout.items() if k[1:5] == "axis"):
                title = axis.get("title", {}).get("text") or ""
                if axis.get("tickprefix") == "$":
                    assert axis["hoverformat"] == "$,.2f", (page, tab, title)
                    dollars.add((page, tab, title))
                if "USD" in title:
                    in_usd.add((page, tab, title))
    assert dollars == MONEY_AXES
    assert in_usd == MONEY_AXES  # no axis says dollars without showing them


def test_every_money_column_a_report_gives_is_money_by_name(page_lakes) -> None:
    """A chart knows money by its axis's name (column_formats.MONEY_COLUMNS), a table by
    the column's decimal type: the two agree on every report over every test lake."""
    from data_access.access import CBP
    from data_access.engines import get_engine
    from data_access.reports import REPORTS, Scope
    from ui.column_formats import MONEY_COLUMNS

    decimal = set()
    for where in page_lakes.values():
        scope = Scope(get_engine(where, "duckdb"), CBP)
        for report in REPORTS.values():
            frame = report(scope)
            decimal |= {c for c, dtype in frame.schema.items() if isinstance(dtype, pl.Decimal)}
    assert len(decimal) >= 30
    assert decimal - MONEY_COLUMNS == set()
