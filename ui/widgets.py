"""Page building blocks: intro sentence, KPI row, chart with its table and exports."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from data_access import settings
from ui import exports
from ui.column_formats import column_config as formatted_columns
from ui.column_formats import on_screen
from ui.look import framed, readable

EXPORT_FORMATS = ("csv", "xlsx", "parquet")
EMPTY_CELL = "–"  # a missing value in a table (Streamlit's own: the word "None")
STAMP = "%Y-%m-%d %H:%M UTC"  # a moment, as the sidebar's "Data loaded" says it
ISO_MOMENT = "%Y-%m-%dT%H:%M:%S%:z"  # how the lake's manifest stores one
# Where plotly finds map outlines: the app's own static/ (see .streamlit/config.toml),
# not plotly's CDN. Relative, so it holds under a base URL path or a proxy's prefix
# (every page's address is one level below the app's root).
TOPOJSON_URL = "app/static/topojson/"
PLOTLY_CONFIG = {"displaylogo": False, "topojsonURL": TOPOJSON_URL}


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    help: str = ""


def intro(title: str, sentence: str) -> None:
    """The page title and one plain sentence of what the page answers."""
    st.title(title)
    st.markdown(sentence)


def empty_state(frame: pl.DataFrame, what: str = "these filters") -> bool:
    """Show the 'no data' notice when `frame` is empty; True when it was."""
    if frame.is_empty():
        st.info(
            f"No data for {what}. Widen the date range or clear some filters.",
            icon=":material/search_off:",
        )
        return True
    return False


def kpi_row(kpis: Sequence[Kpi]) -> None:
    """The headline figures in a grid that wraps (ui/look.css): one row on a wide screen,
    two or three a row on a phone."""
    labels = "|".join(kpi.label for kpi in kpis)
    with st.container(key=f"kpis-{hashlib.blake2s(labels.encode(), digest_size=4).hexdigest()}"):
        for kpi in kpis:
            st.metric(kpi.label, kpi.value, help=kpi.help or None)


def money(value: Decimal | float | int | None) -> str:
    if value is None:
        return "–"
    amount = float(value)
    sign = "-" if amount < 0 else ""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(amount) >= limit:
            return f"{sign}${abs(amount) / limit:,.1f}{suffix}"
    return f"{sign}${abs(amount):,.2f}"


def count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def percent(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def chart_with_table(
    figure: go.Figure,
    frame: pl.DataFrame,
    *,
    title: str | None,
    alt: str,
    key: str,
    column_config: Mapping[str, object] | None = None,
    table: str | None = None,
    full: Callable[[], pl.DataFrame] | None = None,
) -> None:
    """A chart, its alt text, and the same numbers as a table with exports one click away
    (`title` None: the caller drew the heading, and controls under it; `table`,
    `column_config`, `full`: as `table_with_export`)."""
    if title:
        st.header(title)
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        framed(figure)
        st.plotly_chart(readable(figure), key=f"{key}-chart", config=PLOTLY_CONFIG)
        st.caption(alt)
    with table_tab:
        table_with_export(frame, name=key, column_config=column_config, table=table, full=full)


def table_with_export(
    frame: pl.DataFrame,
    *,
    name: str,
    full: Callable[[], pl.DataFrame] | None = None,
    formats: Sequence[str] = EXPORT_FORMATS,
    column_config: Mapping[str, object] | None = None,
    table: str | None = None,
) -> None:
    """The table and download buttons; `full` gives the rows the files hold when `frame` is
    a page of them, or shows them renamed (the files keep the stable names, see ui/exports.py).
    On screen the columns read as ACE's headers with formatted numbers (`table`: the lake
    table or page whose headers win, see ui/labels.py); `column_config` adds to them.
    Entry numbers show as XXX-NNNNNNN-C. The exports keep the stored names and values."""
    config = formatted_columns(frame, table, column_config)
    dataframe(on_screen(frame), column_config=config)
    export_buttons(
        full or (lambda: frame), name=name, formats=formats, table=table,
        total=None if full else frame.height, width=frame.width,
    )  # fmt: skip


def dataframe(
    frame: pl.DataFrame,
    *,
    column_config: Mapping[str, object],
    width: int | str = "stretch",
    where: DeltaGenerator | None = None,
) -> None:
    """A table as every table shows one: no index, the page's width (or `width`), a
    missing value as a dash, in `where` (a container; default: here)."""
    (where or st).dataframe(
        moments(frame), hide_index=True, width=width, column_config=column_config,
        placeholder=EMPTY_CELL,
    )  # fmt: skip


def moments(frame: pl.DataFrame) -> pl.DataFrame:
    """Stored moments (text columns named `*_at`, "2026-12-01T20:00:06+00:00") as
    "2026-12-01 20:00 UTC"; a value that is not one stays as it is."""
    stored = [n for n, t in frame.schema.items() if n.endswith("_at") and t == pl.String]
    return frame.with_columns(
        pl.coalesce(_moment(pl.col(name)), pl.col(name)).alias(name) for name in stored
    )


def moment(stored: str) -> str:
    """One stored moment as people read it (see `moments`)."""
    return pl.select(pl.coalesce(_moment(pl.lit(stored)), pl.lit(stored))).item()


def _moment(text: pl.Expr) -> pl.Expr:
    parsed = text.str.to_datetime(ISO_MOMENT, strict=False, time_zone="UTC")
    return parsed.dt.strftime(STAMP)


def money_columns(*names: str) -> dict[str, object]:
    """Columns shown as dollars with cents ($1,234.56); the exports keep the numbers."""
    return {name: st.column_config.NumberColumn(format="dollar") for name in names}


def export_buttons(
    rows: Callable[[], pl.DataFrame | Iterable[pl.DataFrame]],
    *,
    name: str,
    formats: Sequence[str] = EXPORT_FORMATS,
    total: int | None = None,
    width: int | None = None,
    table: str | None = None,
    version: str = "",
) -> None:
    """Download buttons that build the file only when clicked, with stable or ACE column
    names; Excel in bounded memory, in the background with its progress when large, and
    not offered (the page says why) past the sheet limit or the time budget. See
    ui/exports.py for `total`, `width`, `table` and `version`."""
    exports.export_buttons(
        rows, name=name, formats=formats, total=total, width=width, table=table, version=version
    )


def lazy_tabs(tabs: dict[str, Callable[..., None]], *, key: str, args: tuple = ()) -> None:
    """Tabs bound to the URL (`key`) whose drawing functions run only for the open tab."""
    for tab, draw in zip(
        st.tabs(list(tabs), key=key, bind="query-params"), tabs.values(), strict=True
    ):
        if tab.open is not False:  # only the open tab runs its queries
            with tab:
                draw(*args)


def as_of_input(help_text: str, default: date | None = None) -> date:
    """The page's "As of" day (`default`, else today), kept in the page's address."""
    chosen = st.date_input(
        "As of",
        value=default or settings.today(),
        key="as_of",
        bind="query-params",
        help=help_text,
        width=220,
    )
    return chosen if isinstance(chosen, date) else default or settings.today()
