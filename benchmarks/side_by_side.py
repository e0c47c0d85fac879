"""Two versions of the tool side by side: the same commands, in turns, CPU time and peak memory of each.

``python -m benchmarks.side_by_side BEFORE AFTER INPUT... [--generate AREA_OR_STUDENTS]... [--rounds N]``

BEFORE and AFTER are source trees (a ``git archive`` of each commit unpacked, or a worktree):
each command runs as ``python -m admissions`` with that tree first on ``PYTHONPATH``, so both
use this environment's packages. For every INPUT folder it runs ``match INPUT --out ... -q``
with BEFORE, then with AFTER (N rounds, default 1), and compares every output file of the two
but run.json's timings and started_at (``same_outputs``); ``--generate`` (repeatable) also times
``generate`` (``sweden`` for ``--area sweden``, else a number of students), before the matches. The CPU time (user
+ system) and peak resident memory come from the operating system (``os.wait4``): on a shared
machine the wall time is noise, the CPU time of a process is not. Prints a Markdown table.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: run.json keys that differ from run to run.
VOLATILE = ("timings_s", "started_at")


def run(tree: Path, arguments: list[str]) -> tuple[float, float, float]:
    """CPU seconds, peak MB and wall seconds of ``python -m admissions ARGUMENTS`` from ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree), ADMISSIONS_MAX_INPUT_MB=os.environ.get("ADMISSIONS_MAX_INPUT_MB", "2000"))
    start = time.perf_counter()
    # From a neutral folder: ``python -m`` puts the working folder first on sys.path, ahead of PYTHONPATH.
    process = subprocess.Popen([sys.executable, "-m", "admissions", *arguments], env=env, cwd=tempfile.gettempdir(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{tree}: admissions {' '.join(arguments)} failed: {process.stderr.read().decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, wall


def same_outputs(a: Path, b: Path) -> list[str]:
    """The files of two output folders that differ (run.json without its volatile keys; manifest.json
    lists run.json's hash, so it is left out)."""
    differ = sorted(set(os.listdir(a)) ^ set(os.listdir(b)))
    for name in sorted(set(os.listdir(a)) & set(os.listdir(b))):
        if name == "manifest.json":
            continue
        if name == "run.json":
            x, y = (json.loads((f / name).read_text(encoding="utf-8")) for f in (a, b))
            for key in VOLATILE:
                x.pop(key, None), y.pop(key, None)
            if x != y:
                differ.append(f"run.json ({', '.join(k for k in x if x.get(k) != y.get(k))})")
        elif not filecmp.cmp(a / name, b / name, shallow=False):
            # In blocks, not read whole: a fork inherits this process's peak resident memory as its
            # own starting peak, so reading a 330 MB grades.csv here raised every later command's
            # figure to about 670 MB.
            differ.append(name)
    return differ


def main(argv: list[str]) -> None:
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 1
    generates = [argv[i + 1] for i, a in enumerate(argv) if a == "--generate"]
    plain = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] not in ("--rounds", "--generate"))]
    before, after, inputs = Path(plain[0]), Path(plain[1]), [Path(p) for p in plain[2:]]
    work = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    print("| command | before CPU s (peak MB) | after CPU s (peak MB) | after / before | outputs |")
    print("|---|---:|---:|---:|---|")
    try:
        jobs = [(f"match {p.name}", ["match", str(p), "-q"]) for p in inputs]
        for generate in reversed(generates):
            options = ["--area", "sweden"] if generate == "sweden" else ["--students", generate]
            jobs.insert(0, (f"generate {' '.join(options)}", ["generate", *options]))
        for label, arguments in jobs:
            for _ in range(rounds):
                figures = {}
                for name, tree in (("before", before), ("after", after)):
                    out = work / name
                    shutil.rmtree(out, ignore_errors=True)
                    figures[name] = run(tree, [*arguments, "--out", str(out)])
                differ = same_outputs(work / "before", work / "after")
                (b, bp, _), (a, ap, _) = figures["before"], figures["after"]
                print(f"| {label} | {b:.1f} ({bp:,.0f}) | {a:.1f} ({ap:,.0f}) | {a / b:.2f} | "
                      f"{'same' if not differ else 'differ: ' + ', '.join(differ)} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
