"""Who may compete for a seat, and in which order: eligibility, priority tier and score per application."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from admissions.io.encode import EncodedRound
from admissions.rules.eligibility import Requirement, application_eligibility, grade_passes
from admissions.rules.merit import merit_from_grades

#: Tiers, lower is better. First-hand (förstahandsmottagen) before second-hand; late applications
#: (application_group = late) after every on-time one, first-hand before second-hand among them.
FIRST_HAND = 1
SECOND_HAND = 2
LATE_OFFSET = 2
TIER_NAMES = {1: "first-hand", 2: "second-hand", 3: "late first-hand", 4: "late second-hand"}


@dataclass(frozen=True)
class Selection:
    """The rules applied to every application (n students, k choice columns).

    ``eligible`` is False at padding. ``tier``: lower is better (see TIER_NAMES). ``score``: merit
    value plus the offer's test points. ``merit``: the merit value used, from grades when the
    student has grades, else the given merit_value (NaN when neither: only free-quota applicants).
    ``merit_mismatch``: students whose given merit_value differs from the one computed from their
    grades (grades win).
    """

    eligible: np.ndarray  # (n, k) bool
    ineligible_reason: np.ndarray  # (n, k) object, "" when eligible
    tier: np.ndarray  # (n, k) int64
    score: np.ndarray  # (n, k) float64
    merit: np.ndarray  # (n,) float64
    n_grades: np.ndarray  # (n,) int64
    merit_mismatch: np.ndarray  # (n_mismatch,) int64 student indices
    excluded: np.ndarray | None = None  # (n, k) int8 codes of admissions.rules.guarantee, None: none
    held: np.ndarray | None = None  # (n, k) bool the seat a student holds from the base run; None: none

    @property
    def competing(self) -> np.ndarray:
        """(n, k) bool: the applications that take part in the matching."""
        if self.excluded is None:
            return self.eligible
        return self.eligible & (self.excluded == 0)


def first_hand_programmes(encoded: EncodedRound) -> np.ndarray:
    """(p,) bool: offers where every applicant is first-hand.

    An offer at an independent school, a nationally recruited one (riksrekryterande), or one whose
    programme code no offer in the admission area has.
    """
    hosted_in_area = encoded.in_area[encoded.host]
    codes_in_area = set(encoded.programme_code[hosted_in_area].tolist())
    offered_in_area = np.array([code in codes_in_area for code in encoded.programme_code], dtype=bool)
    return encoded.independent | encoded.national_recruitment | ~offered_in_area


def priority_tiers(encoded: EncodedRound) -> np.ndarray:
    """(n, k) int64 tier of every application (padding gets the tier of the student's row)."""
    first_programme = first_hand_programmes(encoded)
    lives_in_area = encoded.in_area[encoded.home]
    first = lives_in_area[:, None] | first_programme[np.maximum(encoded.choices, 0)]
    tier = np.where(first, FIRST_HAND, SECOND_HAND) + LATE_OFFSET * encoded.late
    return tier.astype(np.int64)


def apply_rules(
    encoded: EncodedRound,
    requirements: list[Requirement] | None = None,
    programme_requirement: np.ndarray | None = None,
) -> Selection:
    """Eligibility, tier and score of every application of the round.

    ``requirements`` and ``programme_requirement`` ((p,) int64 index into requirements) give each
    offer's eligibility requirement; without them every offer is open (only tests and the
    ``eligible`` column decide).
    """
    n = encoded.n_students
    if requirements is None or programme_requirement is None:
        requirements = [Requirement("open")]
        programme_requirement = np.zeros(encoded.n_programmes, dtype=np.int64)

    merit_from, n_grades = merit_from_grades(
        encoded.grade_student, encoded.grade_points, encoded.grade_language_choice, n
    )
    has_grades = n_grades > 0
    merit = np.where(has_grades, merit_from, encoded.merit_given)
    mismatch = np.flatnonzero(
        has_grades & ~np.isnan(encoded.merit_given) & (np.abs(encoded.merit_given - merit_from) > 1e-9)
    )

    passes = grade_passes(encoded.grade_student, encoded.grade_subject, encoded.subjects, encoded.grade_points, n)
    eligible, reason = application_eligibility(
        passes,
        requirements,
        programme_requirement,
        encoded.choices,
        encoded.has_test,
        encoded.test_points,
        encoded.eligible_override,
    )
    # Test points count only at an offer with a test (a stray value elsewhere is ignored).
    programme = np.maximum(encoded.choices, 0)
    test = np.where(encoded.has_test[programme], np.nan_to_num(encoded.test_points, nan=0.0), 0.0)
    score = np.nan_to_num(merit, nan=0.0)[:, None] + test
    return Selection(
        eligible=eligible,
        ineligible_reason=reason,
        tier=priority_tiers(encoded),
        score=score,
        merit=merit,
        n_grades=n_grades,
        merit_mismatch=mismatch,
    )
