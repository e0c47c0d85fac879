"""The market of quota sub-programmes equals the expansion written out as a loop."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from admissions.rules.quotas import FREE, ORDINARY, TEST, build_market


def plain_market(choices, column, tier, score, test_points, seats, test_seats, free_seats, free_rank):
    p = len(seats)
    free_index, test_index, next_index = {}, {}, p
    for o in range(p):
        if free_seats[o] > 0:
            free_index[o] = next_index
            next_index += 1
    for o in range(p):
        if test_seats[o] > 0:
            test_index[o] = next_index
            next_index += 1
    rows = []
    for s, row in enumerate(choices):
        slots = []
        for j, o in enumerate(row):
            if o < 0:
                continue
            if o in free_index and not np.isnan(free_rank[s]):
                slots.append((free_index[o], tier[s, j], -free_rank[s], column[s, j]))
            if o in test_index:
                points = 0.0 if np.isnan(test_points[s, j]) else test_points[s, j]
                slots.append((test_index[o], tier[s, j], points, column[s, j]))
            slots.append((o, tier[s, j], score[s, j], column[s, j]))
        rows.append(slots)
    return rows


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_build_market_equals_the_loop(data):
    n = data.draw(st.integers(1, 6))
    p = data.draw(st.integers(1, 4))
    k = data.draw(st.integers(1, 4))
    choices = np.full((n, k), -1, dtype=np.int64)
    for s in range(n):
        listed = data.draw(st.lists(st.integers(0, p - 1), unique=True, max_size=k))
        choices[s, : len(listed)] = listed
    column = np.where(choices >= 0, np.arange(k)[None, :], -1)
    tier = np.array(data.draw(st.lists(st.integers(1, 4), min_size=n * k, max_size=n * k))).reshape(n, k)
    score = np.arange(n * k, dtype=float).reshape(n, k)
    test_points = np.where(np.arange(n * k).reshape(n, k) % 3 == 0, np.nan, 7.0)
    seats = np.array(data.draw(st.lists(st.integers(0, 5), min_size=p, max_size=p)))
    test_seats = np.array(data.draw(st.lists(st.integers(0, 2), min_size=p, max_size=p)))
    free_seats = np.array(data.draw(st.lists(st.integers(0, 2), min_size=p, max_size=p)))
    free_rank = np.array(data.draw(st.lists(st.one_of(st.just(np.nan), st.integers(1, 9).map(float)),
                                            min_size=n, max_size=n)))
    market = build_market(choices, column, tier, score, test_points, seats, test_seats, free_seats, free_rank)

    # Quota sizes are capped by the seats the offer has, test quota first.
    capped_test = np.minimum(test_seats, seats)
    capped_free = np.minimum(free_seats, seats - capped_test)
    expected = plain_market(choices, column, tier, score, test_points, seats, capped_test, capped_free, free_rank)
    for s in range(n):
        got = [(int(market.choices[s, j]), int(market.tier[s, j]), float(market.score[s, j]),
                int(market.column[s, j])) for j in range(market.choices.shape[1]) if market.choices[s, j] >= 0]
        assert got == [(int(a), int(b), float(c), int(d)) for a, b, c, d in expected[s]]
        assert (market.choices[s, len(got):] == -1).all()
    assert market.seats[:p].tolist() == (seats - capped_test - capped_free).tolist()
    assert sorted(market.quota.tolist()) == sorted([ORDINARY] * p + [FREE] * int((capped_free > 0).sum())
                                                   + [TEST] * int((capped_test > 0).sum()))
