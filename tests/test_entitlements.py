from pathlib import Path

import pytest

from data_access.access import Principal
from data_access.entitlements import EntitlementError, load_users, principal_for

GOOD = """\
users:
  - id: Maria@Acme.example
    name: Maria Lopez (Acme Imports)
    role: importer
    importer_numbers: [27-1234567ab, 30-7654321CD]
  - id: ops@fastbroker.example
    role: broker
    filer_codes: [fbx, "019"]
    clients: [27-1234567AB]
  - id: old-style@broker.example
    role: broker
    filer_codes: [XYZ]
    importer_numbers: [30-7654321CD]
  - id: desk@broker.example
    role: broker
    filer_codes: [XYZ]
  - id: analyst@cbp.example
    role: cbp
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "users.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_users_map_to_principals(tmp_path: Path) -> None:
    users = load_users(write(tmp_path, GOOD))
    assert users == {
        "maria@acme.example": Principal(
            "importer", ("27-1234567AB", "30-7654321CD"), (), "Maria Lopez (Acme Imports)"
        ),
        "ops@fastbroker.example": Principal(
            "broker", ("27-1234567AB",), ("FBX", "019"), "ops@fastbroker.example"
        ),
        "old-style@broker.example": Principal(
            "broker", ("30-7654321CD",), ("XYZ",), "old-style@broker.example"
        ),
        "desk@broker.example": Principal("broker", (), ("XYZ",), "desk@broker.example"),
        "analyst@cbp.example": Principal("cbp", name="analyst@cbp.example"),
    }


def test_signed_in_identity_matches_without_case(tmp_path: Path) -> None:
    users = load_users(write(tmp_path, GOOD))
    assert principal_for(users, " MARIA@acme.EXAMPLE ") == users["maria@acme.example"]
    assert principal_for(users, "maria@acme.example.evil") is None
    assert principal_for(users, "") is None
    assert principal_for(users, None) is None


def bad(text: str) -> str:
    """GOOD with user 3 (lines 14-16) replaced by `text`, which starts on line 14."""
    lines = GOOD.splitlines(keepends=True)
    return "".join(lines[:13]) + text + "".join(lines[16:])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            bad("  - id: x@y\n    role: broker\n    filer_codes: [XYZ]\n"
                "    client: [27-1234567AB]\n"),
            "line 17, users[3].client: unknown field; did you mean 'clients'?",
        ),
        (
            bad("  - id: x@y\n    role: admin\n"),
            "line 15, users[3].role: input should be 'importer', 'broker' or 'cbp', got 'admin'",
        ),
        (
            bad("  - id: x@y\n    role: importer\n"),
            "line 14, users[3].importer_numbers: an importer needs importer_numbers",
        ),
        (
            bad("  - id: x@y\n    role: broker\n    clients: [27-1234567AB]\n"),
            "line 14, users[3].filer_codes: a broker needs filer_codes",
        ),
        (
            bad("  - id: x@y\n    role: importer\n    importer_numbers: [27-12345]\n"),
            "line 16, users[3].importer_numbers[0]: not an importer number; use NN-NNNNNNNXX",
        ),
        (
            bad("  - id: x@y\n    role: broker\n    filer_codes: [123]\n"),
            "line 16, users[3].filer_codes[0]: should be text; put it in quotes, got 123",
        ),
        (
            bad("  - id: x@y\n    role: broker\n    filer_codes: ['A%_']\n"),
            "line 16, users[3].filer_codes[0]: not a filer code",
        ),
        (
            bad("  - id: x@y\n    role: cbp\n    importer_numbers: [27-1234567AB]\n"),
            "line 16, users[3].importer_numbers: cbp sees every importer; remove importer_numbers",
        ),
        (
            bad("  - id: x@y\n    role: importer\n    importer_numbers: [27-1234567AB]\n"
                "    filer_codes: [XYZ]\n"),
            "line 17, users[3].filer_codes: filer_codes is for brokers",
        ),
        (
            bad("  - id: x@y\n    role: broker\n    filer_codes: [XYZ]\n"
                "    clients: [27-1234567AB]\n    importer_numbers: [27-1234567AB]\n"),
            "line 18, users[3].importer_numbers: give a broker's clients once, under clients",
        ),
        (
            bad("  - id: MARIA@acme.example\n    role: cbp\n"),
            "line 14, users[3].id: 'maria@acme.example' is listed twice (first on line 2)",
        ),
        (
            bad("  - id: maria lopez\n    role: cbp\n"),
            "line 14, users[3].id: should be the e-mail or user name the sign-in gives",
        ),
        (
            bad("  - name: Nobody\n    role: cbp\n"),
            "line 14, users[3].id: this field is missing",
        ),
        ("users: []\n", "line 1, users: list at least one user"),
        ("user:\n  - id: x\n", "line 1, user: unknown field; did you mean 'users'?"),
        ("users:\n  - id: x\n    role: cbp\n  - [a, b\n", "line 5: not valid YAML"),
        ("", "line 1: the file is empty"),
        ("users:\n  - id: a\n    id: b\n    role: cbp\n", "line 3, users[0].id: given twice"),
    ],
)  # fmt: skip
def test_bad_entries_are_named_by_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(EntitlementError) as error:
        load_users(path)
    assert str(error.value).startswith(f"{path}, ")
    assert message in str(error.value)


def test_missing_file_says_which_setting(tmp_path: Path) -> None:
    with pytest.raises(EntitlementError, match="file not found; set ITRAC_USERS"):
        load_users(tmp_path / "nope.yaml")
