"""The figures of benchmarks/README.md: core, prepared core, numba and reference side by side.

``python -m benchmarks.measure [SIZES...]`` (default 20000 55000 200000 1000000). The
implementations are timed in turns, round after round, and the best round of each is kept: on a
shared machine the best is the least disturbed, and taking turns exposes all of them to the same
load. Prints one Markdown table row per size. Needs numba (benchmark extra).
"""

from __future__ import annotations

import sys
import time
import tracemalloc

from admissions.matching import deferred_acceptance, prepare, reference_deferred_acceptance
from benchmarks.instances import make_instance
from benchmarks.numba_da import numba_deferred_acceptance, warm_up

#: Sizes above this skip the pure-Python reference (about 3 s at 200,000, 15 s or more at 1,000,000).
REFERENCE_MAX = 200_000


def measure(n_students: int, rounds: int) -> dict[str, float]:
    inst = make_instance(n_students, seed=1)
    args = (inst.choices, inst.priority, inst.seats)
    market = prepare(inst.choices, inst.priority)
    contenders = {
        "core": lambda: deferred_acceptance(*args),
        "prepared": lambda: market.match(inst.seats),
        "numba": lambda: numba_deferred_acceptance(*args),
    }
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    if n_students <= REFERENCE_MAX:
        start = time.perf_counter()
        reference_deferred_acceptance(*args)
        best["reference"] = time.perf_counter() - start
    tracemalloc.start()
    deferred_acceptance(*args)
    best["peak_ratio"] = tracemalloc.get_traced_memory()[1] / inst.nbytes
    tracemalloc.stop()
    best["input_mb"] = inst.nbytes / 1e6
    return best


def main(sizes: list[int]) -> None:
    warm_up()
    print("| students | core | core, prepared | numba | core / numba | reference | reference / core "
          "| peak memory / input |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        r = measure(n, rounds=15 if n <= 55_000 else 5)
        reference = f"{r['reference'] * 1e3:,.0f} ms" if "reference" in r else "-"
        speedup = f"{r['reference'] / r['core']:.0f}x" if "reference" in r else "-"
        print(
            f"| {n:,} | {r['core'] * 1e3:,.1f} ms | {r['prepared'] * 1e3:,.1f} ms | {r['numba'] * 1e3:,.1f} ms | "
            f"{r['core'] / r['numba']:.1f} | {reference} | {speedup} | "
            f"{r['peak_ratio']:.2f} ({r['input_mb']:.0f} MB in) |",
            flush=True,
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20_000, 55_000, 200_000, 1_000_000])
