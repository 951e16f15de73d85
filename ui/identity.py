"""Who is looking: the principal of this session.

The identity comes from the first of these that the operator configured:
1. OpenID Connect sign-in (`st.login`), when `.streamlit/secrets.toml` has an [auth] table;
2. a trusted authenticating proxy's header, named by ITRAC_TRUSTED_HEADER;
3. demo mode (ITRAC_DEMO): a "View as" switcher over the entitlements and a demo badge;
4. nothing: the server serves no data and says how to configure it.
A signed-in identity maps to a principal through the entitlements file (ITRAC_USERS); one
without an entry sees a plain "no access" page. Identity never comes from the URL, and
demo mode is off whenever 1 or 2 is configured, whatever ITRAC_DEMO says.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, NoReturn

import streamlit as st
from streamlit import config as st_config

from data_access import settings
from data_access.access import Principal
from data_access.entitlements import MAX_ID_LENGTH, EntitlementError, load_users, principal_for

TRUSTED_HEADER = "ITRAC_TRUSTED_HEADER"  # e.g. X-Forwarded-Email, set by the proxy only
USERS_SETTING = "ITRAC_USERS"
AUTH_KEYS = ("redirect_uri", "cookie_secret")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
Mode = Literal["oidc", "proxy", "demo", "none"]

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"

_log = logging.getLogger("itrac.identity")


def sign_in_mode() -> Mode:
    """How this server learns who is looking (the first one configured wins)."""
    if _auth_section() is not None:
        mode: Mode = "oidc"
    elif trusted_header():
        mode = "proxy"
    else:
        return "demo" if settings.demo_mode() else "none"
    if settings.demo_mode():
        _warn_once(f"ITRAC_DEMO is set but ignored: sign-in ({mode}) is configured")
    return mode


def trusted_header() -> str:
    """ITRAC_TRUSTED_HEADER: the header a trusted proxy names the signed-in user in."""
    return os.environ.get(TRUSTED_HEADER, "").strip()


def current_principal() -> Principal:
    """The principal of this session; stops the script when there is none."""
    mode = sign_in_mode()
    if mode == "oidc":
        return _oidc_principal()
    if mode == "proxy":
        return _proxy_principal()
    if mode == "demo":
        return _demo_principal()
    _stop_with(
        "This server has no sign-in configured, so it serves no data. To serve data, "
        "configure one of: sign-in with OpenID Connect in `.streamlit/secrets.toml` (see "
        "`.streamlit/secrets.toml.example`); a trusted sign-in proxy (`ITRAC_TRUSTED_HEADER`, "
        "e.g. `X-Forwarded-Email`); or, for the synthetic demo data only, `ITRAC_DEMO=1` "
        "(`make run` does). `docs/security.md` explains each."
    )


# --- 1. OpenID Connect ------------------------------------------------------------------
def _auth_section() -> Mapping | None:
    """The [auth] table of the secrets, or None; a secrets file that exists but cannot be
    read stops the page (sign-in may be meant: never fall back to a weaker mode)."""
    try:
        auth = st.secrets.get("auth") if "auth" in st.secrets else None
    except FileNotFoundError:  # Streamlit's "no secrets" error, also raised for a bad file
        if any(Path(p).exists() for p in st_config.get_option("secrets.files")):
            _log.error("the secrets file exists but cannot be read; serving no data")
            _stop_with("This server's sign-in configuration cannot be read, so it serves no data.")
        return None
    return auth if isinstance(auth, Mapping) else None


def _providers(auth: Mapping) -> list[str | None]:
    """Named providers ([auth.<name>] tables with a client_id), or None for [auth] itself."""
    named = [k for k, v in auth.items() if isinstance(v, Mapping) and "client_id" in v]
    return list(named) or [None]


def _auth_problem(auth: Mapping, providers: list[str | None]) -> str | None:
    missing = [key for key in AUTH_KEYS if not auth.get(key)]
    for provider in providers:
        section = auth if provider is None else auth[provider]
        missing += [key for key in PROVIDER_KEYS if not section.get(key)]
    if missing:
        return f"[auth] in secrets.toml lacks {', '.join(dict.fromkeys(missing))}"
    if not authlib_installed():
        return "the Authlib package is not installed (pip install 'streamlit[auth]')"
    return None


def authlib_installed() -> bool:
    """st.login needs Authlib (the `streamlit[auth]` extra)."""
    return importlib.util.find_spec("authlib") is not None


def _oidc_principal() -> Principal:
    auth = _auth_section()
    assert auth is not None
    providers = _providers(auth)
    problem = _auth_problem(auth, providers)
    if problem:
        _log.error("sign-in cannot start: %s", problem)
    if problem or not st.user.get("is_logged_in"):
        _sign_in_page(providers, problem)
    email = st.user.get("email")
    identity = email if isinstance(email, str) else None
    if st.user.get("email_verified") is False:
        _no_access(identity, "The sign-in provider has not verified this e-mail address.")
    principal = principal_for(_users_or_stop(), identity)
    if principal is None:
        _no_access(identity)
    _signed_in_as(identity or "", principal, sign_out=True)
    return principal


def _sign_in_page(providers: list[str | None], problem: str | None) -> NoReturn:
    without_menu()
    st.title("ITRAC analytics")
    if problem:
        st.error(f"Sign-in is configured but cannot start: {problem}. No data is served.")
        st.stop()
    st.write("Sign in to see the trade activity your account may see.")
    for provider in providers:
        label = "Sign in" if provider is None else f"Sign in with {provider.title()}"
        if st.button(label, type="primary", key=f"sign-in-{provider or 'default'}"):
            st.login(provider)
    st.stop()
    raise AssertionError("unreachable")


# --- 2. trusted proxy -------------------------------------------------------------------
def proxy_identity(values: list[str]) -> str | None:
    """The user a proxy named in its header, or None when absent, repeated or malformed.

    Repeated means a client sent its own header and the proxy appended instead of
    replacing it: trust neither.
    """
    if len(values) != 1:
        return None
    value = values[0].strip()
    if not value or len(value) > MAX_ID_LENGTH or any(ord(c) < 32 or c == "\x7f" for c in value):
        return None
    return value


def header_values(name: str) -> list[str]:
    """Every value of header `name` in the request that opened this session."""
    return st.context.headers.get_all(name)


def _proxy_principal() -> Principal:
    header = trusted_header()
    identity = proxy_identity(header_values(header))
    if identity is None:
        _stop_with(
            "Sign-in required: this server expects its sign-in proxy to name the user, and "
            "no single, well-formed name arrived. Open the dashboard through the proxy's "
            "address."
        )
    principal = principal_for(_users_or_stop(), identity)
    if principal is None:
        _no_access(identity)
    _signed_in_as(identity, principal, sign_out=False)
    return principal


# --- shared by 1 and 2 ------------------------------------------------------------------
def _users_or_stop() -> dict[str, Principal]:
    """The entitlements; on a bad file, users see a plain notice and the log has the
    details (they name other users' importer numbers)."""
    if not os.environ.get(USERS_SETTING):
        # The default file holds the demo users: a proxy user named "cbp" must not match.
        _log.error("sign-in is configured but %s is not set; serving no data", USERS_SETTING)
        _stop_with(
            f"Sign-in is configured but no entitlements file is: set {USERS_SETTING} to it "
            "(the demo users are for demo mode only). No data is served."
        )
    try:
        return _users(settings.users_file())
    except EntitlementError as error:
        _log.error("entitlements file unusable, serving no data: %s", error)
        _stop_with(
            "Access cannot be checked right now: the server's entitlements file has a "
            "problem. The operator can see the details in the server log."
        )


def _users(path: Path) -> dict[str, Principal]:
    stat = path.stat() if path.is_file() else None
    # Keyed by modification time: a revoked user loses access on their next click.
    return _cached_users(str(path), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)


@st.cache_data(max_entries=4, show_spinner=False)
def _cached_users(path: str, mtime_ns: int, size: int) -> dict[str, Principal]:
    del mtime_ns, size  # part of the cache key only
    return load_users(Path(path))


def _signed_in_as(identity: str, principal: Principal, *, sign_out: bool) -> None:
    st.sidebar.caption(f"Signed in as {_escape(identity)} ({principal.role})")
    if sign_out:
        st.sidebar.button("Sign out", on_click=st.logout, key="sign-out")


def _no_access(identity: str | None, reason: str = "") -> NoReturn:
    without_menu()
    st.title("No access")
    who = f"**{_escape(identity)}**" if identity else "this account"
    st.write(
        f"You are signed in as {who}, which has no access to ITRAC data. {reason} "
        "Ask your administrator to add your account to the entitlements."
    )
    if sign_in_mode() == "oidc":
        st.button("Sign out", on_click=st.logout, key="sign-out")
    st.stop()
    raise AssertionError("unreachable")


def _stop_with(message: str) -> NoReturn:
    without_menu()
    st.error(message)
    st.stop()
    raise AssertionError("unreachable")


def without_menu() -> None:
    """No page menu on a page that serves no data (sign-in, no access, not configured).

    Until st.navigation runs, Streamlit lists the files of pages/ in the sidebar by their
    raw names ("dashboard, bond, cargo release..."). Every page address is registered
    here, hidden, so a deep link shows this notice rather than "Page not found".
    """
    names = sorted(p.stem for p in PAGES_DIR.glob("*.py") if not p.stem.startswith("_"))
    pages = [st.Page(_no_page, title="ITRAC analytics", url_path="home", default=True)]
    pages += [
        st.Page(_no_page, title="ITRAC analytics", url_path=name, visibility="hidden")
        for name in names
    ]
    st.navigation(pages, position="hidden")


def _no_page() -> None:
    """Never run: the page that registered it stops first."""


def _escape(text: str) -> str:
    """Text shown inside Markdown as it is (an identity comes from outside)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text[:MAX_ID_LENGTH])


@functools.cache
def _warn_once(message: str) -> None:
    _log.warning(message)


# --- 3. demo ----------------------------------------------------------------------------
def _demo_principal() -> Principal:
    try:
        users = _users(settings.users_file())
    except EntitlementError as error:
        _stop_with(str(error))  # demo users are synthetic: the operator is looking
    st.sidebar.badge(
        "DEMO DATA - synthetic, not real trade data", color="orange", icon=":material/science:"
    )
    user = st.sidebar.selectbox(
        "View as",
        list(users),
        format_func=lambda user_id: f"{users[user_id].name} ({users[user_id].role})",
        key="view_as",
        bind="query-params",
        help="Demo mode: see the dashboard as an importer, a broker or CBP staff.",
    )
    return users[user]
