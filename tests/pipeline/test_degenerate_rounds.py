"""Empty and degenerate rounds give complete, correct outputs: no applications, nobody eligible, no seats, one student."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from admissions.cli import app
from admissions.match import MATCH_FILES

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "analysis" / "data" / "small"
runner = CliRunner()
SEATS = {"A": 1, "B": 1, "C": 2}


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def round_folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "round"
    shutil.copytree(SMALL, folder)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def matched(folder: Path, out: Path) -> dict:
    validated = runner.invoke(app, ["validate", str(folder)])
    assert validated.exit_code == 0, validated.output
    result = runner.invoke(app, ["match", str(folder), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(MATCH_FILES)
    return json.loads((out / "run.json").read_text())


def test_no_applications_leaves_everyone_unplaced(tmp_path):
    # Issue 13: an applications.csv with only its header: validate said valid, match died (IndexError).
    folder = round_folder(tmp_path, applications="student_id,choice_rank,programme_id\n")
    record = matched(folder, tmp_path / "out")
    placements = read(tmp_path / "out" / "placements.csv")
    assert placements["student_id"].tolist() == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert placements["programme_id"].tolist() == [""] * 6
    assert len(read(tmp_path / "out" / "applications.csv")) == 0
    programmes = read(tmp_path / "out" / "programmes.csv")
    assert programmes["admitted"].tolist() == ["0", "0", "0"]
    assert programmes["vacant_seats"].tolist() == ["1", "1", "2"]
    assert record["counts"]["placed"] == 0
    assert record["counts"]["unplaced"] == 6
    assert record["counts"]["vacant_seats"] == 4
    assert record["check"]["is_stable"] is True


def test_nobody_eligible_leaves_everyone_unplaced(tmp_path):
    # Issue 13: every application marked ineligible: validate said valid, match died.
    text = (SMALL / "applications.csv").read_text().splitlines()
    rows = [text[0] + ",eligible"] + [line + ",false" for line in text[1:]]
    folder = round_folder(tmp_path, applications="\n".join(rows) + "\n")
    record = matched(folder, tmp_path / "out")
    applications = read(tmp_path / "out" / "applications.csv")
    assert len(applications) == 11
    assert set(applications["outcome"]) == {"ineligible"}
    assert set(applications["reserve_position"]) == {""}
    assert record["counts"]["placed"] == 0
    assert record["counts"]["eligible_applications"] == 0
    assert read(tmp_path / "out" / "programmes.csv")["vacant_seats"].tolist() == ["1", "1", "2"]


def test_no_seats_anywhere_leaves_everyone_unplaced_in_line(tmp_path):
    text = (SMALL / "programmes.csv").read_text().replace(",1,municipal", ",0,municipal").replace(",2,municipal",
                                                                                                   ",0,municipal")
    folder = round_folder(tmp_path, programmes=text)
    record = matched(folder, tmp_path / "out")
    applications = read(tmp_path / "out" / "applications.csv")
    assert set(applications["outcome"]) == {"reserve"}
    # Every applicant is in line, in merit order (S1 300 ... S6 200), at each offer.
    at_a = applications[applications["programme_id"] == "A"].sort_values("reserve_position")
    assert at_a["student_id"].tolist() == ["S1", "S2", "S5", "S6"]
    assert at_a["reserve_position"].tolist() == ["1", "2", "3", "4"]
    assert record["counts"]["placed"] == 0
    assert record["counts"]["seats"] == 0


@pytest.mark.parametrize("with_application", [True, False])
def test_one_student(tmp_path, with_application):
    applications = "student_id,choice_rank,programme_id\n" + ("S1,1,B\n" if with_application else "")
    folder = round_folder(tmp_path, students="student_id,home_municipality,merit_value\nS1,Lund,300\n",
                          applications=applications)
    record = matched(folder, tmp_path / "out")
    placements = read(tmp_path / "out" / "placements.csv")
    assert placements["programme_id"].tolist() == (["B"] if with_application else [""])
    assert record["counts"]["placed"] == int(with_application)
    flows = read(tmp_path / "out" / "flows.csv")
    assert flows["students"].astype(int).sum() == int(with_application)
