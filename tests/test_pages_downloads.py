"""Every download on every page and tab offers both column names (issue 16, item 2):
the stable storage names by default, ACE's headers once picked. Rendered headless through
AppTest over the hand-built test lakes; each file is what the browser would receive.

Exceptions, said here: the Data page has no download until a load rejects rows (its rejected rows go
through the same buttons); the Transition timeline's availability table has one column
per phase, named by the phase (a pivot of the phases file)."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_access import labels, timeline
from tests.page_walk import CASE_IDS, CASES, PAGES, downloaded, open_page
from ui import export_jobs

PHASES = {p.name for p in timeline.load_phases(timeline.default_path()).phases}
PIVOTS = {"channel_availability": PHASES | {f"{phase} (in force)" for phase in PHASES}}


def header_row(at: AppTest, key: str) -> list[str]:
    """The column names of the file download button `key` gives."""
    data = downloaded(at, key)
    if key.endswith("-parquet"):
        return pl.read_parquet(io.BytesIO(data)).columns
    return pl.read_csv(io.BytesIO(data), n_rows=0, infer_schema=False).columns


def first_file(at: AppTest, name: str) -> str:
    keys = [b.key for b in at.download_button if b.key and b.key.startswith(f"{name}-")]
    return next(k for k in keys if k.endswith(("-csv", "-parquet")))


@pytest.mark.parametrize(("page", "tab", "params"), CASES, ids=CASE_IDS)
def test_every_download_offers_stable_names_and_ace_headers(
    page_lakes: dict[str, Path], page: str, tab: str, params: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_jobs, "_JOBS", {})
    at = open_page(page_lakes[PAGES[page][0]], page, **params)
    choices = [c for c in at.segmented_control if c.key and c.key.endswith("-headers")]
    assert bool(choices) == (page != "data"), f"{page} {tab}: no download"
    files = {c.key.removesuffix("-headers"): first_file(at, c.key.removesuffix("-headers"))
             for c in choices}  # fmt: skip
    stable = {name: header_row(at, key) for name, key in files.items()}
    for control in choices:
        assert control.value == "Stable names"
        control.set_value("ACE headers")
    at.run()
    ace = {name: header_row(at, key) for name, key in files.items()}
    for name in files:
        pivot = PIVOTS.get(name, set())
        headed = [c for c in stable[name] if not labels.is_storage_name(c) and c not in pivot]
        assert headed == [], f"{page} {tab} {name}: stable file has headers {headed}"
        raw = [c for c in ace[name] if labels.is_storage_name(c)]
        assert raw == [], f"{page} {tab} {name}: ACE file has storage names {raw}"
        assert len(ace[name]) == len(stable[name])
