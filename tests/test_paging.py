"""One pager for every detail report (`reports.paging`): the same pages from each.

Every report that takes `offset` and `limit` is run whole on a lake built for it, then
page by page: each page must be exactly that slice of the whole (the order is total, so
a page is the same on every run), later pages and pages past the end included, and a
negative offset or limit is refused in the same words everywhere. A static check holds
the reports to the one pager.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from data_access.access import CBP
from data_access.engines import get_engine
from data_access.reports import REPORTS, Scope
from tests import audit_lake, cbr_lake, entry_summary_lake, layers_lake, refunds_lake

REPORTS_DIR = Path(__file__).resolve().parents[1] / "data_access" / "reports"

# Each paged report, the lake that has rows for it, its options and how many rows it has.
PAGED: dict[str, tuple[Callable[[Path], Path], dict, int]] = {
    "entry_summary.header": (entry_summary_lake.build, {}, 12),
    "entry_summary.line_details": (entry_summary_lake.build, {}, 15),
    "entry_summary.line_tariff_details": (entry_summary_lake.build, {}, 21),
    "exams.details": (entry_summary_lake.build, {}, 0),
    "cargo_release.details": (cbr_lake.build, {}, 0),
    "bond.details": (cbr_lake.build, {}, 0),
    "reconciliation.details": (cbr_lake.build, {}, 0),
    "reconciliation.header": (cbr_lake.build, {}, 0),
    "reconciliation.deadlines": (cbr_lake.build, {"as_of": cbr_lake.AS_OF}, 4),
    "cf_forms.requests": (audit_lake.build, {}, 0),
    "cf_forms.lines": (audit_lake.build, {}, 0),
    "refunds.entries": (refunds_lake.build, {"as_of": refunds_lake.AS_OF}, 0),
    "layers.entries": (layers_lake.build, {}, 0),
    "layers.entry_layers": (layers_lake.build, {}, 0),
    "audit.findings": (audit_lake.build, {}, 0),
}


@pytest.fixture(scope="module")
def lakes(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Callable[[Path], Path]], Path]:
    built: dict[Callable[[Path], Path], Path] = {}

    def lake_for(build: Callable[[Path], Path]) -> Path:
        if build not in built:
            built[build] = build(tmp_path_factory.mktemp("paging") / "lake")
        return built[build]

    return lake_for


def run(lake: Path, name: str, **options: object) -> pl.DataFrame:
    return REPORTS[name](Scope(get_engine(lake, "duckdb"), CBP), **options)


def test_every_paged_report_is_checked_here() -> None:
    assert sorted(r.name for r in REPORTS.values() if r.streams) == sorted(PAGED)


@pytest.mark.parametrize("name", sorted(PAGED))
def test_each_page_is_that_slice_of_the_whole(lakes, name: str) -> None:
    build, options, rows = PAGED[name]
    lake = lakes(build)
    whole = run(lake, name, **options)
    if rows:
        assert whole.height == rows
    assert whole.height >= 2, f"{name}: too few rows on its lake to tell pages apart"
    n = whole.height
    for offset, limit in [(0, 1), (0, 2), (1, 2), (2, None), (n - 1, 3), (n, 2), (n + 5, None)]:
        page = run(lake, name, offset=offset, limit=limit, **options)
        assert page.equals(whole.slice(offset, limit)), (name, offset, limit)
    assert run(lake, name, offset=0, limit=0, **options).height == 0


@pytest.mark.parametrize("name", sorted(PAGED))
@pytest.mark.parametrize(("offset", "limit"), [(-1, 5), (0, -1)])
def test_a_negative_offset_or_limit_is_refused(lakes, name: str, offset: int, limit: int) -> None:
    build, options, _rows = PAGED[name]
    with pytest.raises(ValueError, match=r"^offset and limit must not be negative$"):
        run(lakes(build), name, offset=offset, limit=limit, **options)


def test_exact_pages_of_the_entry_summary_header(lakes) -> None:
    lake = lakes(entry_summary_lake.build)
    E = entry_summary_lake.E
    page = run(lake, "entry_summary.header", offset=2, limit=3)
    assert page.get_column("entry_number").to_list() == [E[2], E[3], E[7]]
    assert run(lake, "entry_summary.header", offset=11, limit=5).height == 1
    lines = run(lake, "entry_summary.line_tariff_details", offset=19)
    assert lines.height == 2


def _offset_functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and "offset" in {a.arg for a in (*node.args.args, *node.args.kwonlyargs)}
    ]


def _called(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            names.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    return names


def _limits_with_offset(node: ast.AST) -> list[int]:
    return [
        call.lineno
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and getattr(call.func, "attr", "") in ("limit", "slice")
        and (
            any(k.arg == "offset" for k in call.keywords)
            or any(isinstance(a, ast.Name) and a.id == "offset" for a in call.args)
        )
    ]


def test_reports_page_only_through_the_pager() -> None:
    """Each report function taking `offset` calls `page` (or `page_frame`), and nothing
    but the pager limits with an offset itself."""
    problems = []
    for path in sorted(REPORTS_DIR.rglob("*.py")):
        if path.name == "paging.py":
            continue
        tree = ast.parse(path.read_text())
        relative = path.relative_to(REPORTS_DIR)
        for function in _offset_functions(tree):
            if not {"page", "page_frame"} & _called(function):
                problems.append(f"{relative}:{function.lineno} {function.name} pages itself")
        problems += [
            f"{relative}:{line} limits with an offset" for line in _limits_with_offset(tree)
        ]
    assert not problems, "\n".join(problems)
