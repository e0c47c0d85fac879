"""The CI check: at 55,000 students the core is at least 6 times faster than the pure-Python reference,
on the synthetic instance (``-m ci``) and on the real region (the default area of ``admissions
generate``; ``pytest benchmarks``).

A ratio measured side by side in one run, so the speed of the CI machine does not matter. Needs
neither numba nor pytest-benchmark: ``pytest benchmarks -m ci``.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from admissions.matching import deferred_acceptance, reference_deferred_acceptance
from benchmarks.instances import make_instance, region_instance

# The bound guards against a core that stops being vectorised (a Python loop is 1-2 x the
# reference); the ratio itself is in benchmarks/README.md. Ten times was CI's bound from issue 1 to
# 2026-12-03, when the ratio had come down to 9.6-11.3 x on the quiet machine (core 12.4-13.0 ms,
# reference 122-139 ms; 5c6e2f1 gave 9.7 x in the same hour, so the machine and not the code) and
# CI failed by chance. Timed in turns, best of 5 for the reference, it is 8.4-9.5 x (the
# reference's best 103-117 ms); 6 x keeps the guard with a margin. CI (-m ci) runs the synthetic
# instance, `pytest benchmarks` the real region too.
MIN_SPEEDUP = 6.0


def best_times(first, second, rounds: int, second_per_round: int) -> tuple[float, object, float, object]:
    """The best timings in CPU seconds of this process of ``first`` and ``second``, and their results.

    Taken in turns: each round times ``first`` once and ``second`` ``second_per_round`` times, so
    both meet the same moments of the machine (its clock and its neighbours drift over a run). CPU
    time rather than wall-clock time: on a shared CI runner the time spent waiting for a core is
    not the code's, and both contenders are single-threaded. The best run is the one least
    disturbed by the neighbours' use of the caches.
    """
    best = [float("inf"), float("inf")]
    result = [None, None]
    for _ in range(rounds):
        for which, function, times in ((0, first, 1), (1, second, second_per_round)):
            for _ in range(times):
                start = time.process_time()
                result[which] = function()
                best[which] = min(best[which], time.process_time() - start)
    return best[0], result[0], best[1], result[1]


@pytest.mark.parametrize("market", [pytest.param("synthetic", marks=pytest.mark.ci), "real region"])
def test_core_is_six_times_faster_than_reference_at_55000(market):
    instance = make_instance(55_000, seed=1) if market == "synthetic" else region_instance(55_000)
    args = (instance.choices, instance.priority, instance.seats)
    reference_time, expected, core_time, result = best_times(
        lambda: reference_deferred_acceptance(*args), lambda: deferred_acceptance(*args), rounds=5, second_per_round=3
    )
    # The student-optimal property at 55,000: the core equals the textbook algorithm exactly.
    np.testing.assert_array_equal(result.assignment, expected.assignment)
    np.testing.assert_array_equal(result.choice_index, expected.choice_index)
    speedup = reference_time / core_time
    print(f"\n{market}: core {core_time * 1e3:.1f} ms, reference {reference_time * 1e3:.1f} ms, speedup {speedup:.1f}x")
    assert speedup >= MIN_SPEEDUP, f"core only {speedup:.1f}x faster than the pure-Python reference"
