"""`itrac export --as user:<id>`: a user of the entitlements file, with exactly the limits
the dashboard gives that user (a broker's clients included), over the demo lake and the
real demo users file. `--as broker:<filer>` is every client of that filer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from data_access.access import Principal
from data_access.cli import main as itrac
from data_access.engines import get_engine
from data_access.reports import REPORTS, Scope
from tests.demo_lakes import DemoLakes
from ui import identity

DEMO_USERS = Path(__file__).resolve().parents[1] / "config" / "demo_users.yaml"
KELLER = "entries@keller.example"  # broker K47, limited to Evergreen
EVERGREEN = "13-3907724AD"
K47_IMPORTERS = {"27-4418529AB", EVERGREEN, "58-1749306AK"}  # every importer K47 filed for
REPORTS_CHECKED = (
    "overview.importers",
    "overview.kpis",
    "entry_summary.header",
    "entry_summary.countries",
    "cargo_release.details",
    "entry_summary.manufacturers",
)


@pytest.fixture(scope="module")
def demo(demo_lake: DemoLakes) -> Path:
    return demo_lake(lines=20_000, seed=5, end=date(2026, 3, 20))


@pytest.fixture(autouse=True)
def demo_users(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITRAC_USERS", str(DEMO_USERS))


def dashboard_principal(user_id: str) -> Principal:
    """The principal the dashboard builds for `user_id` (ui.identity's entitlements)."""
    return identity._users(DEMO_USERS)[user_id]


def export(lake_dir: Path, out: Path, report: str, who: str, capsys) -> pl.DataFrame:
    out.unlink(missing_ok=True)
    argv = ["export", report, "--lake", str(lake_dir), "--format", "parquet", "--out", str(out)]
    code = itrac([*argv, "--as", who])
    assert code == 0, capsys.readouterr().err
    return pl.read_parquet(out)


def test_the_report_names_are_real() -> None:
    assert set(REPORTS_CHECKED) <= set(REPORTS)


@pytest.mark.parametrize("report", REPORTS_CHECKED)
@pytest.mark.parametrize(
    "user_id", [KELLER, "ops@westportglobal.example", "imports@harborsteel.example"]
)
def test_user_export_is_the_dashboards_report_for_that_user(
    demo: Path, tmp_path: Path, capsys, report: str, user_id: str
) -> None:
    principal = dashboard_principal(user_id)
    shown = REPORTS[report](Scope(get_engine(demo, "duckdb"), principal))
    assert shown.height > 0  # the demo lake has rows for every one of these users
    exported = export(demo, tmp_path / "out.parquet", report, f"user:{user_id}", capsys)
    assert_frame_equal(exported, shown)


def test_broker_filer_is_every_client_and_the_user_only_their_clients(
    demo: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "importers.parquet"
    everyone = export(demo, out, "overview.importers", "broker:K47", capsys)
    assert set(everyone.get_column("importer_number")) == K47_IMPORTERS
    keller = export(demo, out, "overview.importers", "user:Entries@Keller.Example", capsys)
    assert keller.get_column("importer_number").to_list() == [EVERGREEN]
    name = "Keller & Associates (broker K47, Evergreen only)"
    assert dashboard_principal(KELLER) == Principal("broker", (EVERGREEN,), ("K47",), name)
    assert f"itrac: as {name} (broker:{EVERGREEN}|K47), from {DEMO_USERS}" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("user:nobody@keller.example", "no user 'nobody@keller.example'; did you mean"),
        ("user:someone@elsewhere.test", "no user 'someone@elsewhere.test'; users are the file's"),
        ("user:", "--as user: name a user"),
        ("user:  ", "--as user: name a user"),
        ("admin:x", "cannot read principal 'admin:x'; use cbp, importer:<importer number> "
                    "or broker:<filer code>, or user:<id> of the entitlements file"),
    ],
)  # fmt: skip
def test_unknown_user_exits_2_with_the_message(
    demo: Path, tmp_path: Path, capsys, who: str, message: str
) -> None:
    out = tmp_path / "out.csv"
    code = itrac(["export", "overview.importers", "--lake", str(demo), "--out", str(out),
                  "--as", who])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert message in err, err
    if who.startswith("user:nobody"):
        assert f"itrac: {DEMO_USERS}: no user" in err
    assert not out.exists()


def test_a_broken_entitlements_file_exits_2_naming_file_and_line(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  - id: ops@k47.example\n    role: broker\n    client: [X]\n")
    monkeypatch.setenv("ITRAC_USERS", str(users))
    out = tmp_path / "out.csv"
    code = itrac(["export", "overview.importers", "--lake", str(demo), "--out", str(out),
                  "--as", "user:ops@k47.example"])  # fmt: skip
    assert code == 2
    assert f"{users}, line 4, users[0].client: unknown field; did you mean 'clients'?" in (
        capsys.readouterr().err
    )
    assert not out.exists()
