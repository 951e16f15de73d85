"""Who is looking, and what they may see: principals, roles and row predicates.

Every table a report reads passes through `restrict`, so no page or export can forget
it. Brokers never see bond data (a CBP rule): asking raises `Refused`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir
import polars as pl

from data_access import codes
from data_access.schema import TABLES, Table

Role = Literal["importer", "broker", "cbp"]
ROLES: tuple[Role, ...] = ("importer", "broker", "cbp")
BROKER_HIDDEN_TABLES = frozenset({"bonds"})


class Refused(PermissionError):
    """The principal may not see what was asked for."""


@dataclass(frozen=True)
class Principal:
    role: Role
    importer_numbers: tuple[str, ...] = ()
    filer_codes: tuple[str, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; roles: {', '.join(ROLES)}")
        for number in self.importer_numbers:
            if not codes.is_importer_number(number):
                raise ValueError(f"{number!r} is not an importer number")
        for filer in self.filer_codes:
            if not codes.is_filer_code(filer):
                raise ValueError(f"{filer!r} is not a filer code")

    @classmethod
    def parse(cls, text: str) -> Principal:
        """'cbp', 'importer:<importer number>[,...]' or 'broker:<filer code>[,...]'.

        A broker parsed here sees every importer its filer codes filed for: a broker
        limited to some clients exists only as a user of the entitlements file."""
        role, _, ids = text.partition(":")
        role = role.strip().lower()
        values = tuple(v.strip().upper() for v in ids.split(",") if v.strip())
        if role == "cbp":
            return cls("cbp", name="CBP")
        if role == "importer" and values:
            return cls("importer", importer_numbers=values, name=f"importer {', '.join(values)}")
        if role == "broker" and values:
            return cls("broker", filer_codes=values, name=f"broker {', '.join(values)}")
        raise ValueError(
            f"cannot read principal {text!r}; use cbp, importer:<importer number> "
            "or broker:<filer code>"
        )

    @property
    def key(self) -> str:
        """A stable identity of what this principal may see (names are not unique)."""
        numbers = ",".join(sorted(self.importer_numbers))
        filers = ",".join(sorted(self.filer_codes))
        return f"{self.role}:{numbers}|{filers}"

    def can_see(self, table_name: str) -> bool:
        return not (self.role == "broker" and table_name in BROKER_HIDDEN_TABLES)

    @property
    def visible_tables(self) -> list[str]:
        return [name for name in TABLES if self.can_see(name)]


CBP = Principal("cbp", name="CBP")


def restrict(principal: Principal, t: ir.Table, spec: Table) -> ir.Table:
    """`t` narrowed to the rows `principal` may see; raises Refused for hidden tables."""
    if not principal.can_see(spec.name):
        raise Refused(f"{spec.label} data is not available to brokers (a CBP rule)")
    if principal.role == "cbp":
        return t
    if principal.role == "importer":
        return t.filter(t[spec.importer_column].isin(list(principal.importer_numbers) or [""]))
    if spec.filer_column is None:
        return t.filter(ibis.literal(False))
    rows = t.filter(t[spec.filer_column].isin(list(principal.filer_codes) or [""]))
    if principal.importer_numbers:  # a broker limited to named clients
        rows = rows.filter(rows[spec.importer_column].isin(list(principal.importer_numbers)))
    return rows


def owned(principal: Principal, spec: Table) -> pl.Expr:
    """The polars twin of `restrict`: true for the rows of `spec` `principal` may see
    (ingest uses it on files, where there is no engine)."""
    if principal.role == "cbp":
        return pl.lit(True)
    if principal.role == "importer":
        return pl.col(spec.importer_column).is_in(list(principal.importer_numbers))
    if spec.filer_column is None:
        return pl.lit(False)
    mine = pl.col(spec.filer_column).is_in(list(principal.filer_codes))
    if principal.importer_numbers:
        mine = mine & pl.col(spec.importer_column).is_in(list(principal.importer_numbers))
    return mine.fill_null(False)
