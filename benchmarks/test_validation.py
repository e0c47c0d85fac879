"""Reading and validating a round (``load_round``: every file read, every cell and contract check)
at 55,000 students, and with ``--full`` at 1,000,000 (benchmarks/README.md, "Validation at Arrow
speed").

Run: ``pytest benchmarks/test_validation.py -s`` (pytest-benchmark records the wall time; the
printed lines give the CPU time of each call, the figure to compare on a loaded machine).
"""

from __future__ import annotations

import time

import pytest

from admissions.io.validate import load_round
from admissions.synth import write_region


def _timed(folder):
    started = time.process_time()
    data = load_round(folder)
    print(f"\nload_round {folder.name}: {time.process_time() - started:.2f} s CPU")
    return data


@pytest.fixture(scope="session")
def round55(tmp_path_factory):
    folder = tmp_path_factory.mktemp("validation") / "region-55000"
    write_region(folder, 55_000, seed=0)
    return folder


def test_load_round_55000(benchmark, round55):
    data = benchmark.pedantic(_timed, args=(round55,), rounds=3, iterations=1)
    assert len(data.students) == 55_000
    assert data.grades is not None and len(data.grades) > 55_000


@pytest.mark.full
def test_load_round_1000000(benchmark, tmp_path_factory, monkeypatch):
    # Its grades file is about 310 MB, above the default limit on one input file.
    monkeypatch.setenv("ADMISSIONS_MAX_INPUT_MB", "2000")
    folder = tmp_path_factory.mktemp("validation") / "sweden-1000000"
    write_region(folder, 1_000_000, seed=0, area="sweden")
    data = benchmark.pedantic(_timed, args=(folder,), rounds=1, iterations=1)
    assert len(data.students) == 1_000_000
