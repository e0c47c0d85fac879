"""A free-quota applicant needs no merit value; anyone else without grades does."""

import shutil
from pathlib import Path

import pytest

from admissions.errors import InvalidInput
from admissions.io.validate import load_round

EXAMPLE = Path(__file__).parent.parent / "data" / "rules" / "free_quota"


def test_free_quota_applicant_without_merit_value_is_valid():
    data = load_round(EXAMPLE)
    first = data.students.iloc[0]
    assert first["student_id"] == "F1"
    assert first["free_quota_rank"] == 1
    assert first["merit_value"] != first["merit_value"]  # NaN: empty


def test_without_a_free_quota_rank_the_merit_value_is_required(tmp_path):
    folder = tmp_path / "round"
    shutil.copytree(EXAMPLE, folder)
    students = (folder / "students.csv").read_text(encoding="utf-8")
    (folder / "students.csv").write_text(students.replace("F1,Malmö,,0.1,1", "F1,Malmö,,0.1,"), encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        load_round(folder)
    assert [p.describe() for p in info.value.problems] == [
        "students.csv, row 2, column merit_value: value '': merit_value is empty and there is no grades file "
        "(check students.merit_value.grades)"]
