"""Error messages name students and offers by their ids, never by the core's array indices (issue 16, item 7)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from admissions.cli import app
from admissions.errors import InvalidArgument
from admissions.matching import build_priority

runner = CliRunner()


def _tied_round(folder):
    """A1 and B2 have the same merit value and no grades; B2 lists MAL-NA second, A1 first."""
    folder.mkdir()
    (folder / "programmes.csv").write_text(
        "programme_id,school,municipality,programme_code,orientation,seats,principal,national_recruitment\n"
        "MAL-EK,S,Malmö,EK,,1,municipal,false\nMAL-NA,S,Malmö,NA,,1,municipal,false\n", encoding="utf-8")
    (folder / "students.csv").write_text("student_id,home_municipality,merit_value\nB2,Malmö,200\nA1,Malmö,200\n",
                                         encoding="utf-8")
    (folder / "applications.csv").write_text(
        "student_id,choice_rank,programme_id\nA1,1,MAL-NA\nA1,2,MAL-EK\nB2,1,MAL-EK\nB2,2,MAL-NA\n", encoding="utf-8")
    (folder / "municipalities.csv").write_text("municipality,in_area,population\nMalmö,true,344000\n", encoding="utf-8")
    (folder / "admissions.toml").write_text('tie_break = ["grade_value"]\n', encoding="utf-8")
    return folder


def test_a_tie_the_chain_leaves_names_the_students_and_the_offer(tmp_path):
    result = runner.invoke(app, ["match", str(_tied_round(tmp_path / "round")), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 1
    # Student indices 0 and 1 and programme index 0 in the core: ids here.
    assert result.output == (
        "Error: tie_break == ('grade_value',) leaves students B2 and A1 tied at programme MAL-EK, must order "
        "every programme's applicants (end the chain with 'lottery', whose numbers are unique)\n")
    assert not (tmp_path / "out").exists()


def test_the_core_names_indices_and_naming_puts_the_ids_in():
    choices = np.array([[0], [0]])
    with pytest.raises(InvalidArgument) as raised:
        build_priority(choices, np.zeros((2, 1), dtype=np.int64), np.ones((2, 1)), tie_break=("grade_value",),
                       grade_value=np.zeros(2))
    assert str(raised.value).startswith("tie_break == ('grade_value',) leaves students 0 and 1 tied at programme 0,")
    named = raised.value.naming(np.array(["S1", "S2"], dtype=object), np.array(["X-NA"], dtype=object))
    assert str(named).startswith("tie_break == ('grade_value',) leaves students S1 and S2 tied at programme X-NA,")
    plain = InvalidArgument("seed == -1, must be >= 0")
    assert plain.naming(["S1"], ["X"]) is plain and str(plain) == "seed == -1, must be >= 0"


def test_every_core_message_about_a_student_is_a_template():
    with pytest.raises(InvalidArgument) as raised:
        build_priority(np.array([[0], [0]]), np.zeros((2, 1), dtype=np.int64), np.array([[1.0], [np.nan]]),
                       tie_break=("lottery",), lottery=np.array([1.0, 2.0]))
    assert str(raised.value) == "score[1, 0] == nan, must be a finite number at a choice"
    assert str(raised.value.naming(["S1", "S2"], ["X"])) == "score[S2, 0] == nan, must be a finite number at a choice"
