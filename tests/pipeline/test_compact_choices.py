import numpy as np

from admissions.pipeline import compact_choices


def test_ineligible_choices_are_removed_and_the_rest_shift_left():
    choices = np.array([[3, 1, 4, -1], [5, 9, 2, 6], [7, -1, -1, -1]])
    keep = np.array([[True, False, True, False], [False, False, False, False], [True, False, False, False]])
    compact, column = compact_choices(choices, keep)
    np.testing.assert_array_equal(compact, [[3, 4], [-1, -1], [7, -1]])
    np.testing.assert_array_equal(column, [[0, 2], [-1, -1], [0, -1]])


def test_nothing_kept_gives_one_padding_column():
    choices = np.array([[1, 2], [0, -1]])
    compact, column = compact_choices(choices, np.zeros((2, 2), dtype=bool))
    np.testing.assert_array_equal(compact, [[-1], [-1]])
    np.testing.assert_array_equal(column, [[-1], [-1]])


def test_quota_seats_follow_new_offer_seats():
    from admissions.pipeline import quota_seats_for
    from admissions.rules.quotas import build_market

    # Offer 0: 10 seats, 3 test, 2 free; offer 1: 5 seats, no quotas.
    choices = np.array([[0, 1]])
    zeros = np.zeros((1, 2))
    market = build_market(choices, np.array([[0, 1]]), np.ones((1, 2), dtype=np.int64), zeros, zeros,
                          np.array([10, 5]), np.array([3, 0]), np.array([2, 0]), np.array([1.0]))
    assert market.seats.tolist() == [5, 5, 2, 3]  # ordinary 0, ordinary 1, free 0, test 0
    assert quota_seats_for(market, np.array([10, 5])).tolist() == [5, 5, 2, 3]
    assert quota_seats_for(market, np.array([4, 7])).tolist() == [0, 7, 1, 3]
    assert quota_seats_for(market, np.array([2, 0])).tolist() == [0, 0, 0, 2]
    assert quota_seats_for(market, np.array([30, 5])).tolist() == [25, 5, 2, 3]
