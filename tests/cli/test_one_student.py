"""A round of one student at one school's one seat, with an id and names holding spaces and å ä ö, as
an officer might try first: every command's terminal line counts in the singular."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from admissions.cli import app

runner = CliRunner()


@pytest.fixture
def one_student(tmp_path: Path) -> Path:
    folder = tmp_path / "en elev å"
    folder.mkdir()
    (folder / "programmes.csv").write_text(
        "programme_id,school,municipality,programme_code,orientation,seats,principal,national_recruitment\n"
        "P 1,Skolan å,Malmö,NA,,1,municipal,false\n", encoding="utf-8")
    (folder / "students.csv").write_text("student_id,home_municipality,merit_value\nÅsa Öberg 1,Malmö,215.5\n",
                                         encoding="utf-8")
    (folder / "applications.csv").write_text("student_id,choice_rank,programme_id\nÅsa Öberg 1,1,P 1\n",
                                             encoding="utf-8")
    (folder / "municipalities.csv").write_text("municipality,in_area,population\nMalmö,true,350000\n", encoding="utf-8")
    return folder


def invoke(*args: object) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_counts_of_one_take_the_singular(one_student, tmp_path):
    assert invoke("validate", one_student) == (
        "valid: 1 student, 1 application, 1 programme, 1 municipality, no grades file\n")
    season = tmp_path / "season"
    invoke("round", "final", one_student, "--season", season, "--quiet")
    answers = tmp_path / "answers.csv"
    assert invoke("answers", "--season", season, "--out", answers, "--accept", 0, "--decline", 1, "--withdraw", 0) == (
        f"1 answer for the 1 holder of run 1 written to {answers}: 0 accept, 1 decline, 0 withdraw\n")
    invoke("round", "reserve", one_student, "--season", season, "--answers", answers, "--quiet")
    assert invoke("diff", "1", "2", "--season", season).splitlines()[:2] == [
        "1 student placed differently in run 2 than in run 1", "       1  declined the seat"]
