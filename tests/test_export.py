import io
from decimal import Decimal

import fastexcel
import polars as pl
import pytest

from data_access import export

FRAME = pl.DataFrame(
    {"entry_number": [f"ABC{n:07d}0" for n in range(7)], "value": [Decimal("1.25")] * 7},
    schema={"entry_number": pl.String, "value": pl.Decimal(18, 2)},
)


def test_sheets_needed_at_the_excel_row_limit() -> None:
    assert export.EXCEL_MAX_ROWS == 1_048_575  # 1,048,576 rows a sheet, one is the header
    assert [export.excel_sheets(n) for n in (0, 1_048_575, 1_048_576, 3_000_000)] == [1, 1, 2, 3]


def test_a_large_excel_export_splits_across_main_report_sheets(tmp_path) -> None:
    target = tmp_path / "out.xlsx"
    export._write_excel(FRAME, target, per_sheet=3)
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
