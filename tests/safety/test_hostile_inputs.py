"""Hostile or broken input files are refused with a clear error naming the file, in bounded time and memory.

Each case replaces students.csv of a small generated region (tests/safety/conftest.py, region) by
one file; `admissions validate` and `admissions match` must exit 1 with the problem on stderr and no
traceback. One subprocess loads every case in turn and reports its peak memory (ru_maxrss), which
must stay under 2 GiB.
"""

from __future__ import annotations

import functools
import io
import json
import random
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from admissions.io import readers
from admissions.io.readers import read_table

from .conftest import ROOT, SAMPLE, run

#: The sample's students.csv (student_id,home_municipality,merit_value), for the size limit.
STUDENTS = (SAMPLE / "students.csv").read_bytes()


def truncated(folder: Path) -> str:
    students = (folder / "students.csv").read_bytes()  # the region's own
    # Cut inside a row, a few characters into it: "S001001,H"
    at = students.index(b"\n", len(students) // 2) + 1
    (folder / "students.csv").write_bytes(students[: at + 9])
    row = students[:at].count(b"\n") + 1
    return (f"error: students.csv, row {row}: file looks cut off (truncated); export it again: "
            "the last row has 2 of 3 cells and no line break after it")


def truncated_in_a_quote(folder: Path) -> str:
    students = (folder / "students.csv").read_bytes()  # the region's own
    quoted = students.replace(b"S000010,", b'"S000010",')
    (folder / "students.csv").write_bytes(quoted[: students.index(b"S000010") + 5])
    return ('error: students.csv: file looks cut off (truncated); export it again: a quoted value is never closed '
            '(an odd number of " in the file; or a value holds a stray ")')


def nul_byte(folder: Path) -> str:
    students = (folder / "students.csv").read_bytes()  # the region's own
    (folder / "students.csv").write_bytes(students.replace(b"S000002,", b"S000\x00002,", 1))
    return ("error: students.csv, row 3: file is not UTF-8 or Windows-1252 text: it has control byte 0x00 "
            "on line 3 (is it a binary file?)")


def binary(folder: Path) -> str:
    (folder / "students.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(3).randbytes(50_000))
    return ("error: students.csv, row 2: file is not UTF-8 or Windows-1252 text: it has control byte 0x1a "
            "on line 2 (is it a binary file?)")


def zip_named_csv(folder: Path) -> str:
    shutil.copy(ROOT / "tests" / "data" / "fuzz" / "valid-students.xlsx", folder / "students.csv")
    return ("error: students.csv: file is not UTF-8 or Windows-1252 text: it looks like a zip archive or Excel "
            "workbook; give it the right suffix")


def one_gigabyte(folder: Path) -> str:
    path = folder / "students.csv"  # the region's own, made 1 GB long
    with open(path, "r+b") as handle:
        handle.truncate(1_000_000_000)  # sparse: no gigabyte is written
    return ("error: students.csv: file is too big: 1.0 GB, the limit is 128 MB "
            "(set ADMISSIONS_MAX_INPUT_MB to allow bigger files)")


def wide_header(folder: Path) -> str:
    header = b",".join(b"c%d" % i for i in range(10_000)) + b"\n"
    (folder / "students.csv").write_bytes(header + b"1," * 9_999 + b"1\n")
    return "error: students.csv, row 1: the header has 10,000 columns, the limit is 1,000"


def wide_row(folder: Path) -> str:
    students = (folder / "students.csv").read_bytes()  # the region's own
    lines = students.split(b"\n")
    lines[2] = b",".join([b"S000002"] + [b"x"] * 9_999)
    (folder / "students.csv").write_bytes(b"\n".join(lines))
    return ("error: students.csv, row 3: value 'x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;x;... "
            "(19993 characters)': row has 10000 cells but the header has 3 columns")


def huge_cell(folder: Path) -> str:
    students = (folder / "students.csv").read_bytes()  # the region's own
    header = students[: students.index(b"\n") + 1]
    row = b"S1,Malm" + b"o" * 10_000_000 + b",250,on_time,\n"
    (folder / "students.csv").write_bytes(header + row + students[len(header):])
    return "error: students.csv, row 2: a cell has more than 131,072 characters, the limit is 10,000"


def long_cell(folder: Path) -> str:
    students = (folder / "students.csv").read_bytes()  # the region's own
    header = students[: students.index(b"\n") + 1]
    (folder / "students.csv").write_bytes(header + b"S1," + b"o" * 20_000 + b",250,on_time,\n" + students[len(header):])
    return "error: students.csv, row 2, column home_municipality: cell has 20,000 characters, the limit is 10,000"


def duplicate_header(folder: Path) -> str:
    students = (folder / "students.csv").read_bytes()  # the region's own
    header = students[: students.index(b"\n") + 1]
    (folder / "students.csv").write_bytes(header.replace(b"merit_value", b"student_id") + students[len(header):])
    return ("error: students.csv, row 1, column student_id: value 'student_id': duplicate column name; "
            "column 3 has the same name as column 1")


@functools.cache
def zip_bomb_bytes() -> bytes:
    """A workbook whose worksheet unpacks to 100 MB of spaces (packed once: it takes about a second)."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with zipfile.ZipFile(ROOT / "tests" / "data" / "fuzz" / "valid-students.xlsx") as valid:
            for name in valid.namelist():
                if name != "xl/worksheets/sheet1.xml":
                    archive.writestr(name, valid.read(name))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b"<row>" + b" " * (1 << 20) + b"</row>"
            for _ in range(100):  # 100 MB of spaces pack into ~100 kB
                part.write(block)
    return packed.getvalue()


def zip_bomb(folder: Path) -> str:
    (folder / "students.csv").unlink()
    (folder / "students.xlsx").write_bytes(zip_bomb_bytes())
    return "error: students.xlsx: file is refused: its part xl/worksheets/sheet1.xml would unpack to "


def zip_bomb_lying(folder: Path) -> str:
    """A zip bomb whose directory says its worksheet unpacks to 1,000 bytes: unpacking stops there."""
    zip_bomb(folder)
    path = folder / "students.xlsx"
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # the central directory entry of the worksheet: its uncompressed size and ZIP64 extra
        length, extra = struct.unpack("<HH", data[at + 28:at + 32])
        if data[at + 46:at + 46 + length] == name:
            data[at + 24:at + 28] = struct.pack("<I", 1000)
            data[at + 46 + length:at + 46 + length + extra] = b"\x00" * extra  # no ZIP64 sizes either
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return ("error: students.xlsx: file is not a readable Excel workbook (.xlsx): BadZipFile: Bad CRC-32 for file "
            "'xl/worksheets/sheet1.xml'")


def truncated_xlsx(folder: Path) -> str:
    (folder / "students.csv").unlink()
    data = (ROOT / "tests" / "data" / "fuzz" / "valid-students.xlsx").read_bytes()
    (folder / "students.xlsx").write_bytes(data[: len(data) // 2])
    return ("error: students.xlsx: file is not a readable Excel workbook (.xlsx): it is not a complete zip "
            "archive (truncated, or not an Excel file): File is not a zip file")


def newer_zip_xlsx(folder: Path) -> str:
    """A workbook whose zip directory asks for a zip version Python cannot read (zipfile raises NotImplementedError)."""
    (folder / "students.csv").unlink()
    data = bytearray((ROOT / "tests" / "data" / "fuzz" / "valid-students.xlsx").read_bytes())
    at = data.find(b"PK\x01\x02")
    data[at + 6:at + 8] = struct.pack("<H", 64)  # version needed to extract: 6.4
    (folder / "students.xlsx").write_bytes(bytes(data))
    return ("error: students.xlsx: file is not a readable Excel workbook (.xlsx): it is not a complete zip "
            "archive (truncated, or not an Excel file): zip file version 6.4")


def wide_xlsx(folder: Path) -> str:
    (folder / "students.csv").unlink()
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(10_000))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData><row>{cells}</row></sheetData></worksheet>')
    with zipfile.ZipFile(folder / "students.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(ROOT / "tests" / "data" / "fuzz" / "valid-students.xlsx") as valid:
            for name in valid.namelist():
                archive.writestr(name, sheet if name == "xl/worksheets/sheet1.xml" else valid.read(name))
    return "error: students.xlsx, row 1: row has 10,000 columns, the limit is 1,000"


def truncated_parquet(folder: Path) -> str:
    (folder / "students.csv").unlink()
    buffer = pa.BufferOutputStream()
    pq.write_table(pa.table({"student_id": ["S1", "S2"], "home_municipality": ["Malmö", "Lund"],
                             "merit_value": [250.0, 200.0]}), buffer)
    data = buffer.getvalue().to_pybytes()
    (folder / "students.parquet").write_bytes(data[: len(data) - 20])
    return "error: students.parquet: file is not a readable Parquet file: "


def not_utf8_parquet(folder: Path) -> str:
    """A Parquet file whose text column holds bytes that are not UTF-8 (Parquet does not check them)."""
    (folder / "students.csv").unlink()
    names = pa.array([b"Malm\xc3\xb6", b"Malm\xf6"], pa.binary()).view(pa.string())
    pq.write_table(pa.table({"student_id": ["S1", "S2"], "home_municipality": names,
                             "merit_value": [250.0, 200.0]}), folder / "students.parquet")
    return ("error: students.parquet, row 3, column home_municipality: cell is not UTF-8 text (1 cell(s) in "
            "this column, the first shown)")


CASES = {
    "truncated": truncated,
    "truncated_in_a_quote": truncated_in_a_quote,
    "nul_byte": nul_byte,
    "binary": binary,
    "zip_named_csv": zip_named_csv,
    "one_gigabyte": one_gigabyte,
    "wide_header": wide_header,
    "wide_row": wide_row,
    "huge_cell": huge_cell,
    "long_cell": long_cell,
    "duplicate_header": duplicate_header,
    "zip_bomb": zip_bomb,
    "zip_bomb_lying": zip_bomb_lying,
    "truncated_xlsx": truncated_xlsx,
    "newer_zip_xlsx": newer_zip_xlsx,
    "wide_xlsx": wide_xlsx,
    "truncated_parquet": truncated_parquet,
    "not_utf8_parquet": not_utf8_parquet,
}


@pytest.fixture(scope="module")
def hostile(region, tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """Every case built once: its folder and the problem line expected on stderr."""
    base = tmp_path_factory.mktemp("hostile")
    built = {}
    for name, build in CASES.items():
        folder = base / name
        shutil.copytree(region, folder)
        built[name] = folder, build(folder)
    return built


@pytest.mark.parametrize("case", CASES)
def test_validate_refuses_the_file_naming_it(hostile, case):
    folder, expected = hostile[case]
    result = run("validate", folder)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("1 problem in ") or lines[0].split()[1] == "problems", lines[0]
    assert any(line.startswith(expected) for line in lines), result.stderr[:2000]


@pytest.mark.parametrize("case", ["truncated", "one_gigabyte", "zip_bomb", "duplicate_header"])
def test_match_refuses_and_writes_nothing(hostile, case, tmp_path):
    folder, expected = hostile[case]
    out = tmp_path / "out"
    result = run("match", folder, "--out", out, "--quiet")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert any(line.startswith(expected) for line in result.stderr.splitlines())
    assert not out.exists()


@pytest.mark.slow
def test_every_case_in_bounded_time_and_memory(hostile):
    """All cases loaded one after another in one process: each in under 10 CPU seconds, peak memory under 2 GiB.

    CPU seconds, not wall-clock time: on a loaded machine waiting for a core is not the reader's time.
    """
    script = (
        "import json, resource, sys, time\n"
        "from admissions.errors import InvalidInput\n"
        "from admissions.io.validate import load_round\n"
        "seconds = {}\n"
        "for folder in sys.argv[1:]:\n"
        "    start = time.process_time()\n"
        "    try:\n"
        "        load_round(folder)\n"
        "    except InvalidInput:\n"
        "        pass\n"
        "    seconds[folder] = time.process_time() - start\n"
        "print(json.dumps({'seconds': seconds, 'peak_kib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))\n"
    )
    folders = [str(folder) for folder, _ in hostile.values()]
    done = subprocess.run([sys.executable, "-c", script, *folders], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["peak_kib"] < 2 * 1024 * 1024, report
    slow = {Path(f).name: s for f, s in report["seconds"].items() if s > 10}
    assert slow == {}


def test_the_size_limit_can_be_set(tmp_path, monkeypatch):
    path = tmp_path / "students.csv"
    path.write_bytes(STUDENTS)
    monkeypatch.setenv(readers.MAX_INPUT_ENV, "0.01")
    result = read_table(path)
    assert [p.describe() for p in result.problems] == [
        f"students.csv: file is too big: {len(STUDENTS):,} bytes, the limit is 10,000 bytes "
        "(set ADMISSIONS_MAX_INPUT_MB to allow bigger files) (check students.format)"]
    monkeypatch.setenv(readers.MAX_INPUT_ENV, "lots")
    from admissions.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^ADMISSIONS_MAX_INPUT_MB == 'lots', must be a number of megabytes, 0 < MB <= 1,000,000,000$"):
        read_table(path)


def test_an_xlsx_unpacking_to_too_much_in_all_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "students.xlsx"
    shutil.copy(ROOT / "tests" / "data" / "fuzz" / "valid-students.xlsx", path)
    assert read_table(path).problems == []
    monkeypatch.setattr(readers, "MAX_XLSX_UNPACKED", 1000)
    problems = read_table(path).problems
    assert len(problems) == 1
    assert problems[0].rule.startswith("file is refused: it would unpack to ")
    assert problems[0].rule.endswith(" bytes, the limit is 1,000 bytes (a zip bomb?)")
