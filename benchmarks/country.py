"""End to end at whole-country scale: ``admissions generate`` and ``admissions match`` as a user runs them.

``python -m benchmarks.country [--dir DIR] [--million]`` runs, one after the other in one run:
the real region at 55,000 students (the yardstick), the whole country (``--area sweden``, its
year-9 cohort, about 120,000 students) and, with ``--million``, 1,000,000 students of the real
region (``ADMISSIONS_MAX_INPUT_MB=1024``: grades.csv is about 340 MB). Each command is a
subprocess; its wall time, CPU time (user + system) and peak resident memory come from the
operating system (``os.wait4``), the steps inside ``match`` from run.json's ``timings_s``. Prints
Markdown tables; the folders (several GB at 1,000,000) go to DIR, default a temporary folder
that is removed afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: (label, generate options) of the rounds, in the order they run.
ROUNDS = (
    ("real region, 55,000", ["--students", "55000"]),
    ("whole country", ["--area", "sweden"]),
)
MILLION = ("real region, 1,000,000", ["--students", "1000000"])


@dataclass(frozen=True)
class Run:
    """One command: wall and CPU seconds, peak resident memory in MB."""

    wall: float
    cpu: float
    peak_mb: float


def run(arguments: list[str]) -> Run:
    """Run ``python -m admissions ARGUMENTS`` and measure it; raises when it fails."""
    env = dict(os.environ, ADMISSIONS_MAX_INPUT_MB="1024")
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "admissions", *arguments], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    error = process.stderr.read().decode() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"admissions {' '.join(arguments)} failed ({process.returncode}): {error[-2000:]}")
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, peak_mb=usage.ru_maxrss / 1024)


def measure_round(folder: Path, options: list[str]) -> dict:
    """generate then match one round into ``folder``; the figures of both and match's steps."""
    generate = run(["generate", "--out", str(folder / "in"), *options])
    match = run(["match", str(folder / "in"), "--out", str(folder / "out"), "-q"])
    record = json.loads((folder / "out" / "run.json").read_text(encoding="utf-8"))
    return {"generate": generate, "match": match, "steps": record["timings_s"], "counts": record["counts"],
            "stable": record["check"]["is_stable"]}


def main(argv: list[str]) -> None:
    keep = argv[argv.index("--dir") + 1] if "--dir" in argv else None
    base = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="admissions-country-"))
    rounds = ROUNDS + ((MILLION,) if "--million" in argv else ())
    results = {}
    try:
        for i, (label, options) in enumerate(rounds):
            folder = base / f"round-{i}"
            if folder.exists():
                shutil.rmtree(folder)
            results[label] = measure_round(folder, options)
            if not keep:
                shutil.rmtree(folder)
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)
    yardstick = results[ROUNDS[0][0]]
    print("| round | students | applications | offers | generate wall / CPU / peak | match wall / CPU / peak "
          "| generate + match CPU | / 55,000 (same run) | stable |")
    print("|---|---:|---:|---:|---|---|---:|---:|---|")
    for label, r in results.items():
        g, m, c = r["generate"], r["match"], r["counts"]
        both = g.cpu + m.cpu
        print(f"| {label} | {c['students']:,} | {c['applications']:,} | {c['programmes']:,} | "
              f"{g.wall:.1f} s / {g.cpu:.1f} s / {g.peak_mb:,.0f} MB | {m.wall:.1f} s / {m.cpu:.1f} s / {m.peak_mb:,.0f} MB | "
              f"{both:.1f} s | {both / (yardstick['generate'].cpu + yardstick['match'].cpu):.2f} | {r['stable']} |")
    print()
    steps = list(dict.fromkeys(step for r in results.values() for step in r["steps"]))
    print("| step of `match` (run.json, wall s) | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for step in steps:
        print(f"| {step} | " + " | ".join(f"{r['steps'].get(step, float('nan')):.2f}" for r in results.values()) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
