"""Walking every page and tab headless through Streamlit's AppTest, over the hand-built
test lakes: which lake each page reads, its tabs and URL parameters (`PAGES`, one case a
tab in `CASES`), the lakes (`build_lakes`), and a page opened for a principal with the
files its download buttons give (`open_page`, `downloaded`)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests import audit_lake, cbr_lake, entry_summary_lake, layers_lake, refunds_lake

PAGES = {  # page -> (lake, URL key of its tabs, tabs, other URL parameters)
    "overview": ("es", "", ("",), {}),
    "entry_summary": (
        "es",
        "es_tab",
        ("Header", "Line details", "Line tariff details", "Trends", "Breakdowns",
         "Trade programs", "AD/CVD", "Liquidation"),
        {"as_of": "2024-06-30"},
    ),
    "exams": ("es", "exam_tab", ("Exam rate", "Types and results", "CF-28 / CF-29",
                                 "Exam details"), {}),
    "cargo_release": ("cbr", "cargo_release_tab", ("Volumes", "Release time",
                      "Status and holds", "Cargo Release Details"), {}),
    "bond": ("cbr", "bond_tab", ("Sufficiency", "Ending soon", "Single-transaction bonds",
             "Activity codes", "Bond Details"), {"as_of": "2024-04-15"}),
    "reconciliation": ("cbr", "reconciliation_tab", ("Deadlines", "Flags over time",
                       "Filed vs open", "Adjustments", "Reconciliation Header",
                       "Reconciliation Details"), {"as_of": "2024-04-15"}),
    "tariff_layers": ("layers", "layers_tab", ("Over time", "By country", "By HTS",
                      "Entries", "Audit"), {}),
    "refunds": ("refunds", "refunds_tab", ("By route", "Closing by week", "Entries"),
                {"as_of": str(refunds_lake.AS_OF)}),
    "audit": ("audit", "audit_tab", ("Findings", "Broker scorecard", "CF-28 / CF-29"), {}),
    "timeline": ("es", "", ("",), {}),
    "data": ("es", "", ("",), {}),
}  # fmt: skip
BUILDERS = {
    "es": entry_summary_lake.build,
    "cbr": cbr_lake.build,
    "layers": layers_lake.build,
    "refunds": refunds_lake.build,
    "audit": audit_lake.build,
}
CASES = [  # (page, tab, URL parameters that open it)
    (page, tab, params | ({key: tab} if key else {}))
    for page, (_lake, key, tabs, params) in PAGES.items()
    for tab in tabs
]
CASE_IDS = [f"{page}-{tab}" for page, tab, _ in CASES]
MEDIA: list[object] = []  # the media file manager of the last script run's runtime


def build_lakes(root: Path) -> dict[str, Path]:
    """Every lake of `BUILDERS`, each in a folder of `root` named for it."""
    return {name: build(root / name) for name, build in BUILDERS.items()}


def page_script(lake_dir: str, page: str, principal: str, filters: dict) -> None:
    """The script AppTest runs (it runs this function's source, so imports are inside)."""
    import importlib
    from pathlib import Path

    from streamlit.runtime import Runtime

    from data_access.access import Principal
    from data_access.filters import Filters
    from tests import page_walk
    from ui.data import View

    view = View(Path(lake_dir), "duckdb", Principal.parse(principal), Filters.parse(filters))
    importlib.import_module(f"pages.{page}").render(view)
    page_walk.MEDIA[:] = [Runtime.instance().media_file_mgr]  # AppTest drops it after the run


def open_page(
    lake: Path, page: str, principal: str = "cbp", *, filters: dict | None = None, **params: str
) -> AppTest:
    """`page` over `lake` for `principal` with the sidebar's `filters` (`Filters.parse`'s
    fields) and the URL parameters `params`, run without an error."""
    args = (str(lake), page, principal, filters or {})
    at = AppTest.from_function(page_script, args=args, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def downloaded(at: AppTest, key: str) -> bytes:
    """What the browser gets on clicking the download button `key` of the last run: the
    server runs the button's callable (on its own thread, not the script's) and serves
    the bytes."""
    (button,) = [b for b in at.download_button if b.key == key]
    media = MEDIA[0]
    url = media.execute_deferred(button.proto.deferred_file_id)  # type: ignore[attr-defined]
    return media.read_file(url.rsplit("/", 1)[1]).content  # type: ignore[attr-defined]
