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
  does not answer keeps the seat;
- a student who removed the held offer from their choices has given it up, as by a decline.

A freed seat then goes to the best-placed reserve, who frees a lower seat in turn: deferred
acceptance follows such chains to the end within the one round.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Codes of Selection.excluded.
NOT_EXCLUDED, WITHDRAWN, DECLINED, BELOW_HELD = 0, 1, 2, 3
GUARANTEED_TIER = 0


@dataclass(frozen=True)
class Guarantee:
    """What the round must honour, per student of the round (n students).

    ``held``: the offer each student holds from the base run, -1 for none.
    ``declined``, ``withdrawn``: the student's answer.
    """

    held: np.ndarray  # (n,) int64
    declined: np.ndarray  # (n,) bool
    withdrawn: np.ndarray  # (n,) bool


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
    held = guarantee.held[:, None]
    at_held = (choices == held) & (held >= 0)
    held_column = np.where(at_held.any(axis=1), at_held.argmax(axis=1), -1)
    has_seat = held_column >= 0
    keeps = has_seat & ~guarantee.declined & ~guarantee.withdrawn

    excluded = np.zeros((n, k), dtype=np.int8)
    present = choices >= 0
    hc = held_column[:, None]
    excluded[keeps[:, None] & present & (column > hc)] = BELOW_HELD
    gives_up = (has_seat & guarantee.declined & ~guarantee.withdrawn)[:, None]
    excluded[gives_up & present & (column >= hc)] = DECLINED
    excluded[guarantee.withdrawn[:, None] & present] = WITHDRAWN

    protected = keeps[:, None] & (column == hc)
    eligible = eligible | protected
    tier = np.where(protected, GUARANTEED_TIER, tier)
    holders = np.bincount(choices[protected], minlength=len(seats))
    return eligible, tier, excluded, np.maximum(seats, holders).astype(np.int64)
