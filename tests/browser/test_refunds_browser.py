"""The IEEPA refunds page in a real browser: each route's dollars are those of
`itrac export refunds.summary` for the same user and day, and the CAPE download is the
files `itrac cape` writes.

The lake is tests/refunds_lake.py's; the day is pinned in the address (?as_of=), while
the server's own today is left alone, and `itrac` gets the same day as ITRAC_TODAY.
"""

from __future__ import annotations

import csv
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import (
    COUNT_RUNS,
    MAIN,
    ServerHandle,
    assert_healthy,
    download,
    itrac,
    metric,
    open_as,
    role_server,
)
from tests.refunds_lake import ACME, AS_OF, BOLT, build
from ui.widgets import money

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
    # The page's own default stays today (ITRAC_TODAY unset): the address pins the day.
    yield from role_server(tmp_path_factory, server_env, build, ACME, unset=("ITRAC_TODAY",))


def itrac_on(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`itrac *args` judging AS_OF, the day the address pins."""
    return itrac(env, *args, ITRAC_TODAY=str(AS_OF))


def exported_summary(env: dict[str, str], user: str) -> dict[str, tuple[str, str]]:
    """route -> (entries, IEEPA duty) as `itrac export refunds.summary` writes them."""
    out = itrac_on(
        env, "export", "refunds.summary", "--lake", env["ITRAC_LAKE"], "--as", f"user:{user}"
    )
    return {
        r["route"]: (r["entries"], r["ieepa_duty"]) for r in csv.DictReader(io.StringIO(out.stdout))
    }


def open_refunds(page: Page, server: ServerHandle, user: str, **extra: str) -> None:
    open_as(page, server, "refunds", user, heading="IEEPA refunds", kpis=1 + len(KPIS),
            as_of=str(AS_OF), **extra)  # fmt: skip


def table_download(page: Page, tab_text: str, button: str, tmp_path: Path) -> Path:
    """Open the chart's Table tab, click its download `button`, return the saved file."""
    page.locator(MAIN).get_by_role("tab", name=tab_text, exact=True).click()  # drawn already
    return download(page, button, tmp_path)


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
    saved = table_download(page, "Table", "CSV", tmp_path)
    assert saved.name == "refunds-by-route.csv"
    with saved.open(newline="") as handle:
        shown = [(r["entries"], r["ieepa_duty"]) for r in csv.DictReader(handle)]  # stable names
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
    saved = download(page, "CAPE Declaration", tmp_path)
    assert saved.name == f"CAPE-{BOLT}-{AS_OF}.zip"
    out = tmp_path / "itrac"
    itrac_on(env, "cape", "--lake", env["ITRAC_LAKE"], "--as", "user:cbp", "--importer", BOLT,
             "--as-of", str(AS_OF), "--out", str(out))  # fmt: skip
    archive = zipfile.ZipFile(saved)
    assert archive.namelist() == [p.name for p in sorted(out.iterdir())]
    for name in archive.namelist():
        assert archive.read(name) == (out / name).read_bytes()
    assert_healthy(page, server)
    context.close()
