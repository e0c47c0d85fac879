"""Each worked example under tests/data/rules is matched and compared with its hand-computed result."""

from pathlib import Path

import pandas as pd
import pytest


EXAMPLES = Path(__file__).parent.parent / "data" / "rules"
FOLDERS = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(params=FOLDERS)
def example(request, worked_example_outs):
    """The example's folder and the OUT of `match` on it with seed 0 (matched once per session)."""
    return EXAMPLES / request.param, worked_example_outs[request.param]


def test_placements_are_the_hand_computed_ones(example):
    folder, out = example
    expected = read(folder / "expected_placements.csv")
    got = read(out / "placements.csv")[expected.columns]
    pd.testing.assert_frame_equal(got, expected)


def test_application_outcomes_are_the_hand_computed_ones(example):
    folder, out = example
    expected = read(folder / "expected_applications.csv")
    got = read(out / "applications.csv")[expected.columns]
    pd.testing.assert_frame_equal(got, expected)


def test_every_example_is_stable_and_student_optimal(example):
    import json

    _, out = example
    check = json.loads((out / "run.json").read_text())["check"]
    assert check["is_stable"] is True
    assert check["is_student_optimal"] is True


def test_examples_cover_the_folders():
    assert FOLDERS == ["eligibility_and_merit", "first_hand_offers", "free_quota", "free_quota_seat_passes_on",
                       "free_quota_tier",
                       "late_and_ties", "late_and_ties_choice_rank", "late_choice", "lottery_redraws_ties",
                       "second_hand_loses",
                       "stray_test_points",
                       "test_quota"]


def test_stray_test_points_are_a_warning_and_ignored(tmp_path):
    """Round A of issue 12: without a test column, one test_points value makes no test."""
    from typer.testing import CliRunner

    from admissions.cli import app

    expected = ("warning: applications.csv, row 2, column test_points: value '10': programme X has no aptitude "
                "test (programmes.csv does not set test = true for it); these test points are ignored")
    runner = CliRunner()
    for command in (["validate", str(EXAMPLES / "stray_test_points")],
                    ["match", str(EXAMPLES / "stray_test_points"), "--out", str(tmp_path / "out")]):
        done = runner.invoke(app, command)
        assert done.exit_code == 0
        assert expected in done.stderr


def test_a_given_merit_value_that_differs_from_the_grades_is_a_warning(tmp_path):
    from typer.testing import CliRunner

    from admissions.cli import app

    expected = ("warning: students.csv, row 5, column merit_value: value '250': differs from the merit "
                "value computed from grades.csv (160); the grades are used")
    runner = CliRunner()
    matched = runner.invoke(app, ["match", str(EXAMPLES / "eligibility_and_merit"), "--out", str(tmp_path / "out")])
    assert matched.exit_code == 0
    assert expected in matched.stderr
    validated = runner.invoke(app, ["validate", str(EXAMPLES / "eligibility_and_merit")])
    assert validated.exit_code == 0
    assert expected in validated.stderr
    import json

    record = json.loads((tmp_path / "out" / "run.json").read_text())
    assert record["counts"]["merit_value_differs_from_grades"] == 1
    assert record["warnings"] == 1
