"""The frame: who is looking, the global filters (bound to the URL), and the pages."""

from __future__ import annotations

import streamlit as st

from data_access import lake, settings
from data_access.filters import Filters
from ui.data import View
from ui.filter_bar import global_filters
from ui.identity import current_principal
from ui.status import coverage_note, require_lake

# (module in pages/, title, icon, url path, lake table the page needs or None)
PAGES = (
    ("overview", "Overview", ":material/dashboard:", "overview", "entry_lines"),
    (
        "entry_summary",
        "Entry Summary",
        ":material/receipt_long:",
        "entry-summary",
        "entry_summaries",
    ),
    ("exams", "Exams", ":material/search:", "exams", "exams"),
    ("timeline", "Transition timeline", ":material/timeline:", "timeline", None),
    ("data", "Data", ":material/upload_file:", "data", None),
)


def main() -> None:
    st.set_page_config(page_title="ITRAC analytics", page_icon="📦", layout="wide")
    principal = current_principal()
    where = settings.lake_path()
    base = View(where, settings.engine_name(), principal, Filters())
    visible = [page for page in PAGES if page[4] is None or principal.can_see(page[4])]
    current = st.navigation([_page(base, *page) for page in visible])
    filters = global_filters(base) if lake.exists(where) else Filters()
    if principal.role == "cbp":  # lake-wide row counts and dates: other importers' too
        coverage_note(where)
    view = View(where, base.engine, principal, filters)
    st.session_state["view"] = view
    if current.url_path != "timeline":
        require_lake(where)
    current.run()


def _page(base: View, module: str, title: str, icon: str, url: str, _table: str | None) -> st.Page:
    def render() -> None:
        import importlib

        importlib.import_module(f"pages.{module}").render(st.session_state["view"])

    render.__name__ = f"page_{module}"
    return st.Page(render, title=title, icon=icon, url_path=url, default=module == "overview")


if __name__ == "__main__":
    main()
