"""The committed sample region is valid, and reads the same from every format the contract allows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from admissions.io.validate import load_round

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "skane-2000"
pytestmark = pytest.mark.skipif(not SAMPLE.is_dir(), reason="no sample region committed yet")


@pytest.fixture(scope="module")
def sample():
    return load_round(SAMPLE)


def test_the_sample_region_has_no_problems(sample):
    assert sample.warnings == ()
    assert len(sample.students) == 2000
    assert sample.grades is not None and len(sample.grades) > 0


def test_the_sample_reads_the_same_as_swedish_excel_csv_and_as_parquet(sample, tmp_path):
    folder = tmp_path / "round"
    shutil.copytree(SAMPLE, folder)
    # students as Swedish Excel saves them: semicolons, decimal commas, Windows-1252.
    students = pd.read_csv(folder / "students.csv", dtype=str, keep_default_na=False)
    students["merit_value"] = students["merit_value"].str.replace(".", ",", regex=False)
    (folder / "students.csv").write_bytes(students.to_csv(index=False, sep=";").encode("cp1252"))
    # applications as Parquet, with its own column types.
    applications = pd.read_csv(folder / "applications.csv", dtype={"student_id": str, "programme_id": str})
    (folder / "applications.csv").unlink()
    applications.to_parquet(folder / "applications.parquet", index=False)
    again = load_round(folder)
    pd.testing.assert_frame_equal(again.students, sample.students)
    pd.testing.assert_frame_equal(again.applications, sample.applications)
