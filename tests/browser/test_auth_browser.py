"""Sign-in in a real browser against fresh real servers.

With OpenID Connect configured, a deep link reaches the sign-in page and nothing else.
Behind a trusted proxy, two sessions signed in as different importers each see only their
own rows, also when the second asks what the first already asked (the shared cache).
The proxy is a real one (Debian's nginx, tests/browser/proxy.py) that sets the header on
every request, the WebSocket upgrade included, as a deployment's does.
The lake is the hand-made `tiny_lake`: ACME has 2 entries, BOLT 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, suppress
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import StartDashboard
from tests.browser.helpers import (
    COUNT_RUNS,
    EXCEPTION,
    MAIN,
    SIDEBAR,
    ServerHandle,
    expect_count_metric,
    open_app,
    widget,
)
from tests.browser.proxy import sign_in_proxy
from tests.conftest import ACME, BOLT, IMPORTER_NAMES
from ui import identity

pytestmark = pytest.mark.browser

HEADER = "X-Forwarded-Email"
USERS = f"""
users:
  - id: maria@acme.example
    name: Acme Imports
    role: importer
    importer_numbers: [{ACME}]
  - id: bob@bolt.example
    name: Bolt Hardware
    role: importer
    importer_numbers: [{BOLT}]
  - id: analyst@cbp.example
    role: cbp
"""
SECRETS = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "a-long-random-secret-used-by-this-test-only"
client_id = "itrac-test"
client_secret = "not-a-secret"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
"""
CONFIDENTIAL = (ACME, BOLT, "Acme Imports", "Bolt Hardware", "ABC12345676", "XYZ00000010")


@pytest.fixture
def env(tiny_lake: Path, tmp_path: Path) -> dict[str, str]:
    users = tmp_path / "users.yaml"
    users.write_text(USERS)
    # Demo mode is on: sign-in must win over it.
    return {"ITRAC_LAKE": str(tiny_lake), "ITRAC_USERS": str(users), "ITRAC_DEMO": "1"}


@pytest.fixture
def open_page(browser: Browser, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    contexts = []
    failed_before = request.session.testsfailed

    def open_page(headers: dict[str, str] | None = None) -> Page:
        context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, extra_http_headers=headers or {}
        )
        context.set_default_timeout(15_000)
        context.add_init_script(COUNT_RUNS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    if request.session.testsfailed > failed_before:  # pictures that explain the failure
        for number, context in enumerate(contexts):
            for page in context.pages:
                shot = tmp_path / f"page-{number}.png"
                with suppress(PlaywrightError):  # a page too busy to draw: no picture
                    page.screenshot(path=str(shot), full_page=True, timeout=10_000)
        print(f"screenshots of the pages: {tmp_path}/page-*.png")
    for context in contexts:
        context.close()


Proxy = Callable[[ServerHandle, Mapping[str, str | None]], dict[str, str]]


@pytest.fixture
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    """proxy(server, {label: user name or None}) -> {label: URL}: nginx in front of
    `server`, one port per label, naming that user in HEADER (None: no header)."""
    with ExitStack() as running:

        def start(server: ServerHandle, users: Mapping[str, str | None]) -> dict[str, str]:
            where = tmp_path_factory.mktemp("nginx")
            return running.enter_context(sign_in_proxy(server, HEADER, users, where))

        yield start


def assert_no_data(page: Page) -> None:
    for testid in ("stMetric", "stMultiSelect", "stDataFrame", "stPlotlyChart", "stSelectbox"):
        expect(page.locator(f'[data-testid="{testid}"]')).to_have_count(0)
    html = page.content()
    leaked = [token for token in CONFIDENTIAL if token in html]
    assert not leaked, f"{page.url} shows {leaked} before sign-in"


@pytest.mark.parametrize(
    "path",
    ["/entry_summary", "/overview?view_as=analyst%40cbp.example&importer=" + BOLT, "/timeline"],
)
def test_deep_link_before_sign_in_reaches_no_data(
    start_dashboard: StartDashboard, open_page, env: dict[str, str], tmp_path: Path, path: str
) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS)
    server = start_dashboard(env={**env, "STREAMLIT_SECRETS_FILES": str(secrets)})
    page = open_page()
    open_app(page, server.url + path)  # the fresh server's first session
    main = page.locator(MAIN)
    expect(main.locator("h1")).to_have_text("ITRAC analytics")
    if identity.authlib_installed():
        expect(main.get_by_role("button", name="Sign in")).to_be_visible()
    else:  # Authlib is the streamlit[auth] extra; without it sign-in says so and stops
        expect(main.get_by_text("the Authlib package is not installed")).to_be_visible()
    expect(page.locator(SIDEBAR).get_by_text("DEMO DATA")).to_have_count(0)
    assert_no_data(page)
    assert page.locator(EXCEPTION).count() == 0, server.log_tail()


def importer_choices(page: Page) -> list[str]:
    """The options the Importer filter offers (its list is drawn only when open)."""
    box = widget(page, "stMultiSelect", "Importer")
    box.click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    shown = [o.inner_text().strip() for o in options.all()]
    page.keyboard.press("Escape")
    return shown


def test_two_proxy_sessions_never_see_each_others_rows(
    start_dashboard: StartDashboard, open_page, proxy: Proxy, env: dict[str, str]
) -> None:
    server = start_dashboard(env={**env, "ITRAC_TRUSTED_HEADER": HEADER})
    urls = proxy(server, {"acme": "maria@acme.example", "bolt": "Bob@Bolt.example"})
    # Each browser also claims to be the other: the proxy overwrites the header.
    acme = open_page({HEADER: "Bob@Bolt.example"})
    bolt = open_page({HEADER: "maria@acme.example"})
    for _ in range(2):  # the second round is answered from the cache the first filled
        for page, url, entries, own, other in (
            (acme, urls["acme"], 2, ACME, BOLT),
            (bolt, urls["bolt"], 1, BOLT, ACME),
        ):
            open_app(page, f"{url}/?period=Last+5+years")
            expect_count_metric(page, "Entries", entries)
            assert importer_choices(page) == [f"{own} {IMPORTER_NAMES[own]}"]
            assert other not in page.content()
            expect(page.locator(SIDEBAR).get_by_text("DEMO DATA")).to_have_count(0)
            assert page.locator(EXCEPTION).count() == 0, server.log_tail()
    open_app(acme, f"{urls['acme']}/?importer={BOLT}")  # asking for the other's rows by URL
    expect_count_metric(acme, "Entries", 2)
    assert BOLT not in acme.content()


@pytest.mark.parametrize(
    ("user", "forged", "shown"),
    [
        (None, {}, "Sign-in required"),
        # The proxy signed nobody in and drops the header a client wrote itself.
        (None, {HEADER: "analyst@cbp.example"}, "Sign-in required"),
        ("mallory@example.com", {}, "which has no access"),
    ],
)
def test_proxy_session_without_an_entitled_name_reaches_no_data(
    start_dashboard: StartDashboard,
    open_page,
    proxy: Proxy,
    env: dict[str, str],
    user: str | None,
    forged: dict[str, str],
    shown: str,
) -> None:
    server = start_dashboard(env={**env, "ITRAC_TRUSTED_HEADER": HEADER})
    url = proxy(server, {"visitor": user})["visitor"]
    page = open_page(forged)
    open_app(page, f"{url}/entry_summary?view_as=analyst%40cbp.example")
    expect(page.locator(MAIN).get_by_text(shown)).to_be_visible()
    assert_no_data(page)
