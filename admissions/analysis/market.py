"""One prepared round re-matched with other seats: the shared object every what-if task works on.

:func:`build_context` takes a round from :func:`admissions.round.prepare_round` (loaded, validated,
encoded, priorities built, its applications ranked once: ``RoundResult.prepared``);
:func:`evaluate` then re-matches (:func:`admissions.rules.quota_game.match_quotas`) with new
offer seats and returns the few per-offer and per-round figures a scenario reports, never
student-level arrays, so a task's result is a few kilobytes whatever the region's size.

Cut-off (antagningspoäng) is the definition of programmes.csv (admissions.reports.programmes): the
score (merit value plus test points) of the lowest-ranked student admitted in the offer's
ordinary quota, NaN when the offer is not oversubscribed (no eligible applicant who ranks it above
their placement is left as a reserve). It is read from a lookup table built once per market: the
priorities are ranks, so the core's cut-off (a rank) indexes the score directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from admissions.matching import PreparedMarket
from admissions.round import RoundResult
from admissions.rules.quota_game import match_quotas, quota_sizes
from admissions.rules.quotas import Market


@dataclass(frozen=True, eq=False)
class CutoffLookup:
    """Score and tier of the application ranked ``rank`` at sub-programme ``q``: ``score[offset[q] + rank]``."""

    offset: np.ndarray  # (q + 1,) int64
    score: np.ndarray  # (A,) float64
    tier: np.ndarray  # (A,) int64


def cutoff_lookup(market: Market, priority: np.ndarray) -> CutoffLookup:
    """The lookup table of a market whose priority is in rank form (as build_priority returns it)."""
    present = market.choices >= 0
    sub = market.choices[present]
    rank = priority[present].astype(np.int64)
    counts = np.bincount(sub, minlength=len(market.seats))
    offset = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offset[1:])
    score = np.empty(len(sub), dtype=np.float64)
    score[offset[sub] + rank] = market.score[present]
    tier = np.empty(len(sub), dtype=np.int64)
    tier[offset[sub] + rank] = market.tier[present]
    return CutoffLookup(offset, score, tier)


def placed_columns(market: Market, choice_index: np.ndarray) -> np.ndarray:
    """(n,) int64 column in the encoded choices (the student's own rank - 1) of each placement, -1 unplaced."""
    placed = choice_index >= 0
    column = np.full(len(choice_index), -1, dtype=np.int64)
    rows = np.flatnonzero(placed)
    column[rows] = market.column[rows, choice_index[rows]]
    return column


def cutoff_entries(
    market: Market, lookup: CutoffLookup, cutoff_rank: np.ndarray, admitted: np.ndarray,
    placed_column: np.ndarray, n_offers: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Which offers have a cut-off, (p,) bool, and where each of those cut-offs is in ``lookup``, (k,) int64.

    ``cutoff_rank`` and ``admitted`` are the core's per sub-programme results; ``placed_column``
    is :func:`placed_columns` of the same matching.
    """
    # Oversubscribed: some applicant ranks the offer above where they ended (or is unplaced).
    below = np.where(placed_column < 0, np.iinfo(np.int64).max, placed_column)[:, None]
    above = (market.choices >= 0) & (market.column < below)
    reserves = np.bincount(market.parent[market.choices[above]], minlength=n_offers)
    ordinary = market.ordinary
    rank = cutoff_rank[ordinary]
    has = (reserves > 0) & (admitted[ordinary] > 0) & ~np.isnan(rank)
    return has, lookup.offset[ordinary[has]] + rank[has].astype(np.int64)


def offer_cutoffs(
    market: Market, lookup: CutoffLookup, cutoff_rank: np.ndarray, admitted: np.ndarray,
    placed_column: np.ndarray, n_offers: int,
) -> np.ndarray:
    """(p,) float64 cut-off score per offer (NaN when not oversubscribed or nobody admitted); arguments
    as :func:`cutoff_entries`."""
    has, at = cutoff_entries(market, lookup, cutoff_rank, admitted, placed_column, n_offers)
    cutoff = np.full(n_offers, np.nan)
    cutoff[has] = lookup.score[at]
    return cutoff


@dataclass(frozen=True, eq=False)
class MarketContext:
    """Everything a scenario needs, built once and sent once to every worker.

    ``baseline_rank`` (n,) int64 is each student's placed column in the round as it is, with
    unplaced as ``n_columns`` (worse than any placement); it is None until the baseline is known.
    """

    market: Market
    priority: np.ndarray
    prepared: PreparedMarket
    lookup: CutoffLookup
    n_offers: int
    n_columns: int
    baseline_rank: np.ndarray | None = None


@dataclass(frozen=True)
class Outcome:
    """The figures of one matching with given offer seats.

    Per offer (p,): ``seats``, ``admitted`` (int64), ``cutoff`` (float64, NaN when none) and
    ``cutoff_tier`` (float64: the tier of the last admitted in the ordinary quota, NaN when no cut-off).
    Per round: students ``placed``, ``placed_first_choice``, and against the baseline how many
    got a ``better``, ``worse`` or the ``same`` choice (all 0 / n when there is no baseline yet).
    """

    seats: np.ndarray
    admitted: np.ndarray
    cutoff: np.ndarray
    n_students: int
    placed: int
    placed_first_choice: int
    better: int
    worse: int
    same: int
    cutoff_tier: np.ndarray | None = None

    @property
    def unplaced(self) -> int:
        return self.n_students - self.placed


def build_context(r: RoundResult) -> MarketContext:
    """The shared context of a prepared round: ranks computed once, baseline ranks from its result."""
    market = r.market
    context = MarketContext(
        market=market,
        priority=r.priority,
        prepared=r.prepared,
        lookup=cutoff_lookup(market, r.priority),
        n_offers=r.encoded.n_programmes,
        n_columns=int(r.encoded.choices.shape[1]),
    )
    column = r.placed_column
    rank = np.where(column >= 0, column, context.n_columns).astype(np.int64)
    return MarketContext(**{**context.__dict__, "baseline_rank": rank})


def evaluate(context: MarketContext, seats: np.ndarray) -> Outcome:
    """Match the market with new offer seats (p,) and return its figures (see :class:`Outcome`)."""
    market = context.market
    seats = np.asarray(seats, dtype=np.int64)
    result = match_quotas(market, context.prepared, quota_sizes(market, seats))
    column = placed_columns(market, result.choice_index)
    admitted = np.bincount(market.parent, weights=result.admitted, minlength=context.n_offers).astype(np.int64)
    has, at = cutoff_entries(market, context.lookup, result.cutoff, result.admitted, column, context.n_offers)
    cutoff = np.full(context.n_offers, np.nan)
    cutoff[has] = context.lookup.score[at]
    cutoff_tier = np.full(context.n_offers, np.nan)
    cutoff_tier[has] = context.lookup.tier[at]
    n = len(column)
    placed = int((column >= 0).sum())
    better = worse = 0
    same = n
    if context.baseline_rank is not None:
        rank = np.where(column >= 0, column, context.n_columns)
        better = int((rank < context.baseline_rank).sum())
        worse = int((rank > context.baseline_rank).sum())
        same = n - better - worse
    return Outcome(
        seats=seats,
        admitted=admitted,
        cutoff=cutoff,
        n_students=n,
        placed=placed,
        placed_first_choice=int((column == 0).sum()),
        better=better,
        worse=worse,
        same=same,
        cutoff_tier=cutoff_tier,
    )
