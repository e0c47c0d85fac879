"""The vectorised core equals the textbook reference, and its results are stable, within capacity and waste no seat."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from admissions.errors import InvalidArgument
from admissions.matching import (
    check_matching,
    deferred_acceptance,
    prepare,
    reference_deferred_acceptance,
)

from matching_instances import instances, random_instance


def assert_same(result, expected) -> None:
    np.testing.assert_array_equal(result.assignment, expected.assignment)
    np.testing.assert_array_equal(result.choice_index, expected.choice_index)
    np.testing.assert_array_equal(result.admitted, expected.admitted)
    np.testing.assert_array_equal(result.cutoff, expected.cutoff)  # NaN == NaN here
    assert result.assignment.dtype == result.choice_index.dtype == result.admitted.dtype == np.int64
    assert result.cutoff.dtype == np.float64


def assert_stable_and_optimal(choices, priority, seats, result) -> None:
    check = check_matching(choices, priority, seats, result.assignment)
    assert check.to_dict() == {
        "is_stable": True,
        "is_student_optimal": True,
        "optimality_checked_with": "reference",
        "over_filled": 0,
        "blocking_pairs": 0,
        "wasted_seats": 0,
        "unlisted": 0,
    }


@pytest.mark.parametrize("seed", range(300))
def test_core_equals_reference_small(seed):
    rng = np.random.default_rng(10_000 + seed)
    n, p, k = int(rng.integers(1, 40)), int(rng.integers(1, 9)), int(rng.integers(1, 7))
    choices, priority, seats = random_instance(seed, n, p, k, rank_form=seed % 2 == 0)
    result = deferred_acceptance(choices, priority, seats)
    assert_same(result, reference_deferred_acceptance(choices, priority, seats))
    assert_stable_and_optimal(choices, priority, seats, result)


@pytest.mark.parametrize("seed", range(6))
def test_core_equals_reference_medium(seed):
    choices, priority, seats = random_instance(seed, 3000, 60, 8, max_seats=60, rank_form=seed % 2 == 0)
    result = deferred_acceptance(choices, priority, seats)
    assert_same(result, reference_deferred_acceptance(choices, priority, seats))
    assert_stable_and_optimal(choices, priority, seats, result)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(instances())
def test_core_equals_reference_hypothesis(instance):
    choices, priority, seats = instance
    result = deferred_acceptance(choices, priority, seats)
    assert_same(result, reference_deferred_acceptance(choices, priority, seats))
    assert_stable_and_optimal(choices, priority, seats, result)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(instances(max_students=10, max_programmes=3, max_k=40))
def test_very_long_lists(instance):
    choices, priority, seats = instance
    assert_same(deferred_acceptance(choices, priority, seats), reference_deferred_acceptance(choices, priority, seats))


def test_prepared_market_rematches_with_other_seats():
    choices, priority, seats = random_instance(7, 500, 20, 6, max_seats=30)
    market = prepare(choices, priority)
    for extra in range(5):
        new_seats = seats + extra
        assert_same(market.match(new_seats), reference_deferred_acceptance(choices, priority, new_seats))


def test_worked_example():
    # Programme 0 has 1 seat, programme 1 has 1 seat. Student 0 prefers 0 then 1, student 1
    # prefers 0, student 2 prefers 1 then 0. Programme 0 ranks 1 > 0 > 2, programme 1 ranks 0 > 2.
    choices = np.array([[0, 1], [0, -1], [1, 0]])
    priority = np.array([[5.0, 9.0], [7.0, -np.inf], [8.0, 1.0]])
    result = deferred_acceptance(choices, priority, np.array([1, 1]))
    assert result.assignment.tolist() == [1, 0, -1]
    assert result.choice_index.tolist() == [1, 0, -1]
    assert result.admitted.tolist() == [1, 1]
    assert result.cutoff.tolist() == [7.0, 9.0]


def test_edge_cases():
    empty = deferred_acceptance(np.zeros((0, 3), dtype=np.int64), np.zeros((0, 3)), np.array([2, 0]))
    assert empty.assignment.tolist() == [] and empty.admitted.tolist() == [0, 0]
    assert np.isnan(empty.cutoff).all()
    nobody = deferred_acceptance(np.array([[0], [0]]), np.array([[1.0], [2.0]]), np.array([0]))
    assert nobody.assignment.tolist() == [-1, -1] and nobody.choice_index.tolist() == [-1, -1]
    spare = deferred_acceptance(np.array([[1, 0], [0, 1]]), np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([5, 5, 5]))
    assert spare.assignment.tolist() == [1, 0] and spare.admitted.tolist() == [1, 1, 0]
    assert spare.cutoff[:2].tolist() == [3.0, 1.0] and np.isnan(spare.cutoff[2])
    padding_only = deferred_acceptance(np.array([[-1, -1]]), np.array([[0.0, 0.0]]), np.array([1]))
    assert padding_only.assignment.tolist() == [-1]


def test_inputs_not_modified_and_deterministic():
    choices, priority, seats = random_instance(3, 200, 10, 5)
    copies = (choices.copy(), priority.copy(), seats.copy())
    for array in (choices, priority, seats):
        array.flags.writeable = False  # any write would raise
    first = deferred_acceptance(choices, priority, seats)
    second = deferred_acceptance(choices, priority, seats)
    assert_same(first, second)
    for array, copy in zip((choices, priority, seats), copies):
        np.testing.assert_array_equal(array, copy)


def test_accepts_other_integer_and_float_dtypes():
    choices, priority, seats = random_instance(5, 100, 6, 4)
    expected = deferred_acceptance(choices, priority, seats)
    assert_same(deferred_acceptance(choices.astype(np.int32), priority.astype(np.float64),
                                    seats.astype(np.uint16)), expected)


def test_everyone_unplaceable_and_more_seats_than_students():
    choices = np.array([[0, 1], [1, 0], [0, -1]])
    priority = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, -np.inf]])
    nobody = deferred_acceptance(choices, priority, np.array([0, 0]))
    assert nobody.assignment.tolist() == [-1, -1, -1] and nobody.admitted.tolist() == [0, 0]
    plenty = deferred_acceptance(choices, priority, np.array([10, 10]))
    assert plenty.assignment.tolist() == [0, 1, 0] and plenty.choice_index.tolist() == [0, 0, 0]
    assert plenty.cutoff.tolist() == [1.0, 3.0]


def test_one_programme_same_merit_lottery_decides():
    from admissions.matching import build_priority, draw_lottery

    n = 50
    choices = np.zeros((n, 1), dtype=np.int64)
    priority = build_priority(choices, np.ones((n, 1), dtype=np.int64), np.full((n, 1), 200.0),
                              lottery=draw_lottery([f"S{i}" for i in range(n)], seed=3))
    result = deferred_acceptance(choices, priority, np.array([10]))
    winners = np.argsort(-draw_lottery([f"S{i}" for i in range(n)], seed=3))[:10]
    assert sorted(np.flatnonzero(result.assignment == 0).tolist()) == sorted(winners.tolist())
    assert result.cutoff.tolist() == [40.0]


@pytest.mark.slow
def test_student_optimal_at_55000_students():
    """The core equals the textbook algorithm on a realistic instance of the region's size."""
    instances = pytest.importorskip("benchmarks.instances")
    inst = instances.make_instance(55_000, seed=2)
    result = deferred_acceptance(inst.choices, inst.priority, inst.seats)
    assert_same(result, reference_deferred_acceptance(inst.choices, inst.priority, inst.seats))
    check = check_matching(inst.choices, inst.priority, inst.seats, result.assignment, optimality="core")
    assert check.is_stable


@pytest.mark.slow
@pytest.mark.parametrize(
    ("dense_fraction", "margin", "slack"),
    [(0, 2, 32), (10**9, 2, 32), (0, 0, 1)],
    ids=["windows only", "dense only", "windows widened from one key"],
)
def test_every_rejection_scan_gives_the_same_result(monkeypatch, dense_fraction, margin, slack):
    import admissions.matching.core as core

    monkeypatch.setattr(core, "_DENSE_SCAN_FRACTION", dense_fraction)
    monkeypatch.setattr(core, "_WINDOW_MARGIN", margin)
    monkeypatch.setattr(core, "_WINDOW_SLACK", slack)
    for seed in range(40):
        choices, priority, seats = random_instance(seed, 400, 12, 6, max_seats=30, rank_form=seed % 2 == 0)
        expected = reference_deferred_acceptance(choices, priority, seats)
        assert_same(deferred_acceptance(choices, priority, seats), expected)


def test_almost_rank_form_priorities():
    # Whole numbers that are not 0 .. m-1 at every programme take the sorting path: same result.
    choices = np.array([[0, 1], [1, 0], [0, -1]])
    gaps = np.array([[0.0, 5.0], [2.0, 7.0], [9.0, -np.inf]])
    assert_same(deferred_acceptance(choices, gaps, np.array([1, 1])),
                reference_deferred_acceptance(choices, gaps, np.array([1, 1])))
    # A repeated rank is a tie, whichever path finds it.
    repeated = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, -np.inf]])
    with pytest.raises(InvalidArgument) as error:
        deferred_acceptance(choices, repeated, np.array([1, 1]))
    assert str(error.value) == (
        "priority[1, 0] == 1.0 ties with priority[0, 1] at programme 1, must be unique within each programme"
    )


@pytest.mark.parametrize("seed", range(6))
def test_float_priorities_that_differ_only_in_their_last_bits(seed):
    # The sorting path keeps only a priority's top bits beside the application's index; priorities
    # of one programme equal there are ranked again exactly: the same result as the reference.
    choices, priority, seats = random_instance(seed, 400, 12, 6, max_seats=30)
    applied = choices >= 0
    rank = np.zeros(choices.shape)
    rank[applied] = np.argsort(np.argsort(priority[applied]))  # distinct whole numbers, same order
    near = np.where(applied, 1.0 + rank * 2.0**-52, -np.inf)  # 1.0, 1.0 + eps, 1.0 + 2 eps, ...
    expected = reference_deferred_acceptance(choices, near, seats)
    assert_same(deferred_acceptance(choices, near, seats), expected)
    spread = np.where(choices >= 0, priority * 1e-3 - 7.5, -np.inf)  # negative and positive, not whole
    assert_same(deferred_acceptance(choices, spread, seats), reference_deferred_acceptance(choices, spread, seats))


def test_signed_zero_priorities_tie():
    with pytest.raises(InvalidArgument, match="ties with"):
        deferred_acceptance(np.array([[0], [0]]), np.array([[0.0], [-0.0]]), np.array([1]))


def test_accepts_non_contiguous_inputs():
    choices, priority, seats = random_instance(6, 300, 8, 5, max_seats=20)
    expected = reference_deferred_acceptance(choices, priority, seats)
    wide = np.full((300, 10), -1, dtype=np.int64)
    wide[:, ::2] = choices  # a strided view, not a copy
    assert_same(deferred_acceptance(wide[:, ::2], np.asfortranarray(priority), seats[::-1][::-1]), expected)
    assert_same(deferred_acceptance(np.asfortranarray(choices), priority * 1.0 + 0.0, seats), expected)


def _spy_on_rankings(monkeypatch):
    """Record which of the core's float rankings ran and whether each gave an order (True) or not (False)."""
    import admissions.matching.core as core

    ran = []
    for name in ("_rank_in_one_sort", "_sort_twice", "_sort_exactly"):
        def spy(*args, _rank=getattr(core, name), _name=name):
            ranked = _rank(*args)
            ran.append((_name, ranked is not None))
            return ranked
        monkeypatch.setattr(core, name, spy)
    return ran


def _near_priorities(seed, spread_out):
    """An instance whose priorities at a choice are 1 + i * 2**-52 (distinct, in the order of a random
    instance's), except at ``spread_out`` (rows, columns), which get 1e15: one level is then about 2**-3
    wide, so all the others fall into a handful of levels and only the exact priority orders them."""
    choices, priority, seats = random_instance(seed, 400, 12, 6, max_seats=30)
    applied = choices >= 0
    rank = np.zeros(choices.shape)
    rank[applied] = np.argsort(np.argsort(priority[applied]))
    near = np.where(applied, 1.0 + rank * 2.0**-52, -np.inf)
    near[spread_out] = np.where(applied[spread_out], 1e15, -np.inf)
    return choices, near, seats


@pytest.mark.parametrize("seed", range(4))
def test_each_float_ranking_equals_the_reference(monkeypatch, seed):
    # Priorities far apart: one sort, no run of equal levels. One outlier: the others share a few
    # levels, too many for the one sort's lexsort of runs; the two sorts then meet them out of
    # order and the exact argsort ranks. A few close pairs among spread priorities: the one sort
    # puts those runs in order itself.
    ran = _spy_on_rankings(monkeypatch)
    choices, priority, seats = random_instance(seed, 400, 12, 6, max_seats=30)
    first_column = (np.arange(len(choices)), np.zeros(len(choices), dtype=int))
    near_choices, near, near_seats = _near_priorities(seed, first_column[0][:1])
    rng = np.random.default_rng(seed)
    spread = np.where(choices >= 0, rng.permutation(choices.size).reshape(choices.shape) * 1.0, np.nan)
    close = spread.copy()
    for programme in range(3):  # at three programmes, two applications within a level of each other
        one, other = np.argwhere(choices == programme)[:2]
        close[tuple(other)] = close[tuple(one)] + 2.0**-40
    cases = {
        "spread": ((choices, spread, seats), [("_rank_in_one_sort", True)]),
        "outlier": ((near_choices, near, near_seats),
                    [("_rank_in_one_sort", False), ("_sort_twice", False), ("_sort_exactly", True)]),
        "close pairs": ((choices, close, seats), [("_rank_in_one_sort", True)]),
    }
    for name, (args, path) in cases.items():
        ran.clear()
        result = deferred_acceptance(*args)
        assert ran == path, name
        assert_same(result, reference_deferred_acceptance(*args))
        assert_stable_and_optimal(*args, result)


def test_two_sorts_when_the_levels_leave_few_bits(monkeypatch):
    import admissions.matching.core as core

    ran = _spy_on_rankings(monkeypatch)
    monkeypatch.setattr(core, "_ONE_SORT_MIN_BITS", 64)
    for seed in range(4):
        choices, priority, seats = random_instance(seed, 400, 12, 6, max_seats=30)
        ran.clear()
        result = deferred_acceptance(choices, priority, seats)
        assert ran == [("_sort_twice", True)]
        assert_same(result, reference_deferred_acceptance(choices, priority, seats))


@pytest.mark.parametrize(
    "scale", [1.0, 1e300, 1e-310], ids=["ordinary", "range overflows: top bits", "subnormal: scale overflows"]
)
def test_float_priorities_of_any_range(scale):
    # Negative and positive, with programmes nobody applies to (every third), students without a
    # choice and NaN or -inf at padding: the same result as the reference at every magnitude.
    rng = np.random.default_rng(4)
    choices, priority, seats = random_instance(4, 300, 10, 5, max_seats=20)
    choices = np.where(choices >= 0, choices * 3, -1)
    seats = np.zeros(30, dtype=np.int64)
    seats[::3] = rng.integers(0, 20, 10)
    choices[::7] = -1
    padding = np.where(rng.random(choices.shape) < 0.5, np.nan, -np.inf)
    signed = np.where(choices >= 0, (priority - 1.5) * scale, padding)
    result = deferred_acceptance(choices, signed, seats)
    assert_same(result, reference_deferred_acceptance(choices, signed, seats))
    assert result.assignment[::7].tolist() == [-1] * len(choices[::7])
    assert result.admitted[1::3].tolist() == [0] * 10 and np.isnan(result.cutoff[1::3]).all()


@pytest.mark.parametrize(
    ("one", "other", "outlier", "named"),
    [(3.25, 3.25, 0.0, "3.25"), (0.0, -0.0, 0.0, "0.0"), (0.0, -0.0, 1e308, "-0.0"), (1.0, 1.0, 1e15, "1.0"),
     (5.0, 5.0, -1e308, "5.0")],
    ids=["equal", "signed zeros", "signed zeros, range overflows", "equal among many close", "equal, range overflows"],
)
def test_a_tie_is_named_by_every_float_ranking(one, other, outlier, named):
    # Whichever ranking meets the tie first (the one sort's runs, the two sorts, the levels of a
    # range that overflows), the exact argsort names it: the later entry, with the value of the one
    # of the two that its argsort put first (of signed zeros, either).
    choices = np.array([[0, 1], [1, 0], [0, -1], [2, -1]])
    priority = np.array([[one, 2.0], [7.0, other], [9.0, np.nan], [outlier, np.nan]])
    with pytest.raises(InvalidArgument) as error:
        deferred_acceptance(choices, priority, np.array([1, 1, 1]))
    assert str(error.value) == (
        f"priority[1, 1] == {named} ties with priority[0, 0] at programme 0, must be unique within each programme"
    )


def test_a_prepared_market_keeps_its_own_float_priorities():
    # The cut-offs come from the priority matrix: a market keeps a copy, so a caller who changes
    # the array afterwards changes nothing; the one-off call reads the caller's array itself and
    # leaves it writeable.
    choices, priority, seats = random_instance(8, 300, 10, 5, max_seats=20)
    expected = reference_deferred_acceptance(choices, priority, seats)
    market = prepare(choices, priority)
    priority[:] = 0.0
    assert_same(market.match(seats), expected)
    choices, priority, seats = random_instance(8, 300, 10, 5, max_seats=20)
    assert_same(deferred_acceptance(choices, priority, seats), expected)
    assert priority.flags.writeable


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("rank_form", [True, False], ids=["rank form", "real-valued"])
def test_a_priority_that_is_not_finite_is_named_on_either_path(bad, rank_form):
    # The core tests finiteness where it reads the priorities (the rank test, the sort's gather),
    # and names the first one in row order, ahead of any tie, as the validation did up front.
    choices, priority, seats = random_instance(9, 200, 8, 5, max_seats=20, rank_form=rank_form)
    rows, columns = np.nonzero(choices >= 0)
    priority = priority.astype(np.float64)
    priority[rows[150], columns[150]] = bad
    priority[rows[-1], columns[-1]] = bad
    priority[rows[120], columns[120]] = priority[rows[100], columns[100]]  # a tie, if at one programme
    priority[choices < 0] = np.nan  # padding: ignored
    message = f"priority[{rows[150]}, {columns[150]}] == {bad}, must be a finite number at a choice"
    for call in (lambda: deferred_acceptance(choices, priority, seats), lambda: prepare(choices, priority)):
        with pytest.raises(InvalidArgument) as error:
            call()
        assert str(error.value) == message
