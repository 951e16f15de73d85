"""The frame: who is looking, the global filters (bound to the URL), and the pages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from data_access import lake, settings
from data_access.filters import Filters
from ui.data import View
from ui.filter_bar import global_filters
from ui.identity import current_principal
from ui.look import apply_stylesheet
from ui.status import coverage_note, require_intact_lake, require_lake

# (module in pages/, title, icon, url path, lake table the page needs or None).
# The url path is the module's name on purpose: on a fresh server Streamlit's legacy
# pages/ mechanism answers the first request and only knows pages/<module>.py, so any
# other path would flash "Page not found" before the frame takes over.
PAGES = (
    ("overview", "Overview", ":material/dashboard:", "overview", "entry_lines"),
    (
        "entry_summary",
        "Entry Summary",
        ":material/receipt_long:",
        "entry_summary",
        "entry_summaries",
    ),
    ("exams", "Exams", ":material/search:", "exams", "exams"),
    (
        "cargo_release",
        "Cargo Release",
        ":material/local_shipping:",
        "cargo_release",
        "cargo_releases",
    ),
    ("bond", "Bond", ":material/verified_user:", "bond", "bonds"),
    ("reconciliation", "Reconciliation", ":material/event:", "reconciliation", "reconciliations"),
    ("tariff_layers", "Tariff layers", ":material/layers:", "tariff_layers", "entry_lines"),
    ("refunds", "IEEPA refunds", ":material/currency_exchange:", "refunds", "entry_summaries"),
    ("audit", "Audit", ":material/fact_check:", "audit", "entry_lines"),
    ("timeline", "Transition timeline", ":material/timeline:", "timeline", None),
    ("data", "Data", ":material/upload_file:", "data", None),
)


HOME = "overview"
# A file the server sends: a Material Symbols page icon is fetched from fonts.gstatic.com,
# which a closed network cannot reach (test_look_map_browser blocks every outside host).
FAVICON = Path(__file__).parent / "ui" / "assets" / "favicon.png"
NO_LAKE_NEEDED = {url for _m, _t, _i, url, table in PAGES if table is None}


def main() -> None:
    st.set_page_config(page_title="ITRAC analytics", page_icon=FAVICON, layout="wide")
    apply_stylesheet()
    principal = current_principal()
    where = settings.lake_path()
    base = View(where, settings.engine_name(), principal, Filters())
    current = st.navigation([_page(base, *page) for page in PAGES] + [_home_alias(base)])
    if lake.exists(where):
        require_intact_lake(where)  # before anything reads it: no figures from a damaged lake
    filters = global_filters(base) if lake.exists(where) else Filters()
    view = View(where, base.engine, principal, filters)
    coverage_note(view)  # of this principal's rows: counts are confidential too
    st.session_state["view"] = view
    if current.url_path not in NO_LAKE_NEEDED:
        require_lake(where)
    current.run()


def _page(
    base: View,
    module: str,
    title: str,
    icon: str,
    url: str,
    table: str | None,
    *,
    alias: bool = False,
) -> st.Page:
    # A page on a table the principal may not see (brokers: bonds) stays registered but
    # hidden: out of the menu, and its address answers with a notice, not "Page not found".
    allowed = table is None or base.principal.can_see(table)

    def render() -> None:
        if not allowed:
            st.title(title)
            st.info(
                f"{title} data is not available to brokers (a CBP rule).", icon=":material/lock:"
            )
            return
        import importlib

        importlib.import_module(f"pages.{module}").render(st.session_state["view"])

    render.__name__ = f"page_{module}{'_alias' if alias else ''}"
    visibility = "visible" if allowed and not alias else "hidden"
    default = module == HOME and not alias
    return st.Page(
        render,
        title=title,
        icon=icon,
        url_path="home" if default else url,  # the default page answers at / whatever this is
        default=default,
        visibility=visibility,
    )


def _home_alias(base: View) -> st.Page:
    """The home page under its own name too (/overview), for links and bookmarks."""
    return _page(base, *next(p for p in PAGES if p[0] == HOME), alias=True)


if __name__ == "__main__":
    main()
