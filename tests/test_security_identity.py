"""Who is looking, through the real frame (AppTest): sign-in, proxy, demo, refusal."""

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ACME, BOLT, IMPORTER_NAMES
from tests.test_frame import launcher, metric
from ui import identity

USERS = f"""
users:
  - id: analyst@cbp.example
    role: cbp
  - id: maria@acme.example
    name: Acme Imports
    role: importer
    importer_numbers: [{ACME}]
  - id: ops@xyz.example
    name: XYZ Brokerage
    role: broker
    filer_codes: [XYZ]
"""
AUTH = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-long-random-secret-for-the-test-only",
        "client_id": "itrac",
        "client_secret": "not-a-secret",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
}


@pytest.fixture
def app(tiny_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    users = tmp_path / "users.yaml"
    users.write_text(USERS)
    monkeypatch.setenv("ITRAC_LAKE", str(tiny_lake))
    monkeypatch.setenv("ITRAC_USERS", str(users))
    monkeypatch.setenv("ITRAC_DEMO", "1")  # on everywhere: sign-in must win over it
    monkeypatch.delenv(identity.TRUSTED_HEADER, raising=False)
    monkeypatch.setattr(identity, "authlib_installed", lambda: True)
    return AppTest.from_file(str(launcher(tmp_path)), default_timeout=30)


def signed_in(app: AppTest, email: str | None, **claims: object) -> AppTest:
    app.secrets = AUTH
    app.user = {"is_logged_in": email is not None, "email": email, **claims}
    return app


def shows_no_data(at: AppTest) -> None:
    assert not at.exception
    assert not at.metric
    assert not at.multiselect  # the filter bar lists importer numbers: not drawn either
    assert not [s for s in at.selectbox if s.key == "view_as"]
    text = " ".join(e.value for e in (*at.markdown, *at.error, *at.sidebar.caption))
    assert ACME not in text and BOLT not in text


def test_sign_in_configured_deep_link_shows_only_the_sign_in_page(app: AppTest) -> None:
    app.query_params["view_as"] = "analyst@cbp.example"  # demo's switcher: ignored
    at = signed_in(app, None).run()
    shows_no_data(at)
    assert at.title[0].value == "ITRAC analytics"
    assert [b.label for b in at.button] == ["Sign in"]
    assert not any("DEMO DATA" in m.value for m in at.sidebar.markdown)


def test_signed_in_importer_sees_their_rows_only(app: AppTest) -> None:
    at = signed_in(app, "Maria@Acme.example", email_verified=True).run()
    assert not at.exception
    assert metric(at, "Entries") == "2"
    assert at.multiselect(key="importer").options == [f"{ACME} {IMPORTER_NAMES[ACME]}"]
    assert "Signed in as Maria@Acme\\.example (importer)" in at.sidebar.caption[0].value
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    assert not [s for s in at.selectbox if s.key == "view_as"]
    # The coverage note counts this importer's tariff rows only, not the lake's 5.
    assert any("· 4 tariff rows" in c.value for c in at.sidebar.caption)
    assert not any("· 5 lines" in c.value for c in at.sidebar.caption)


def test_cbp_sees_the_lake_wide_coverage(app: AppTest) -> None:
    at = signed_in(app, "analyst@cbp.example").run()
    assert any("5 tariff rows" in c.value for c in at.sidebar.caption)


def test_url_cannot_switch_a_signed_in_user(app: AppTest) -> None:
    app.query_params["view_as"] = "analyst@cbp.example"
    app.query_params["importer"] = BOLT  # another importer's number in the URL
    at = signed_in(app, "maria@acme.example").run()
    assert not at.exception
    assert metric(at, "Entries") == "2"
    assert at.multiselect(key="importer").value == []


def test_signed_in_broker_sees_their_filings(app: AppTest) -> None:
    at = signed_in(app, "ops@xyz.example").run()
    assert metric(at, "Entries") == "1"
    assert metric(at, "Entered value") == "$500.50"


@pytest.mark.parametrize(
    ("email", "claims", "reason"),
    [
        ("stranger@example.com", {}, "which has no access"),
        (None, {"is_logged_in": True}, "this account"),
        ("maria@acme.example", {"email_verified": False}, "has not verified this e-mail"),
    ],
)
def test_signed_in_without_entitlement_sees_no_access(
    app: AppTest, email: str | None, claims: dict, reason: str
) -> None:
    at = signed_in(app, email, **claims).run()
    shows_no_data(at)
    assert at.title[0].value == "No access"
    assert reason in at.markdown[0].value
    assert [b.label for b in at.button] == ["Sign out"]


def test_broken_entitlements_hide_their_details(app: AppTest, tmp_path: Path) -> None:
    (tmp_path / "users.yaml").write_text(USERS + "  - id: x\n    role: importer\n")
    at = signed_in(app, "maria@acme.example").run()
    shows_no_data(at)
    assert "entitlements file has a problem" in at.error[0].value
    assert "users.yaml" not in at.error[0].value


def test_sign_in_needs_an_explicit_entitlements_file(app: AppTest, monkeypatch) -> None:
    monkeypatch.delenv("ITRAC_USERS")  # the default is the demo users
    at = signed_in(app, "maria@acme.example").run()
    shows_no_data(at)
    assert "set ITRAC_USERS" in at.error[0].value


def test_incomplete_auth_serves_nothing(app: AppTest) -> None:
    app.secrets = {"auth": {k: v for k, v in AUTH["auth"].items() if k != "cookie_secret"}}
    at = app.run()
    shows_no_data(at)
    assert "lacks cookie_secret" in at.error[0].value


def test_sign_in_without_authlib_serves_nothing(app: AppTest, monkeypatch) -> None:
    monkeypatch.setattr(identity, "authlib_installed", lambda: False)
    at = signed_in(app, "maria@acme.example").run()
    shows_no_data(at)
    assert "Authlib package is not installed" in at.error[0].value


def test_named_providers_get_a_button_each(app: AppTest) -> None:
    provider = {k: AUTH["auth"][k] for k in ("client_id", "client_secret", "server_metadata_url")}
    shared = {k: AUTH["auth"][k] for k in ("redirect_uri", "cookie_secret")}
    app.secrets = {"auth": {**shared, "okta": provider, "microsoft": provider}}
    at = app.run()
    assert [b.label for b in at.button] == ["Sign in with Okta", "Sign in with Microsoft"]


def proxied(app: AppTest, monkeypatch, values: list[str]) -> AppTest:
    monkeypatch.setenv(identity.TRUSTED_HEADER, "X-Forwarded-Email")
    monkeypatch.setattr(identity, "header_values", lambda name: values)
    return app


def test_proxy_header_names_the_user(app: AppTest, monkeypatch) -> None:
    at = proxied(app, monkeypatch, ["maria@acme.example"]).run()
    assert metric(at, "Entries") == "2"
    assert not any("DEMO DATA" in m.value for m in at.sidebar.markdown)
    assert not at.sidebar.button  # the proxy signs out, not the page


@pytest.mark.parametrize(
    "values", [[], [""], ["maria@acme.example", "analyst@cbp.example"], ["a@b\x00c"]]
)
def test_proxy_without_one_clean_name_serves_nothing(app: AppTest, monkeypatch, values) -> None:
    at = proxied(app, monkeypatch, values).run()
    shows_no_data(at)
    assert "Sign-in required" in at.error[0].value


def test_proxy_user_without_entitlement_sees_no_access(app: AppTest, monkeypatch) -> None:
    at = proxied(app, monkeypatch, ["mallory@example.com"]).run()
    shows_no_data(at)
    assert at.title[0].value == "No access"
    assert "mallory@example\\.com" in at.markdown[0].value


def test_nothing_configured_says_how(app: AppTest, monkeypatch) -> None:
    monkeypatch.delenv("ITRAC_DEMO")
    at = app.run()
    shows_no_data(at)
    for hint in ("secrets.toml.example", "ITRAC_TRUSTED_HEADER", "ITRAC_DEMO=1"):
        assert hint in at.error[0].value


def test_demo_mode_only_without_sign_in(app: AppTest) -> None:
    at = app.run()
    assert any("DEMO DATA" in m.value for m in at.sidebar.markdown)
    assert at.selectbox(key="view_as").value == "analyst@cbp.example"


def test_revoked_user_loses_access_on_next_run(app: AppTest, tmp_path: Path) -> None:
    at = signed_in(app, "maria@acme.example").run()
    assert metric(at, "Entries") == "2"
    (tmp_path / "users.yaml").write_text(USERS.replace("maria@acme.example", "maria@gone.example"))
    at.run()
    assert at.title[0].value == "No access"
    assert not at.metric


def test_proxy_identity_rules() -> None:
    assert identity.proxy_identity([" maria@acme.example "]) == "maria@acme.example"
    assert identity.proxy_identity(["x" * 321]) is None
    assert identity.proxy_identity(["a\tb"]) is None
    assert identity.proxy_identity(["a", "a"]) is None


def test_the_shipped_secrets_example_turns_sign_in_on(app: AppTest) -> None:
    example = Path(__file__).resolve().parents[1] / ".streamlit" / "secrets.toml.example"
    app.secrets = tomllib.loads(example.read_text())
    at = app.run()
    shows_no_data(at)
    assert [b.label for b in at.button] == ["Sign in"]
