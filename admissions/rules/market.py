"""The market the core matches: the competing choices pushed to the left, offers with quotas split,
and the priority of every application in it.

Built from the encoded round and the selection rules (admissions.rules.selection); the quotas'
sub-programmes come from :func:`admissions.rules.quotas.build_market`, the priority from the
tie-break table (:mod:`admissions.matching.priority`).
"""

from __future__ import annotations

import numpy as np

from admissions.io.encode import EncodedRound
from admissions.matching import TieBreakSources, build_priority, tie_break_arrays
from admissions.rules.quotas import Market, build_market
from admissions.rules.selection import Selection


def compact_choices(choices: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Push the kept choices of each row to the left, in order, and pad with -1.

    Parameters
    ----------
    choices : (n, k) int64, -1 at padding
    keep : (n, k) bool

    Returns
    -------
    compact, column : (n, k') int64
        The compacted choices and, for each entry, its column in ``choices`` (-1 at padding); k'
        is the largest number of kept choices in any row (at least 1).
    """
    # A kept entry's new column is the number of kept entries before it in its row.
    position = np.cumsum(keep, axis=1) - 1
    width = max(int(position[:, -1].max(initial=-1)) + 1 if position.size else 0, 1)
    compact = np.full((len(choices), width), -1, dtype=np.int64)
    column = np.full((len(choices), width), -1, dtype=np.int64)
    # Flat indices: one division instead of a 2-d index per write.
    k = keep.shape[1] if keep.ndim == 2 else 0
    cell = np.flatnonzero(keep)
    r, c = np.divmod(cell, max(k, 1))
    to = r * width + position.reshape(-1)[cell]
    compact.reshape(-1)[to] = choices.reshape(-1)[cell]
    column.reshape(-1)[to] = c
    return compact, column


def eligible_market(
    encoded: EncodedRound,
    selection: Selection,
    seats: np.ndarray,
    *,
    quotas: bool = True,
    free_quota: bool = True,
) -> Market:
    """The market the core matches: competing choices only, offers with quotas split.

    ``seats`` (p,) int64 per offer. ``quotas`` False matches every offer as one queue (reserve
    rounds); ``free_quota`` False ignores free_quota_rank (before the final admission nobody is
    placed in the free quota, and its seats pass to the ordinary selection).
    """
    choices, column = compact_choices(encoded.choices, selection.competing)
    rows = np.arange(encoded.n_students)[:, None]
    at = np.maximum(column, 0)
    no_seats = np.zeros_like(encoded.test_seats)
    return build_market(
        choices,
        column,
        selection.tier[rows, at],
        selection.score[rows, at],
        encoded.test_points[rows, at],
        seats,
        encoded.test_seats if quotas else no_seats,
        encoded.free_quota_seats if quotas else no_seats,
        encoded.free_quota_rank if free_quota else np.full(encoded.n_students, np.nan),
    )


def tie_break_sources(encoded: EncodedRound, selection: Selection, market: Market,
                      lottery: np.ndarray) -> TieBreakSources:
    """What the round's tie-break keys are built from (admissions.matching.priority.TIE_BREAK).

    ``lottery`` (n,) are the lottery numbers; the lottery draws pass each draw's numbers instead.
    """
    return TieBreakSources(
        student_ids=np.asarray(encoded.student_ids),
        lottery=np.asarray(lottery, dtype=np.float64),
        merit=selection.merit,
        n_grades=selection.n_grades,
        choice_rank=market.column,
    )


def market_priority(market: Market, chain: tuple[str, ...], sources: TieBreakSources) -> np.ndarray:
    """(n, w) float64 the priority of every application of ``market``: tier, score, then ``chain``."""
    return build_priority(market.choices, market.tier, market.score, tie_break=chain,
                          **tie_break_arrays(sources, chain))
