"""Properties of a re-match with any seats, on a generated region (hypothesis draws the seat changes)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admissions.analysis.market import build_context, evaluate
from admissions.matching import check_matching, deferred_acceptance
from admissions.pipeline import match_market, prepare_round, quota_seats_for


@pytest.fixture(scope="module")
def context(region):
    r = prepare_round(region)
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
    result, quota_seats, _ = match_market(market, r.priority, quota_seats_for(market, seats))
    fresh = deferred_acceptance(market.choices, r.priority, quota_seats)
    np.testing.assert_array_equal(result.assignment, fresh.assignment)
    assert check_matching(market.choices, r.priority, quota_seats, result.assignment).is_stable


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
    assert outcome.placed >= int((r.assignment >= 0).sum())
