"""pytest-benchmark benchmarks: the core against the pure-Python reference and the compiled (numba) one.

Run ``pytest benchmarks --benchmark-only`` (55,000 and 20,000 students) or add ``--full`` for
200,000 and 1,000,000. The pure-Python reference is benchmarked up to 200,000 students only (about
ten seconds a round at 1,000,000). numba is an optional extra: its benchmarks are skipped without it.
"""

from __future__ import annotations

import functools
import tracemalloc

import numpy as np
import pytest

from admissions.matching import check_matching, deferred_acceptance, prepare, reference_deferred_acceptance
from benchmarks.instances import make_instance

SIZES = [
    pytest.param(20_000, id="20k"),
    pytest.param(55_000, id="55k"),
    pytest.param(200_000, id="200k", marks=pytest.mark.full),
    pytest.param(1_000_000, id="1M", marks=pytest.mark.full),
]


@functools.cache
def instance(n_students: int):
    return make_instance(n_students, seed=1)


def numba_solver():
    pytest.importorskip("numba")
    from benchmarks.numba_da import numba_deferred_acceptance, warm_up

    warm_up()
    return numba_deferred_acceptance


@pytest.mark.parametrize("n_students", SIZES)
def test_core(benchmark, n_students):
    inst = instance(n_students)
    benchmark.group = f"{n_students} students"
    result = benchmark(deferred_acceptance, inst.choices, inst.priority, inst.seats)
    assert check_matching(inst.choices, inst.priority, inst.seats, result.assignment, optimality="core").is_stable


@pytest.mark.parametrize("n_students", SIZES)
def test_core_prepared(benchmark, n_students):
    """A what-if re-run: the same applications, other seats, ranks reused."""
    inst = instance(n_students)
    market = prepare(inst.choices, inst.priority)
    benchmark.group = f"{n_students} students"
    benchmark(market.match, inst.seats)


@pytest.mark.parametrize("n_students", SIZES)
def test_numba(benchmark, n_students):
    solve = numba_solver()
    inst = instance(n_students)
    benchmark.group = f"{n_students} students"
    assignment, _ = benchmark(solve, inst.choices, inst.priority, inst.seats)
    np.testing.assert_array_equal(assignment, deferred_acceptance(inst.choices, inst.priority, inst.seats).assignment)


@pytest.mark.parametrize("n_students", SIZES[:3])
def test_reference(benchmark, n_students):
    inst = instance(n_students)
    benchmark.group = f"{n_students} students"
    benchmark.pedantic(reference_deferred_acceptance, args=(inst.choices, inst.priority, inst.seats),
                       rounds=3 if n_students <= 55_000 else 1, iterations=1)


@pytest.mark.parametrize("n_students", SIZES)
def test_peak_memory(n_students):
    """Peak memory allocated by the core stays under 3 times the size of its input arrays."""
    inst = instance(n_students)
    tracemalloc.start()
    deferred_acceptance(inst.choices, inst.priority, inst.seats)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ratio = peak / inst.nbytes
    print(f"\n{n_students} students: input {inst.nbytes / 1e6:.1f} MB, peak {peak / 1e6:.1f} MB, ratio {ratio:.2f}")
    assert ratio < 3.0


@pytest.mark.parametrize("seed", range(6))
def test_float_priority_orders_as_the_rank_form(seed):
    """The instance's float priority is the rank-form priority as real numbers: same order within
    every programme, so both give the same matching (seed 3 placed 3 students differently when the
    lottery fraction could outweigh half a point of score)."""
    inst = make_instance(20_000, seed=seed)
    listed = inst.choices >= 0
    programme, rank, real = inst.choices[listed], inst.priority[listed], inst.float_priority[listed]
    order = np.lexsort((rank, programme))
    same_programme = np.diff(programme[order]) == 0
    assert not (same_programme & (np.diff(real[order]) <= 0)).any()
    assert np.array_equal(deferred_acceptance(inst.choices, inst.priority, inst.seats).assignment,
                          deferred_acceptance(inst.choices, inst.float_priority, inst.seats).assignment)
