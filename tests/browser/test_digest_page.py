"""The digest page in Debian's chromium with every network request refused: it needs
none (no font, image, script or style to fetch) and reads as its sections."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from playwright.sync_api import Browser, Route

from data_access.cli import main
from tests import cbr_lake
from tests.ingest_files import es003_period, write_export

HOSTILE = '<img src=x onerror="window.pwned=1">.csv'  # no "/": it is a file name


def test_the_digest_renders_offline(browser: Browser, tmp_path: Path) -> None:
    from data_access.ingest import ingest

    where = cbr_lake.build(tmp_path / "lake")
    ingest(where, [write_export(tmp_path / HOSTILE, es003_period(*[date(2025, 1, 1)] * 2))])
    page_file = tmp_path / "digest.html"
    assert main(["digest", "--lake", str(where), "--as", "cbp", "--as-of", "2024-04-15",
                 "--out", str(page_file)]) == 0  # fmt: skip

    context = browser.new_context(viewport={"width": 700, "height": 900})
    requests: list[str] = []

    def refuse(route: Route) -> None:
        requests.append(route.request.url)
        if route.request.url == page_file.as_uri():
            route.continue_()
        else:
            route.abort()

    context.route("**/*", refuse)
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    assert requests == [page_file.as_uri()] and failed == []
    assert page.evaluate("window.pwned") is None  # the file name stayed text
    headings = page.locator("h2").all_inner_texts()
    assert headings == [
        "Files loaded in the last 7 days",
        "Entries expected to liquidate in the next 4 weeks",
        "IEEPA refund windows closing in the next 4 weeks",
        "Continuous bonds near their limit: required amount at or above 90% of the bond",
        "Reconciliation flags due within 90 days or overdue",
        "Exam rate: this month against the 12 months before",
        "New audit findings",
    ]
    loaded = page.locator("#loaded + table tbody tr td").first.inner_text()
    assert loaded == HOSTILE
    recon = page.locator("#reconciliation + table tbody tr").all_inner_texts()
    assert [r.split("\t") for r in recon] == [
        [cbr_lake.entry("ABC", 202), cbr_lake.ACME, "002", "2024-02-29", "Overdue"],
        [cbr_lake.entry("XYZ", 203), cbr_lake.BOLT, "001", "2024-05-01", "16"],
    ]
    assert page.locator("#refunds + p").inner_text() == (
        "No refund window closes in the next 4 weeks."
    )
    context.close()
