"""The demand model and model-based what-ifs at 55,000 students (benchmarks/README.md, "Planning").

Targets from issue 17, on the 2-core machine:

- ``admissions demand``: the fit of a 55,000-student round under a minute;
- ``admissions whatif --model``: a new NA offer in Malmö, a closed offer and a cohort 5 % larger,
  100 draws, under 60 s.

Run: ``pytest benchmarks/test_planning.py -s`` (pytest-benchmark records the figures; the
printed lines give the fit's own timings).
"""

from __future__ import annotations

import time

import pytest

from admissions.analysis.demand import estimate
from admissions.round import prepare_round
from admissions.synth import write_region

N_STUDENTS = 55_000


@pytest.fixture(scope="session")
def planning55(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planning") / "region-55000"
    write_region(folder, N_STUDENTS, seed=0)
    return folder


def closed_offer(folder) -> str:
    """The offer the what-if closes: the largest social-science (SA) offer in Malmö (MAL-LAT-SA-BET
    on the invented region of issue 17)."""
    import pandas as pd

    programmes = pd.read_csv(folder / "programmes.csv", dtype=str, keep_default_na=False)
    malmo_sa = programmes[(programmes["municipality"] == "Malmö") & (programmes["programme_code"] == "SA")]
    return malmo_sa.loc[malmo_sa["seats"].astype(int).idxmax(), "programme_id"]


def test_demand_fit_55000(benchmark, planning55):
    r = prepare_round(planning55)

    def fit():
        start = time.perf_counter()
        result = estimate(r, holdout=0.2, seed=0)
        return result, time.perf_counter() - start

    result, seconds = benchmark.pedantic(fit, rounds=1, iterations=1)
    print(f"\ndemand at {N_STUDENTS:,}: {seconds:.1f} s in all; steps {result.timings}; "
          f"iterations {result.fit['iterations']}; held-out loglik/student "
          f"{result.fit['holdout_loglik_per_student']} vs {result.fit['baseline_loglik_per_student']}")
    assert result.fit["converged"]


def test_whatif_model_55000(benchmark, planning55, tmp_path):
    """A new NA offer in Malmö, the largest SA offer in Malmö closed and a cohort 5 % larger, in one
    scenario, 100 draws."""
    from admissions.analysis.demand import run_demand
    from admissions.analysis.forecast import run_forecast

    model = tmp_path / "model"
    run_demand(planning55, model, holdout=0.2, seed=0)
    scenarios = tmp_path / "scenarios.csv"
    scenarios.write_text("scenario,programme_id,seats,added,municipality,programme_code,growth\n"
                         "next-year,NEW-NA-MALMO,32,true,Malmö,NA,1.05\n"
                         f"next-year,{closed_offer(planning55)},0,,,,\n", encoding="utf-8")

    def whatif():
        start = time.perf_counter()
        summary, record = run_forecast(planning55, scenarios, model, tmp_path / "out", draws=100, seed=0)
        return summary, record, time.perf_counter() - start

    summary, record, seconds = benchmark.pedantic(whatif, rounds=1, iterations=1)
    print(f"\nwhatif --model at {N_STUDENTS:,}, 100 draws: {seconds:.1f} s; steps {record['timings_s']}")
    assert summary["draws"].tolist() == [0, 100]
