"""Numbers in words, as a sentence on screen says them."""

from __future__ import annotations


def counted(value: int, one: str, many: str | None = None) -> str:
    """`value` things in words: "1 file", "2 files", "1,200 importer-months"."""
    return f"{value:,} {one if value == 1 else many or one + 's'}"
