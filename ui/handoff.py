"""What a page module does when Streamlit runs it as a script instead of importing it.

Until a session has run the entrypoint, Streamlit's legacy pages/ mechanism may run a
page file directly (a deep link on a fresh server), skipping the frame: sign-in,
filters, navigation. The page then hands over to the frame, which routes back to it.
"""

from __future__ import annotations

import runpy
from pathlib import Path

FRAME = Path(__file__).resolve().parents[1] / "dashboard.py"


def run_frame() -> None:
    runpy.run_path(str(FRAME), run_name="__main__")
