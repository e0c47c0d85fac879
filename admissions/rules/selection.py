"""Who may compete for a seat, and in which order: eligibility, priority tier and score per application."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from admissions.io.encode import EncodedRound
from admissions.rules.merit import merit_from_grades

FIRST_HAND = 1
SECOND_HAND = 2


@dataclass(frozen=True)
class Selection:
    """The rules applied to every application (n students, k choice columns).

    ``eligible`` is False at padding. ``tier``: lower is better (1 first-hand, 2 second-hand).
    ``score``: merit value plus the offer's test points. ``merit``: the merit value used, from
    grades when the student has grades, else the given merit_value. ``merit_mismatch``: students
    whose given merit_value differs from the one computed from their grades (grades win).
    """

    eligible: np.ndarray  # (n, k) bool
    ineligible_reason: np.ndarray  # (n, k) object, "" when eligible
    tier: np.ndarray  # (n, k) int64
    score: np.ndarray  # (n, k) float64
    merit: np.ndarray  # (n,) float64
    n_grades: np.ndarray  # (n,) int64
    merit_mismatch: np.ndarray  # (n_mismatch,) int64 student indices


def apply_rules(encoded: EncodedRound) -> Selection:
    """Eligibility, tier and score of every application of the round."""
    n = encoded.n_students
    choices = encoded.choices
    present = choices >= 0

    merit_from, n_grades = merit_from_grades(
        encoded.grade_student, encoded.grade_points, encoded.grade_language_choice, n
    )
    has_grades = n_grades > 0
    merit = np.where(has_grades, merit_from, encoded.merit_given)
    mismatch = np.flatnonzero(
        has_grades & ~np.isnan(encoded.merit_given) & (np.abs(encoded.merit_given - merit_from) > 1e-9)
    )

    override = encoded.eligible_override
    eligible = present & (override != 0)
    reason = np.full(choices.shape, "", dtype=object)
    reason[present & (override == 0)] = "not eligible by decision (eligible column)"

    home_in_area = encoded.in_area[encoded.home]
    tier = np.where(home_in_area, FIRST_HAND, SECOND_HAND)[:, None].repeat(choices.shape[1], axis=1)
    tier = tier.astype(np.int64)

    score = merit[:, None] + np.nan_to_num(encoded.test_points, nan=0.0)
    return Selection(
        eligible=eligible,
        ineligible_reason=reason,
        tier=tier,
        score=score,
        merit=merit,
        n_grades=n_grades,
        merit_mismatch=mismatch,
    )
