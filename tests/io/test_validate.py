"""load_round: one test per kind of bad input, each asserting the exact problem (file, row, column,
value, rule), and the typed frames of a valid round."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from admissions.errors import InvalidArgument, InvalidInput
from admissions.io.problems import Problem
from admissions.io.validate import load_round, load_table
from admissions.io.contract import ANSWERS


def replace(folder: Path, name: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in a file of the folder."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(folder: Path, name: str, lines: str) -> None:
    with open(folder / name, "a", encoding="utf-8") as file:
        file.write(lines)


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(InvalidInput) as caught:
        load_round(folder)
    return caught.value.problems


def only_problem(folder: Path) -> Problem:
    problems = problems_of(folder)
    assert len(problems) == 1, "\n".join(p.describe() for p in problems)
    return problems[0]


# --- a valid round -----------------------------------------------------------------------------


def test_a_valid_round_loads_with_typed_columns(folder):
    data = load_round(folder)
    assert data.students["student_id"].tolist() == ["0012", "S2", "S3", "S4"]  # leading zero kept
    assert data.students["merit_value"].dtype == np.float64
    assert np.isnan(data.students["merit_value"].iloc[1])
    assert data.students["merit_value"].iloc[0] == 237.5
    assert data.programmes["seats"].dtype == np.int64
    assert data.programmes["national_recruitment"].dtype == bool
    assert data.applications["choice_rank"].tolist() == [1, 2, 1, 1, 2, 3, 1]
    assert data.municipalities["population"].dtype == np.float64  # nullable int
    assert data.grades["language_choice"].tolist() == [False, False, False, True]
    assert data.municipalities["municipality"].tolist() == ["Malmö", "Lund", "Halmstad"]


def test_absent_optional_columns_get_their_defaults_and_given_columns_says_so(folder):
    data = load_round(folder)
    assert data.programmes["test_seats"].tolist() == [0, 0, 0]
    assert data.programmes["test"].tolist() == [False, False, False]
    assert data.students["application_group"].tolist() == ["on_time"] * 4
    assert data.students["lottery"].isna().all()
    assert str(data.applications["eligible"].dtype) == "boolean"
    assert data.applications["eligible"].isna().all()
    assert not data.has_column("students", "lottery")
    assert data.has_column("students", "merit_value")
    assert data.prices is None


def test_sources_carry_the_sha256_of_each_file(folder):
    data = load_round(folder)
    assert [s.name for s in data.sources] == ["programmes", "students", "applications", "municipalities", "grades"]
    students = next(s for s in data.sources if s.name == "students")
    assert students.sha256 == hashlib.sha256((folder / "students.csv").read_bytes()).hexdigest()


def test_extra_columns_are_kept_as_text_and_rows_keep_file_order(folder):
    replace(folder, "students.csv", "merit_value\n", "merit_value,note\n")
    replace(folder, "students.csv", "S4,Malmö,180\n", "S4,Malmö,180,007\n")
    data = load_round(folder)
    assert data.students["note"].tolist() == ["", "", "", "007"]
    assert data.students.columns[:4].tolist() == ["student_id", "home_municipality", "merit_value", "note"]


def test_words_for_true_and_false_choices_and_grades_in_any_case_are_normalised(folder):
    replace(folder, "programmes.csv", "2,municipal,false", "2,Municipal,Nej")
    replace(folder, "municipalities.csv", "Lund,true", "Lund,JA")
    replace(folder, "grades.csv", "S2,SV,A,false", "S2,SV, a ,0")
    data = load_round(folder)
    assert data.programmes["principal"].iloc[0] == "municipal"
    assert data.programmes["national_recruitment"].iloc[0] == np.False_
    assert data.municipalities["in_area"].tolist() == [True, True, False]
    assert data.grades["grade"].iloc[0] == "A"


def test_integer_columns_take_digits_only_and_show_both_readings(folder):
    # Issue 13: seats of "1.000" were read as 1 seat. A whole number is digits only.
    replace(folder, "programmes.csv", "Naturvetenskap,2,", "Naturvetenskap,2.0,")
    replace(folder, "programmes.csv", "Lund Katedralskola,Lund,SA,,1,", 'Lund Katedralskola,Lund,SA,,"1.000",')
    with pytest.raises(InvalidInput) as caught:
        load_round(folder)
    assert [p.describe() for p in caught.value.problems if p.column == "seats"] == [
        "programmes.csv, row 2, column seats: value '2.0': must be a whole number >= 0, in digits only: "
        "'2.0' has a decimal mark (2) (check programmes.seats.type)",
        "programmes.csv, row 3, column seats: value '1.000': must be a whole number >= 0, in digits only: "
        "'1.000' reads as 1000 with '.' as thousands separator or as 1 with '.' as decimal mark; "
        "write the number you mean (check programmes.seats.type)",
    ]


def test_a_student_without_applications_is_a_warning_only(folder):
    append(folder, "students.csv", "S5,Lund,200\n")
    data = load_round(folder)
    assert data.warnings == (
        Problem("students.csv", 6, "student_id", "S5",
                "student has no applications in applications.csv; they cannot be placed", "warning"),
    )


def test_header_only_grades_file_is_valid_when_every_student_has_a_merit_value(folder):
    (folder / "grades.csv").write_text("student_id,subject,grade\n", encoding="utf-8")
    replace(folder, "students.csv", "S2,Lund,\n", "S2,Lund,200\n")
    data = load_round(folder)
    assert len(data.grades) == 0
    assert data.grades["language_choice"].dtype == bool


# --- references --------------------------------------------------------------------------------


def test_unknown_programme(folder):
    append(folder, "applications.csv", "S4,2,P9\n")
    assert only_problem(folder) == Problem(
        "applications.csv", 9, "programme_id", "P9", "programme_id not found in programmes.csv")


def test_unknown_student_in_applications_and_grades(folder):
    append(folder, "applications.csv", "S9,1,P1\n")
    append(folder, "grades.csv", "S9,SV,A,false\n")
    assert problems_of(folder) == [
        Problem("applications.csv", 9, "student_id", "S9", "student_id not found in students.csv"),
        Problem("grades.csv", 6, "student_id", "S9", "student_id not found in students.csv"),
    ]


def test_unknown_municipality(folder):
    replace(folder, "students.csv", "S4,Malmö,", "S4,Malmo,")
    assert only_problem(folder) == Problem(
        "students.csv", 5, "home_municipality", "Malmo", "home_municipality not found in municipalities.csv")


def test_a_reference_off_by_spaces_case_or_unicode_form_names_the_value_meant(folder):
    # Spreadsheets leave spaces at the ends of cells; ids get typed in another case.
    replace(folder, "students.csv", "S4,Malmö,", "S4,malmö ,")
    append(folder, "applications.csv", "s3,1,p1\nS3,4,P9\n")
    append(folder, "grades.csv", "S2 ,BI,A,false\n")
    assert problems_of(folder) == [
        Problem("students.csv", 5, "home_municipality", "malmö ",
                "home_municipality not found in municipalities.csv; did you mean 'Malmö'?"),
        Problem("applications.csv", 9, "student_id", "s3", "student_id not found in students.csv; did you mean 'S3'?"),
        Problem("applications.csv", 9, "programme_id", "p1",
                "programme_id not found in programmes.csv; did you mean 'P1'?"),
        Problem("applications.csv", 10, "programme_id", "P9", "programme_id not found in programmes.csv"),
        Problem("grades.csv", 6, "student_id", "S2 ", "student_id not found in students.csv; did you mean 'S2'?"),
    ]


def test_a_reference_that_lost_its_leading_zeros_names_the_value_meant(folder):
    # A spreadsheet reads the id 0012 as the number 12: an applications file saved from Excel, or a
    # students.xlsx of ids typed as numbers, gave only 'not found' for every row.
    append(folder, "applications.csv", "12,1,P2\n")
    assert only_problem(folder) == Problem(
        "applications.csv", 9, "student_id", "12", "student_id not found in students.csv; did you mean '0012'?")



def test_ids_that_lost_their_leading_zeros_in_the_file_referred_to_are_named_as_such(folder):
    # students.csv saved from a spreadsheet holds 1 for 0000001: the hint said "did you mean '1'?",
    # telling the officer to change applications.csv, which was right.
    append(folder, "students.csv", "1,Lund,200\n")
    append(folder, "applications.csv", "0000001,1,P2\n1,1,P1\n")
    assert only_problem(folder) == Problem(
        "applications.csv", 9, "student_id", "0000001",
        "student_id not found in students.csv; the student_id values of students.csv look like numbers that lost "
        "their leading zeros ('1' for '0000001': a spreadsheet stripped them); keep that column as text")


def test_two_values_that_fold_alike_are_both_named(folder):
    # 012 and 0012 both fold to 12: one of them was named, the first found.
    append(folder, "students.csv", "012,Lund,200\n")
    append(folder, "applications.csv", "012,1,P1\n12,1,P2\n")
    assert only_problem(folder) == Problem(
        "applications.csv", 10, "student_id", "12",
        "student_id not found in students.csv; did you mean '0012' or '012'?")



def test_near_misses_of_an_answers_file_and_a_list():
    from admissions.io.validate import meant_suffix, near_misses
    from admissions.season.rounds import _with_near_students

    problem = Problem("a.csv", 2, "student_id", "0000001", "student_id not found in students of the round")
    assert _with_near_students([problem], ["1", "S2"])[0].rule == (
        "student_id not found in students of the round; the student_id values of students.csv look like numbers "
        "that lost their leading zeros ('1' for '0000001': a spreadsheet stripped them); keep that column as text")
    assert [meant_suffix(n) for n in near_misses(["0007", "7", "x", "Malmö "], ["07", "007", "malmö", "MALMÖ"])] == [
        "; the values referred to look like numbers that lost their leading zeros ('07' or '007' for '0007': a "
        "spreadsheet stripped them); keep that column as text",
        "; did you mean '07' or '007'?", "", "; did you mean 'malmö' or 'MALMÖ'?"]


TITLE_RULE = ("row 1 is not the header: the column names are in row {row}; remove the rows above them "
              "(the first row must hold the column names)")


@pytest.mark.parametrize("separator", [",", ";"])
def test_a_title_above_the_header_is_one_problem(folder, separator):
    # Read as the header, a title gave a problem for every required column and every row wider than it.
    path = folder / "students.csv"
    path.write_text("Elever 2027\n\n" + path.read_text(encoding="utf-8").replace(",", separator), encoding="utf-8")
    assert only_problem(folder) == Problem("students.csv", 1, None, "Elever 2027", TITLE_RULE.format(row=3))



@pytest.mark.parametrize("separator", [",", ";"])
def test_a_title_of_two_cells_above_the_header_is_one_problem(folder, separator):
    # 'Elever 2027' and a date beside it: read as the header, every required column missing, every row too wide.
    path = folder / "students.csv"
    path.write_text(f"Elever 2027{separator}2027-03-01\n\n\n" + path.read_text(encoding="utf-8").replace(",", separator),
                    encoding="utf-8")
    assert only_problem(folder) == Problem("students.csv", 1, None, "Elever 2027, 2027-03-01", TITLE_RULE.format(row=4))


def test_a_first_row_naming_a_column_is_no_title(folder):
    # Two cells, one of them a column of the file: a header short of columns, not a title.
    path = folder / "students.csv"
    path.write_text("student_id,2027-03-01\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert problems_of(folder)[:2] == [Problem("students.csv", 1, "home_municipality", None, "required column missing"),
                                       Problem("students.csv", 1, "merit_value", None, "required column missing")]


@pytest.mark.parametrize("title", [["Utbildningar HT 2027"], ["Utbildningar HT 2027", "2027-03-01"]])
def test_a_title_above_the_header_of_a_workbook_is_one_problem(folder, title):
    import csv

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "programmes"
    sheet.append(title)
    for row in csv.reader((folder / "programmes.csv").read_text(encoding="utf-8").splitlines()):
        sheet.append(row)
    workbook.save(folder / "programmes.xlsx")
    (folder / "programmes.csv").unlink()
    assert only_problem(folder) == Problem("programmes.xlsx", 1, None, ", ".join(title), TITLE_RULE.format(row=2))


# --- keys --------------------------------------------------------------------------------------


def test_duplicate_programme_id(folder):
    append(folder, "programmes.csv", "P2,Other school,Lund,SA,,1,municipal,false\n")
    assert only_problem(folder) == Problem(
        "programmes.csv", 5, "programme_id", "P2", "duplicate programme_id; first seen in row 3")


def test_duplicate_student_id(folder):
    append(folder, "students.csv", "S3,Lund,100\n")
    assert only_problem(folder) == Problem(
        "students.csv", 6, "student_id", "S3", "duplicate student_id; first seen in row 4")


def test_choice_rank_repeat(folder):
    replace(folder, "applications.csv", "S3,3,P2", "S3,2,P2")
    assert only_problem(folder) == Problem(
        "applications.csv", 7, "choice_rank", "2", "duplicate choice_rank for student_id S3; first seen in row 6")


def test_choice_rank_gap(folder):
    replace(folder, "applications.csv", "S3,3,P2", "S3,4,P2")
    assert only_problem(folder) == Problem(
        "applications.csv", 7, "choice_rank", "4",
        "choice_rank must be consecutive from 1 for each student; student S3 has 1, 2, 4")


def test_choice_rank_not_starting_at_1(folder):
    replace(folder, "applications.csv", "S4,1,P3", "S4,2,P3")
    assert only_problem(folder) == Problem(
        "applications.csv", 8, "choice_rank", "2",
        "choice_rank must be consecutive from 1 for each student; student S4 has 2")


def test_same_programme_twice_for_one_student(folder):
    replace(folder, "applications.csv", "S3,3,P2", "S3,3,P1")
    assert only_problem(folder) == Problem(
        "applications.csv", 7, "programme_id", "P1",
        "programme P1 appears twice for student S3 (choice_rank 1 and 3; first in row 5)")


def test_same_subject_twice_also_by_its_long_name(folder):
    append(folder, "grades.csv", "S2,Engelska,C,false\n")
    assert only_problem(folder) == Problem(
        "grades.csv", 6, "subject", "Engelska", "duplicate subject for student_id S2; first seen in row 3 ('EN')")


# --- cells -------------------------------------------------------------------------------------


def test_negative_seats(folder):
    replace(folder, "programmes.csv", "Naturvetenskap,2,", "Naturvetenskap,-1,")
    assert only_problem(folder) == Problem("programmes.csv", 2, "seats", "-1", "must be a whole number >= 0")


@pytest.mark.parametrize("seats, more", [
    ("2.5", ", in digits only: '2.5' has a decimal mark (2.5)"),
    ("abc", ""),
    ("1e3", ""),
    ("2 seats", ""),
])
def test_seats_that_are_not_whole_numbers(folder, seats, more):
    replace(folder, "programmes.csv", "Naturvetenskap,2,", f"Naturvetenskap,{seats},")
    assert only_problem(folder) == Problem("programmes.csv", 2, "seats", seats, "must be a whole number >= 0" + more)


def test_empty_seats(folder):
    replace(folder, "programmes.csv", "Naturvetenskap,2,", "Naturvetenskap,,")
    assert only_problem(folder) == Problem(
        "programmes.csv", 2, "seats", "", "must not be empty (must be a whole number >= 0)")


def test_empty_text_where_a_value_is_required(folder):
    replace(folder, "programmes.csv", "P3,Lund Tekniska,", "P3, ,")
    assert only_problem(folder) == Problem("programmes.csv", 4, "school", " ", "must not be empty")


@pytest.mark.parametrize("merit", ["341", "-0.5", "hög"])
def test_merit_value_out_of_range_or_not_a_number(folder, merit):
    replace(folder, "students.csv", "S3,Halmstad,300", f"S3,Halmstad,{merit}")
    assert only_problem(folder) == Problem(
        "students.csv", 4, "merit_value", merit, "must be a number from 0 to 340")


def test_grade_not_in_a_to_f(folder):
    replace(folder, "grades.csv", "S2,MA,C,", "S2,MA,G,")
    assert only_problem(folder) == Problem(
        "grades.csv", 4, "grade", "G", "must be one of A, B, C, D, E, F")


def test_bool_that_is_not_a_truth_word(folder):
    replace(folder, "municipalities.csv", "Lund,true", "Lund,maybe")
    assert only_problem(folder) == Problem(
        "municipalities.csv", 3, "in_area", "maybe", "must be true or false (or yes/no, ja/nej, 1/0)")


def test_choice_that_is_not_allowed(folder):
    replace(folder, "programmes.csv", "3,independent", "3,private")
    assert only_problem(folder) == Problem(
        "programmes.csv", 4, "principal", "private", "must be one of municipal, independent")


def test_merit_value_empty_without_grades(folder):
    replace(folder, "students.csv", "S4,Malmö,180", "S4,Malmö,")
    assert only_problem(folder) == Problem(
        "students.csv", 5, "merit_value", "", "merit_value is empty and grades.csv has no grades for this student")


def test_merit_value_empty_and_no_grades_file(folder):
    (folder / "grades.csv").unlink()
    assert only_problem(folder) == Problem(
        "students.csv", 3, "merit_value", "", "merit_value is empty and there is no grades file")


def test_lottery_must_be_unique(folder):
    replace(folder, "students.csv", "merit_value\n", "merit_value,lottery\n")
    for student, value in (("0012", "0.5"), ("S2", "0.25"), ("S3", "0.75"), ("S4", "0.50")):
        path = folder / "students.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        lines = [line + f',"{value}"' if line.startswith(student + ",") else line for line in lines]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert only_problem(folder) == Problem(
        "students.csv", 5, "lottery", "0.50", "lottery must be unique (a tie could not be decided); same as row 2")


def test_lottery_must_be_given_for_every_student_when_the_column_is_there(folder):
    replace(folder, "students.csv", "merit_value\n", "merit_value,lottery\n")
    replace(folder, "students.csv", "S4,Malmö,180\n", "S4,Malmö,180,0.3\n")
    problems = problems_of(folder)
    assert [(p.row, p.column, p.rule) for p in problems] == [
        (row, "lottery", "must not be empty (must be a number)") for row in (2, 3, 4)]


def test_quota_seats_cannot_exceed_seats(folder):
    replace(folder, "programmes.csv", "national_recruitment\n", "national_recruitment,test,test_seats,free_quota_seats\n")
    replace(folder, "programmes.csv", "2,municipal,false\n", "2,municipal,false,true,2,1\n")
    replace(folder, "programmes.csv", "municipal,false\n", "municipal,false,false,0,0\n")
    assert only_problem(folder) == Problem(
        "programmes.csv", 2, "seats", "2", "seats must be at least test_seats + free_quota_seats = 2 + 1")


def test_application_group_per_choice_is_validated(folder):
    lines = (folder / "applications.csv").read_text(encoding="utf-8").splitlines()
    body = [lines[0] + ",application_group"] + [line + (",soon" if i == 0 else ",Late") for i, line in enumerate(lines[1:])]
    (folder / "applications.csv").write_text("\n".join(body) + "\n", encoding="utf-8")
    problem = only_problem(folder)
    assert (problem.file, problem.row, problem.column, problem.value) == ("applications.csv", 2, "application_group", "soon")
    assert "on_time" in problem.rule and "late" in problem.rule


def test_test_seats_need_a_declared_test(folder):
    replace(folder, "programmes.csv", "national_recruitment\n", "national_recruitment,test_seats\n")
    replace(folder, "programmes.csv", "2,municipal,false\n", "2,municipal,false,1\n")
    assert only_problem(folder) == Problem(
        "programmes.csv", 2, "test_seats", "1",
        "test_seats needs an aptitude test: set test = true for this programme, or test_seats = 0")


def test_test_points_at_an_offer_without_a_test_are_a_warning(folder):
    lines = (folder / "applications.csv").read_text(encoding="utf-8").splitlines()
    body = [lines[0] + ",test_points"] + [line + (",12" if i == 0 else ",") for i, line in enumerate(lines[1:])]
    (folder / "applications.csv").write_text("\n".join(body) + "\n", encoding="utf-8")
    offer = lines[1].split(",")[2]
    assert list(load_round(folder).warnings) == [Problem(
        "applications.csv", 2, "test_points", "12",
        f"programme {offer} has no aptitude test (programmes.csv does not set test = true for it); "
        "these test points are ignored", "warning")]


def test_at_most_one_language_choice_per_student(folder):
    append(folder, "grades.csv", "S2,SPA,A,true\n")
    assert only_problem(folder) == Problem(
        "grades.csv", 6, "language_choice", "true",
        "more than one language_choice for student S2; first in row 5")


def test_unknown_programme_code(folder):
    replace(folder, "programmes.csv", "Lund,TE,", "Lund,XX,")
    problem = only_problem(folder)
    assert (problem.file, problem.row, problem.column, problem.value) == ("programmes.csv", 4, "programme_code", "XX")
    assert problem.rule.startswith("unknown programme code")


# --- files and columns -------------------------------------------------------------------------


def test_missing_required_column(folder):
    (folder / "applications.csv").write_text("student_id,programme_id\n0012,P1\n", encoding="utf-8")
    problems = problems_of(folder)
    assert Problem("applications.csv", 1, "choice_rank", None, "required column missing") in problems


def test_missing_column_hints_at_a_name_in_another_case(folder):
    replace(folder, "municipalities.csv", "in_area", "In_Area")
    assert only_problem(folder) == Problem(
        "municipalities.csv", 1, "in_area", None,
        "required column missing (there is a column 'In_Area'; column names are lower case)")


def test_missing_required_file(folder):
    (folder / "municipalities.csv").unlink()
    assert only_problem(folder) == Problem(
        "municipalities.csv", None, None, None,
        "required file is missing (looked for municipalities.csv, municipalities.xlsx, municipalities.parquet)")


def test_two_files_for_one_name(folder):
    pd.read_csv(folder / "students.csv", dtype=str).to_excel(folder / "students.xlsx", index=False)
    assert only_problem(folder) == Problem(
        "students.csv", None, None, None, "found students.csv and students.xlsx; keep exactly one file for students")


def test_empty_file(folder):
    (folder / "applications.csv").write_bytes(b"")
    assert only_problem(folder) == Problem(
        "applications.csv", None, None, None, "file is empty; it needs a header row with the column names")


def test_header_only_file_where_rows_are_needed(folder):
    (folder / "programmes.csv").write_text(
        "programme_id,school,municipality,programme_code,orientation,seats,principal,national_recruitment\n")
    problems = problems_of(folder)
    assert problems[0] == Problem("programmes.csv", None, None, None, "file has no rows")
    assert all(p.file == "programmes.csv" or p.rule == "programme_id not found in programmes.csv" for p in problems)


def test_wrong_encoding(folder):
    (folder / "students.csv").write_bytes(b"student_id,home_municipality,merit_value\n\x81\x8d,Lund,200\n")
    assert only_problem(folder) == Problem(
        "students.csv", 2, None, None, "file is not UTF-8 or Windows-1252 text: byte 0x81 on line 2 is neither")


def test_binary_file(folder):
    (folder / "students.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    problem = only_problem(folder)
    assert (problem.file, problem.row) == ("students.csv", 2)
    assert problem.rule.startswith("file is not UTF-8 or Windows-1252 text: it has control byte 0x1a on line 2")


def test_every_problem_is_reported_at_once(folder):
    (folder / "applications.csv").write_text(
        "student_id,choice_rank,programme_id\n"
        "0012,1,P1\n"
        "0012,2,P9\n"  # unknown programme
        "S2,x,P2\n"  # not a whole number
        "S3,1,P1\nS3,2,P3\nS3,3,P2\n"
        "S4,1,P3\n"
        "S7,1,P3\n",  # unknown student
        encoding="utf-8")
    assert [p.describe() for p in problems_of(folder)] == [
        "applications.csv, row 3, column programme_id: value 'P9': programme_id not found in programmes.csv "
        "(check applications.programme_id.ref)",
        "applications.csv, row 4, column choice_rank: value 'x': must be a whole number >= 1 "
        "(check applications.choice_rank.type)",
        "applications.csv, row 9, column student_id: value 'S7': student_id not found in students.csv "
        "(check applications.student_id.ref)",
    ]


def test_problems_are_sorted_by_file_order_then_row(folder):
    append(folder, "grades.csv", "S2,BI,Q,false\n")
    replace(folder, "students.csv", "S4,Malmö,180", "S4,Malmö,999")
    replace(folder, "programmes.csv", "P3,Lund Tekniska,Lund,TE,,3,", "P3,Lund Tekniska,Lund,TE,,-3,")
    replace(folder, "students.csv", "S3,Halmstad,300", "S3,Halmstad,-1")
    assert [(p.file, p.row) for p in problems_of(folder)] == [
        ("programmes.csv", 4), ("students.csv", 4), ("students.csv", 5), ("grades.csv", 6)]


def test_problems_per_rule_are_capped_with_a_count_of_the_rest(folder):
    rows = "".join(f"S4,{rank},Q{rank}\n" for rank in range(2, 122))
    append(folder, "applications.csv", rows)
    problems = problems_of(folder)
    assert len(problems) == 51
    assert problems[49].row == 58
    assert problems[50] == Problem(
        "applications.csv", None, "programme_id", None,
        "... and 70 more rows with the same problem (programme_id not found in programmes.csv)")


def test_not_a_folder(tmp_path):
    with pytest.raises(InvalidArgument, match="does not exist"):
        load_round(tmp_path / "nowhere")


# --- load_table --------------------------------------------------------------------------------


def test_load_table_checks_one_file_on_its_own(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("student_id,answer\nS1,Accept\nS2,maybe\nS1,decline\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_table(path, ANSWERS)
    assert caught.value.problems == [
        Problem("answers.csv", 3, "answer", "maybe", "must be one of accept, decline, withdraw"),
        Problem("answers.csv", 4, "student_id", "S1", "duplicate student_id; first seen in row 2"),
    ]
    path.write_text("student_id,answer\nS1,Accept\n", encoding="utf-8")
    assert load_table(path, ANSWERS)["answer"].tolist() == ["accept"]


def test_nullable_columns_keep_their_empty_cells_as_missing(folder):
    (folder / "applications.csv").write_text(
        "student_id,choice_rank,programme_id,eligible,test_points\n"
        "0012,1,P1,ja,\n0012,2,P2,,\"12,5\"\nS2,1,P2,Nej,3\n"
        "S3,1,P1,,\nS3,2,P3,,\nS3,3,P2,,\nS4,1,P3,,\n", encoding="utf-8")
    replace(folder, "students.csv", "merit_value\n", "merit_value,free_quota_rank\n")
    replace(folder, "students.csv", "S4,Malmö,180\n", "S4,Malmö,180,1\n")
    data = load_round(folder)
    assert data.applications["eligible"].tolist()[:3] == [True, pd.NA, False]
    assert data.applications["test_points"].tolist()[1:3] == [12.5, 3.0]
    assert data.students["free_quota_rank"].tolist()[3] == 1.0
    assert data.students["free_quota_rank"].isna().tolist() == [True, True, True, False]
    assert data.has_column("applications", "eligible")


def test_rows_are_counted_as_a_spreadsheet_shows_them_even_with_line_breaks_in_cells(folder):
    replace(folder, "programmes.csv", "Malmö Latinskola", '"Malmö\nLatinskola"')
    replace(folder, "programmes.csv", "Lund,TE,,3,", "Lund,TE,,-3,")
    assert only_problem(folder) == Problem("programmes.csv", 4, "seats", "-3", "must be a whole number >= 0")


def test_a_typographic_minus_is_named(folder):
    # Numbers and some locales write U+2212: it read 'must be a whole number >= 0' and nothing more.
    replace(folder, "programmes.csv", "P3,Lund Tekniska,Lund,TE,,3,", "P3,Lund Tekniska,Lund,TE,,\u22123,")
    assert [p.rule for p in problems_of(folder)] == [
        "must be a whole number >= 0: '\u22123' has the minus sign U+2212 (\u2212), where numbers take '-' (hyphen-minus)"]


def test_the_library_counts_every_problem_and_a_counting_line_its_thousands(folder):
    # 1,100 students twice: 50 listed and a line counting 1,050 (it said '1050'); the error said
    # '51 problem(s) in the input' where the report's first line says 1,100.
    append(folder, "students.csv", "S3,Lund,100\n" * 1100)
    with pytest.raises(InvalidInput) as caught:
        load_round(folder)
    problems = caught.value.problems
    assert str(caught.value) == "1,100 problems in the input"
    assert len(problems) == 51
    assert problems[-1] == Problem("students.csv", None, "student_id", None,
                                   "... and 1,050 more rows with the same problem (duplicate student_id)")
    assert str(InvalidInput(problems[:1])) == "1 problem in the input"
