"""Seat quotas inside an offer: the free quota (fri kvot) and the aptitude-test quota.

Each quota of an offer with quotas is a sub-programme with its own priority order (the
slot-specific priorities), and each application to the offer becomes consecutive entries of its
sub-programmes, in this order:

1. the free quota (``free_quota_seats``), for applicants with a ``free_quota_rank``, ordered by
   tier, then that rank (1 first), then the tie-break chain;
2. the test quota (``test_seats``), ordered by tier, then aptitude-test points alone, then the
   chain;
3. the ordinary quota (the remaining seats), ordered by tier, then merit value plus test points,
   then the chain.

An applicant not reached in a quota competes in the next one, so no applicant is worse off for
being considered in a quota. The entries of one application are not matched as programmes of their
own: the offer chooses among them with one choice rule, in which a quota seat nobody in the quota
holds goes to the ordinary selection (admissions.rules.quota_game).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

ORDINARY, TEST, FREE = 0, 1, 2
QUOTA_NAMES = ("ordinary", "test", "free")


@dataclass(frozen=True)
class Market:
    """The matching market of quotas (sub-programmes, q of them) that the core sees (n students, w columns).

    ``column`` maps each entry back to its column in the round's encoded choices (-1 at padding);
    ``parent`` and ``quota`` say which offer and which quota each sub-programme is.
    """

    choices: np.ndarray  # (n, w) int64 sub-programme index, -1 padding
    tier: np.ndarray  # (n, w) int64
    score: np.ndarray  # (n, w) float64, the order key within the sub-programme
    column: np.ndarray  # (n, w) int64
    seats: np.ndarray  # (q,) int64 initial quota sizes
    parent: np.ndarray  # (q,) int64 offer index
    quota: np.ndarray  # (q,) int8: ORDINARY, TEST or FREE

    @cached_property
    def game(self):
        """The market's :class:`admissions.rules.quota_game.QuotaGame` (built on first use)."""
        from admissions.rules.quota_game import quota_game

        return quota_game(self)

    @property
    def ordinary(self) -> np.ndarray:
        """(p,) int64 sub-programme index of each offer's ordinary quota."""
        index = np.empty(int(self.parent.max(initial=-1)) + 1, dtype=np.int64)
        is_ordinary = self.quota == ORDINARY
        index[self.parent[is_ordinary]] = np.flatnonzero(is_ordinary)
        return index


def build_market(
    choices: np.ndarray,
    column: np.ndarray,
    tier: np.ndarray,
    score: np.ndarray,
    test_points: np.ndarray,
    seats: np.ndarray,
    test_seats: np.ndarray,
    free_quota_seats: np.ndarray,
    free_quota_rank: np.ndarray,
) -> Market:
    """Split every offer with quotas into sub-programmes and expand the choices accordingly.

    Parameters
    ----------
    choices, column, tier, score, test_points : (n, k) arrays of the eligible choices pushed left
        (column = their column in the encoded choices, test_points NaN where none).
    seats, test_seats, free_quota_seats : (p,) int64 per offer (quota seats never exceed seats:
        the validator checks it).
    free_quota_rank : (n,) float64, NaN for students outside the free quota.
    """
    n, k = choices.shape
    p = len(seats)
    test_seats = np.minimum(test_seats, seats)
    free_quota_seats = np.minimum(free_quota_seats, seats - test_seats)
    has_free, has_test = free_quota_seats > 0, test_seats > 0

    # Sub-programmes: every offer keeps its index as its ordinary quota; quotas are appended.
    free_index = np.full(p, -1, dtype=np.int64)
    test_index = np.full(p, -1, dtype=np.int64)
    free_index[has_free] = p + np.arange(has_free.sum())
    test_index[has_test] = p + has_free.sum() + np.arange(has_test.sum())
    parent = np.concatenate([np.arange(p), np.flatnonzero(has_free), np.flatnonzero(has_test)])
    quota = np.concatenate([np.full(p, ORDINARY), np.full(has_free.sum(), FREE), np.full(has_test.sum(), TEST)])
    sub_seats = np.concatenate([seats - test_seats - free_quota_seats, free_quota_seats[has_free],
                                test_seats[has_test]]).astype(np.int64)

    if not (has_free.any() or has_test.any()):
        return Market(choices, tier, score, column, sub_seats, parent.astype(np.int64), quota.astype(np.int8))

    present = choices >= 0
    offer = np.maximum(choices, 0)
    in_free = present & has_free[offer] & ~np.isnan(free_quota_rank)[:, None]
    in_test = present & has_test[offer]
    # Each entry becomes up to three slots (free, test, ordinary), in that order; a slot's column is
    # the number of slots before it in the row, so entries keep the student's order.
    slots = present.astype(np.int64) + in_free + in_test
    end = np.cumsum(slots, axis=1)
    first = end - slots
    width = max(int(end[:, -1].max(initial=0)) if end.size else 0, 1)
    out_choice = np.full((n, width), -1, dtype=np.int64)
    out_tier = np.zeros((n, width), dtype=np.int64)
    out_score = np.zeros((n, width), dtype=np.float64)
    out_column = np.full((n, width), -1, dtype=np.int64)
    rank_score = -np.nan_to_num(free_quota_rank, nan=0.0)

    def place(mask: np.ndarray, position: np.ndarray, sub: np.ndarray, tier_of, score_of) -> None:
        r, c = np.nonzero(mask)
        at = position[r, c]
        out_choice[r, at] = sub[r, c]
        out_tier[r, at] = tier_of(r, c)
        out_score[r, at] = score_of(r, c)
        out_column[r, at] = column[r, c]

    place(in_free, first, free_index[offer], lambda r, c: tier[r, c], lambda r, c: rank_score[r])
    place(in_test, first + in_free, test_index[offer], lambda r, c: tier[r, c],
          lambda r, c: np.nan_to_num(test_points[r, c], nan=0.0))
    place(present, first + in_free + in_test, choices, lambda r, c: tier[r, c], lambda r, c: score[r, c])
    return Market(
        choices=out_choice,
        tier=out_tier,
        score=out_score,
        column=out_column,
        seats=sub_seats,
        parent=parent.astype(np.int64),
        quota=quota.astype(np.int8),
    )
