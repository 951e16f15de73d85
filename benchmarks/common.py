"""What every part of the harness shares: the checkout it runs from and its output lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout: `python -m benchmarks.cold` runs here


def emit(line: dict, out: Callable[[str], None]) -> dict:
    """Print `line` as one `key=value key=value` line (floats to one decimal)."""

    def show(v: object) -> str:
        return f"{v:.1f}" if isinstance(v, float) else str(v)

    out(" ".join(f"{k}={show(v)}" for k, v in line.items()))
    return line


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) of `samples` (nearest rank)."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return ordered[len(ordered) // 2], p95
