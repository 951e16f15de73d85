"""Where the official reference lists are read from in tests (never copied into the project).

Beside the checkout (`../shared/data/reference`), or where ITRAC_REFERENCE_DIR says (a
checkout elsewhere, e.g. a git worktree).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(
    os.environ.get("ITRAC_REFERENCE_DIR") or ROOT.parent / "shared" / "data" / "reference"
)
HTS_CSV = REFERENCE / "hts_usitc_2025.csv"
