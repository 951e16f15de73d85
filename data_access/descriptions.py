"""The description of one code in any of the lists: `codes`' lists and countries, and HTS
numbers (`hts`: the USITC export when configured, else the curated lists)."""

from __future__ import annotations

from data_access import codes, hts


def describe(list_name: str, code: str | None) -> str:
    """The description of `code` in the list named `list_name` ("" when unknown)."""
    if code is None:
        return ""
    if list_name in ("country_of_origin", "country_of_export", "country"):
        return codes.country_name(code)
    if list_name in ("hts_number", "hts_code", "hts_chapter"):
        return hts.describe_one(code)
    if list_name == "surety_code":
        return codes.SURETY_SPECIAL.get(code) or (f"{codes.SURETY_COMPANY} {code}" if code else "")
    return codes.CODE_LISTS.get(list_name, {}).get(code, "")
