"""Settings from the environment, each with a default that works out of the box."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("duckdb", "spark")
TRUE = {"1", "true", "yes", "on"}


def lake_path() -> Path:
    """ITRAC_LAKE, or data/lake in the checkout."""
    return Path(os.environ.get("ITRAC_LAKE") or ROOT / "data" / "lake").resolve()


def engine_name() -> str:
    """ITRAC_ENGINE: duckdb (embedded, default) or spark."""
    name = os.environ.get("ITRAC_ENGINE", "duckdb").strip().lower() or "duckdb"
    if name not in ENGINES:
        raise ValueError(f"ITRAC_ENGINE={name!r}; use one of {', '.join(ENGINES)}")
    return name


def watch_dir() -> Path | None:
    """ITRAC_WATCH_DIR: the folder `itrac watch` loads from, whose recent results the Data
    page shows (unset: no watched folder)."""
    text = os.environ.get("ITRAC_WATCH_DIR", "").strip()
    return Path(text).resolve() if text else None


def demo_mode() -> bool:
    """ITRAC_DEMO: the demo lake with a 'View as' switcher (off unless turned on)."""
    return os.environ.get("ITRAC_DEMO", "").strip().lower() in TRUE


def users_file() -> Path:
    """ITRAC_USERS: the entitlements file (default: the demo users in config/)."""
    return Path(os.environ.get("ITRAC_USERS") or ROOT / "config" / "demo_users.yaml")


def today() -> date:
    """ITRAC_TODAY (YYYY-MM-DD), or the real today: where a demo lake without --end ends.

    Set it to try what a lake (or a test) would do on another day."""
    text = os.environ.get("ITRAC_TODAY", "").strip()
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"ITRAC_TODAY={text!r}; write the day as YYYY-MM-DD") from None
