"""The guarantee after the final admission, and students' answers, applied to a reserve round.

After the final admission a student keeps the seat they hold: in every later round they keep it or
get a higher choice. In the matching this is done with priorities, so the round stays an ordinary
student-proposing deferred acceptance and its result is stable in the market it sees:

- a holder's choices below the held offer are struck (they are never moved down);
- at the held offer the holder has tier 0, above every applicant, so no one can take the seat; the
  offer gets at least as many seats as it has holders, even if its seats were cut;
- the held application stays eligible even when new grades would make it ineligible;
- a student who declines (``decline``) gives up the held seat and every lower choice, and stays a
  reserve on higher choices; one who withdraws (``withdraw``) leaves every choice; a student who
  does not answer keeps the seat. Answers hold for the rest of the season: a seat declined in one
  reserve round stays given up (with every lower choice) in the next;
- a student who removed the held offer from their choices has given it up, as by a decline.

A freed seat then goes to the best-placed reserve, who frees a lower seat in turn: deferred
acceptance follows such chains to the end within the one round.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from admissions.rules.selection import Selection

#: Codes of Selection.excluded.
NOT_EXCLUDED, WITHDRAWN, DECLINED, BELOW_HELD = 0, 1, 2, 3
GUARANTEED_TIER = 0


@dataclass(frozen=True)
class Guarantee:
    """What the round must honour, per student of the round (n students).

    ``held``: the offer each student holds from the base run, -1 for none.
    ``withdrawn``: the student has withdrawn from the admission.
    ``decline_student``, ``decline_offer``: (d,) pairs, the student declined that offer (in this
    round or an earlier one of the season), giving up it and every lower choice.
    """

    held: np.ndarray  # (n,) int64
    withdrawn: np.ndarray  # (n,) bool
    decline_student: np.ndarray  # (d,) int64
    decline_offer: np.ndarray  # (d,) int64


def apply_guarantee(
    choices: np.ndarray,
    eligible: np.ndarray,
    tier: np.ndarray,
    seats: np.ndarray,
    guarantee: Guarantee,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Strike, protect and free choices as the guarantee and the answers say.

    Parameters
    ----------
    choices : (n, k) int64 offer index, -1 padding.
    eligible : (n, k) bool, from the selection rules.
    tier : (n, k) int64.
    seats : (p,) int64.
    guarantee : Guarantee for the n students.

    Returns
    -------
    eligible : (n, k) bool, the held choice always eligible (struck choices keep their own value:
        ``excluded`` takes them out of the matching).
    tier : (n, k) int64, GUARANTEED_TIER at held choices.
    excluded : (n, k) int8, NOT_EXCLUDED, WITHDRAWN, DECLINED or BELOW_HELD.
    seats : (p,) int64, at least the number of holders of each offer.
    """
    n, k = choices.shape
    column = np.arange(k)[None, :]
    held_column = column_of(choices, np.arange(n), guarantee.held)
    # The highest choice each student declined: it and everything below are given up.
    declined_column = np.full(n, k, dtype=np.int64)
    at = column_of(choices, guarantee.decline_student, guarantee.decline_offer)
    found = at >= 0
    np.minimum.at(declined_column, guarantee.decline_student[found], at[found])
    keeps = (held_column >= 0) & (held_column < declined_column) & ~guarantee.withdrawn

    excluded = np.zeros((n, k), dtype=np.int8)
    present = choices >= 0
    hc = held_column[:, None]
    excluded[keeps[:, None] & present & (column > hc)] = BELOW_HELD
    excluded[present & (column >= declined_column[:, None])] = DECLINED
    excluded[guarantee.withdrawn[:, None] & present] = WITHDRAWN

    protected = keeps[:, None] & (column == hc)
    eligible = eligible | protected
    tier = np.where(protected, GUARANTEED_TIER, tier)
    holders = np.bincount(choices[protected], minlength=len(seats))
    return eligible, tier, excluded, np.maximum(seats, holders).astype(np.int64)


def column_of(choices: np.ndarray, students: np.ndarray, offers: np.ndarray) -> np.ndarray:
    """(m,) int64 column at which each student lists the offer, -1 when not listed (or offer -1)."""
    if len(students) == 0:
        return np.empty(0, dtype=np.int64)
    match = (choices[students] == offers[:, None]) & (offers[:, None] >= 0)
    return np.where(match.any(axis=1), match.argmax(axis=1), -1).astype(np.int64)


def guaranteed_selection(choices: np.ndarray, selection: Selection, seats: np.ndarray,
                         guarantee: Guarantee) -> tuple[Selection, np.ndarray]:
    """The selection of a round that honours ``guarantee``, and each offer's effective seats.

    ``choices`` (n, k) int64 offer index, -1 padding; ``seats`` (p,) int64. Each holder is ranked
    first at the held offer (tier GUARANTEED_TIER) and ``held`` marks the held seats; the
    effective seats (p,) int64 are at least the holders of each offer (apply_guarantee).
    """
    eligible, tier, excluded, seats = apply_guarantee(choices, selection.eligible, selection.tier, seats, guarantee)
    held = (tier == GUARANTEED_TIER) & (choices >= 0)
    return replace(selection, eligible=eligible, tier=tier, excluded=excluded, held=held), seats


def holders_own_tier(selection: Selection, own_tier: np.ndarray) -> Selection:
    """The selection with each holder's own tier (n, k) at the held seat, for the reports.

    The market ranks holders first (tier GUARANTEED_TIER); the reports show each holder's own tier
    and tell the held seats apart through ``selection.held``.
    """
    if selection.held is None:
        return selection
    return replace(selection, tier=np.where(selection.held, own_tier, selection.tier))
