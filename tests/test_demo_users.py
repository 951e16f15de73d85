from pathlib import Path

from data_access import synth
from data_access.entitlements import load_users

DEMO_USERS = Path(__file__).resolve().parents[1] / "config" / "demo_users.yaml"


def test_demo_users_name_importers_and_brokers_the_demo_lake_has() -> None:
    users = load_users(DEMO_USERS)
    importers = {i.importer_number for i in synth.IMPORTERS}
    brokers = {b.filer_code for b in synth.BROKERS}
    assert {p.role for p in users.values()} == {"cbp", "importer", "broker"}
    for principal in users.values():
        assert set(principal.importer_numbers) <= importers, principal.name
        assert set(principal.filer_codes) <= brokers, principal.name
    assert next(iter(users.values())).role == "cbp"  # the default "View as" sees everything
