"""pytest-benchmark benchmarks: the core against the pure-Python reference and the compiled (numba) one.

Markets: the synthetic instances of :func:`benchmarks.instances.make_instance` at 20,000 and 55,000
students and the real region at 55,000 (:func:`benchmarks.instances.region_instance`: the default
area of ``admissions generate``, 506 offers); ``--full`` adds the synthetic 200,000 and 1,000,000,
the whole country (``--area sweden``, about 120,000 students) and the real region at 1,000,000.
Run ``pytest benchmarks/test_core.py``. The pure-Python reference is benchmarked up to 200,000
students only (about ten seconds a round at 1,000,000). numba is an optional extra: its benchmarks
are skipped without it.
"""

from __future__ import annotations

import functools
import tracemalloc

import numpy as np
import pytest

from admissions.matching import check_matching, deferred_acceptance, prepare, reference_deferred_acceptance
from benchmarks.instances import make_instance, region_instance

#: (market, students): "synthetic" sizes, the real region ("region") and the whole country ("sweden").
SIZES = [
    pytest.param(("synthetic", 20_000), id="20k"),
    pytest.param(("synthetic", 55_000), id="55k"),
    pytest.param(("region", 55_000), id="region-55k"),
    pytest.param(("synthetic", 200_000), id="200k", marks=pytest.mark.full),
    pytest.param(("sweden", None), id="country", marks=pytest.mark.full),
    pytest.param(("synthetic", 1_000_000), id="1M", marks=pytest.mark.full),
    pytest.param(("region", 1_000_000), id="region-1M", marks=pytest.mark.full),
]
#: Markets the pure-Python reference is timed on (a round takes ten seconds or more above these).
REFERENCE_SIZES = [size for size in SIZES if (size.values[0][1] or 0) <= 200_000]


@functools.cache
def instance(market: tuple[str, int | None]):
    kind, n_students = market
    if kind == "synthetic":
        return make_instance(n_students, seed=1)
    return region_instance(n_students, "sweden" if kind == "sweden" else "default")


def group(market: tuple[str, int | None]) -> str:
    kind, n_students = market
    return {"synthetic": f"{n_students} students", "region": f"real region, {n_students} students",
            "sweden": "whole country"}[kind]


def numba_solver():
    pytest.importorskip("numba")
    from benchmarks.numba_da import numba_deferred_acceptance, warm_up

    warm_up()
    return numba_deferred_acceptance


@pytest.mark.parametrize("market", SIZES)
def test_core(benchmark, market):
    inst = instance(market)
    benchmark.group = group(market)
    result = benchmark(deferred_acceptance, inst.choices, inst.priority, inst.seats)
    assert check_matching(inst.choices, inst.priority, inst.seats, result.assignment, optimality="core").is_stable


@pytest.mark.parametrize("market", SIZES)
def test_core_float(benchmark, market):
    """The public call with float priorities (not in rank form): the core ranks by sorting."""
    inst = instance(market)
    benchmark.group = group(market)
    result = benchmark(deferred_acceptance, inst.choices, inst.float_priority, inst.seats)
    np.testing.assert_array_equal(result.assignment, deferred_acceptance(inst.choices, inst.priority, inst.seats).assignment)


@pytest.mark.parametrize("market", SIZES)
def test_core_prepared(benchmark, market):
    """A what-if re-run: the same applications, other seats, ranks reused."""
    inst = instance(market)
    prepared = prepare(inst.choices, inst.priority)
    benchmark.group = group(market)
    benchmark(prepared.match, inst.seats)


@pytest.mark.parametrize("market", SIZES)
def test_numba(benchmark, market):
    solve = numba_solver()
    inst = instance(market)
    benchmark.group = group(market)
    assignment, _ = benchmark(solve, inst.choices, inst.priority, inst.seats)
    np.testing.assert_array_equal(assignment, deferred_acceptance(inst.choices, inst.priority, inst.seats).assignment)


@pytest.mark.parametrize("market", REFERENCE_SIZES)
def test_reference(benchmark, market):
    inst = instance(market)
    benchmark.group = group(market)
    benchmark.pedantic(reference_deferred_acceptance, args=(inst.choices, inst.priority, inst.seats),
                       rounds=3 if inst.n_students <= 55_000 else 1, iterations=1)


@pytest.mark.parametrize("market", SIZES)
def test_peak_memory(market):
    """Peak memory allocated by the core stays under 3 times the size of its input arrays."""
    inst = instance(market)
    tracemalloc.start()
    deferred_acceptance(inst.choices, inst.priority, inst.seats)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ratio = peak / inst.nbytes
    print(f"\n{group(market)}: input {inst.nbytes / 1e6:.1f} MB, peak {peak / 1e6:.1f} MB, ratio {ratio:.2f}")
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
