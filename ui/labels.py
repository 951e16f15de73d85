"""The words people read, for the pages: data_access/labels.py is the one place they come
from (the exports' ACE headers use it too, and data_access never imports ui), so a table's
header on screen and in a file, or `itrac export --headers ace`, are the same words."""

from data_access.labels import (
    CONTEXTS,
    DERIVED,
    DERIVED_MONEY,
    DESCRIPTION,
    DESCRIPTIONS,
    FULL,
    LINES,
    LINES_HELP,
    STORAGE_NAME,
    TARIFF_ROWS,
    TARIFF_ROWS_HELP,
    is_storage_name,
    known,
    label,
    labels,
)

__all__ = [
    "CONTEXTS",
    "DERIVED",
    "DERIVED_MONEY",
    "DESCRIPTION",
    "DESCRIPTIONS",
    "FULL",
    "LINES",
    "LINES_HELP",
    "STORAGE_NAME",
    "TARIFF_ROWS",
    "TARIFF_ROWS_HELP",
    "is_storage_name",
    "known",
    "label",
    "labels",
]
