"""scripts/theme_flags.py: the flags `make run THEME=...` passes to streamlit."""

from __future__ import annotations

import tomllib

import pytest

from scripts.theme_flags import CONFIG, theme_flags


def test_dark_gives_both_variants_the_dark_colours() -> None:
    dark = tomllib.loads(CONFIG.read_text())["theme"]["dark"]
    flags = theme_flags("dark")
    assert flags[0] == "--theme.base=dark"
    assert sorted(flags[1:]) == sorted(
        f"--theme.{variant}.{name}={value}"
        for variant in ("light", "dark")
        for name, value in dark.items()
    )
    assert "--theme.light.backgroundColor=#0e1117" in flags


def test_light_gives_both_variants_the_light_colours() -> None:
    assert "--theme.dark.backgroundColor=#ffffff" in theme_flags("light")


def test_no_theme_no_flags() -> None:
    assert theme_flags("") == []


def test_an_unknown_theme_is_refused_by_name() -> None:
    with pytest.raises(SystemExit, match="THEME='blue': use light or dark"):
        theme_flags("blue")
