"""The contract's declared checks: well formed, each run by an executor, each problem carrying its
check id, the cap shared by every check (ProblemLog), and the ids documented in the README."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from admissions.errors import InvalidInput
from admissions.io import contract
from admissions.io.problems import MAX_PER_RULE, Problem, ProblemLog
from admissions.io.validate import _EXECUTORS, load_round

README = Path(__file__).resolve().parents[2] / "README.md"


def replace(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(folder: Path, name: str, lines: str) -> None:
    with open(folder / name, "a", encoding="utf-8") as file:
        file.write(lines)


def problems_of(folder: Path) -> list[Problem]:
    try:
        return list(load_round(folder).warnings)
    except InvalidInput as exc:
        return exc.problems


# --- the declarations --------------------------------------------------------------------------


def test_check_ids_are_unique_and_name_their_file_and_column():
    ids = contract.check_ids()
    assert len(ids) == len(set(ids))
    for spec in contract.ROUND_FILES:
        for check in spec.checks:
            assert check.id.startswith(f"{spec.name}.{check.column}."), check.id
            assert check.column in spec.column_names, check.id


def test_every_declared_check_has_an_executor_and_names_real_columns():
    by_name = {spec.name: spec for spec in contract.ROUND_FILES}
    for spec in contract.ROUND_FILES:
        for check in spec.checks:
            assert type(check) in _EXECUTORS, check.id
            for other, column in (
                (getattr(check, "target", None), getattr(check, "target_column", None)),
                (getattr(check, "by", None), getattr(check, "by_column", None)),
                (getattr(check, "file", None), getattr(check, "key", None)),
            ):
                if other is not None:
                    assert column in by_name[other].column_names, check.id
            for column in (getattr(check, "parts", ()) or ()) + (getattr(check, "columns", ()) or ()):
                assert column in spec.column_names, check.id


def test_the_readme_documents_every_check_id():
    text = README.read_text(encoding="utf-8")
    assert [i for i in contract.check_ids() if f"`{i}`" not in text] == []


# --- each check's problems carry its id --------------------------------------------------------

SCENARIOS = {
    "applications.programme_id.ref": lambda f: append(f, "applications.csv", "S4,2,P9\n"),
    "applications.student_id.ref": lambda f: append(f, "applications.csv", "S9,1,P1\n"),
    "grades.student_id.ref": lambda f: append(f, "grades.csv", "S9,SV,A,false\n"),
    "students.home_municipality.ref": lambda f: replace(f, "students.csv", "S4,Malmö,", "S4,Malmo,"),
    "programmes.municipality.ref": lambda f: replace(f, "programmes.csv", "P3,Lund Tekniska,Lund,", "P3,Lund Tekniska,Lun,"),
    "programmes.key": lambda f: append(f, "programmes.csv", "P2,Other school,Lund,SA,,1,municipal,false\n"),
    "applications.key": lambda f: replace(f, "applications.csv", "S3,3,P2", "S3,2,P2"),
    "applications.choice_rank.consecutive": lambda f: replace(f, "applications.csv", "S3,3,P2", "S3,4,P2"),
    "applications.programme_id.unique": lambda f: replace(f, "applications.csv", "S3,3,P2", "S3,3,P1"),
    "grades.language_choice.unique": lambda f: append(f, "grades.csv", "S2,SPA,A,true\n"),
    "grades.subject.known": lambda f: replace(f, "grades.csv", "S2,EN,B", "S2,XYZ,B"),
    "programmes.programme_code.known": lambda f: replace(f, "programmes.csv", "Lund,TE,", "Lund,XX,"),
    "students.merit_value.grades": lambda f: replace(f, "students.csv", "S4,Malmö,180", "S4,Malmö,"),
    "students.student_id.referenced": lambda f: append(f, "students.csv", "S5,Lund,200\n"),
}


@pytest.mark.parametrize("check", sorted(SCENARIOS))
def test_each_check_names_its_id_row_column_and_value(folder, check):
    SCENARIOS[check](folder)
    problems = problems_of(folder)
    assert [p.check for p in problems] == [check], [p.describe() for p in problems]
    problem = problems[0]
    assert problem.row is not None and problem.column is not None and problem.value is not None
    assert problem.describe().endswith(f" (check {check})")


def test_an_address_column_that_is_absent_is_named_at_the_first_row_giving_part_of_an_address(folder):
    replace(folder, "students.csv", "student_id,home_municipality,merit_value\n",
            "student_id,home_municipality,merit_value,address\n")
    for student in ("0012,Malmö,237.5", "S2,Lund,", "S3,Halmstad,300"):
        replace(folder, "students.csv", student + "\n", student + ",\n")
    replace(folder, "students.csv", "S4,Malmö,180\n", "S4,Malmö,180,Storgatan 1\n")
    problems = problems_of(folder)
    assert [(p.row, p.column, p.check) for p in problems] == [
        (5, "postal_code", "students.address.together"), (5, "city", "students.address.together")]
    assert problems[0].rule.startswith("postal_code is missing but the row gives part of an address")


# --- the one cap -------------------------------------------------------------------------------


def test_the_problem_log_lists_the_first_of_a_rule_and_counts_the_rest_after_them():
    log = ProblemLog()
    log.add(Problem("a.csv", 200, "x", "v", "another rule"))
    log.rows("a.csv", "x", np.arange(120), "must be x", values=[str(i) for i in range(120)], check="a.x.ref")
    problems = log.sorted()
    assert len(problems) == MAX_PER_RULE + 2
    assert problems[MAX_PER_RULE - 1] == Problem("a.csv", 51, "x", "49", "must be x")
    assert problems[MAX_PER_RULE] == Problem("a.csv", None, "x", None,
                                             "... and 70 more rows with the same problem (must be x)")
    assert problems[MAX_PER_RULE].check == "a.x.ref"
    assert problems[-1].rule == "another rule"


def test_a_streaming_check_keeps_only_the_first_and_the_count():
    log = ProblemLog()
    first = [Problem("a.csv", i, None, None, "empty row") for i in range(2, 2 + MAX_PER_RULE)]
    log.listed(first, 1000, "empty rows", file="a.csv")
    assert len(log.problems) == MAX_PER_RULE + 1
    assert log.problems[-1].rule == f"... and {1000 - MAX_PER_RULE} more empty rows"
    log = ProblemLog()
    log.listed(first[:3], 3, "empty rows", file="a.csv")
    assert log.problems == first[:3]


# --- the rules of one column and of a file's form ----------------------------------------------


def test_the_readme_documents_every_column_and_file_rule():
    text = " ".join(README.read_text(encoding="utf-8").split())
    for rule, words in contract.COLUMN_RULES.items():
        assert f"| `FILE.COLUMN.{rule}` | {words}" in text, rule
    for rule, words in contract.FILE_RULES.items():
        assert f"| `FILE.{rule}` | {words}" in text, rule


def test_a_column_has_the_rules_its_spec_implies():
    assert contract.column_rules(contract.PROGRAMMES.column("seats")) == ("required", "empty", "type", "range")
    assert contract.column_rules(contract.STUDENTS.column("merit_value")) == ("required", "type", "range", "decimal")
    assert contract.column_rules(contract.PROGRAMMES.column("test_seats")) == ("type", "range")  # default 0
    assert contract.column_rules(contract.STUDENTS.column("lottery")) == ("empty", "type", "decimal")
    assert contract.column_rules(contract.PROGRAMMES.column("school_unit_code")) == ("invisible", "pattern")
    assert "programmes.seats.range" in contract.rule_ids(contract.PROGRAMMES)
    assert "grades.format" in contract.rule_ids(contract.GRADES)
    with pytest.raises(KeyError):
        contract.column_check("programmes", "seats", "ranges")


CELL_SCENARIOS = {
    "programmes.seats.type": (lambda f: replace(f, "programmes.csv", "Naturvetenskap,2,", "Naturvetenskap,two,"),
                              "programmes.csv, row 2, column seats: value 'two': must be a whole number >= 0"),
    "programmes.seats.range": (lambda f: replace(f, "programmes.csv", "Naturvetenskap,2,", "Naturvetenskap,-2,"),
                               "programmes.csv, row 2, column seats: value '-2': must be a whole number >= 0"),
    "students.merit_value.range": (lambda f: replace(f, "students.csv", "S3,Halmstad,300", "S3,Halmstad,341"),
                                   "students.csv, row 4, column merit_value: value '341': must be a number from "
                                   "0 to 340"),
    "programmes.principal.type": (lambda f: replace(f, "programmes.csv", "3,independent,", "3,private,"),
                                  "programmes.csv, row 4, column principal: value 'private': must be one of "
                                  "municipal, independent"),
    "programmes.school.empty": (lambda f: replace(f, "programmes.csv", "P3,Lund Tekniska,", "P3,,"),
                                "programmes.csv, row 4, column school: value '': must not be empty"),
    "municipalities.in_area.empty": (lambda f: replace(f, "municipalities.csv", "Lund,true,", "Lund,,"),
                                     "municipalities.csv, row 3, column in_area: value '': must not be empty "
                                     "(must be true or false (or yes/no, ja/nej, 1/0))"),
    "students.home_municipality.invisible": (
        lambda f: replace(f, "students.csv", "S4,Malmö,", "S4,Malmö\u200b,"),
        "students.csv, row 5, column home_municipality: value 'Malmö\\u200b': holds U+200B (ZERO WIDTH SPACE), "
        "an invisible or formatting character; remove it"),
    "grades.grade.required": (lambda f: (f / "grades.csv").write_text(
        "student_id,subject,language_choice\nS2,SV,false\n", encoding="utf-8"),
        "grades.csv, row 1, column grade: required column missing"),
    "students.file": (lambda f: (f / "students.csv").unlink(),
                      "students.csv: required file is missing (looked for students.csv, students.xlsx, "
                      "students.parquet)"),
    "municipalities.rows": (lambda f: (f / "municipalities.csv").write_text("municipality,in_area,population\n",
                                                                           encoding="utf-8"),
                            "municipalities.csv: file has no rows"),
    "grades.format": (lambda f: (f / "grades.csv").write_bytes(b"\x00\x01binary"),
                      "grades.csv, row 1: file is not UTF-8 or Windows-1252 text: it has control byte 0x00 on line 1 "
                      "(is it a binary file?)"),
}


@pytest.mark.parametrize("check", sorted(CELL_SCENARIOS))
def test_a_cell_or_file_problem_names_its_rule_id(folder, check):
    breaks, line = CELL_SCENARIOS[check]
    breaks(folder)
    problems = [p for p in problems_of(folder) if p.check == check]
    assert [p.describe() for p in problems] == [f"{line} (check {check})"]
    file = check.split(".")[0]
    assert check in contract.rule_ids(next(s for s in contract.ROUND_FILES if s.name == file))


def test_every_problem_of_a_broken_folder_carries_an_id_of_its_file(folder):
    for check, (breaks, _) in CELL_SCENARIOS.items():
        if check not in ("students.file", "programmes.seats.range"):  # the one removes, the other is the type's cell
            breaks(folder)
    replace(folder, "programmes.csv", "national_recruitment\n", "national_recruitment,school_unit_code\n")
    replace(folder, "programmes.csv", "municipal,false\nP2", "municipal,false,1234\nP2")
    problems = problems_of(folder)
    ids = {i for spec in contract.ROUND_FILES for i in contract.rule_ids(spec)}
    assert [p.describe() for p in problems if p.check not in ids] == []
    assert "programmes.school_unit_code.pattern" in {p.check for p in problems}


def test_a_bad_admission_offices_file_is_reported_with_every_other_problem_of_the_folder(folder):
    (folder / "admission_offices.csv").write_text(
        "admission_office,municipality\nMalmö,Malmö\nLund,Lund\nLund,Lund\n,Halmstad\nLund,Malmo\n", encoding="utf-8")
    replace(folder, "students.csv", "S3,Halmstad,300", "S3,Halmstad,3oo")
    assert [p.describe() for p in problems_of(folder)] == [
        "students.csv, row 4, column merit_value: value '3oo': must be a number from 0 to 340 "
        "(check students.merit_value.type)",
        "admission_offices.csv, row 4, column municipality: value 'Lund': duplicate municipality; first seen in "
        "row 3 (check admission_offices.key)",
        "admission_offices.csv, row 5, column admission_office: value '': must not be empty "
        "(check admission_offices.admission_office.empty)",
        "admission_offices.csv, row 6, column municipality: value 'Malmo': municipality not found in "
        "municipalities.csv (check admission_offices.municipality.ref)",
    ]


def test_a_folders_own_admission_offices_are_read_with_the_round(folder):
    (folder / "admission_offices.csv").write_text(
        "admission_office,municipality\nSöder,Malmö\nSöder,Lund\n", encoding="utf-8")
    data = load_round(folder)
    assert data.admission_offices.to_dict("records") == [
        {"admission_office": "Söder", "municipality": "Malmö"}, {"admission_office": "Söder", "municipality": "Lund"}]
    assert "admission_offices" in {s.name for s in data.sources}
    (folder / "admission_offices.csv").unlink()
    assert load_round(folder).admission_offices is None
