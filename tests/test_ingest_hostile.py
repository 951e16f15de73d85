"""Files that are not what they say: each fails (or loads) on its own with one clear line.

UTF-16 with and without a BOM, binary junk, a header row over 64 KB, 32,768 headers, a
full disk: the CLI reports one line per file naming it, goes on with the next one and
exits 1 when any failed; nothing half-written becomes visible.
"""

from __future__ import annotations

import subprocess

import pytest

from data_access import lake
from data_access.cli import main
from data_access.ingest import ingest, readers, sources
from tests.ingest_files import entry_numbers, lake_rows, write_es003, write_export
from tests.test_ingest_errors import GOOD, HEADER


def _text(rows: list[list[str]]) -> str:
    return "\r\n".join(",".join(row) for row in rows) + "\r\n"


@pytest.mark.parametrize(
    ("prefix", "encoding"),
    [
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"", "utf-16-le"),
        (b"", "utf-16-be"),
        (b"\xef\xbb\xbf", "utf-8"),
        (b"", "cp1252"),
    ],
)
def test_utf16_utf8_and_windows_exports_load(tmp_path, prefix, encoding):
    row = [*GOOD[:9], "Café"]  # a non-ASCII value (in the SPI column: kept as text)
    raw = prefix + _text([HEADER, row]).encode(encoding)
    (tmp_path / "export.csv").write_bytes(raw)
    [result] = ingest(tmp_path / "lake", [tmp_path / "export.csv"])
    assert (result.status, result.rows_loaded, result.errors) == ("loaded", 1, [])
    assert lake_rows(tmp_path / "lake", "entry_lines")["spi"].to_list() == ["CAFÉ"]


def test_windows_1252_after_the_first_megabyte_is_still_read_as_windows_1252(tmp_path):
    source = write_es003(tmp_path / "late.csv", 9_000)  # about 1.5 MB of ASCII
    [entry] = entry_numbers(1, start=90_000)
    with source.open("ab") as handle:
        row = [entry, "1", "01", "27-1234567AB", "Caf\xe9", "0101", "01/05/2024"]
        row += ["01/05/2024", "CN", "CN", "CNACMTOY1234SHA", "", "1", "0901210000"]
        row += ["$1.00", "$0.05", "1", "NO"]
        handle.write((",".join(row) + "\n").encode("cp1252"))
    [result] = ingest(tmp_path / "lake", [source])
    assert (result.status, result.rows_loaded) == ("loaded", 9_001)
    summaries = lake_rows(tmp_path / "lake", "entry_summaries")
    assert summaries.filter(entry_number=entry)["importer_name"].to_list() == ["Café"]


def test_binary_and_misnamed_files_are_refused_by_their_users_names(tmp_path):
    junk = tmp_path / "001.csv"  # a server-side name: messages must never show it
    junk.write_bytes(bytes(range(256)) * 64)
    book = tmp_path / "002.csv"
    book.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    neither = tmp_path / "003.csv"
    neither.write_bytes(_text([HEADER, GOOD]).encode() + b"\x81\x8d\n")
    results = ingest(
        tmp_path / "lake",
        [junk, book, neither],
        labels=["junk.csv", "report.csv", "odd.csv"],
    )
    assert [(r.file, r.status, r.errors) for r in results] == [
        ("junk.csv", "failed",
         ["junk.csv is not a text file (it holds binary data); "
          "export the report again as CSV or Excel"]),
        ("report.csv", "failed",
         ["report.csv is not a text file: it is a zip archive or an Excel workbook (.xlsx); "
          "give it its real extension"]),
        ("odd.csv", "failed",
         ["odd.csv: row 3 holds byte 0x81, which is neither UTF-8 nor Windows-1252 text; "
          "save the export as CSV UTF-8 and load it again"]),
    ]  # fmt: skip
    assert not lake.exists(tmp_path / "lake")


def test_a_header_row_over_64_kb_is_read_whole(tmp_path):
    extra = [f"Extra column {n:04d} {'.' * 40}" for n in range(1_500)]  # about 80 KB
    rows = [HEADER + extra, GOOD + ["x"] * len(extra)]
    source = write_export(tmp_path / "wide.csv", rows)
    assert len(",".join(rows[0])) > 1 << 16
    [result] = ingest(tmp_path / "lake", [source])
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 1, 1)
    assert result.reasons == {}


def test_too_many_or_too_long_headers_fail_in_one_short_line(tmp_path):
    many = tmp_path / "many.csv"
    many.write_text(",".join(f"h{n}" for n in range(32_768)) + "\n" + "1," * 32_767 + "1\n")
    long = tmp_path / "long.csv"
    long.write_text(",".join(f"{n:04d}" + "x" * 1_000 for n in range(1_500)) + "\n1,2\n")
    huge = tmp_path / "huge.csv"
    huge.write_text("Entry Summary Number," + "x" * (200 << 10) + "\n1,2\n")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(",".join(f"Column {n}" for n in range(2_000)) + "\n" + "1," * 1_999 + "1\n")
    results = ingest(tmp_path / "lake", [many, long, huge, unknown])
    assert [r.errors for r in results[:3]] == [
        ["many.csv: row 1 (the header) has 32,768 columns; an export has at most 2,048: "
         "is this an ACE Reports export?"],
        ["long.csv: row 1 (the header) is longer than 1 MiB or opens a quote it never "
         "closes: is this an ACE Reports export?"],
        ["huge.csv: row 1 (the header) cannot be read (has a header longer than 128 KiB): "
         "is this an ACE Reports export?"],
    ]  # fmt: skip
    [message] = results[3].errors
    assert len(message) < 1_000 and "\n" not in message
    assert '"Column 19" and 1,980 more.' in message


def test_the_cli_reports_each_bad_file_and_loads_the_good_ones(tmp_path, capsys):
    good = write_export(tmp_path / "good.csv", [HEADER, GOOD])
    utf16 = tmp_path / "utf16.csv"
    other = [*entry_numbers(1, start=77), *GOOD[1:]]
    utf16.write_bytes(b"\xff\xfe" + _text([HEADER, other]).encode("utf-16-le"))
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 64)
    many = tmp_path / "many.csv"
    many.write_text(",".join(f"h{n}" for n in range(32_768)) + "\n")
    where = tmp_path / "lake"
    code = main(["ingest", str(junk), str(good), str(many), str(utf16), "--lake", str(where)])
    out, err = capsys.readouterr()
    assert code == 1
    assert sorted(err.splitlines()[-2:]) == [
        "junk.csv: failed: junk.csv is not a text file (it holds binary data); "
        "export the report again as CSV or Excel",
        "many.csv: failed: many.csv: row 1 (the header) has 32,768 columns; an export has at "
        "most 2,048: is this an ACE Reports export?",
    ]
    assert "good.csv: loaded 1 of 1 rows" in out and "utf16.csv: loaded 1 of 1 rows" in out
    assert lake_rows(where, "entry_lines")["entry_number"].to_list() == [
        "ABC12345676",
        *entry_numbers(1, start=77),
    ]


@pytest.fixture
def full_disk(tmp_path):
    """A real 1 MiB file system (tmpfs): writes past it fail with ENOSPC."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_is_one_line_and_the_lake_stays_as_it_was(tmp_path, full_disk, capsys):
    where = full_disk / "lake"
    first = write_export(tmp_path / "first.csv", [HEADER, GOOD])
    assert main(["ingest", str(first), "--lake", str(where)]) == 0
    before = lake_rows(where, "entry_lines")
    filler = full_disk / "filler"  # the disk is full but for 64 KiB
    with filler.open("wb", buffering=0) as handle, pytest.raises(OSError, match="No space"):
        while True:
            handle.write(b"\0" * 4096)
    filler.write_bytes(b"\0" * (filler.stat().st_size - (64 << 10)))
    big = write_es003(tmp_path / "big.csv", 20_000)
    capsys.readouterr()
    assert main(["ingest", str(big), "--lake", str(where)]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (
        f"itrac: ingest stopped while loading big.csv: cannot write the lake at {where}: "
        "no space left on the device; free some space and run again. "
        "Nothing was loaded (the lake is as it was)."
    )
    assert lake_rows(where, "entry_lines").equals(before)
    assert lake.manifest(where)["file"].to_list() == ["first.csv"]


def test_reader_errors_name_the_users_file_not_the_temp_name(tmp_path):
    empty = tmp_path / "004.csv"
    empty.write_bytes(b"\r\n  \r\n")
    with pytest.raises(readers.ReadError, match=r"^my export\.csv is empty$"):
        sources.parts(empty, "my export.csv")


def test_any_other_stop_is_one_line_too(tmp_path, capsys):
    source = write_export(tmp_path / "good.csv", [HEADER, GOOD])
    where = tmp_path / "not-a-folder"
    where.write_text("a file where the lake should be")
    assert main(["ingest", str(source), "--lake", str(where)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if line.startswith("itrac:")] == [
        f"itrac: ingest stopped: FileExistsError: [Errno 17] File exists: '{where}'. "
        "Nothing was loaded (the lake is as it was)."
    ]
