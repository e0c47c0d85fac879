"""Inputs are validated once at the entry point, with scikit-learn style messages."""

from __future__ import annotations

import numpy as np
import pytest

from admissions.errors import InvalidArgument
from admissions.matching import check_matching, deferred_acceptance, prepare, reference_deferred_acceptance

CHOICES = np.array([[0, 1, -1], [1, -1, -1], [2, 0, 1], [1, 2, -1]])
PRIORITY = np.array([[3.0, 1.0, 0.0], [2.0, 0.0, 0.0], [1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
SEATS = np.array([1, 1, 1])


def changed(array, index, value):
    array = array.copy()
    array[index] = value
    return array


@pytest.mark.parametrize(
    ("choices", "priority", "seats", "message"),
    [
        (changed(CHOICES, (3, 2), 2), PRIORITY, SEATS,
         "choices[3, 2] == 2 appears twice in row 3, must appear at most once"),
        (changed(CHOICES, (2, 1), -1), PRIORITY, SEATS,
         "choices[2, 1] == -1 comes before a choice in row 2, must be padding at the end of the row"),
        (changed(CHOICES, (1, 1), -3), PRIORITY, SEATS,
         "choices[1, 1] == -3, must be -1 (padding) or a programme index >= 0"),
        (changed(CHOICES, (3, 2), 7), PRIORITY, SEATS,
         "choices[3, 2] == 7, must be < len(seats) == 3 (a programme index)"),
        (CHOICES.astype(float), PRIORITY, SEATS, "choices.dtype == float64, must be an integer dtype"),
        (CHOICES[0], PRIORITY, SEATS, "choices.ndim == 1, must be 2"),
        (CHOICES, PRIORITY[:, :2], SEATS, "priority.shape == (4, 2), must equal choices.shape == (4, 3)"),
        (CHOICES, PRIORITY.astype(str), SEATS, "priority.dtype == <U32, must be a real number dtype"),
        (CHOICES, changed(PRIORITY, (2, 1), np.nan), SEATS,
         "priority[2, 1] == nan, must be a finite number at a choice"),
        (CHOICES, PRIORITY, np.array([1, -2, 1]), "seats[1] == -2, must be >= 0"),
        (CHOICES, PRIORITY, np.array([1.0, 1.0, 1.0]), "seats.dtype == float64, must be an integer dtype"),
        (CHOICES, PRIORITY, np.array([[1, 1, 1]]), "seats.ndim == 2, must be 1"),
    ],
)
def test_invalid_input_messages(choices, priority, seats, message):
    for solve in (deferred_acceptance, reference_deferred_acceptance):
        with pytest.raises(InvalidArgument) as error:
            solve(choices, priority, seats)
        assert str(error.value) == message


def test_tie_within_programme_is_refused():
    # The core needs unique priorities to find the keys; the reference trusts them.
    with pytest.raises(InvalidArgument) as error:
        deferred_acceptance(CHOICES, changed(PRIORITY, (2, 1), 3.0), SEATS)
    assert str(error.value) == (
        "priority[2, 1] == 3.0 ties with priority[0, 0] at programme 0, must be unique within each programme"
    )


def test_padding_priority_is_ignored():
    priority = changed(PRIORITY, (1, 2), np.nan)
    assert deferred_acceptance(CHOICES, priority, SEATS).assignment.tolist() == [0, -1, 2, 1]


def test_prepared_market_checks_seats():
    market = prepare(CHOICES, PRIORITY)
    with pytest.raises(InvalidArgument) as error:
        market.match(np.array([1, 1]))
    assert str(error.value) == "len(seats) == 2, must be > 2 (the largest programme chosen)"


def test_checker_validates_assignment_and_option():
    with pytest.raises(InvalidArgument) as error:
        check_matching(CHOICES, PRIORITY, SEATS, np.array([0, 1, 3, -1]))
    assert str(error.value) == "assignment[2] == 3, must be -1 or a programme index < 3"
    with pytest.raises(InvalidArgument) as error:
        check_matching(CHOICES, PRIORITY, SEATS, np.array([0, 1]))
    assert str(error.value) == "assignment.shape == (2,), must be (4,) (one per student)"
    with pytest.raises(InvalidArgument) as error:
        check_matching(CHOICES, PRIORITY, SEATS, np.array([0, 1, 2, -1]), optimality="fast")
    assert str(error.value) == "optimality == 'fast', must be one of ('reference', 'core')"
