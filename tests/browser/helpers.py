"""Driving a real Streamlit page in chromium: waiting for runs, reading what is shown.

When has a run finished? Not "the app is not running right now": the run a click
causes starts a moment later, and a short run can finish before the browser ever draws
its "running" state (React batches the updates). So an init script listens on
Streamlit's WebSocket and counts the server's `script_finished` messages; waiting for a
run means waiting for that count to grow, for the app to look idle, and for the page to
stop changing for QUIET_MS (the frontend draws the run's last elements after the
message arrives).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Locator, Page, expect

ROOT = Path(__file__).resolve().parents[2]
HEALTH_TIMEOUT_S = 60
APP = '[data-testid="stApp"]'
EXCEPTION = '[data-testid="stException"]'
NAV_LINK = '[data-testid="stSidebarNav"] a'
MAIN = '[data-testid="stMain"]'
SIDEBAR = '[data-testid="stSidebar"]'
RUN_TIMEOUT_MS = 30_000
QUIET_MS = 150
CHECK_EVERY_MS = 100  # how often wait_for_app looks
# Assertions on what a run drew retry for as long as a run may take: on a loaded machine
# the frontend draws a run's last elements seconds after the run finished (Playwright's
# 5 s default turned slow into red).
expect.set_options(timeout=RUN_TIMEOUT_MS)

# Installed in every page before Streamlit loads (see the `page` fixture).
# ForwardMsg.script_finished is field 6, a varint (streamlit/proto/ForwardMsg.proto);
# status 2 is FINISHED_EARLY_FOR_RERUN: another run follows, so it does not count.
COUNT_RUNS = """
(() => {
  window.__itracRuns = 0;
  window.__itracChanged = performance.now();
  new MutationObserver(() => { window.__itracChanged = performance.now(); }).observe(
    document, {subtree: true, childList: true, attributes: true, characterData: true});
  const finishedStatus = (bytes) => {
    let i = 0;
    const varint = () => {
      let value = 0, shift = 0, byte;
      do { byte = bytes[i++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; }
      while (byte & 0x80 && i < bytes.length);
      return value;
    };
    while (i < bytes.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
      if (wire === 0) { const value = varint(); if (field === 6) return value; }
      else if (wire === 2) { const length = varint(); i += length; }  // not i += varint()
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return null;
    }
    return null;
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (!(event.data instanceof ArrayBuffer)) return;
        const status = finishedStatus(new Uint8Array(event.data));
        if (status === null || status === 2) return;
        window.__itracRuns += 1;
        window.__itracChanged = performance.now();
      });
    }
  };
})();
"""


@dataclass(frozen=True)
class ServerHandle:
    """A running `streamlit run dashboard.py`: base URL (no trailing slash), its output."""

    url: str
    process: Popen
    log: Path

    def log_tail(self, lines: int = 80) -> str:
        """The end of the server's output (tracebacks land here), without watcher noise."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        kept = [line for line in text.splitlines() if not line.startswith("Inotify")]
        return "\n".join(kept[-lines:])


def finished_runs(page: Page) -> int:
    """How many script runs this page has seen finish so far."""
    return int(page.evaluate("window.__itracRuns ?? 0"))


def wait_for_app(page: Page, *, since: int = 0, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Wait until more than `since` runs finished, the app is connected and idle, and
    the page has not changed for QUIET_MS."""
    page.wait_for_function(
        """([since, quietMs]) => {
          const app = document.querySelector('[data-testid="stApp"]');
          return app !== null && window.__itracRuns > since
            && app.getAttribute('data-test-script-state') === 'notRunning'
            && app.getAttribute('data-test-connection-state') === 'CONNECTED'
            && document.querySelector('[data-testid="stStatusWidget"]') === null
            && performance.now() - window.__itracChanged > quietMs;
        }""",
        arg=[since, QUIET_MS],
        # A timer, not requestAnimationFrame (Playwright's default): with many pages on
        # a loaded machine chromium draws frames rarely, and the check went unchecked.
        polling=CHECK_EVERY_MS,
        timeout=timeout_ms,
    )


@contextmanager
def app_rerun(page: Page) -> Iterator[None]:
    """Wrap an action that makes Streamlit rerun; returns once that rerun finished."""
    before = finished_runs(page)
    yield
    wait_for_app(page, since=before)


def open_app(page: Page, url: str) -> None:
    """Load `url` in `page` and wait for its first run to finish."""
    page.goto(url)
    wait_for_app(page)


def assert_healthy(page: Page, server: ServerHandle | None = None) -> None:
    """No exception box and no "Page not found" dialog on the page.

    The box's text is redacted (client.showErrorDetails = "none"), so the message
    carries the end of `server`'s output, where the traceback is.
    """
    errors = page.locator(EXCEPTION)
    if errors.count():
        log = f"\nserver output:\n{server.log_tail()}" if server else ""
        raise AssertionError(f"exception shown on {page.url}: {errors.first.inner_text()}{log}")
    assert page.get_by_text("Page not found").count() == 0, f"'Page not found' on {page.url}"


def widget(page: Page, testid: str, label: str) -> Locator:
    """The sidebar or main widget of kind `testid` (e.g. stMultiSelect) labelled `label`."""
    labelled = page.locator(f'[data-testid="{testid}"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)
    )
    expect(labelled).to_have_count(1)
    return labelled


def chosen(page: Page, label: str) -> list[str]:
    """The values shown as chosen in the multiselect labelled `label`."""
    tags = widget(page, "stMultiSelect", label).locator("span[data-tag]")
    return [tag.get_attribute("aria-label") or "" for tag in tags.all()]


def metric_value(page: Page, label: str) -> Locator:
    """Where the KPI labelled exactly `label` shows its value."""
    label_box = page.locator('[data-testid="stMetricLabel"]').get_by_text(label, exact=True)
    box = page.locator('[data-testid="stMetric"]').filter(has=label_box)
    return box.locator('[data-testid="stMetricValue"]')


def metric(page: Page, label: str) -> str:
    """The value of the KPI labelled exactly `label`."""
    value = metric_value(page, label)
    expect(value).to_have_count(1)
    return value.inner_text().strip()


def expect_count_metric(page: Page, label: str, expected: int) -> None:
    """The KPI labelled `label` shows the count `expected` ("12,345"), retrying while
    the page is still being drawn."""
    expect(metric_value(page, label)).to_have_text(f"{expected:,}")


def count_metric(page: Page, label: str) -> int:
    """A KPI shown as a count ("12,345") as an int."""
    return int(metric(page, label).replace(",", ""))


def nav_titles(page: Page) -> list[str]:
    """The page titles in the sidebar navigation, top to bottom."""
    return [
        link.locator('[data-testid="stMarkdownContainer"]').inner_text().strip()
        for link in page.locator(NAV_LINK).all()
    ]


def selectbox(page: Page, label: str) -> Locator:
    """The text box of the selectbox labelled `label`; its value is the shown choice."""
    return widget(page, "stSelectbox", label).get_by_role("combobox", name=label)


def pick(page: Page, label: str, option: str) -> None:
    """Choose `option` in the selectbox labelled `label` and wait for the rerun.

    `option` must differ from the current choice: choosing it again makes no rerun.
    """
    box = selectbox(page, label)
    box.click()
    with app_rerun(page):
        page.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)


# --- one server per test module over a lake the module builds, signed in as each role ----
ROLE_LABELS = {  # user id -> the "view as" choice that signs in as them
    "acme": "Acme Imports (importer)",
    "xyz": "XYZ Brokerage (broker)",
    "cbp": "CBP analyst (cbp)",
}


def role_users(importer_number: str) -> str:
    """A users file: an importer (acme, of `importer_number`), a broker (xyz, filer XYZ)
    and a CBP analyst (cbp)."""
    return f"""users:
  - id: acme
    name: Acme Imports
    role: importer
    importer_numbers: [{importer_number}]
  - id: xyz
    name: XYZ Brokerage
    role: broker
    filer_codes: [XYZ]
  - id: cbp
    name: CBP analyst
    role: cbp
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def launch(env: dict[str, str], logs: Path, args: Sequence[str] = ()) -> ServerHandle:
    """Start `streamlit run dashboard.py` from the checkout (`args`: more flags, e.g.
    scripts/theme_flags.py's); return once it is healthy."""
    port = _free_port()
    command = [
        *(sys.executable, "-m", "streamlit", "run", "dashboard.py"),
        *("--server.port", str(port), "--server.headless", "true"),
        *("--browser.gatherUsageStats", "false"),
        # Tests never edit code under a running server; watching the checkout (and its
        # .venv) only overflows inotify and costs CPU.
        *("--server.fileWatcherType", "none"),
        *("--logger.enableRich", "false"),  # plain tracebacks in the log
        *args,
    ]
    log = logs / f"streamlit-{port}.log"
    with log.open("wb") as output:  # stdout and stderr: tracebacks go to either
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=output
        )
    server = ServerHandle(f"http://localhost:{port}", process, log)
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    pytest.fail(
        f"streamlit did not answer ok on {server.url}/_stcore/health within "
        f"{HEALTH_TIMEOUT_S} s (exit code {process.returncode}); its output:\n"
        f"{server.log_tail()}"
    )


def stop(server: ServerHandle) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


def role_server(
    tmp_path_factory: pytest.TempPathFactory,
    server_env: dict[str, str],
    build: Callable[[Path], Path],
    importer_number: str,
    *,
    unset: tuple[str, ...] = (),
) -> Iterator[tuple[ServerHandle, dict[str, str]]]:
    """For a module fixture (`yield from`): the dashboard over the lake `build` writes,
    with role_users(importer_number); its environment (less `unset`) for `itrac`."""
    where = tmp_path_factory.mktemp("role-server")
    users = where / "users.yaml"
    users.write_text(role_users(importer_number))
    env = {**server_env, "ITRAC_LAKE": str(build(where / "lake")), "ITRAC_USERS": str(users)}
    for name in unset:
        env.pop(name, None)
    server = launch(env, tmp_path_factory.mktemp("server"))
    yield server, env
    stop(server)


def itrac(env: dict[str, str], *args: str, **more: str) -> subprocess.CompletedProcess:
    """`itrac *args` from the checkout with the server's environment (and `more`)."""
    return subprocess.run(
        [sys.executable, "-m", "data_access.cli", *args],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, **env, **more},
    )  # fmt: skip


def open_as(
    page: Page, server: ServerHandle, path: str, user: str, *, heading: str, kpis: int,
    last_kpi: str = "", **query: str,
) -> None:  # fmt: skip
    """Open page `path` signed in as `user` (ROLE_LABELS), `query` bound in the address.

    A deep link's first run can be the frame handing over (ui.handoff) with the page's own
    run still to come; under load that run takes seconds. So wait for what the page draws
    (its `kpis` KPIs, `last_kpi` among them first when given), then for the app to be idle.
    """
    address = urlencode({"view_as": ROLE_LABELS[user], **query})
    open_app(page, f"{server.url}/{path}?{address}")
    shown = page.locator(MAIN).locator('[data-testid="stMetric"]')
    if last_kpi:
        expect(shown.filter(has_text=last_kpi)).to_have_count(1, timeout=RUN_TIMEOUT_MS)
    expect(shown).to_have_count(kpis, timeout=RUN_TIMEOUT_MS)
    wait_for_app(page)
    expect(shown).to_have_count(kpis)
    assert_healthy(page, server)
    expect(page.locator(MAIN).locator("h1").first).to_have_text(heading)


def download(page: Page, button: str, tmp_path: Path) -> Path:
    """Click the first download button of the main area showing `button`; the saved file."""
    main = page.locator(MAIN)
    with page.expect_download() as got:
        main.locator('[data-testid="stDownloadButton"]').get_by_text(button).first.click()
    saved = tmp_path / got.value.suggested_filename
    got.value.save_as(saved)
    return saved
