"""Reading and validating a round (``load_round``) with two source trees in turns, CPU seconds of the call.

``python -m benchmarks.validation BEFORE AFTER FOLDER... [--rounds N]``

For each FOLDER, N rounds (default 3): a fresh ``python`` with BEFORE first on ``PYTHONPATH`` calls
``admissions.io.validate.load_round(FOLDER)`` once and prints the call's CPU time
(``time.process_time``, imports not included) and the process's peak resident memory, then the same
with AFTER. Prints a Markdown table with the best round of each and the ratio.
(``ADMISSIONS_MAX_INPUT_MB`` is 2000 unless set: a 1,000,000-student grades.csv is about 330 MB.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = (
    "import resource, sys, time\n"
    "from admissions.io.validate import load_round\n"
    "start = time.process_time()\n"
    "load_round(sys.argv[1])\n"
    "print(time.process_time() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
)


def load_round_cpu(tree: Path, folder: Path) -> tuple[float, float]:
    """CPU seconds of one ``load_round(folder)`` with ``tree``'s code, and the process's peak MB."""
    env = dict(os.environ, PYTHONPATH=str(tree), ADMISSIONS_MAX_INPUT_MB=os.environ.get("ADMISSIONS_MAX_INPUT_MB", "2000"))
    out = subprocess.run([sys.executable, "-c", CHILD, str(folder)], env=env, cwd=tempfile.gettempdir(),
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def main(argv: list[str]) -> None:
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 3
    plain = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] != "--rounds")]
    before, after, folders = Path(plain[0]).resolve(), Path(plain[1]).resolve(), [Path(p).resolve() for p in plain[2:]]
    print("| round | before CPU s (each round; peak MB) | after CPU s (each round; peak MB) | best after / best before |")
    print("|---|---|---|---:|")
    for folder in folders:
        times = {"before": [], "after": []}
        peaks = {"before": 0.0, "after": 0.0}
        for _ in range(rounds):
            for name, tree in (("before", before), ("after", after)):
                cpu, peak = load_round_cpu(tree, folder)
                times[name].append(cpu)
                peaks[name] = max(peaks[name], peak)
        cells = {name: f"{', '.join(f'{t:.2f}' for t in times[name])} ({peaks[name]:,.0f})" for name in times}
        print(f"| {folder.name} | {cells['before']} | {cells['after']} | {min(times['after']) / min(times['before']):.2f} |",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
