"""`admissions plan`: the mixed-integer programme, its verification by the matching, and the command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from choice_regions import real_region, write_round
from typer.testing import CliRunner

from admissions.analysis.plan import Programme, solve
from admissions.cli import app
from admissions.reports.plan import PLAN_COLUMNS


def test_programme_places_the_most_unplaced_within_the_budget():
    """Three unplaced students: two want offer 0, one wants offer 1; a class (2 seats) costs
    2 x 10 at offer 0 and 2 x 30 at offer 1. With a budget of 30 only offer 0's class fits."""
    data = Programme(pair_student=np.array([0, 1, 2]), pair_offer=np.array([0, 0, 1]),
                     first_moves=np.zeros(2, dtype=np.int64), n_unplaced=3)
    price = np.array([10.0, 30.0])
    school = np.array([0, 1])
    classes, status = solve(data, price, np.array([1.0, 1.0]), school, np.array([np.inf, np.inf]), 2, 30.0)
    assert classes.tolist() == [1, 0]
    assert status["expected_placed"] == 2.0
    classes, _ = solve(data, price, np.array([1.0, 1.0]), school, np.array([np.inf, np.inf]), 2, 80.0)
    assert classes.tolist() == [1, 1]
    # A school with room for no class gets none.
    classes, _ = solve(data, price, np.array([1.0, 1.0]), school, np.array([1.0, np.inf]), 2, 80.0)
    assert classes.tolist() == [0, 1]


def test_first_choice_moves_count_after_the_unplaced():
    """Budget for one class: offer 1 would move three students to their first choice, offer 0
    place one unplaced student; the unplaced student comes first."""
    data = Programme(pair_student=np.array([0]), pair_offer=np.array([0]),
                     first_moves=np.array([0, 3]), n_unplaced=1)
    classes, _ = solve(data, np.array([10.0, 10.0]), np.array([1.0, 1.0]), np.array([0, 1]),
                       np.array([np.inf, np.inf]), 4, 40.0)
    assert classes.tolist() == [1, 0]


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """400 students and 24 offers of 12 seats: some are left unplaced."""
    folder = tmp_path_factory.mktemp("plan") / "round"
    write_round(real_region(9), folder, seed=10, seats=12)
    return folder


def test_plan_command_finds_a_verified_plan_within_budget(crowded, tmp_path):
    out = tmp_path / "plan"
    result = CliRunner().invoke(app, ["plan", str(crowded), "--budget", "3000000", "--class-size", "8",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Seat plan written to" in result.output
    record = json.loads((out / "run.json").read_text())
    v = record["verified"]
    assert v["before"]["eligible_first_hand_unplaced"] > 0
    assert v["after"]["eligible_first_hand_unplaced"] < v["before"]["eligible_first_hand_unplaced"]
    assert v["cost_sek"] <= 3_000_000 and v["within_budget"]
    table = pd.read_csv(out / "plan.csv")
    assert tuple(table.columns) == PLAN_COLUMNS
    assert ((table["seats_after"] - table["seats_before"]) == 8 * table["classes_added"]).all()
    assert table["cost_sek"].sum() == v["cost_sek"]
    assert v["after"]["seats"] - v["before"]["seats"] == 8 * v["classes_added"]
    assert (out / "plan.html").read_text(encoding="utf-8").count("table-plan") >= 1


def test_plan_with_no_budget_changes_nothing(crowded, tmp_path):
    out = tmp_path / "plan"
    result = CliRunner().invoke(app, ["plan", str(crowded), "--budget", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "run.json").read_text())
    assert record["verified"]["classes_added"] == 0
    assert record["verified"]["after"] == record["verified"]["before"]
    assert len(pd.read_csv(out / "plan.csv")) == 0


def test_max_seats_below_today_is_refused(crowded, tmp_path):
    limits = tmp_path / "max_seats.csv"
    limits.write_text("school,max_seats\nSchool 0,10\nNowhere,50\nschool 1 ,50\nSchool 1,1 000\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", str(crowded), "--budget", "1000000", "--max-seats", str(limits),
                                      "--out", str(tmp_path / "p")])
    assert result.exit_code == 1
    assert "max_seats.csv, row 2, column max_seats: value '10': is below the school's seats today (36), must be >= them" in result.output
    assert "max_seats.csv, row 3, column school: value 'Nowhere': not a school of programmes.csv\n" in result.output
    # A spreadsheet's space, another case: the school meant is named.
    assert ("max_seats.csv, row 4, column school: value 'school 1 ': not a school of programmes.csv; "
            "did you mean 'School 1'?") in result.output
    # The file's own problem in the same report (it was reported alone, before the others).
    assert ("max_seats.csv, row 5, column max_seats: value '1 000': must be a whole number >= 0, in digits only: "
            "'1 000' reads as 1000 with ' ' as thousands separator; write the number you mean") in result.output
    assert not (tmp_path / "p").exists()


def test_max_seats_hold_in_the_plan(crowded, tmp_path):
    limits = tmp_path / "max_seats.csv"
    programmes = pd.read_csv(crowded / "programmes.csv")
    today = programmes.groupby("school")["seats"].sum()
    limits.write_text("school,max_seats\n" + "".join(f"{s},{int(n)}\n" for s, n in today.items()), encoding="utf-8")
    out = tmp_path / "plan"
    result = CliRunner().invoke(app, ["plan", str(crowded), "--budget", "3000000", "--class-size", "8",
                                      "--max-seats", str(limits), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "run.json").read_text())["verified"]["classes_added"] == 0
