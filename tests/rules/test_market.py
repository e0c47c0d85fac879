import numpy as np

from admissions.rules.market import compact_choices


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
