"""One palette for every chart: 30 colours that stay apart, on light and on dark.

Chosen (greedily, farthest point first) from the sRGB colours whose relative luminance lies
between 0.13 and 0.27, so each has at least 3:1 contrast (WCAG 1.4.11, graphics) against
both theme backgrounds (white and #0e1117): bars read the same in light and dark mode.
The first eight are also far apart as people with deuteranopia, protanopia and tritanopia
see them (Machado et al. 2009 simulations); a chart with more categories shows its top
ones and an "Other" in `OTHER_COLOUR`, so the first colours are the ones mostly seen.
The functions below are the measures tests/test_charts.py holds the palette to.
"""

from __future__ import annotations

from collections.abc import Sequence

PALETTE: tuple[str, ...] = (
    "#0072b4", "#d87218", "#8a603c", "#a24860", "#7866e4", "#78608a", "#c07e42", "#ba3600",
    "#f0546c", "#0096b4", "#6c9672", "#c066d8", "#427212", "#c0127e", "#c666ae", "#00a242",
    "#de6090", "#368a54", "#a830a2", "#b4542a", "#966c78", "#5460c0", "#b46654", "#008afc",
    "#549c18", "#cc123c", "#667ecc", "#5a6678", "#c0429c", "#d81272",
)  # fmt: skip
OTHER_COLOUR = "#8a8f98"  # a neutral grey for "Other": never one of the palette's hues
CVD_SAFE = 8  # the first colours chosen to stay apart for colour-blind viewers

# Machado, Oliveira and Fernandes (2009), severity 1, on linear RGB.
CVD_MATRICES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}


def colour_map(categories: Sequence[str], order: Sequence[str] = ()) -> dict[str, str]:
    """A colour per category, no two alike while there are at most 30: a category at
    position i of `order` (its dimension's stable order, so it keeps its colour from chart
    to chart) gets PALETTE[i % 30] when that is free in this chart; the rest take the free
    ones in turn. A category starting with "Other" is grey."""
    home = {name: i % len(PALETTE) for i, name in enumerate(order)}
    taken: dict[str, int] = {}
    used: set[int] = set()
    shown = [c for c in dict.fromkeys(categories) if not str(c).startswith("Other")]
    for name in shown:
        i = home.get(name)
        if i is not None and i not in used:
            taken[name] = i
            used.add(i)
    free = (i for i in range(len(PALETTE)) if i not in used)
    for name in shown:
        if name not in taken:
            taken[name] = next(free, len(taken) % len(PALETTE))
    colours = {name: PALETTE[i] for name, i in taken.items()}
    return colours | {c: OTHER_COLOUR for c in categories if str(c).startswith("Other")}


# --- the measures -------------------------------------------------------------------------
def rgb(colour: str) -> tuple[int, int, int]:
    text = colour.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance."""
    r, g, b = (_linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio (1 to 21)."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def lab(colour: str, vision: str | None = None) -> tuple[float, float, float]:
    """CIELAB (D65) of `colour`, as seen with `vision` (a key of CVD_MATRICES) if given."""
    linear = [_linear(c) for c in rgb(colour)]
    if vision:
        linear = [
            min(1.0, max(0.0, sum(m * c for m, c in zip(row, linear, strict=True))))
            for row in CVD_MATRICES[vision]
        ]
    r, g, b = linear
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(one: str, other: str, vision: str | None = None) -> float:
    """CIE76 colour difference (about 2.3 is just noticeable; over 10 is plainly apart)."""
    a, b = lab(one, vision), lab(other, vision)
    return sum((p - q) ** 2 for p, q in zip(a, b, strict=True)) ** 0.5
