"""The IEEPA refunds page in a real browser: each route's dollars are those of
`itrac export refunds.summary` for the same user and day, and the CAPE download is the
files `itrac cape` writes.

The lake is tests/refunds_lake.py's; the day is pinned in the address (?as_of=), while
the server's own today is left alone, and `itrac` gets the same day as ITRAC_TODAY.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import (
    COUNT_RUNS,
    MAIN,
    RUN_TIMEOUT_MS,
    ServerHandle,
    assert_healthy,
    metric,
    open_app,
    wait_for_app,
)
from tests.refunds_lake import ACME, AS_OF, BOLT, build
from ui.widgets import money

ROOT = Path(__file__).resolve().parents[2]
USERS = f"""users:
  - id: acme
    name: Acme Imports
    role: importer
    importer_numbers: [{ACME}]
  - id: xyz
    name: XYZ Brokerage
    role: broker
    filer_codes: [XYZ]
  - id: cbp
    name: CBP analyst
    role: cbp
"""
LABELS = {
    "acme": "Acme Imports (importer)",
    "xyz": "XYZ Brokerage (broker)",
    "cbp": "CBP analyst (cbp)",
}
KPIS = {  # KPI label -> route of refunds.summary
    "Claimable now via CAPE": "cape",
    "Protest": "protest",
    "Final / court": "final",
    "Not eligible": "not_eligible",
}


@pytest.fixture(scope="module")
def refunds_server(
    tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]
) -> tuple[ServerHandle, dict[str, str]]:
    from tests.browser.conftest import launch, stop

    where = tmp_path_factory.mktemp("refunds-browser")
    users = where / "users.yaml"
    users.write_text(USERS)
    env = {**server_env, "ITRAC_LAKE": str(build(where / "lake")), "ITRAC_USERS": str(users)}
    env.pop("ITRAC_TODAY", None)  # the page's own default stays today: the address pins it
    server = launch(env, tmp_path_factory.mktemp("server"))
    yield server, env
    stop(server)


def itrac(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "data_access.cli", *args],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, **env, "ITRAC_TODAY": str(AS_OF)},
    )  # fmt: skip


def exported_summary(env: dict[str, str], user: str) -> dict[str, tuple[str, str]]:
    """route -> (entries, IEEPA duty) as `itrac export refunds.summary` writes them."""
    out = itrac(
        env, "export", "refunds.summary", "--lake", env["ITRAC_LAKE"], "--as", f"user:{user}"
    )
    return {
        r["route"]: (r["entries"], r["ieepa_duty"]) for r in csv.DictReader(io.StringIO(out.stdout))
    }


def open_refunds(page: Page, server: ServerHandle, user: str, **extra: str) -> None:
    query = urlencode({"view_as": LABELS[user], "as_of": str(AS_OF), **extra})
    open_app(page, f"{server.url}/refunds?{query}")
    # A deep link's first run can be the frame handing over (ui.handoff) with the page's
    # own run still to come; under load that run takes seconds. Wait for what it draws
    # (the five KPIs), then for the app to be idle again.
    kpis = page.locator(MAIN).locator('[data-testid="stMetric"]')
    expect(kpis).to_have_count(1 + len(KPIS), timeout=RUN_TIMEOUT_MS)
    wait_for_app(page)
    assert_healthy(page, server)
    expect(page.locator(MAIN).locator("h1").first).to_have_text("IEEPA refunds")


def download(page: Page, tab_text: str, button: str, tmp_path: Path) -> Path:
    """Open the chart's Table tab, click its download `button`, return the saved file."""
    main = page.locator(MAIN)
    main.get_by_role("tab", name=tab_text, exact=True).click()  # no rerun: drawn already
    with page.expect_download() as got:
        main.locator('[data-testid="stDownloadButton"]').get_by_text(button).first.click()
    saved = tmp_path / got.value.suggested_filename
    got.value.save_as(saved)
    return saved


@pytest.mark.parametrize("user", ["acme", "xyz", "cbp"])
def test_each_routes_dollars_are_the_export_of_the_same_user_and_day(
    refunds_server, page: Page, tmp_path: Path, user: str
) -> None:
    server, env = refunds_server
    expected = exported_summary(env, user)
    open_refunds(page, server, user)
    paid = sum(float(duty) for route, (_n, duty) in expected.items() if route != "none")
    assert metric(page, "IEEPA duty paid") == money(paid)
    for label, route in KPIS.items():
        assert metric(page, label) == money(float(expected[route][1])), label
    saved = download(page, "Table", "CSV", tmp_path)
    assert saved.name == "refunds-by-route.csv"
    with saved.open(newline="") as handle:
        shown = [(r["Entries"], r["IEEPA Duty"]) for r in csv.DictReader(handle)]
    assert shown == [expected[route] for route in KPIS.values()]  # exact dollars, in order


def test_the_as_of_in_the_address_is_the_day_judged(refunds_server, page: Page) -> None:
    """The server's today is the real one; the address says 2026-11-02 and the date box
    shows it, and the figures are that day's (CAPE $900.00, not the real today's)."""
    server, _env = refunds_server
    open_refunds(page, server, "cbp")
    box = page.locator(MAIN).locator('[data-testid="stDateInput"] input')
    expect(box).to_have_value(str(AS_OF))
    assert metric(page, "Claimable now via CAPE") == "$900.00"


def test_cape_download_in_the_browser_is_what_itrac_cape_writes(
    refunds_server, browser: Browser, tmp_path: Path
) -> None:
    """CBP picks BOLT in the importer box; the zip it downloads (built off the script
    thread) holds exactly the file `itrac cape --importer BOLT` writes."""
    server, env = refunds_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(COUNT_RUNS)
    page = context.new_page()
    open_refunds(page, server, "cbp", refunds_tab="CAPE declaration", cape_importer=BOLT)
    main = page.locator(MAIN)
    expect(main.get_by_text(f"CAPE-{BOLT}-001.csv")).to_be_visible()
    with page.expect_download() as got:
        main.locator('[data-testid="stDownloadButton"]').get_by_text("CAPE Declaration").click()
    saved = tmp_path / got.value.suggested_filename
    got.value.save_as(saved)
    assert saved.name == f"CAPE-{BOLT}-{AS_OF}.zip"
    out = tmp_path / "itrac"
    itrac(env, "cape", "--lake", env["ITRAC_LAKE"], "--as", "user:cbp", "--importer", BOLT,
          "--as-of", str(AS_OF), "--out", str(out))  # fmt: skip
    archive = zipfile.ZipFile(saved)
    assert archive.namelist() == [p.name for p in sorted(out.iterdir())]
    for name in archive.namelist():
        assert archive.read(name) == (out / name).read_bytes()
    assert_healthy(page, server)
    context.close()
