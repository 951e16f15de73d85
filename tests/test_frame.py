from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ACME, BOLT

ROOT = Path(__file__).resolve().parents[1]

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


@pytest.fixture
def frame(tiny_lake, tmp_path, monkeypatch) -> AppTest:
    users = tmp_path / "users.yaml"
    users.write_text(USERS)
    monkeypatch.setenv("ITRAC_DEMO", "1")
    monkeypatch.setenv("ITRAC_LAKE", str(tiny_lake))
    monkeypatch.setenv("ITRAC_USERS", str(users))
    return AppTest.from_file(str(launcher(tmp_path)), default_timeout=30)


def launcher(folder: Path) -> Path:
    """The frame, started from a folder without pages/.

    AppTest forgets between runs that st.navigation already took over from Streamlit's
    legacy pages/ mechanism, so every rerun from the checkout would replay a deep link
    into pages/. The real server remembers (the browser test covers that path).
    """
    script = folder / "app.py"
    script.write_text(
        f"import runpy\nrunpy.run_path({str(ROOT / 'dashboard.py')!r}, run_name='__main__')\n"
    )
    return script


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_overview_through_the_frame(frame: AppTest) -> None:
    at = frame.run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert metric(at, "Entries") == "3"
    assert metric(at, "Entered value") == "$6.7K"
    assert any("DEMO DATA" in m.value for m in at.sidebar.markdown)


def test_view_as_switches_the_principal(frame: AppTest) -> None:
    at = frame.run()
    at.selectbox(key="view_as").select("acme").run()
    assert metric(at, "Entries") == "2"
    at.selectbox(key="view_as").select("xyz").run()
    assert metric(at, "Entries") == "1"
    assert metric(at, "Entered value") == "$500.50"


def test_global_filters_come_from_the_url(frame: AppTest) -> None:
    frame.query_params["period"] = "Custom"
    frame.query_params["start"] = "2024-01-01"
    frame.query_params["end"] = "2024-12-31"
    at = frame.run()
    assert not at.exception
    assert metric(at, "Entries") == "2"
    at.multiselect(key="country").select("CN").run()
    assert metric(at, "Entries") == "1"


def test_filter_options_show_descriptions(frame: AppTest) -> None:
    at = frame.run()
    ports = at.multiselect(key="port")
    assert ports.options == ["1001 New York, NY", "2304 Laredo, TX", "2704 Los Angeles, CA"]


def test_no_demo_and_no_sign_in_serves_no_data(frame: AppTest, monkeypatch) -> None:
    monkeypatch.delenv("ITRAC_DEMO")
    at = frame.run()
    assert "serves no data" in at.error[0].value
    assert not at.metric


def test_coverage_in_the_sidebar(frame: AppTest) -> None:
    at = frame.run()
    shown = [c.value for c in at.sidebar.caption]
    assert any("entries 2024-01-05 to 2025-03-01 · 5 tariff rows" in c for c in shown)  # 4 lines


def test_importer_choices_follow_the_principal(frame: AppTest) -> None:
    at = frame.run()
    # named as the lake's entry summaries name them (Importer Name), not numbers only
    assert at.multiselect(key="importer").options == [
        f"{ACME} Acme Imports",
        f"{BOLT} Bolt Hardware",
    ]
    at.selectbox(key="view_as").select("acme").run()
    assert at.multiselect(key="importer").options == [f"{ACME} Acme Imports"]
