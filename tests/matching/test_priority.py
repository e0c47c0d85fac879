"""The priority builder: tier, score, then the tie-break chain."""

from __future__ import annotations

import numpy as np
import pytest

from admissions.errors import InvalidArgument
from admissions.matching import build_priority

# Programme 0: student 0 (tier 1, 200), student 1 (tier 2, 300), student 2 (tier 1, 250).
# Programme 1: student 0 (tier 1, 200, 2nd choice), student 1 (tier 1, 200, 1st choice).
CHOICES = np.array([[0, 1], [1, 0], [0, -1]])
TIER = np.array([[1, 1], [1, 2], [1, 0]])
SCORE = np.array([[200.0, 200.0], [200.0, 300.0], [250.0, np.nan]])
LOTTERY = np.array([3.0, 1.0, 2.0])


def test_tier_then_score_then_lottery():
    priority = build_priority(CHOICES, TIER, SCORE, lottery=LOTTERY)
    assert priority.tolist() == [[1.0, 1.0], [0.0, 0.0], [2.0, -np.inf]]
    assert priority.dtype == np.float64


def test_choice_rank_before_lottery():
    priority = build_priority(CHOICES, TIER, SCORE, tie_break=("choice_rank", "lottery"), lottery=LOTTERY)
    assert priority.tolist() == [[1.0, 0.0], [1.0, 0.0], [2.0, -np.inf]]


def test_explicit_choice_rank():
    rank = np.array([[0, 5], [3, 1], [0, -1]])  # student 0's choice at programme 1 now ranks higher
    priority = build_priority(CHOICES, TIER, SCORE, tie_break=("choice_rank",), choice_rank=rank)
    assert priority[:, :].tolist() == [[1.0, 0.0], [1.0, 0.0], [2.0, -np.inf]]
    rank = np.array([[0, 0], [3, 1], [0, -1]])
    priority = build_priority(CHOICES, TIER, SCORE, tie_break=("choice_rank",), choice_rank=rank)
    assert priority.tolist() == [[1.0, 1.0], [0.0, 0.0], [2.0, -np.inf]]


def test_grade_value_and_n_grades():
    grade_value = np.array([190.0, 190.0, 0.0])
    n_grades = np.array([16, 17, 16])
    priority = build_priority(CHOICES, TIER, SCORE, tie_break=("grade_value", "n_grades"),
                              grade_value=grade_value, n_grades=n_grades)
    assert priority[:, 1].tolist()[:2] == [0.0, 0.0] and priority[1, 0] == 1.0


def test_unbroken_tie_names_programme_and_students():
    with pytest.raises(InvalidArgument) as error:
        build_priority(CHOICES, TIER, SCORE, tie_break=())
    assert str(error.value) == (
        "tie_break == () leaves students 0 and 1 tied at programme 1, must order every programme's applicants "
        "(end the chain with 'lottery', whose numbers are unique)"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tie_break": ("coin",)},
         "tie_break[0] == 'coin', must be one of ('choice_rank', 'grade_value', 'n_grades', 'lottery')"),
        ({"tie_break": "lottery"},
         "tie_break == 'lottery', must be a sequence of keys from "
         "('choice_rank', 'grade_value', 'n_grades', 'lottery')"),
        ({"tie_break": ("lottery", "lottery"), "lottery": LOTTERY},
         "tie_break[1] == 'lottery' repeats an earlier key, must appear at most once"),
        ({"tie_break": ("lottery",)}, "lottery == None, must be given when tie_break contains 'lottery'"),
        ({"tie_break": ("n_grades",)}, "n_grades == None, must be given when tie_break contains 'n_grades'"),
        ({"lottery": LOTTERY[:2]}, "lottery.shape == (2,), must be (3,) (one per student)"),
        ({"lottery": np.array([1.0, np.inf, 2.0])}, "lottery[1] == inf, must be a finite number"),
    ],
)
def test_chain_validation(kwargs, message):
    with pytest.raises(InvalidArgument) as error:
        build_priority(CHOICES, TIER, SCORE, **kwargs)
    assert str(error.value) == message


def test_score_must_be_finite_at_choices():
    with pytest.raises(InvalidArgument) as error:
        build_priority(CHOICES, TIER, np.where(CHOICES == 1, np.nan, SCORE), lottery=LOTTERY)
    assert str(error.value) == "score[0, 1] == nan, must be a finite number at a choice"


def test_inputs_not_modified_and_deterministic():
    arrays = (CHOICES, TIER, SCORE, LOTTERY)
    copies = [a.copy() for a in arrays]
    for a in arrays:
        a.flags.writeable = False
    try:
        first = build_priority(CHOICES, TIER, SCORE, tie_break=("choice_rank", "lottery"), lottery=LOTTERY)
        second = build_priority(CHOICES, TIER, SCORE, tie_break=("choice_rank", "lottery"), lottery=LOTTERY)
    finally:
        for a in arrays:
            a.flags.writeable = True
    np.testing.assert_array_equal(first, second)
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)
