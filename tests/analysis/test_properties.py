"""Properties of a re-match with any seats, on a generated region (hypothesis draws the seat changes)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admissions.analysis.market import build_context, evaluate
from admissions.matching import prepare
from admissions.round import prepare_round
from admissions.rules.quota_game import (
    check_quota_matching,
    match_quotas,
    quota_sizes,
    reference_quota_deferred_acceptance,
)


@pytest.fixture(scope="module")
def context(large_region):
    r = prepare_round(large_region)
    return r, build_context(r)


changes = st.lists(st.tuples(st.integers(0, 10_000), st.integers(-40, 40)), min_size=1, max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=changes)
def test_any_seats_give_consistent_figures(context, changes):
    r, ctx = context
    seats = r.encoded.seats.copy()
    for at, delta in changes:
        p = at % len(seats)
        seats[p] = max(seats[p] + delta, 0)
    outcome = evaluate(ctx, seats)
    n = r.encoded.n_students
    assert outcome.placed + outcome.unplaced == n
    assert outcome.better + outcome.worse + outcome.same == n
    assert (outcome.admitted <= seats).all() and (outcome.admitted >= 0).all()
    assert outcome.placed == int(outcome.admitted.sum())
    assert outcome.placed_first_choice <= outcome.placed
    cut = outcome.cutoff[~np.isnan(outcome.cutoff)]
    assert (cut >= 0).all()
    # A cut-off only where the offer admitted someone.
    assert (outcome.admitted[~np.isnan(outcome.cutoff)] > 0).all()
    # The re-match is the matching a fresh run computes with those seats, and it is stable.
    market = r.market
    sizes = quota_sizes(market, seats)
    result = match_quotas(market, prepare(market.choices, r.priority), sizes)
    fresh = reference_quota_deferred_acceptance(market, r.priority, sizes)
    np.testing.assert_array_equal(result.assignment, fresh.assignment)
    assert check_quota_matching(market, r.priority, sizes, result.assignment, reference=False).is_stable


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 40)), min_size=1, max_size=4))
def test_more_seats_leave_nobody_worse_off(context, changes):
    """Deferred acceptance is monotone in capacities: added seats only move students up their lists."""
    r, ctx = context
    seats = r.encoded.seats.copy()
    for at, delta in changes:
        seats[at % len(seats)] += delta
    outcome = evaluate(ctx, seats)
    assert outcome.worse == 0
    assert outcome.placed >= int((r.offer_assignment >= 0).sum())
