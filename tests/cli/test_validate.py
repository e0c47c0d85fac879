"""`admissions validate`: exit codes, the summary line, the problem report on stderr, --problems-csv."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from admissions.cli import app
from admissions.io.formulas import unescape_frame

MINIMAL = Path(__file__).resolve().parents[1] / "data" / "io" / "minimal"
runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "round"
    shutil.copytree(MINIMAL, target)
    return target


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_a_valid_folder_exits_0_with_a_summary_line(folder):
    result = run("validate", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout == "valid: 4 students, 7 applications, 3 programmes, 3 municipalities, 4 grades\n"
    assert result.stderr == ""


def test_warnings_are_printed_but_the_exit_code_is_0(folder):
    with open(folder / "students.csv", "a", encoding="utf-8") as file:
        file.write("S5,Lund,200\n")
    result = run("validate", folder)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"1 problem in {folder} (1 warning)",
        "warning: students.csv, row 6, column student_id: value 'S5': student has no applications in "
        "applications.csv; they cannot be placed (check students.student_id.referenced)",
    ]
    assert result.stdout.startswith("valid: 5 students")


def test_an_invalid_folder_exits_1_with_every_problem_on_stderr(folder):
    with open(folder / "applications.csv", "a", encoding="utf-8") as file:
        file.write("S4,2,P9\nS9,1,P1\n")
    result = run("validate", folder)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"2 problems in {folder} (2 errors)",
        "error: applications.csv, row 9, column programme_id: value 'P9': programme_id not found in programmes.csv "
        "(check applications.programme_id.ref)",
        "error: applications.csv, row 10, column student_id: value 'S9': student_id not found in students.csv "
        "(check applications.student_id.ref)",
    ]


def test_the_header_counts_the_problems_a_line_counts_too(folder):
    # 120 students twice: 120 problems, 50 listed and one line counting 70; the header said 51.
    with open(folder / "students.csv", "a", encoding="utf-8") as file:
        file.write("S3,Lund,100\n" * 120)
    result = run("validate", folder)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"120 problems in {folder} (120 errors)"
    assert len(lines) == 1 + 50 + 1
    assert lines[51] == ("error: students.csv, column student_id: ... and 70 more rows with the same problem "
                         "(duplicate student_id) (check students.key)")


def test_problems_csv_holds_the_problem_table(folder, tmp_path):
    (folder / "programmes.csv").write_text(
        (folder / "programmes.csv").read_text(encoding="utf-8").replace("Naturvetenskap,2,", "Naturvetenskap,-2,"),
        encoding="utf-8")
    out = tmp_path / "problems.csv"
    result = run("validate", folder, "--problems-csv", out)
    assert result.exit_code == 1
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    # The value is the cell as text: "-2" is written '-2 so a spreadsheet does not compute it.
    assert table.to_dict("records") == [{
        "file": "programmes.csv", "row": "2", "column": "seats", "value": "'-2",
        "rule": "must be a whole number >= 0", "severity": "error", "check": "programmes.seats.range"}]
    assert unescape_frame(table)["value"].tolist() == ["-2"]


def test_a_folder_that_does_not_exist_exits_1_with_a_clear_error(tmp_path):
    result = run("validate", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert result.stderr == f"Error: input folder {tmp_path / 'nowhere'} does not exist or is not a folder\n"


def test_an_unreadable_file_is_reported_not_a_traceback(folder):
    (folder / "grades.csv").write_bytes(b"\x00\x01binary")
    result = run("validate", folder)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert ("error: grades.csv, row 1: file is not UTF-8 or Windows-1252 text: it has control byte 0x00 on "
            "line 1 (is it a binary file?) (check grades.format)") in result.stderr.splitlines()


def test_help_is_the_docstring_with_an_example():
    result = run("validate", "--help")
    assert result.exit_code == 0
    assert "Example: admissions validate" in result.stdout
    assert "--problems-csv" in result.stdout


def test_print_problems_never_reads_values_as_markup():
    import io

    from rich.console import Console

    from admissions.cli._output import print_problems
    from admissions.io.problems import Problem

    stream = io.StringIO()
    print_problems([Problem("students.csv", 2, "student_id", "[bold]x[/bold]", "must not be empty")], "dir",
                   Console(file=stream, width=200))
    assert stream.getvalue().splitlines() == [
        "1 problem in dir (1 error)",
        "error: students.csv, row 2, column student_id: value '[bold]x[/bold]': must not be empty",
    ]


def test_problems_csv_never_replaces_a_file_of_the_input_folder(folder):
    """`validate DIR --problems-csv DIR/students.csv` wrote the problem table over the input's students."""
    before = (folder / "students.csv").read_bytes()
    result = run("validate", folder, "--problems-csv", folder / "students.csv")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {folder / 'students.csv'}: is taken as the students file of the input folder {folder.resolve()}, "
                             "which is only read; nothing was changed. Give another file name\n")
    assert (folder / "students.csv").read_bytes() == before
    # A new file beside the inputs is no input: written (validate . --problems-csv problems.csv).
    assert run("validate", folder, "--problems-csv", folder / "problems.csv").exit_code == 0
    assert (folder / "problems.csv").read_text(encoding="utf-8") == "file,row,column,value,rule,severity,check\n"


def test_problems_csv_replaces_an_existing_file_only_with_force(folder, tmp_path):
    """`validate --problems-csv notes.csv` wrote over any file at that path without asking."""
    notes = tmp_path / "notes.csv"
    notes.write_text("my notes\n", encoding="utf-8")
    result = run("validate", folder, "--problems-csv", notes)
    assert result.exit_code == 1
    assert result.stdout == ""  # refused before any work: no summary line
    assert result.stderr == f"Error: {notes}: exists; nothing was changed. Give a new file name, or --force to replace it\n"
    assert notes.read_text(encoding="utf-8") == "my notes\n"
    result = run("validate", folder, "--problems-csv", notes, "--force")
    assert result.exit_code == 0, result.output
    assert notes.read_text(encoding="utf-8") == "file,row,column,value,rule,severity,check\n"
    # Never one of its own inputs, even with --force.
    result = run("validate", folder, "--problems-csv", folder / "students.csv", "--force")
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {folder / 'students.csv'}: is taken as the students file of the input folder {folder.resolve()}, "
                             "which is only read; nothing was changed. Give another file name\n")
    # A folder named 'force' is a path, not the option: named as given.
    inside = tmp_path / "force" / "force.csv"
    inside.parent.mkdir()
    inside.write_text("x\n", encoding="utf-8")
    assert run("validate", folder, "--problems-csv", inside).stderr == (
        f"Error: {inside}: exists; nothing was changed. Give a new file name, or --force to replace it\n")


def test_problems_csv_is_never_a_name_the_reader_of_the_input_folder_takes(folder):
    """`validate inp --problems-csv inp/STUDENTS.csv` was written, and the next read found 'STUDENTS.csv
    and students.csv'; inp/admission_offices.csv was written and then read as an input. Refused even
    with --force: every name the reader takes, in any case, as .csv, .xlsx or .parquet, and its settings."""
    for name, what in (("STUDENTS.csv", "the students file"), ("admission_offices.csv", "the admission_offices file"),
                       ("Grades.XLSX", "the grades file"), ("programmes.parquet", "the programmes file"),
                       ("Admissions.toml", "the settings (admissions.toml)"),
                       ("programme_types.toml", "the programme-type table (programme_types.toml)")):
        result = run("validate", folder, "--problems-csv", folder / name, "--force")
        assert result.exit_code == 1
        assert result.stderr == (f"Error: {folder / name}: is taken as {what} of the input folder {folder.resolve()}, "
                                 "which is only read; nothing was changed. Give another file name\n")
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in MINIMAL.iterdir())
    assert run("validate", folder).exit_code == 0


def test_another_file_of_the_input_folder_follows_the_rule_of_every_file(folder):
    """inp/problems.csv was written once, then refused even with --force ('is a file of the input folder')."""
    problems = folder / "problems.csv"
    assert run("validate", folder, "--problems-csv", problems).exit_code == 0
    result = run("validate", folder, "--problems-csv", problems)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {problems}: exists; nothing was changed. Give a new file name, or --force to replace it\n")
    problems.write_text("mine\n", encoding="utf-8")
    assert run("validate", folder, "--problems-csv", problems, "--force").exit_code == 0
    assert problems.read_text(encoding="utf-8") == "file,row,column,value,rule,severity,check\n"
