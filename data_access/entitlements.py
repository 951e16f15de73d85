"""The entitlements file: who may see what (user -> role, importer numbers, filer codes).

```yaml
users:
  - id: maria@acme.example        # the signed-in identity: e-mail, or the proxy's user name
    name: Maria Lopez (Acme Imports)
    role: importer                # importer | broker | cbp
    importer_numbers: [27-1234567AB]
  - id: ops@fastbroker.example
    role: broker
    filer_codes: [FBX]            # the entries this broker filed
    clients: [27-1234567AB]       # optional: only for these importers (default: all it filed)
  - id: analyst@cbp.dhs.gov
    role: cbp                     # every importer, every table
```

`load_users` reads the file into user id -> `Principal`, or raises `EntitlementError`
with one message naming file, line and field (``users.yaml, line 7, users[1].filer_codes:
a broker needs filer_codes``), the way `timeline.load_phases` does. Unknown fields are
errors, not ignored: a misspelt ``client:`` would otherwise give a broker every importer.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as _PydanticError

from data_access import codes
from data_access.access import Principal
from data_access.timeline import Loc, TimelineError, _compose, _field, _line

MAX_ID_LENGTH = 320  # the longest e-mail address


class EntitlementError(ValueError):
    """An entitlements file that cannot be used; the message names file, line and field."""


def _text(value: object) -> str:
    # YAML reads 019 or 123 as numbers: refuse rather than guess the leading zeros.
    if not isinstance(value, str):
        raise ValueError("should be text; put it in quotes")
    return value.strip()


def _user_id(value: object) -> str:
    text = _text(value).lower()
    if not text or len(text) > MAX_ID_LENGTH or any(c.isspace() or ord(c) < 32 for c in text):
        raise ValueError("should be the e-mail or user name the sign-in gives, without spaces")
    return text


def _importer_number(value: object) -> str:
    text = _text(value).upper()
    if not codes.is_importer_number(text):
        raise ValueError("not an importer number; use NN-NNNNNNNXX, NNN-NN-NNNN or YYDDPP-NNNNN")
    return text


def _filer_code(value: object) -> str:
    text = _text(value).upper()
    if not codes.is_filer_code(text):
        raise ValueError("not a filer code; use the 3-character filer code, e.g. ABC")
    return text


UserId = Annotated[str, BeforeValidator(_user_id)]
ImporterNumber = Annotated[str, BeforeValidator(_importer_number)]
FilerCode = Annotated[str, BeforeValidator(_filer_code)]


class User(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: UserId
    name: Annotated[str, BeforeValidator(_text)] = ""
    role: Literal["importer", "broker", "cbp"]
    importer_numbers: list[ImporterNumber] = []
    filer_codes: list[FilerCode] = []
    clients: list[ImporterNumber] = []

    def principal(self) -> Principal:
        if self.role == "broker":  # `importer_numbers` is the older spelling of `clients`
            clients = self.clients or self.importer_numbers
            return Principal(
                "broker", _unique(clients), _unique(self.filer_codes), self.name or self.id
            )
        if self.role == "importer":
            return Principal("importer", _unique(self.importer_numbers), (), self.name or self.id)
        return Principal("cbp", name=self.name or self.id)


class Entitlements(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    users: list[User] = Field(min_length=1)


def load_entitlements(path: Path) -> Entitlements:
    """Read and validate the entitlements file at `path`; raises EntitlementError."""
    if not path.is_file():
        raise EntitlementError(
            f"{path}: file not found; set ITRAC_USERS to your entitlements file "
            "(docs/security.md shows the format)"
        )
    try:
        data, lines = _compose(path)
    except TimelineError as error:  # same YAML reading, same line-precise messages
        raise EntitlementError(str(error)) from None
    try:
        entitlements = Entitlements.model_validate(data)
    except _PydanticError as error:
        raise EntitlementError(_pydantic_message(path, lines, error)) from None
    problem = _role_problem(entitlements, lines)
    if problem is not None:
        loc, text = problem
        raise EntitlementError(f"{path}, line {_line(lines, loc)}, {_field(loc)}: {text}")
    return entitlements


def load_users(path: Path) -> dict[str, Principal]:
    """User id (lower case) -> Principal, in file order; raises EntitlementError."""
    return {user.id: user.principal() for user in load_entitlements(path).users}


def principal_for(users: dict[str, Principal], identity: str | None) -> Principal | None:
    """The principal of a signed-in `identity` (matched without case), or None."""
    if not identity:
        return None
    return users.get(identity.strip().lower())


def user_principal(path: Path, identity: str) -> Principal:
    """The principal of user `identity` (matched without case) of the entitlements file at
    `path`: the one the dashboard builds when that user signs in, with the same limits.
    Raises EntitlementError naming the file when the file is unusable or has no such user."""
    users = load_users(path)
    principal = principal_for(users, identity)
    if principal is None:
        wanted = identity.strip().lower()[:MAX_ID_LENGTH]
        close = difflib.get_close_matches(wanted, list(users), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "users are the file's id: fields"
        raise EntitlementError(f"{path}: no user {wanted!r}; {hint}")
    return principal


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _role_problem(entitlements: Entitlements, lines: dict[Loc, int]) -> tuple[Loc, str] | None:
    """The first user whose fields do not fit their role, or an id listed twice."""
    seen: dict[str, int] = {}
    for index, user in enumerate(entitlements.users):
        loc: Loc = ("users", index)
        if user.id in seen:
            first = _line(lines, ("users", seen[user.id], "id"))
            return (*loc, "id"), f"{user.id!r} is listed twice (first on line {first})"
        seen[user.id] = index
        problem = _fields_for_role(user)
        if problem is not None:
            return (*loc, problem[0]), problem[1]
    return None


def _fields_for_role(user: User) -> tuple[str, str] | None:
    if user.role == "cbp":
        for name in ("importer_numbers", "filer_codes", "clients"):
            if getattr(user, name):
                return name, f"cbp sees every importer; remove {name} or pick another role"
        return None
    if user.role == "importer":
        if not user.importer_numbers:
            return "importer_numbers", "an importer needs importer_numbers (the ones they may see)"
        for name in ("filer_codes", "clients"):
            if getattr(user, name):
                return name, f"{name} is for brokers; an importer sees their importer_numbers"
        return None
    if not user.filer_codes:
        return "filer_codes", "a broker needs filer_codes (the entries they filed)"
    if user.clients and user.importer_numbers:
        return "importer_numbers", "give a broker's clients once, under clients"
    return None


def _pydantic_message(path: Path, lines: dict[Loc, int], error: _PydanticError) -> str:
    errors = sorted(error.errors(), key=lambda e: (e["type"] == "missing", _line(lines, e["loc"])))
    first = errors[0]
    loc = tuple(first["loc"])
    more = len(errors) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{path}, line {_line(lines, loc)}, {_field(loc)}: {_describe(first)}{suffix}"


def _describe(error: Any) -> str:
    kind, text, given, loc = error["type"], error["msg"], error["input"], tuple(error["loc"])
    if kind == "missing":
        return "this field is missing"
    if kind == "extra_forbidden":
        known = User.model_fields if len(loc) > 2 else Entitlements.model_fields
        close = difflib.get_close_matches(str(loc[-1]), list(known), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"fields: {', '.join(known)}"
        return f"unknown field; {hint}"
    if kind in ("dict_type", "model_type"):
        text = "should be a mapping of field: value lines"
    if kind == "too_short":
        text = "list at least one user"
    text = text.removeprefix("Value error, ")
    text = text[0].lower() + text[1:]
    if isinstance(given, dict | list):
        return text
    shown = repr(given) if len(repr(given)) <= 40 else repr(given)[:37] + "..."
    return f"{text}, got {shown}"
