"""Real-browser fixtures: a demo lake, real `streamlit run` servers, Debian's chromium.

Fixtures (see helpers.py for waiting on runs and reading the page):

- `browser_lake` (session): the lake the servers serve. The synthetic demo lake
  (`build_demo_lake(lines=20_000, seed=7)`) with config/demo_users.yaml when both exist
  (they are made for each other), otherwise the hand-made `tiny_lake` with `USERS`.
- `browser_users` (session): the users file (YAML) for that lake.
- `demo_principals` (session): user id -> Principal, from that file, in file order.
- `server_env` (session): the environment every server gets: ITRAC_DEMO=1, ITRAC_LAKE,
  ITRAC_USERS (the two above) and ITRAC_ENGINE=duckdb.
- `start_dashboard(env=None, args=()) -> ServerHandle` (per test): a FRESH server, stopped
  after the test; `env` adds to / overrides `server_env`, `args` are more flags.
- `shared_dashboard` (per module): one shared server, for tests where freshness does not matter.
- `browser` (session), `page` (per test: a new context with the run counter installed).

Every test under tests/browser/ is marked `browser`. None is ever skipped: without
chromium they fail and say what to install.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from data_access.access import Principal
from data_access.entitlements import load_users
from tests.browser.helpers import COUNT_RUNS, ServerHandle, launch, stop
from tests.conftest import ACME

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SYNTH = ROOT / "data_access" / "synth" / "demo.py"
DEMO_USERS = ROOT / "config" / "demo_users.yaml"
CHROMIUM_FLAGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these chromium phones home at start-up, and a closed network refuses it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USERS = f"""
users:
  - id: cbp
    name: CBP analyst
    role: cbp
  - id: acme
    name: Acme Imports
    role: importer
    importer_numbers: [{ACME}]
  - id: xyz
    name: XYZ Brokerage
    role: broker
    filer_codes: [XYZ]
"""

StartDashboard = Callable[..., ServerHandle]
FAILED = pytest.StashKey[bool]()  # did the test body fail? (for the failure screenshot)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


def _demo_ready() -> bool:
    return SYNTH.exists() and DEMO_USERS.exists()


@pytest.fixture(scope="session")
def browser_lake(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not _demo_ready():
        return request.getfixturevalue("tiny_lake")
    from data_access.synth import build_demo_lake

    where = tmp_path_factory.mktemp("browser") / "lake"
    build_demo_lake(where, lines=20_000, seed=7)
    return where


@pytest.fixture(scope="session")
def browser_users(browser_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if _demo_ready():
        return DEMO_USERS
    users = tmp_path_factory.mktemp("users") / "users.yaml"
    users.write_text(USERS)
    return users


@pytest.fixture(scope="session")
def demo_principals(browser_users: Path) -> dict[str, Principal]:
    return load_users(browser_users)


@pytest.fixture(scope="session")
def server_env(browser_lake: Path, browser_users: Path) -> dict[str, str]:
    return {
        "ITRAC_DEMO": "1",
        "ITRAC_LAKE": str(browser_lake),
        "ITRAC_USERS": str(browser_users),
        "ITRAC_ENGINE": "duckdb",
    }


@pytest.fixture
def start_dashboard(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StartDashboard]:
    started: list[ServerHandle] = []

    def start(env: dict[str, str] | None = None, args: Sequence[str] = ()) -> ServerHandle:
        server = launch({**server_env, **(env or {})}, tmp_path_factory.mktemp("server"), args)
        started.append(server)
        return server

    yield start
    for server in started:
        stop(server)


@pytest.fixture(scope="module")
def shared_dashboard(
    server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerHandle]:
    server = launch(server_env, tmp_path_factory.mktemp("server"))
    yield server
    stop(server)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.fail("Debian's chromium is missing; run: apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(15_000)
    context.add_init_script(COUNT_RUNS)
    opened = context.new_page()
    yield opened
    if request.node.stash.get(FAILED, False):  # the picture that explains the failure
        shot = tmp_path / "failure.png"
        opened.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failing page: {shot}")
    context.close()
