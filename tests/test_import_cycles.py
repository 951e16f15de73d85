"""No import cycles among the project's modules.

Every `import` and `from ... import` in every module of the checkout counts: at module
level, inside functions and under `if TYPE_CHECKING:` alike (a cycle that only a late
import keeps from failing is still two modules that cannot be understood apart). An
edge goes to the module named (`from data_access.lake import files` -> the submodule
`data_access.lake.files`), not to the packages around it.
"""

from __future__ import annotations

import ast
import os
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = {"node_modules", "static", "build", "data", "__pycache__"}  # and hidden folders


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """{dotted module name: file} of every Python file in the checkout."""
    modules = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP and not d.startswith("."))
        for name in sorted(n for n in names if n.endswith(".py")):
            parts = list((Path(folder) / name).relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if parts:
                modules[".".join(parts)] = Path(folder) / name
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of `name` that is a project module."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _base(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `module` imports, anywhere in its file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(filter(None, (_resolve(a.name, modules) for a in node.names)))
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, path, node)
            for alias in node.names:
                target = _resolve(f"{base}.{alias.name}", modules) or _resolve(base, modules)
                if target:
                    found.add(target)
    found.discard(module)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = project_modules(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of two or more modules (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


@cache
def project_graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_project_has_no_import_cycles() -> None:
    found = cycles(project_graph())
    assert not found, "import cycles (each line: modules that import each other):\n" + "\n".join(
        " <-> ".join(group) for group in found
    )


def test_the_walk_sees_every_kind_of_import(tmp_path: Path) -> None:
    """A cycle made by a late import, a TYPE_CHECKING import or a relative one is found."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from pkg import b\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import f\n"
    )
    (package / "c.py").write_text("from . import d\n")
    (package / "d.py").write_text("import pkg.c\n")
    (package / "e.py").write_text("from pkg import a\n")  # imports the cycle, not part of it
    assert cycles(import_graph(tmp_path)) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("tests.test_import_cycles", set()),  # imports nothing of the project
        ("data_access.cli", {"data_access.access", "data_access.filters"}),
    ],
)
def test_imports_of_known_modules(module: str, expected: set[str]) -> None:
    assert expected <= project_graph()[module]
