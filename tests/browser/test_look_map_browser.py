"""The world map draws on a closed network: its outlines come from the app, not a CDN.

Every request the page makes to a host other than this machine is refused (and noted);
the map must still draw one shaded path per country of origin it has figures for.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.helpers import MAIN, ServerHandle, assert_healthy, open_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TOPOJSON = ROOT / "static" / "topojson" / "world_110m.json"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
MAP = f'{MAIN} [data-testid="stPlotlyChart"]:has(g.geo)'


def block_outside(page: Page) -> list[str]:
    """Refuse every request to a host other than this machine; return the refused URLs."""
    refused: list[str] = []

    def handle(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    page.context.route("**/*", handle)
    return refused


def topojson_countries() -> set[str]:
    if not TOPOJSON.exists():
        pytest.fail(f"{TOPOJSON} is missing: run `make assets` (npm ci, then the copy)")
    topology = json.loads(TOPOJSON.read_text())
    geometries = topology["objects"]["countries"]["geometries"]
    return {geometry["id"] for geometry in geometries if "id" in geometry}


def test_world_map_draws_with_the_network_blocked(
    page: Page, shared_dashboard: ServerHandle
) -> None:
    refused = block_outside(page)
    fetched: list[str] = []
    page.on("requestfinished", lambda request: fetched.append(request.url))
    open_app(page, f"{shared_dashboard.url}/entry_summary?es_tab=Breakdowns")
    assert_healthy(page, shared_dashboard)
    chart = page.locator(MAP)
    expect(chart).to_have_count(1)
    shaded = chart.locator("path.choroplethlocation")
    locations = chart.locator(".js-plotly-plot").evaluate("plot => plot.data[0].locations")
    drawn = set(locations) & topojson_countries()
    assert len(drawn) >= 10, f"the demo lake's origins should cover many countries: {locations}"
    expect(shaded).to_have_count(len(drawn))  # one shaded outline per country with figures
    for layer in ("land", "coastlines"):  # the base map, from the same file
        assert chart.locator(f".layer.{layer} path").count() > 0, f"no {layer} drawn"
    assert refused == [], f"the page asked hosts outside this machine: {refused}"
    assert any(url.endswith("/app/static/topojson/world_110m.json") for url in fetched)
