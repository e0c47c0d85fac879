"""The quota handling before issue 12, kept only as the benchmarks' baseline (nothing imports it).

Every quota was a programme of fixed size, and the matching was re-run, each time moving every
vacant quota seat to the ordinary quota of its offer where that quota turned someone away, until
no seat moved (``match_market`` of the former admissions/pipeline.py and
``pass_on_vacant_quota_seats`` of admissions/rules/quotas.py, up to commit 0b345ea; the quota game
that replaced them is admissions/rules/quota_game.py, orchestrated by admissions/round.py). It converges to a stable matching for the final quota sizes, not to the
student-optimal one for the offers' choice rules (issue 12, round C); it is here so that
benchmarks/test_quotas.py can time the choice-rule game against it side by side.
"""

from __future__ import annotations

import numpy as np

from admissions.matching import MatchResult, PreparedMarket
from admissions.rules.quotas import ORDINARY, Market


def _turned_away(choices: np.ndarray, choice_index: np.ndarray, n_programmes: int) -> np.ndarray:
    column = np.arange(choices.shape[1])[None, :]
    above = (choices >= 0) & ((choice_index[:, None] < 0) | (column < choice_index[:, None]))
    return np.bincount(choices[above], minlength=n_programmes) > 0


def _pass_on(market: Market, seats: np.ndarray, admitted: np.ndarray, turned_away: np.ndarray) -> np.ndarray | None:
    vacant = np.where(market.quota != ORDINARY, seats - admitted, 0)
    ordinary = market.ordinary[market.parent]
    moving = (vacant > 0) & turned_away[ordinary]
    if not moving.any():
        return None
    new = seats.copy()
    new[moving] -= vacant[moving]
    np.add.at(new, ordinary[moving], vacant[moving])
    return new


def loop_match(market: Market, prepared: PreparedMarket, sizes: np.ndarray) -> tuple[MatchResult, np.ndarray, int]:
    """The old loop: (result, final quota sizes, matchings run)."""
    runs = 0
    while True:
        result = prepared.match(sizes)
        runs += 1
        moved = _pass_on(market, sizes, result.admitted, _turned_away(market.choices, result.choice_index, len(sizes)))
        if moved is None:
            return result, sizes, runs
        sizes = moved
