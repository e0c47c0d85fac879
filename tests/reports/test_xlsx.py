"""report.xlsx and write_xlsx: every CSV as a sheet, readable by openpyxl and LibreOffice."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from admissions.io.xlsx import XLSX_PRINT_WIDTH, write_xlsx
from admissions.match import MATCH_FILES, REPORT_SHEETS
from admissions.reports.language import texts
from admissions.reports.workbook import LEFT_OUT, SHEET_KEYS, WORD_COLUMNS, header_key
from render_tools import libreoffice

CSV_SHEETS = list(REPORT_SHEETS)  # the aggregate tables only: no student-level data in report.xlsx


def sheet_rows(workbook, name) -> list[list[str]]:
    """A sheet's cells as text, "" for empty, numbers written as the CSV writes them (``workbook``: opened
    with ``read_only=True``)."""
    rows = []
    for row in workbook[name].iter_rows(values_only=True):
        rows.append(["" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)) for v in row])
    return rows


def csv_rows(path) -> list[list[str]]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = [list(frame.columns)]
    for values in frame.itertuples(index=False):
        rows.append([(f"{float(v):g}" if _is_number(v) else v) for v in values])
    return rows


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() != "" and text.lower() not in ("nan", "inf", "-inf", "infinity")


def normalise(rows):
    return [[(f"{float(v):g}" if _is_number(v) else v) for v in row] for row in rows]


def test_report_sheets_are_the_aggregate_csv_files():
    # Every aggregate CSV is a sheet; the student-level ones stay CSV only (personal data of minors).
    aggregate = [name[:-4] for name in MATCH_FILES if name.endswith(".csv")
                 and name not in ("placements.csv", "applications.csv")]
    assert CSV_SHEETS == aggregate == ["programmes", "dimensioning", "flows"]


def document_rows(path, name) -> list[list[str]]:
    """A CSV file's rows as report.xlsx shows them: Swedish headers, tiers and levels in words, no coordinates."""
    _ = texts("sv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=list(LEFT_OUT), errors="ignore")
    for column, prefix in WORD_COLUMNS.items():
        if column in frame:
            frame[column] = frame[column].map(lambda v, p=prefix: v and _(f"{p}.{int(v) if v.isdigit() else v}"))
    rows = [[_(header_key(c)) for c in frame.columns]]
    rows += [[(f"{float(v):g}" if _is_number(v) else v) for v in values] for values in frame.itertuples(index=False)]
    return rows


def test_every_report_csv_is_a_sheet_with_the_same_values(matched):
    _ = texts("sv")
    path = matched.out / "report.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [_("sheet.report_about")] + [_(SHEET_KEYS[name]) for name in CSV_SHEETS]
    values = openpyxl.load_workbook(path, read_only=True)
    for name in CSV_SHEETS:
        title = _(SHEET_KEYS[name])
        sheet = workbook[title]
        assert sheet.freeze_panes == "A2", name
        assert all(cell.font.b for cell in sheet[1]), name
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        assert sheet.print_title_rows == "$1:$1"
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert normalise(sheet_rows(values, title)) == document_rows(matched.out / f"{name}.csv", name), name
    values.close()


def test_number_formats_and_cover(region):
    _ = texts("sv")
    workbook = openpyxl.load_workbook(region.out / "report.xlsx")
    programmes = workbook[_("sheet.programmes")]
    # The formats of each column's first number (an empty cell has none).
    formats = {cell.value: next((c.number_format for c in next(programmes.iter_cols(
        min_col=cell.column, max_col=cell.column, min_row=2)) if c.value is not None), None)
        for cell in programmes[1]}
    assert formats[_("col.seats")] == "#,##0"
    assert formats[_("col.cutoff_merit")] == formats[_("col.median_admitted_merit")] == "0.0#"
    assert formats[_("col.applicants_per_seat")] == "0.00"
    assert formats[_("col.school")] == "General"
    flows = workbook[_("sheet.flows")]
    cost = next(c.column for c in flows[1] if c.value == _("col.cost_sek"))
    assert flows.cell(2, cost).number_format == '#,##0 "kr"'
    dimensioning = workbook[_("sheet.dimensioning")]
    share = next(c.column for c in dimensioning[1] if c.value == _("col.share_choice_1"))
    assert dimensioning.cell(2, share).number_format == "0.0%"
    cover = dict(list(workbook[_("sheet.report_about")].iter_rows(values_only=True))[1:])
    placements = region.output("placements")
    placed = int((placements["programme_id"] != "").sum())
    assert cover["Omgång"] == "Antagningsomgång" and cover["Frö (lottning)"] == "0"
    assert cover["Sökande elever"] == _.number(len(placements))
    assert cover["Placerade"] == f"{_.number(placed)} ({_.percent(placed / len(placements))})"
    assert cover["Utbildningar"] == _.number(len(region.output("programmes")))
    assert cover["Blad"] == "Utbildningar, Dimensionering, Flöden och kostnader"


def test_long_texts_wrap_in_a_printed_sheet(region):
    workbook = openpyxl.load_workbook(region.out / "report.xlsx")
    sheet = workbook[texts("sv")("sheet.programmes")]
    widths = {cell.column_letter: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    schools = region.output("programmes")["school"]
    assert widths["B"] == XLSX_PRINT_WIDTH + 2  # school: longer names wrap
    assert widths["F"] == len("Platser") + 2  # seats: its header is wider than its numbers
    longest = int(schools.str.len().idxmax())
    assert sheet.cell(longest + 2, 2).alignment.wrap_text
    assert sheet.row_dimensions[longest + 2].height == 30


def test_write_xlsx_types_escaping_and_missing_values(tmp_path):
    frame = pd.DataFrame({
        "text": ["a & <b>", " padded ", "=1+1", "bell\x07here", "", "Malmö"],
        "integer": pd.array([1, None, 3, 4, 5, 6], dtype="Int64"),
        "float": [1.5, np.nan, np.inf, 0.1 + 0.2, -2.0, 1e20],
        "flag": [True, False, True, False, True, False],
    })
    path = tmp_path / "t.xlsx"
    write_xlsx({"one": frame, "empty": frame.iloc[:0]}, path)
    workbook = openpyxl.load_workbook(path)
    rows = list(workbook["one"].iter_rows(values_only=True))
    assert rows[0] == ("text", "integer", "float", "flag")
    assert [r[0] for r in rows[1:]] == ["a & <b>", " padded ", "=1+1", "bellhere", None, "Malmö"]
    assert [r[1] for r in rows[1:]] == [1, None, 3, 4, 5, 6]
    assert [r[2] for r in rows[1:]] == [1.5, None, None, 0.1 + 0.2, -2, 1e20]
    assert [r[3] for r in rows[1:]] == ["true", "false", "true", "false", "true", "false"]
    assert workbook["one"]["A4"].data_type == "s"  # text that looks like a formula stays text
    assert list(workbook["empty"].iter_rows(values_only=True)) == [("text", "integer", "float", "flag")]


@pytest.mark.slow
def test_write_xlsx_writes_a_student_level_table_of_a_55000_student_round_quickly(tmp_path):
    """The writer takes ~2 million cells (applications of 55,000 students) in about a second."""
    import time

    n = 235_000
    frame = pd.DataFrame({
        "student_id": [f"S{i:06d}" for i in range(n)],
        "choice_rank": np.arange(n) % 5 + 1,
        "programme_id": np.array(["MAL-LAT-NA-NAT", "LUN-KAT-SA"], dtype=object)[np.arange(n) % 2],
        "score": np.arange(n) * 0.5 % 340,
        "reserve_position": pd.array(np.where(np.arange(n) % 3 == 0, np.arange(n) % 40, 0), dtype="Int64"),
    })
    start = time.process_time()  # CPU seconds: waiting for a shared core is not the writer's time
    write_xlsx({"applications": frame}, tmp_path / "big.xlsx")
    assert time.process_time() - start < 10  # ~0.6 s measured
    sheet = zipfile.ZipFile(tmp_path / "big.xlsx").read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert sheet.count("<row") == n + 1
    assert sheet.endswith('<row><c t="inlineStr"><is><t>S234999</t></is></c><c><v>5</v></c><c t="inlineStr"><is>'
                          '<t>LUN-KAT-SA</t></is></c><c><v>199.5</v></c><c><v>39</v></c></row></sheetData></worksheet>')


def test_write_xlsx_gives_equal_bytes_for_equal_tables(tmp_path):
    frame = pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})
    write_xlsx({"s": frame}, tmp_path / "1.xlsx")
    write_xlsx({"s": frame}, tmp_path / "2.xlsx")
    assert (tmp_path / "1.xlsx").read_bytes() == (tmp_path / "2.xlsx").read_bytes()
    assert zipfile.ZipFile(tmp_path / "1.xlsx").testzip() is None


def test_write_xlsx_refuses_a_bad_sheet_name(tmp_path):
    from admissions.errors import OutputError

    with pytest.raises(OutputError, match=r"sheet name == 'a/b', must be 1-31 characters"):
        write_xlsx({"a/b": pd.DataFrame({"x": [1]})}, tmp_path / "bad.xlsx")


@pytest.mark.slow
def test_libreoffice_reads_report_xlsx(sample, tmp_path):
    """LibreOffice converts the programmes sheet of report.xlsx to CSV equal to programmes.csv."""
    binary = libreoffice()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is missing in CI: .ci/run installs libreoffice-calc-nogui")
        pytest.skip("LibreOffice is not installed (it is in CI)")
    sheet = CSV_SHEETS.index("programmes") + 2  # after the cover
    # Filter options: comma, double quote, UTF-8, start row 1, ..., and the sheet number last.
    target = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet}"
    completed = subprocess.run(
        [binary, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", target, "--outdir", str(tmp_path), str(sample.out / "report.xlsx")],
        capture_output=True, text=True, timeout=180,
    )
    converted = list(tmp_path.glob("report*.csv"))
    assert completed.returncode == 0 and converted, completed.stdout + completed.stderr
    got = pd.read_csv(converted[0], dtype=str, keep_default_na=False)
    expected = document_rows(sample.out / "programmes.csv", "programmes")
    assert list(got.columns) == expected[0]
    assert normalise(got.to_numpy().tolist()) == expected[1:]
