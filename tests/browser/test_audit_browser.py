"""The Audit page in a real browser, for each role, over tests/audit_lake.py: the findings
each user sees are those of `itrac export audit.summary` for the same user, the summary
downloads, and a broker's scorecard holds only its own card."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tests.audit_lake import ACME, build
from tests.browser.helpers import (
    MAIN,
    RUN_TIMEOUT_MS,
    ServerHandle,
    assert_healthy,
    metric,
    open_app,
    wait_for_app,
)

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
FINDINGS = {"acme": "18", "xyz": "1", "cbp": "19"}  # tests/test_pages_audit.py works them out


@pytest.fixture(scope="module")
def audit_server(
    tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]
) -> tuple[ServerHandle, dict[str, str]]:
    from tests.browser.conftest import launch, stop

    where = tmp_path_factory.mktemp("audit-browser")
    users = where / "users.yaml"
    users.write_text(USERS)
    env = {**server_env, "ITRAC_LAKE": str(build(where / "lake")), "ITRAC_USERS": str(users)}
    server = launch(env, tmp_path_factory.mktemp("server"))
    yield server, env
    stop(server)


def exported_findings(env: dict[str, str], user: str) -> int:
    out = subprocess.run(
        [sys.executable, "-m", "data_access.cli", "export", "audit.summary",
         "--lake", env["ITRAC_LAKE"], "--as", f"user:{user}"],
        cwd=ROOT, capture_output=True, text=True, check=True, env={**os.environ, **env},
    ).stdout  # fmt: skip
    rows = csv.DictReader(io.StringIO(out))
    return sum(int(r["findings"]) for r in rows if r["severity"] != "info")


def open_audit(page: Page, server: ServerHandle, user: str, **extra: str) -> None:
    query = urlencode({"view_as": LABELS[user], **extra})
    open_app(page, f"{server.url}/audit?{query}")
    # A deep link's first run can be the frame handing over (ui.handoff): wait for what the
    # page draws (its four KPIs), then for the app to be idle again.
    kpis = page.locator(MAIN).locator('[data-testid="stMetric"]')
    expect(kpis.filter(has_text="Checks with findings")).to_have_count(1, timeout=RUN_TIMEOUT_MS)
    wait_for_app(page)
    expect(kpis).to_have_count(4)
    assert_healthy(page, server)
    expect(page.locator(MAIN).locator("h1").first).to_have_text("Audit")


@pytest.mark.parametrize("user", ["acme", "xyz", "cbp"])
def test_each_user_sees_the_findings_of_its_own_rows(audit_server, page: Page, user: str) -> None:
    server, env = audit_server
    open_audit(page, server, user)
    assert metric(page, "Findings") == FINDINGS[user] == str(exported_findings(env, user))


def test_the_summary_downloads_as_shown(audit_server, page: Page, tmp_path: Path) -> None:
    server, _env = audit_server
    open_audit(page, server, "cbp")
    main = page.locator(MAIN)
    with page.expect_download() as got:
        main.locator('[data-testid="stDownloadButton"]').get_by_text("CSV").first.click()
    saved = tmp_path / got.value.suggested_filename
    got.value.save_as(saved)
    assert saved.name == "audit-summary.csv"
    with saved.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 16 and rows[0]["severity"] == "high"


def test_a_broker_sees_only_its_own_card(audit_server, page: Page) -> None:
    server, _env = audit_server
    open_audit(page, server, "xyz", audit_tab="Broker scorecard")
    main = page.locator(MAIN)
    expect(main.get_by_text("Your own card", exact=False)).to_be_visible()
    grid = main.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible()
    assert "ABC" not in grid.inner_text()
    assert_healthy(page, server)
