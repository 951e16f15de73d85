"""Streamlit flags that start the dashboard in one of its themes, whatever the browser
prefers: `make run THEME=dark` (or light). Empty: no flags, the browser's setting.

Why flags: Streamlit 1.67 keeps the theme picked in its menu in the browser's storage
under the address first opened (`stActiveTheme-<path>-v2`), so a reload on another page,
or a visit at /, follows the system setting again. With both variants of
.streamlit/config.toml ([theme.light], [theme.dark]) `--theme.base` alone changes
nothing, so the flags also give the other variant the chosen one's colours (read from
that file: one definition of each theme).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml"
THEMES = ("light", "dark")


def theme_flags(theme: str, config: Path = CONFIG) -> list[str]:
    """The `streamlit run` flags for `theme` ("" for none)."""
    if not theme:
        return []
    if theme not in THEMES:
        raise SystemExit(f"THEME={theme!r}: use light or dark, or leave it empty")
    themes = tomllib.loads(config.read_text())["theme"]
    other = THEMES[1 - THEMES.index(theme)]
    colours = themes[theme]
    return [f"--theme.base={theme}"] + [
        f"--theme.{variant}.{name}={value}"
        for variant in (theme, other)
        for name, value in colours.items()
        if not isinstance(value, dict)  # a [theme.dark.sidebar] table: not a colour
    ]


if __name__ == "__main__":
    print(" ".join(theme_flags(sys.argv[1] if len(sys.argv) > 1 else "")))
