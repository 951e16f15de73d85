"""The Bond page's address in a real browser: a broker gets the notice, never the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.helpers import COUNT_RUNS, MAIN, assert_healthy, nav_titles, open_app
from tests.cbr_lake import ACME, build

NOTICE = "Bond data is not available to brokers (a CBP rule)."
USERS = f"""users:
  - id: xyz
    name: XYZ Brokerage
    role: broker
    filer_codes: [XYZ]
  - id: acme
    name: Acme Imports
    role: importer
    importer_numbers: [{ACME}]
"""


@pytest.fixture(scope="module")
def bond_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("bond-browser") / "lake")


def test_deep_link_to_bond_on_a_fresh_server(
    bond_lake: Path, tmp_path: Path, browser: Browser, start_dashboard
) -> None:
    """/bond as a fresh server's first request, as a broker: the notice, no "Page not
    found", no Bond entry in the menu; an importer following the same link gets the page."""
    users = tmp_path / "users.yaml"
    users.write_text(USERS)
    server = start_dashboard({"ITRAC_LAKE": str(bond_lake), "ITRAC_USERS": str(users)})

    def visit(path: str):
        page = browser.new_context().new_page()  # a new session, as a pasted link
        page.add_init_script(COUNT_RUNS)
        open_app(page, f"{server.url}/{path}")
        return page

    broker = visit("bond")  # the first user in the file: the broker
    expect(broker.locator(MAIN).get_by_text(NOTICE)).to_be_visible()
    assert "Bond" not in nav_titles(broker)
    assert "Reconciliation" in nav_titles(broker)
    assert_healthy(broker, server)
    importer = visit("bond?view_as=Acme+Imports+%28importer%29")
    expect(importer.locator(MAIN).locator("h1").first).to_have_text("Bond")
    assert importer.locator(MAIN).get_by_text(NOTICE).count() == 0
    assert "Bond" in nav_titles(importer)
    assert_healthy(importer, server)
