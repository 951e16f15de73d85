"""The Audit page in a real browser, for each role, over tests/audit_lake.py: the findings
each user sees are those of `itrac export audit.summary` for the same user, the summary
downloads, and a broker's scorecard holds only its own card."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.audit_lake import ACME, build
from tests.browser.helpers import (
    MAIN,
    ServerHandle,
    assert_healthy,
    download,
    itrac,
    metric,
    open_as,
    role_server,
)

FINDINGS = {"acme": "18", "xyz": "1", "cbp": "19"}  # tests/test_pages_audit.py works them out


@pytest.fixture(scope="module")
def audit_server(
    tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]
) -> tuple[ServerHandle, dict[str, str]]:
    yield from role_server(tmp_path_factory, server_env, build, ACME)


def exported_findings(env: dict[str, str], user: str) -> int:
    out = itrac(env, "export", "audit.summary", "--lake", env["ITRAC_LAKE"], "--as", f"user:{user}")
    rows = csv.DictReader(io.StringIO(out.stdout))
    return sum(int(r["findings"]) for r in rows if r["severity"] != "info")


def open_audit(page: Page, server: ServerHandle, user: str, **extra: str) -> None:
    open_as(page, server, "audit", user, heading="Audit", kpis=4,
            last_kpi="Checks with findings", **extra)  # fmt: skip


@pytest.mark.parametrize("user", ["acme", "xyz", "cbp"])
def test_each_user_sees_the_findings_of_its_own_rows(audit_server, page: Page, user: str) -> None:
    server, env = audit_server
    open_audit(page, server, user)
    assert metric(page, "Findings") == FINDINGS[user] == str(exported_findings(env, user))


def test_the_summary_downloads_as_shown(audit_server, page: Page, tmp_path: Path) -> None:
    server, _env = audit_server
    open_audit(page, server, "cbp")
    saved = download(page, "CSV", tmp_path)
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
