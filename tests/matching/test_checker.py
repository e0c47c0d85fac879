"""The checker finds over-filled programmes, blocking pairs, wasted seats and non-optimal matchings."""

from __future__ import annotations

import numpy as np

from admissions.matching import check_matching, deferred_acceptance, reserve_positions

# Programme 0 (1 seat) ranks students 1 > 0 > 2; programme 1 (1 seat) ranks 0 > 2.
CHOICES = np.array([[0, 1], [0, -1], [1, 0]])
PRIORITY = np.array([[5.0, 9.0], [7.0, -np.inf], [8.0, 1.0]])
SEATS = np.array([1, 1])


def test_student_optimal_result_passes():
    check = check_matching(CHOICES, PRIORITY, SEATS, np.array([1, 0, -1]))
    assert check.to_dict() == {"is_stable": True, "is_student_optimal": True, "optimality_checked_with": "reference",
                               "over_filled": 0, "blocking_pairs": 0, "wasted_seats": 0, "unlisted": 0}


def test_blocking_pair_and_wasted_seat():
    # Programme 0 is empty: every student who ranks it above their placement blocks with it.
    check = check_matching(CHOICES, PRIORITY, SEATS, np.array([1, -1, -1]), optimality="core")
    assert check.blocking_pairs.tolist() == [[0, 0], [1, 0], [2, 0]]
    assert check.wasted_seats.tolist() == [0]
    assert not check.is_stable and not check.is_student_optimal


def test_lower_priority_holder_blocks():
    # Programme 0 holds student 0 (priority 5) while student 1 (priority 7) is unplaced.
    check = check_matching(CHOICES, PRIORITY, SEATS, np.array([0, -1, 1]))
    assert check.blocking_pairs.tolist() == [[1, 0]]
    assert check.wasted_seats.tolist() == []
    assert check.is_stable is False


def test_over_filled_and_unlisted():
    check = check_matching(CHOICES, PRIORITY, SEATS, np.array([0, 0, -1]))
    assert check.over_filled.tolist() == [0]
    check = check_matching(CHOICES, PRIORITY, SEATS, np.array([1, 1, 0]))
    assert check.unlisted.tolist() == [1]
    assert check.over_filled.tolist() == [1]
    assert check.is_stable is False


def test_stable_but_not_student_optimal():
    # Two students, two programmes, each programme prefers the student who ranks it second: the
    # programme-optimal matching is stable but not student-optimal.
    choices = np.array([[0, 1], [1, 0]])
    priority = np.array([[1.0, 2.0], [1.0, 2.0]])
    check = check_matching(choices, priority, np.array([1, 1]), np.array([1, 0]))
    assert check.is_stable is True
    assert check.is_student_optimal is False
    assert deferred_acceptance(choices, priority, np.array([1, 1])).assignment.tolist() == [0, 1]


def test_reserve_positions():
    # Programme 0 (1 seat): 4 applicants, priorities 4 > 3 > 2 > 1 (students 3, 2, 1, 0).
    choices = np.array([[0, 1], [0, -1], [0, 1], [0, -1]])
    priority = np.array([[1.0, 1.0], [2.0, -np.inf], [3.0, 2.0], [4.0, -np.inf]])
    result = deferred_acceptance(choices, priority, np.array([1, 1]))
    assert result.assignment.tolist() == [-1, -1, 1, 0]
    assert reserve_positions(choices, priority, result).tolist() == [[3, 1], [2, 0], [1, 0], [0, 0]]
