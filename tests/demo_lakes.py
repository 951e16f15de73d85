"""Demo lakes for tests, one per set of `synth.build_demo_lake` arguments a session (the
`demo_lake` fixture of conftest.py hands out the one `DemoLakes`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from data_access.synth import build_demo_lake


class DemoLakes:
    """`demo_lake(lines=..., seed=..., end=..., **options)`: the lake `build_demo_lake`
    writes for those arguments, built the first time they are asked for and shared by every
    test that asks for the same ones. Read it only; copy it before writing to it."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._built: dict[tuple[Any, ...], Path] = {}

    def __call__(self, *, lines: int, seed: int, end: date | None = None, **options: Any) -> Path:
        key = (lines, seed, end, *sorted(options.items()))
        if key not in self._built:
            where = self._tmp.mktemp(f"demo-{lines}-{seed}") / "lake"
            build_demo_lake(where, lines=lines, seed=seed, end=end, **options)
            self._built[key] = where
        return self._built[key]
