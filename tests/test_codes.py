import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_access import codes
from data_access.descriptions import describe
from data_access.ingest.validate import entry_number_ok
from tests.reference import REFERENCE


@pytest.mark.parametrize(
    ("filer", "serial", "expected"),
    [
        ("ABC", "1234567", 6),  # DOMAIN.md's worked example
        ("000", "0000000", 0),
        ("BII", "0599285", 4),  # BII05992854, an entry number from an ACE export
        ("999", "9999999", 0),  # 5x9 + 5x(1+8) = 90
        ("JSZ", "0000001", 4),  # J->1, S->2 doubled 4, Z->9, 1 doubled 2: 16
    ],
)
def test_check_digit_known_vectors(filer: str, serial: str, expected: int) -> None:
    assert codes.check_digit(filer, serial) == expected


def test_letter_bands_map_as_catair_appendix_e() -> None:
    assert [codes._letter_value(c) for c in "AIJRSZ"] == [1, 9, 1, 9, 2, 9]


def test_entry_number_forms() -> None:
    assert codes.normalize_entry_number("abc-1234567-6") == "ABC12345676"
    assert codes.format_entry_number("ABC12345676") == "ABC-1234567-6"
    assert codes.is_valid_entry_number("ABC12345676")
    assert not codes.is_valid_entry_number("ABC12345675")
    with pytest.raises(ValueError, match="check digit 5, expected 6"):
        codes.normalize_entry_number("ABC-1234567-5")
    with pytest.raises(ValueError, match="not an entry number"):
        codes.normalize_entry_number("AB-1234567-6")


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (
            codes.is_importer_number,
            ["27-1234567AB", "123-45-6789", "190101-12345"],
            ["27-1234567AO", "271234567AB", "27-1234567"],
        ),
        (codes.is_filer_code, ["ABC", "1A2", "99Z", "A99"], ["AB", "ABCD", "A-C", "abc"]),
        (codes.is_port_code, ["2704", "0101"], ["270", "27O4", "27041"]),
        (
            codes.is_hts_number,
            ["0901210000", "9903880300"],
            ["0901.21.00", "090121000", "090121000A"],
        ),
        (
            codes.is_manufacturer_id,
            ["CNSHAHAI1234SHA", "XOMAPLE12TOR"],
            ["1CSHA", "CN", "CNSHAHAI1234SHANG"],
        ),
        (codes.is_country_code, ["CN", "VN", "MX"], ["XX", "cn", "CHN"]),
    ],
)
def test_format_checks(check, good: list[str], bad: list[str]) -> None:
    assert [check(v) for v in good] == [True] * len(good)
    assert [check(v) for v in bad] == [False] * len(bad)


def test_every_domain_code_list_has_descriptions() -> None:
    assert describe("entry_type", "03") == "Consumption - antidumping/countervailing duty"
    assert describe("mode_of_transport", "11") == "Vessel, container"
    assert describe("bond_type", "8") == "Continuous"
    assert describe("activity_code", "1a") == "Drawback"
    assert describe("recon_flag", "007") == "Value, classification and 9802"
    assert describe("liquidation_type", "7") == "Deemed"
    assert describe("spi", "S") == "USMCA (formerly NAFTA, CA/MX)"
    assert describe("surety_code", "999") == "Bond waived"
    assert describe("port_of_entry", "2704") == "Los Angeles, CA"
    assert describe("country_of_origin", "VN") == "Vietnam"
    assert describe("hts_number", "9999999999") == f"Chapter 99: {codes.HTS_CHAPTERS['99']}"
    assert describe("entry_type", "00") == ""
    assert len(codes.ENTRY_TYPES) == 42 and len(codes.MODES_OF_TRANSPORT) == 15


def test_curated_ports_agree_with_schedule_d() -> None:
    official = codes.load_ports_json(REFERENCE / "schedule_d_port_codes.json")
    assert len(codes.PORTS) >= 20
    for code, name in codes.PORTS.items():
        assert official[code].split(",")[0].split(" ")[0] == name.split(",")[0].split(" ")[0], code


def test_full_hts_list_loads_from_the_usitc_export() -> None:
    hts = codes.load_hts_csv(REFERENCE / "hts_usitc_2025.csv")
    assert len(hts) == 7_133 + 19_733
    assert hts["09012100"].startswith("Not decaffeinated")
    for number, description in codes.HTS_LINES.items():
        # Chapter 99 numbers are 8-digit in the schedule; entries carry them with "00"
        official = number[:8] if number.startswith("99") and number.endswith("00") else number
        assert official in hts, number
        assert description, number


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-a٣ ", max_size=13),
            st.builds(
                lambda filer, serial: filer + serial + str(codes.check_digit(filer, serial)),
                st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3),
                st.text(alphabet="0123456789", min_size=7, max_size=7),
            ),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_vectorized_check_digit_agrees_with_codes(numbers: list[str]) -> None:
    """Ingest checks entry numbers as one polars expression; it must decide exactly as
    `codes.is_valid_entry_number` on every normalized (upper case, no dash) number."""
    normalized = [n.upper().replace("-", "").replace(" ", "") for n in numbers]
    frame = pl.DataFrame({"n": normalized}).with_columns(ok=entry_number_ok(pl.col("n")))
    expected = [codes.is_valid_entry_number(n) for n in normalized]
    assert frame["ok"].fill_null(False).to_list() == expected
    assert frame["ok"].sum() == sum(expected)


# --- dashed entry numbers on screen: native polars, the same text as the Python form ----
def _dashed_natively(values: list[str | None]) -> list[str | None]:
    frame = pl.DataFrame({"entry_number": values}, schema={"entry_number": pl.String})
    return frame.select(codes.format_entry_numbers("entry_number"))["entry_number"].to_list()


def test_native_dashes_known_values() -> None:
    values = ["ABC12345676", None, "", "AB", "ABC1234567", "ABC123456767", "ÄBC12345676"]
    assert _dashed_natively(values) == [
        "ABC-1234567-6",
        None,
        "",
        "AB",
        "ABC1234567",  # 10 characters: shown as stored
        "ABC123456767",  # 12 characters: shown as stored
        "ÄBC-1234567-6",  # 11 characters, one of them two bytes long
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=14),
            st.text(alphabet="ABCXYZ0123456789", min_size=9, max_size=13),
            st.text(min_size=11, max_size=11),
        ),
        max_size=30,
    )
)
def test_native_dashes_equal_format_entry_number(values: list[str | None]) -> None:
    expected = [None if v is None else codes.format_entry_number(v) for v in values]
    assert _dashed_natively(values) == expected
