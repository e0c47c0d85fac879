"""Readers: every format and encoding the contract allows gives the same table of text, row numbers
as a spreadsheet shows them, and a clear problem for what cannot be read."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admissions.io.contract import STUDENTS
from admissions.io.problems import Problem
from admissions.io.readers import _csv_by_record, _csv_with_arrow, find_file, read_table, sniff_delimiter
from admissions.io.validate import load_round


def table_of(path: Path) -> dict[str, list[str]]:
    result = read_table(path)
    assert result.problems == [], result.problems
    return result.table.frame.to_dict("list")


def test_semicolons_decimal_commas_and_windows_1252_as_swedish_excel_writes_them(tmp_path):
    path = tmp_path / "students.csv"
    path.write_bytes("student_id;home_municipality;merit_value\r\n0012;Malmö;237,5\r\nS2;Hässleholm;\r\n"
                     .encode("cp1252"))
    result = read_table(path)
    assert (result.table.encoding, result.table.delimiter) == ("cp1252", ";")
    assert result.table.frame.to_dict("list") == {
        "student_id": ["0012", "S2"], "home_municipality": ["Malmö", "Hässleholm"], "merit_value": ["237,5", ""]}


def test_cp1252_round_loads_with_swedish_characters_intact(folder):
    for path in folder.glob("*.csv"):
        text = path.read_text(encoding="utf-8").replace(",", ";").replace("237.5", "237,5")
        path.write_bytes(text.encode("cp1252"))
    data = load_round(folder)
    assert data.municipalities["municipality"].tolist() == ["Malmö", "Lund", "Halmstad"]
    assert data.students["merit_value"].iloc[0] == 237.5


def test_utf8_with_bom(tmp_path):
    path = tmp_path / "students.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "student_id,home_municipality\nS1,Malmö\n".encode())
    assert table_of(path) == {"student_id": ["S1"], "home_municipality": ["Malmö"]}
    assert read_table(path).table.encoding == "utf-8-sig"


def test_quoted_fields_keep_separators_quotes_and_line_breaks(tmp_path):
    path = tmp_path / "programmes.csv"
    path.write_text('programme_id,school\nP1,"Malmö, Latin"\nP2,"The ""New""\nschool"\nP3,x\n', encoding="utf-8")
    assert table_of(path) == {"programme_id": ["P1", "P2", "P3"],
                              "school": ["Malmö, Latin", 'The "New"\nschool', "x"]}


def test_nothing_is_guessed_leading_zeros_and_number_text_are_kept(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("student_id,merit_value,flag\n0012,007.50,TRUE\n1e3,NaN,\n", encoding="utf-8")
    assert table_of(path) == {"student_id": ["0012", "1e3"], "merit_value": ["007.50", "NaN"], "flag": ["TRUE", ""]}


@pytest.mark.parametrize(("line", "delimiter"), [
    ("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ('"x;y",b,c', ","), ("single", ","),
])
def test_the_separator_is_sniffed_from_the_header(line, delimiter):
    assert sniff_delimiter(line + "\n1;2;3\n") == delimiter


def test_header_only_file_has_no_rows(tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("student_id,subject,grade", encoding="utf-8")  # no line end either
    assert table_of(path) == {"student_id": [], "subject": [], "grade": []}


def test_trailing_empty_rows_are_dropped_and_empty_rows_inside_are_reported(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("student_id;merit_value\nS1;1\n;\nS2;2\n;\n\n", encoding="utf-8")
    result = read_table(path)
    assert result.table.frame["student_id"].tolist() == ["S1", "", "S2"]
    assert result.table.empty_rows == (1,)
    assert result.problems == [Problem("students.csv", 3, None, None, "empty row inside the file; delete it or fill it in")]


def test_a_row_with_too_many_cells(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("student_id,merit_value\nS1,1\nS2,2,extra\nS3\n", encoding="utf-8")
    result = read_table(path)
    assert result.problems == [Problem("students.csv", 3, None, "extra", "row has 3 cells but the header has 2 columns")]
    assert result.table.frame.to_dict("list") == {"student_id": ["S1", "S2", "S3"], "merit_value": ["1", "2", ""]}


def test_duplicate_column_names(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("student_id,merit_value,student_id\nS1,1,S9\n", encoding="utf-8")
    result = read_table(path)
    assert result.problems == [Problem("students.csv", 1, "student_id", "student_id",
                                       "duplicate column name; column 3 has the same name as column 1")]
    assert result.table.frame.to_dict("list") == {"student_id": ["S1"], "merit_value": ["1"]}


@pytest.mark.parametrize(("data", "rule"), [
    (b"\xff\xfes\x00t\x00", "file is not UTF-8 or Windows-1252 text: it is UTF-16 (Excel's 'Unicode text'); save it as CSV UTF-8"),
    (b"PK\x03\x04\x14\x00", "file is not UTF-8 or Windows-1252 text: it looks like a zip archive or Excel workbook; give it the right suffix"),
    (b"a,b\n1,\x002\n", "file is not UTF-8 or Windows-1252 text: it has control byte 0x00 on line 2 (is it a binary file?)"),
    (b"", "file is empty; it needs a header row with the column names"),
    (b"\n\n  \n", "file is empty; it needs a header row with the column names"),
])
def test_what_is_not_a_csv_text_is_one_clear_problem(tmp_path, data, rule):
    path = tmp_path / "students.csv"
    path.write_bytes(data)
    result = read_table(path)
    assert result.table is None
    assert [p.rule for p in result.problems] == [rule]
    assert result.problems[0].file == "students.csv"


@pytest.mark.parametrize("text", [
    "a,b,c\n1,2,3\n4,5,6\n",
    "a;b\n0012;237,5\n;\nx;y\n",
    'a,b\n"1,2","3""4"\n"line\nbreak",\n',
    "a\n1\n\n2\n",
    "a,b\r\n1,2\r\n",
    "a,b,c\n1,2\n3,4,5,6\n",
    "a,b",
])
def test_the_fast_parser_agrees_with_the_record_by_record_reference(text):
    delimiter = sniff_delimiter(text)
    reference = _csv_by_record(text, delimiter, "x.csv")[0]
    fast = _csv_with_arrow(text.encode(), delimiter)
    if fast is None:  # the fast parser refused it; the reference is what read_table uses then
        return
    assert fast[0] == reference[0]
    assert [c.to_pylist() for c in fast[1]] == [c.to_pylist() for c in reference[1]]  # Arrow string columns


def test_xlsx_first_sheet_values_as_text(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["student_id", "home_municipality", "merit_value", "lottery", "flag"])
    sheet.append(["0012", "Malmö", 237.5, 0.125, True])
    sheet.append([12, "Lund", 240.0, 1, False])
    sheet.cell(row=3, column=1).number_format = "0000"  # shown as 0012 in Excel
    sheet.append([None, None, None, None, None])
    ignored = workbook.create_sheet("ignored")  # hidden: the only visible sheet is read
    ignored.append(["x"])
    ignored.sheet_state = "hidden"
    workbook.save(tmp_path / "students.xlsx")
    assert table_of(tmp_path / "students.xlsx") == {
        "student_id": ["0012", "0012"], "home_municipality": ["Malmö", "Lund"],
        "merit_value": ["237.5", "240"], "lottery": ["0.125", "1"], "flag": ["true", "false"]}


def test_parquet_columns_become_text(tmp_path):
    table = pa.table({
        "student_id": ["0012", "S2"],
        "merit_value": pa.array([237.5, None]),
        "seats": pa.array([3, 4], pa.int64()),
        "whole": pa.array([240.0, 1.0]),
        "flag": pa.array([True, None]),
    })
    pq.write_table(table, tmp_path / "students.parquet")
    assert table_of(tmp_path / "students.parquet") == {
        "student_id": ["0012", "S2"], "merit_value": ["237.5", ""], "seats": ["3", "4"],
        "whole": ["240", "1"], "flag": ["true", ""]}


def test_xlsx_and_parquet_rounds_load(folder):
    students = pd.read_csv(folder / "students.csv", dtype=str, keep_default_na=False)
    (folder / "students.csv").unlink()
    students.to_excel(folder / "students.xlsx", index=False)
    applications = pd.read_csv(folder / "applications.csv", dtype={"student_id": str})
    (folder / "applications.csv").unlink()
    applications.to_parquet(folder / "applications.parquet", index=False)
    data = load_round(folder)
    assert data.students["student_id"].tolist() == ["0012", "S2", "S3", "S4"]
    assert data.applications["choice_rank"].tolist() == [1, 2, 1, 1, 2, 3, 1]
    assert {s.path.name for s in data.sources} >= {"students.xlsx", "applications.parquet"}


def test_a_broken_xlsx_or_parquet_is_a_problem_not_a_traceback(tmp_path):
    (tmp_path / "students.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "grades.parquet").write_bytes(b"PAR1 nope")
    xlsx, parquet = read_table(tmp_path / "students.xlsx"), read_table(tmp_path / "grades.parquet")
    assert xlsx.table is None and xlsx.problems[0].rule.startswith("file is not a readable Excel workbook (.xlsx)")
    assert parquet.table is None and parquet.problems[0].rule.startswith("file is not a readable Parquet file")


def test_file_names_are_found_in_any_case(tmp_path):
    (tmp_path / "Students.CSV").write_text("student_id\n", encoding="utf-8")
    path, problems = find_file(tmp_path, STUDENTS)
    assert (path.name, problems) == ("Students.CSV", [])


# --- property: whatever text is written is read back unchanged ---------------------------------

_CELL = st.text(alphabet=st.sampled_from(list("aZ09 ,;\"'\n.-_åäöÅÄÖé€")), max_size=8)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=6),
    sep=st.sampled_from([",", ";"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_any_text_written_as_csv_is_read_back_unchanged(tmp_path, rows, sep, encoding):
    rows = [row for row in rows if any(row)]  # an empty row inside a file is reported, not read
    frame = pd.DataFrame(rows, columns=["student_id", "home_municipality", "note"], dtype=str)
    path = tmp_path / "students.csv"
    path.write_bytes(frame.to_csv(index=False, sep=sep).encode(encoding))
    result = read_table(path)
    assert result.problems == []
    assert result.table.frame.to_dict("list") == frame.to_dict("list")


def test_an_empty_first_row_is_one_problem(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text(";;\nstudent_id;merit_value\n" + "S1;1;x\n" * 200, encoding="utf-8")
    result = read_table(path)
    assert result.table is None
    assert result.problems == [Problem("students.csv", 1, None, None, "row 1 must hold the column names, and it is empty")]


def test_rows_with_too_many_cells_are_capped(tmp_path):
    path = tmp_path / "students.csv"
    path.write_text("student_id,merit_value\n" + "S1,1,x\n" * 120, encoding="utf-8")
    problems = read_table(path).problems
    assert len(problems) == 51
    assert problems[-1].rule == "... and 70 more rows with more cells than the header has columns"


def test_a_file_mixing_utf8_and_windows_1252_is_refused_not_garbled(tmp_path):
    path = tmp_path / "municipalities.csv"
    path.write_bytes("municipality,in_area\nMalmö,true\n".encode() + "Hörby,true\n".encode("cp1252"))
    result = read_table(path)
    assert result.table is None
    assert result.problems == [Problem(
        "municipalities.csv", 2, None, None,
        "file is not UTF-8 or Windows-1252 text: it mixes both (line 2 has 'ö' in UTF-8, other lines are not "
        "UTF-8); save it again as CSV UTF-8")]


def test_a_mac_roman_file_is_refused_not_read_as_windows_1252(tmp_path):
    # Excel for Mac's "CSV (Macintosh)": read as Windows-1252, "Hästsport" was "HŠstsport" and the
    # round valid; only a file with an Å (0x81, no Windows-1252 character) was refused, as "neither".
    path = tmp_path / "programmes.csv"
    path.write_bytes("programme_id,school\r1-NA,Malmö Latin\r2-NA,Flyinge Hästsportgymnasium\r".encode("mac_roman"))
    result = read_table(path)
    assert result.table is None
    assert result.problems == [Problem(
        "programmes.csv", 1, None, None,
        "file is not UTF-8 or Windows-1252 text: it looks like Mac Roman (Excel for Mac's 'CSV (Macintosh)'): "
        "line 1 has 'Flyinge Hästsportgymnasium', which Windows-1252 would read as 'Flyinge HŠstsportgymnasium'; "
        "save it as CSV UTF-8")]
    path.write_bytes("municipality,in_area\nÅstorp,true\n".encode("mac_roman"))
    assert read_table(path).problems[0].rule == (
        "file is not UTF-8 or Windows-1252 text: it looks like Mac Roman (Excel for Mac's 'CSV (Macintosh)'): "
        "line 2 has 'Åstorp', which Windows-1252 would read as '\ufffdstorp'; save it as CSV UTF-8")


def test_a_mac_roman_file_with_two_swedish_words_is_refused(tmp_path):
    path = tmp_path / "municipalities.csv"
    path.write_bytes("municipality,in_area\nMalmö,true\nHässleholm,true\n".encode("mac_roman"))
    assert read_table(path).problems == [Problem(
        "municipalities.csv", 3, None, None,
        "file is not UTF-8 or Windows-1252 text: it looks like Mac Roman (Excel for Mac's 'CSV (Macintosh)'): "
        "line 3 has 'Hässleholm', which Windows-1252 would read as 'HŠssleholm'; save it as CSV UTF-8")]


@pytest.mark.parametrize(("name", "text", "values"), [
    ("students.csv", "id,namn\n1,Miloš\n", ["Miloš"]),
    ("students.csv", "id,namn\n1,Tšekki\n", ["Tšekki"]),
    ("students.csv", "id,namn\n1,CŒUR\n", ["CŒUR"]),
    ("students.csv", "id,namn\n1,vanta…och\n", ["vanta…och"]),
    ("students.csv", "id,namn\n1,Miloš\n2,Tšekki\n3,CŒUR\n4,vanta…och\n", ["Miloš", "Tšekki", "CŒUR", "vanta…och"]),
    ("programmes.csv", "programme_id,namn\nNA1,Miloš Gymnasium\nNA2,Miloš Gymnasium\nNA3,Miloš Gymnasium\n",
     ["Miloš Gymnasium"] * 3),
])
def test_windows_1252_without_swedish_letters_is_read_as_windows_1252(tmp_path, name, text, values):
    # Mac Roman reads these ö (Miloö, Töekki), å (CåUR) and Ö (vantaÖoch): the file was refused as Mac Roman.
    path = tmp_path / name
    path.write_bytes(text.encode("cp1252"))
    result = read_table(path)
    assert result.problems == []
    assert result.table.encoding == "cp1252"
    assert result.table.frame["namn"].tolist() == values


def test_windows_1252_with_letters_mac_roman_would_give_is_read_as_windows_1252(tmp_path):
    # Š, š, Œ, €, … are Windows-1252's own too: a file with Swedish letters as Windows-1252 writes them is that.
    path = tmp_path / "students.csv"
    path.write_bytes("student_id,home_municipality,name\nS1,Malmö,Kašpar Œhlenschläger…ok\n".encode("cp1252"))
    result = read_table(path)
    assert result.problems == []
    assert result.table.encoding == "cp1252"
    assert result.table.frame["name"].tolist() == ["Kašpar Œhlenschläger…ok"]


@pytest.mark.parametrize("first", [b"sep=;", b"\xef\xbb\xbfsep=;", b"SEP=,", b"sep=\t"])
def test_excels_separator_line_is_one_problem_saying_what_it_is(tmp_path, first):
    # Read as the header it gave six problems: a column without a name, every column missing, rows too wide.
    path = tmp_path / "students.csv"
    path.write_bytes(first + b"\r\nstudent_id;home_municipality;merit_value\r\nS1;Malm\xf6;215,5\r\n")
    result = read_table(path)
    shown = first.decode("utf-8").lstrip("\ufeff")
    assert result.table is None
    assert result.problems == [Problem("students.csv", 1, None, shown,
                                       "Excel's separator line, not the header: remove the line (the separator is "
                                       "found from the header, the column names)")]
