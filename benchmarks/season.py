"""The README's season example, word for word, command by command, for two source trees in turns.

``python -m benchmarks.season BEFORE AFTER [--rounds N]``

The commands are the code block under "A season, start to end" of AFTER's README.md (a region of
20,000 students, a preliminary and a final round, three reserve rounds with answers, a trial, a
void and a redo, history, explain, export). Each tree runs them in a folder of its own, as
``python -m admissions`` with the tree first on ``PYTHONPATH``, one command of BEFORE then the same
command of AFTER, so that both meet the same load; the CPU time (user + system) and peak resident
memory of each come from the operating system (``os.wait4``). At the end the files under ``out/`` of
the two are compared (run.json without its timings, started_at and the folder written, as in
:mod:`benchmarks.side_by_side`). Prints a Markdown table, one row per command and round.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.side_by_side import same_outputs

HEADING = "### A season, start to end"


def season_commands(readme: Path) -> list[list[str]]:
    """The arguments of each ``admissions`` command of the README's season example."""
    text = readme.read_text(encoding="utf-8")
    block = text[text.index(HEADING):].split("```")[1]
    commands = [shlex.split(line) for line in block.splitlines() if line.strip()]
    assert all(c[0] == "admissions" for c in commands), "the season example holds other commands"
    return [c[1:] for c in commands]


def run(tree: Path, arguments: list[str], folder: Path) -> tuple[float, float]:
    """CPU seconds and peak MB of ``python -m admissions ARGUMENTS`` from ``tree``, run in ``folder``."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    process = subprocess.Popen([sys.executable, "-m", "admissions", *arguments], env=env, cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{tree}: admissions {' '.join(arguments)} failed: {process.stderr.read().decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main(argv: list[str]) -> None:
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 1
    plain = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] != "--rounds")]
    trees = {"before": Path(plain[0]).resolve(), "after": Path(plain[1]).resolve()}
    commands = season_commands(trees["after"] / "README.md")
    work = Path(tempfile.mkdtemp(prefix="season-"))
    print("| command | round | before CPU s (peak MB) | after CPU s (peak MB) | after / before |")
    print("|---|---:|---:|---:|---:|")
    totals = {"before": 0.0, "after": 0.0}
    try:
        for r in range(rounds):
            for name in trees:
                shutil.rmtree(work / name, ignore_errors=True)
                (work / name).mkdir()
            for arguments in commands:
                figures = {name: run(tree, arguments, work / name) for name, tree in trees.items()}
                for name in trees:
                    totals[name] += figures[name][0]
                (b, bp), (a, ap) = figures["before"], figures["after"]
                label = " ".join(arguments[:2]) if arguments[0] == "round" else arguments[0]
                print(f"| {label} | {r + 1} | {b:.2f} ({bp:,.0f}) | {a:.2f} ({ap:,.0f}) | {a / b:.2f} |", flush=True)
            # run.json's "out" is the folder written, which differs by tree (work/before, work/after).
            differ = [f"{sub.name}: {', '.join(d)}" for sub in sorted((work / "after" / "out").iterdir())
                      if (d := [x for x in same_outputs(work / "before" / "out" / sub.name, sub) if x != "run.json (out)"])]
            print(f"| all {len(commands)} commands | {r + 1} | {totals['before']:.1f} | {totals['after']:.1f} | "
                  f"{totals['after'] / totals['before']:.2f} |")
            print(f"\nout/ of the two: {'same' if not differ else 'differ: ' + '; '.join(differ)}\n", flush=True)
            totals = dict.fromkeys(totals, 0.0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
