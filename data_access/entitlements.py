"""The entitlements file: who may see what (user -> role, importer numbers, filer codes).

```yaml
users:
  - id: maria@acme.example        # the signed-in identity (e-mail or proxy user name)
    name: Maria Lopez (Acme Imports)
    role: importer                # importer | broker | cbp
    importer_numbers: [27-1234567AB]
  - id: ops@fastbroker.example
    role: broker
    filer_codes: [FBX]
    importer_numbers: [27-1234567AB]   # optional: limit a broker to these clients
```
"""

from __future__ import annotations

from pathlib import Path

import yaml

from data_access.access import Principal


class EntitlementError(ValueError):
    """An entitlements file that cannot be used; the message names file, entry and fix."""


def load_users(path: Path) -> dict[str, Principal]:
    """User id -> Principal, in file order."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise EntitlementError(
            f"{path}: file not found; set ITRAC_USERS to your entitlements file"
        ) from None
    except yaml.YAMLError as error:
        raise EntitlementError(f"{path}: not valid YAML: {error}") from None
    users = raw.get("users") if isinstance(raw, dict) else None
    if not isinstance(users, list):
        raise EntitlementError(f"{path}: expected a top-level 'users:' list")
    out: dict[str, Principal] = {}
    for index, entry in enumerate(users, start=1):
        user_id, principal = _user(path, index, entry)
        if user_id in out:
            raise EntitlementError(f"{path}: user {index} ({user_id}) is listed twice")
        out[user_id] = principal
    return out


def _user(path: Path, index: int, entry: object) -> tuple[str, Principal]:
    where = f"{path}: user {index}"
    if not isinstance(entry, dict) or not entry.get("id"):
        raise EntitlementError(f"{where}: each user needs an 'id'")
    user_id = str(entry["id"]).strip().lower()
    try:
        principal = Principal(
            role=entry.get("role", ""),
            importer_numbers=tuple(str(v).upper() for v in entry.get("importer_numbers") or ()),
            filer_codes=tuple(str(v).upper() for v in entry.get("filer_codes") or ()),
            name=str(entry.get("name") or user_id),
        )
    except ValueError as error:
        raise EntitlementError(f"{where} ({user_id}): {error}") from None
    if principal.role == "importer" and not principal.importer_numbers:
        raise EntitlementError(f"{where} ({user_id}): an importer needs importer_numbers")
    if principal.role == "broker" and not principal.filer_codes:
        raise EntitlementError(f"{where} ({user_id}): a broker needs filer_codes")
    return user_id, principal
