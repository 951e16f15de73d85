"""What every chart gets on its way to the screen (ui/look.readable) so it reads on a phone
as on a projector: the legend in rows under the plot, horizontal bars with their names
above them, and names under vertical bars wrapped instead of aslant (issue 16).

The browser side (plot widths at 390 px) is tests/browser/test_look_pages_browser.py.
"""

from __future__ import annotations

import ast
import re
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
