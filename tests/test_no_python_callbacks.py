"""No Python callback inside a polars, pandas or DuckDB expression on a render path.

Such a callback runs on the engine's worker threads and needs the GIL; under concurrent
sessions the server deadlocked (issue 13: polars workers inside
`map_elements(codes.format_entry_number)` waited for the GIL while Streamlit's
`to_pandas` waited for them). Everything the dashboard runs, `dashboard.py`, `ui/`,
`pages/` and `data_access/` (reports, engine, ingest: uploads run on the server too),
uses native expressions only. `tests/browser/test_load_browser.py` is the proof under load.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RENDER_PATHS = ("dashboard.py", "ui", "pages", "data_access")
# polars: map_elements, map_batches, map_rows, map_groups; pandas: apply, map,
# applymap, transform with a function; DuckDB: create_function; Ibis/Spark: udf.
CALLBACK_METHODS = {
    "map_elements",
    "map_batches",
    "map_rows",
    "map_groups",
    "apply",
    "applymap",
    "map",
    "create_function",
    "udf",
}
CALLBACK_NAMES = {"udf", "pandas_udf"}


def callbacks_in(source: str) -> list[tuple[int, str]]:
    """(line, name) of every call or decorator that hands Python code to an engine."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in CALLBACK_METHODS:
            found.append((node.lineno, f".{node.attr}"))
        elif isinstance(node, ast.Name) and node.id in CALLBACK_NAMES:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.ImportFrom) and any(
            alias.name in CALLBACK_NAMES for alias in node.names
        ):
            found.append((node.lineno, f"import from {node.module}"))
    return sorted(found)


def render_path_files() -> list[Path]:
    files: list[Path] = []
    for name in RENDER_PATHS:
        where = ROOT / name
        files += [where] if where.is_file() else sorted(where.rglob("*.py"))
    return files


def test_the_guard_sees_every_kind_of_callback() -> None:
    planted = """
import polars as pl
from pyspark.sql.functions import udf
frame.with_columns(pl.col("a").map_elements(str.upper, return_dtype=pl.String))
frame.select(pl.col("a").map_batches(lambda s: s))
frame.map_rows(lambda row: row)
series.apply(len)
con.create_function("f", len)
@ibis.udf.scalar.python
def f(x): ...
"""
    assert [name for _, name in callbacks_in(planted)] == [
        "import from pyspark.sql.functions",
        ".map_elements",
        ".map_batches",
        ".map_rows",
        ".apply",
        ".create_function",
        ".udf",
    ]
    assert callbacks_in("pl.col('a').str.slice(0, 3)\nfigure.for_each_trace(lambda t: t)") == []


def test_no_python_callback_on_a_render_path() -> None:
    files = render_path_files()
    assert ROOT / "ui" / "paged_table.py" in files
    assert ROOT / "data_access" / "reports" / "base.py" in files
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name}"
        for path in files
        for line, name in callbacks_in(path.read_text())
    ]
    assert not found, (
        "Python callbacks inside engine expressions (they take the GIL on the engine's "
        "worker threads and can deadlock the server); use native expressions instead:\n"
        + "\n".join(found)
    )
