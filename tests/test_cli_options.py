"""The `--lake` and `--as` options of every `itrac` command come from one place
(`cli.lake_option`, `cli.principal_option`): the same destination, type and default
everywhere, and no module spells them out by hand."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

from data_access import cli

ROOT = Path(__file__).resolve().parents[1]
SHARED = {"--lake", "--as"}


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli._parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _option(parser: argparse.ArgumentParser, flag: str) -> argparse.Action | None:
    return next((a for a in parser._actions if flag in a.option_strings), None)


def test_every_lake_option_is_the_shared_one() -> None:
    lakes = {name: _option(p, "--lake") for name, p in _commands().items()}
    with_lake = {name for name, action in lakes.items() if action}
    assert with_lake == {
        "demo", "export", "ingest", "watch", "digest", "check", "refunds", "cape", "bench",
    }  # fmt: skip
    for name in with_lake:
        action = lakes[name]
        assert (action.dest, action.type, action.default) == ("lake", Path, None), name
        assert action.help == "lake directory (default: ITRAC_LAKE or data/lake)", name


def test_every_as_option_reads_into_principal_with_its_default() -> None:
    defaults = {
        name: (action.dest, action.default, action.required)
        for name, p in _commands().items()
        if (action := _option(p, "--as"))
    }
    assert defaults == {
        "export": ("principal", "cbp", False),
        "ingest": ("principal", "cbp", False),
        "watch": ("principal", "cbp", False),
        "digest": ("principal", None, True),
        "refunds": ("principal", "cbp", False),
        "cape": ("principal", "cbp", False),
        "bench": ("principal", None, False),
    }
    assert _option(_commands()["refunds"], "--as").help == cli.PRINCIPAL_HELP


def _spelled_out(path: Path) -> list[int]:
    """Lines of `path` that call add_argument("--lake" or "--as", ...) themselves."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", None) == "add_argument"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value in SHARED
    ]


def test_no_command_module_spells_out_lake_or_as() -> None:
    modules = [*(ROOT / "data_access").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]
    found = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in modules
        if path != ROOT / "data_access" / "cli.py"
        for line in _spelled_out(path)
    }
    assert found == set()
    assert len(_spelled_out(ROOT / "data_access" / "cli.py")) == 2  # the two helpers
