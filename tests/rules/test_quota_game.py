"""The quota game: the fast match against the textbook reference with choice rules, the checker
against the definition of stability, and the reference against every stable matching (tiny rounds)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from admissions.matching import build_priority, prepare
from admissions.rules.quota_game import (
    blocking_pairs_by_choice,
    check_quota_matching,
    choose,
    match_quotas,
    quota_sizes,
    reference_quota_deferred_acceptance,
)
from admissions.rules.quotas import build_market


@st.composite
def rounds(draw, max_students=8, max_offers=4):
    """A consistent random round with quotas: lists without repeats, tiers, scores, test points,
    free-quota ranks, seats with test and free quotas inside them, a lottery."""
    n = draw(st.integers(1, max_students))
    p = draw(st.integers(1, max_offers))
    k = draw(st.integers(1, p))
    rows = [draw(st.lists(st.integers(0, p - 1), min_size=0, max_size=k, unique=True)) for _ in range(n)]
    choices = np.full((n, k), -1, dtype=np.int64)
    for s, row in enumerate(rows):
        choices[s, : len(row)] = row
    column = np.where(choices >= 0, np.arange(k)[None, :], -1)
    cells = n * k
    tier = np.array(draw(st.lists(st.integers(1, 4), min_size=cells, max_size=cells))).reshape(n, k)
    score = np.array(draw(st.lists(st.integers(0, 4), min_size=cells, max_size=cells)), dtype=float).reshape(n, k)
    points = draw(st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=cells, max_size=cells))
    test_points = np.array([np.nan if x is None else float(x) for x in points]).reshape(n, k)
    seats = np.array(draw(st.lists(st.integers(0, 4), min_size=p, max_size=p)))
    test_seats = np.array(draw(st.lists(st.integers(0, 3), min_size=p, max_size=p)))
    free_seats = np.array(draw(st.lists(st.integers(0, 3), min_size=p, max_size=p)))
    ranks = draw(st.lists(st.one_of(st.none(), st.integers(1, 9)), min_size=n, max_size=n))
    free_rank = np.array([np.nan if x is None else float(x) for x in ranks])
    market = build_market(choices, column, tier, score, test_points, seats, test_seats, free_seats, free_rank)
    lottery = np.array(draw(st.permutations(range(n))), dtype=float)
    priority = build_priority(market.choices, market.tier, market.score, tie_break=("lottery",), lottery=lottery)
    return market, priority


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(rounds())
def test_the_fast_game_equals_the_reference_and_is_stable_and_student_optimal(game):
    market, priority = game
    fast = match_quotas(market, prepare(market.choices, priority), market.seats)
    reference = reference_quota_deferred_acceptance(market, priority, market.seats)
    np.testing.assert_array_equal(fast.assignment, reference.assignment)
    np.testing.assert_array_equal(fast.choice_index, reference.choice_index)
    np.testing.assert_array_equal(fast.admitted, reference.admitted)
    np.testing.assert_array_equal(fast.cutoff, reference.cutoff)
    check = check_quota_matching(market, priority, market.seats, fast.assignment)
    assert check.is_stable and check.is_student_optimal
    assert blocking_pairs_by_choice(market, priority, market.seats, fast.assignment) == []


def any_assignment(market, data) -> np.ndarray:
    """Each student at one of their entries (any quota of any offer on their list) or unplaced."""
    out = []
    for row in market.choices.tolist():
        options = [-1] + [sub for sub in row if sub >= 0]
        out.append(data.draw(st.sampled_from(options)))
    return np.array(out, dtype=np.int64)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(rounds(max_students=6, max_offers=3), st.data())
def test_the_checker_agrees_with_the_definition_of_stability(game, data):
    market, priority = game
    assignment = any_assignment(market, data)
    check = check_quota_matching(market, priority, market.seats, assignment, reference=False)
    assert check.is_stable == (blocking_pairs_by_choice(market, priority, market.seats, assignment) == [])


def offer_rank(market, assignment) -> np.ndarray:
    """(n,) position of each student's offer on their list of offers, len(list) when unplaced."""
    ranks = []
    for s, row in enumerate(market.choices.tolist()):
        offers = list(dict.fromkeys(int(market.parent[sub]) for sub in row if sub >= 0))
        sub = assignment[s]
        ranks.append(len(offers) if sub < 0 else offers.index(int(market.parent[sub])))
    return np.array(ranks)


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(rounds(max_students=4, max_offers=3))
def test_no_stable_matching_is_better_for_any_student_than_the_reference(game):
    """Student-optimal: among all stable matchings (enumerated), nobody does better than in the reference."""
    market, priority = game
    reference = reference_quota_deferred_acceptance(market, priority, market.seats).assignment
    best = offer_rank(market, reference)
    options = [[-1] + [sub for sub in row if sub >= 0] for row in market.choices.tolist()]
    n_stable = 0
    for assignment in itertools.product(*options):
        assignment = np.array(assignment, dtype=np.int64)
        if blocking_pairs_by_choice(market, priority, market.seats, assignment):
            continue
        n_stable += 1
        assert (offer_rank(market, assignment) >= best).all()
    assert n_stable >= 1


def test_choose_fills_the_quotas_in_order_and_passes_on_what_they_leave():
    # (student, free priority, test priority, ordinary priority); 4 seats: 1 free, 1 test.
    applicants = [(0, None, 5, 1), (1, 3, None, 9), (2, None, 7, 2), (3, None, None, 8), (4, 1, 1, 7)]
    assert choose(applicants, 1, 1, 4) == {1: "free", 2: "test", 3: "ordinary", 4: "ordinary"}
    # Nobody in the free quota: its seat goes to the ordinary selection.
    assert choose([(0, None, None, 1), (1, None, None, 2)], 1, 0, 1) == {1: "ordinary"}


def test_quota_sizes_follow_new_offer_seats():
    # Offer 0: 10 seats, 3 test, 2 free; offer 1: 5 seats, no quotas.
    choices = np.array([[0, 1]])
    zeros = np.zeros((1, 2))
    market = build_market(choices, np.array([[0, 1]]), np.ones((1, 2), dtype=np.int64), zeros, zeros,
                          np.array([10, 5]), np.array([3, 0]), np.array([2, 0]), np.array([1.0]))
    assert market.seats.tolist() == [5, 5, 2, 3]  # ordinary 0, ordinary 1, free 0, test 0
    assert quota_sizes(market, np.array([4, 7])).tolist() == [0, 7, 1, 3]
