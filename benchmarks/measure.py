"""The figures of benchmarks/README.md: core, prepared core, numba and reference side by side.

``python -m benchmarks.measure [SIZES...]`` (default 20000 55000 200000 1000000, then the real
region at 55,000 students and the whole country; ``--no-region`` leaves those out, ``--region``
measures only them; ``--before TREE`` adds the float call of another source tree's core, e.g. a
``git archive`` of an earlier commit unpacked, timed in the same turns). The implementations are
timed in turns, round after round, and the best round of each is kept: on a shared machine the
best is the least disturbed, and taking turns exposes all of them to the same load. Times are CPU
seconds of this process (all contenders are single-threaded; time spent waiting for a core is not
theirs). Prints one Markdown table row per market. Needs numba (benchmark extra).

Markets: the synthetic instances of :func:`benchmarks.instances.make_instance` and the generated
real region (:func:`benchmarks.instances.region_instance`: Skåne and western Blekinge at 55,000
students, 506 offers; Sweden at its year-9 cohort, about 120,000 students at 3,814 offers).
"""

from __future__ import annotations

import importlib.util
import sys
import time
import tracemalloc
from pathlib import Path

from admissions.matching import deferred_acceptance, prepare, reference_deferred_acceptance
from benchmarks.instances import Instance, make_instance, region_instance
from benchmarks.numba_da import numba_deferred_acceptance, warm_up

#: Sizes above this skip the pure-Python reference (about 3 s at 200,000, 15 s or more at 1,000,000).
REFERENCE_MAX = 200_000
REGIONS = (("real region", 55_000, "default"), ("whole country", None, "sweden"), ("real region", 1_000_000, "default"))


def load_core(tree: str):
    """The matching core of another source tree (its core.py with its own _validate.py), as a module of its own."""
    modules = {}
    for name in ("_validate", "core"):
        path = Path(tree, "admissions", "matching", f"{name}.py")
        source = path.read_text().replace("from admissions.matching._validate import", "from before_validate import")
        module = importlib.util.module_from_spec(importlib.util.spec_from_loader(f"before{name}", loader=None))
        sys.modules[module.__name__] = modules[name] = module
        exec(compile(source, str(path), "exec"), module.__dict__)
    return modules["core"]


def measure(inst: Instance, rounds: int, before=None) -> dict[str, float]:
    args = (inst.choices, inst.priority, inst.seats)
    market = prepare(inst.choices, inst.priority)
    contenders = {
        "core": lambda: deferred_acceptance(*args),
        "float": lambda: deferred_acceptance(inst.choices, inst.float_priority, inst.seats),
        "prepared": lambda: market.match(inst.seats),
        "numba": lambda: numba_deferred_acceptance(*args),
    }
    if before is not None:
        contenders["before"] = lambda: before.deferred_acceptance(inst.choices, inst.float_priority, inst.seats)
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, run in contenders.items():
            start = time.process_time()
            run()
            best[name] = min(best[name], time.process_time() - start)
    if inst.n_students <= REFERENCE_MAX:
        start = time.process_time()
        reference_deferred_acceptance(*args)
        best["reference"] = time.process_time() - start
    tracemalloc.start()
    deferred_acceptance(*args)
    best["peak_ratio"] = tracemalloc.get_traced_memory()[1] / inst.nbytes
    tracemalloc.stop()
    best["input_mb"] = inst.nbytes / 1e6
    return best


def row(label: str, inst: Instance, before=None) -> str:
    r = measure(inst, rounds=15 if inst.n_students <= 55_000 else 5, before=before)
    reference = f"{r['reference'] * 1e3:,.0f} ms" if "reference" in r else "-"
    speedup = f"{r['reference'] / r['core']:.0f}x" if "reference" in r else "-"
    earlier = f" {r['before'] * 1e3:,.1f} ms | {r['before'] / r['numba']:.1f} |" if before is not None else ""
    return (
        f"| {label} | {inst.n_students:,} | {r['core'] * 1e3:,.1f} ms | {r['float'] * 1e3:,.1f} ms | "
        f"{r['prepared'] * 1e3:,.1f} ms | {r['numba'] * 1e3:,.1f} ms | {r['core'] / r['numba']:.1f} | "
        f"{r['float'] / r['numba']:.1f} |{earlier} {reference} | {speedup} | {r['peak_ratio']:.2f} "
        f"({r['input_mb']:.0f} MB in) |"
    )


def main(argv: list[str]) -> None:
    warm_up()
    before = load_core(argv[argv.index("--before") + 1]) if "--before" in argv else None
    earlier = " float, before | before / numba |" if before is not None else ""
    print("| market | students | core | core, float priorities | core, prepared | numba | core / numba "
          f"| float / numba |{earlier} reference | reference / core | peak memory / input |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|" + "---:|---:|" * (before is not None) + "---:|---:|---:|")
    sizes = [int(a) for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] != "--before")]
    if "--region" not in argv:
        for n in sizes or [20_000, 55_000, 200_000, 1_000_000]:
            print(row("synthetic", make_instance(n, seed=1), before), flush=True)
    if "--no-region" not in argv:
        for label, n, area in REGIONS:
            print(row(label, region_instance(n, area), before), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
