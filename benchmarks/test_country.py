"""Whole country and 1,000,000 students end to end (``generate`` + ``match`` as subprocesses).

Big: several minutes and up to 3 GB, so only with ``--full`` (never in CI's ``-m ci``). The figures
for benchmarks/README.md come from ``python -m benchmarks.country --million``, which prints them as
tables; these tests record the same commands in pytest-benchmark (one round each) and check that
every matching is stable.
"""

from __future__ import annotations

import pytest

from benchmarks.country import MILLION, ROUNDS, measure_round

ALL_ROUNDS = [pytest.param(options, id=label) for label, options in ROUNDS + (MILLION,)]


@pytest.mark.full
@pytest.mark.parametrize("options", ALL_ROUNDS)
def test_generate_and_match(benchmark, tmp_path, options):
    result = benchmark.pedantic(measure_round, args=(tmp_path, options), rounds=1, iterations=1)
    benchmark.extra_info.update({
        "generate_cpu_s": result["generate"].cpu, "match_cpu_s": result["match"].cpu,
        "match_peak_mb": result["match"].peak_mb, "steps_s": result["steps"],
    })
    assert result["stable"] is True
    assert result["counts"]["placed"] + result["counts"]["unplaced"] == result["counts"]["students"]
