"""`admissions explain DIR STUDENT_ID`: each choice in plain words, read from a match's output folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from admissions.cli import app

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "rules"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def outputs(worked_example_outs):
    """The worked examples matched with seed 0 (once per session; read only)."""
    return worked_example_outs


def test_second_hand_reserve_is_told_why(outputs):
    result = run("explain", outputs["second_hand_loses"], "S1")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Student S1 is admitted to MAL-SA (SA at Malmö Borgarskola in Malmö), their 2nd choice.\n"
        "1st choice, MAL-NA (NA at Malmö Latinskola in Malmö): reserve, number 1 in line (a seat that frees "
        "up goes to the first in line). Your score there was 340 (second-hand applicant). The lowest admitted "
        "score (cut-off, antagningspoäng) was 150 (first-hand applicant). Applicants of a better priority group "
        "(first-hand applicant) filled the seats first: a seat goes to your group only when every eligible "
        "applicant before it has one.\n"
        "2nd choice, MAL-SA (SA at Malmö Borgarskola in Malmö): admitted. Your score there was 340 "
        "(second-hand applicant). The programme was not oversubscribed: every eligible applicant who wanted it "
        "more than their place got a seat, so it has no cut-off.\n"
    )


def test_tie_lost_on_the_lottery_and_lower_choice_struck(outputs):
    result = run("explain", outputs["late_and_ties"], "L4")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Student L4 is admitted to LUN-NA (NA at Lunds Natur in Lund), their 2nd choice."
    assert "1st choice, LUN-EK" in lines[1] and "reserve, number 1 in line" in lines[1]
    assert "Your score there was 250 (first-hand applicant)" in lines[1]
    assert "cut-off, antagningspoäng) was 300" in lines[1]
    assert "Your score was 50 below the cut-off." in lines[1]


def test_unplaced_student(outputs):
    result = run("explain", outputs["late_and_ties"], "L1")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Student L1 has no place in this round."
    assert "(late first-hand applicant)" in result.output


def test_every_choice_of_the_student_is_explained(outputs):
    import pandas as pd

    out = outputs["eligibility_and_merit"]
    applications = pd.read_csv(out / "applications.csv", dtype=str, keep_default_na=False)
    for student, rows in applications.groupby("student_id"):
        result = run("explain", out, student)
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert len(lines) == 1 + len(rows)
        for line, row in zip(lines[1:], rows.sort_values("choice_rank").itertuples()):
            assert row.programme_id in line
            if row.outcome == "ineligible":
                assert f"not eligible ({row.ineligible_reason})" in line
            elif row.outcome == "not_reached":
                assert "not tried: you were admitted to a choice you ranked higher" in line
            else:
                assert f"{row.outcome}" in line


def test_unknown_student_is_a_clear_error(outputs):
    result = run("explain", outputs["second_hand_loses"], "NOBODY")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: student_id == 'NOBODY', must be a student of {outputs['second_hand_loses'] / 'placements.csv'}\n"
    )


def test_an_id_typed_with_a_space_or_in_another_case_names_the_student_meant(outputs):
    placements = pd.read_csv(outputs["second_hand_loses"] / "placements.csv", dtype=str)
    student = placements["student_id"].iloc[0]
    result = run("explain", outputs["second_hand_loses"], f" {student.lower()}")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: student_id == ' {student.lower()}', must be a student of "
        f"{outputs['second_hand_loses'] / 'placements.csv'}; did you mean {student!r}?\n"
    )


def test_input_folder_instead_of_output_folder_is_a_clear_error():
    result = run("explain", EXAMPLES / "second_hand_loses", "S1")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {EXAMPLES / 'second_hand_loses'}: has no placements.csv; give the output folder of "
        "`admissions match` (it holds placements.csv, applications.csv, programmes.csv)\n"
    )


def test_help_says_dir_is_the_output_folder():
    result = run("explain", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "OUTPUT folder of `admissions match`" in text
    assert "Example: admissions explain results S000123" in text


def test_an_id_typed_in_decomposed_unicode_finds_its_student(tmp_path):
    """The files' ids are read in NFC; an id typed on a Mac (O and a combining diaeresis) was 'not a
    student', a programme id likewise for sweep, and --pseudonymise gave it another pseudonym."""
    import shutil
    import unicodedata

    from admissions.io.pseudonyms import Pseudonymiser

    folder = tmp_path / "round"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "io" / "minimal", folder)
    for name in ("students.csv", "applications.csv", "grades.csv", "programmes.csv"):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").replace("S2", "Ö2").replace("P1", "PÅ1"), encoding="utf-8")
    out = tmp_path / "out"
    assert run("match", folder, "--out", out, "--quiet").exit_code == 0
    typed = unicodedata.normalize("NFD", "Ö2")
    assert typed != "Ö2"
    result = run("explain", out, typed)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Student Ö2 has no place in this round.\n")
    swept = run("sweep", folder, "--programme", unicodedata.normalize("NFD", "PÅ1"), "--seats", "1:2",
                "--out", tmp_path / "sweep", "--quiet")
    assert swept.exit_code == 0, swept.output
    key = b"k" * 16
    assert Pseudonymiser(key).pseudonym(typed) == Pseudonymiser(key).pseudonym("Ö2")


@pytest.mark.parametrize("name, text, manifest, expected", [
    # Each was a traceback of explain, lists and letters: EmptyDataError, KeyError, JSONDecodeError.
    ("placements.csv", "", True, "{out}/placements.csv: changed since it was written (its sha256 is not the one "
                                 "manifest.json lists); give the output folder as {writers} wrote it"),
    ("placements.csv", "", False, "{out}/placements.csv: cannot be read as CSV (No columns to parse from file); "
                                  "give the output folder as {writers} wrote it"),
    ("placements.csv", "student_id,programme\nS1,X\n", False,
     "{out}/placements.csv: has no column programme_id, choice_rank; give the output folder as {writers} wrote it"),
    ("run.json", "{\n", False, "{out}/run.json: not a run record (Expecting property name enclosed in double "
                               "quotes: line 2 column 1 (char 2)); give the output folder as {writers} wrote it"),
])
def test_an_edited_or_broken_output_folder_is_one_error_line(outputs, tmp_path, name, text, manifest, expected):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(outputs["second_hand_loses"], out)
    (out / name).write_text(text, encoding="utf-8")
    if not manifest:
        (out / "manifest.json").unlink()
    commands = [("lists", ["lists", out, "--out", tmp_path / "lists"], "`admissions match` or `admissions round --out OUT`"),
                ("letters", ["letters", out, "--out", tmp_path / "letters"], "`admissions match` or `admissions round --out OUT`")]
    if name != "run.json":  # explain reads the tables only
        commands.append(("explain", ["explain", out, "S1"], "`admissions match`"))
    for _, args, writers in commands:
        result = run(*args)
        assert result.exit_code == 1, args
        assert result.stderr == "Error: " + expected.format(out=out, writers=writers) + "\n", args
    assert not (tmp_path / "lists").exists() and not (tmp_path / "letters").exists()


def test_wrong_arguments_exit_2_as_every_wrong_option(outputs, tmp_path):
    """'explain DIR' without STUDENT_ID exited 1, as a failure; a wrong argument is a usage error (2)."""
    result = run("explain", outputs["second_hand_loses"])
    assert (result.exit_code, result.stderr) == (2, "Error: give DIR and STUDENT_ID, or --season S STUDENT_ID\n")
    result = run("explain", "--season", tmp_path, outputs["second_hand_loses"], "S1")
    assert result.exit_code == 2
    assert result.stderr == f"Error: with --season give only STUDENT_ID, not '{outputs['second_hand_loses']}' and 'S1'\n"
