"""Analyses that re-match one prepared round many times (what-ifs, seat sweeps and lottery draws),
and the demand model that planning builds on.

- :mod:`admissions.analysis.scenarios`: scenarios.csv, validated into new seats per offer;
- :mod:`admissions.analysis.market`: the prepared round shared by every task and one re-match;
- :mod:`admissions.analysis.whatif`: ``admissions whatif`` and ``admissions sweep``;
- :mod:`admissions.analysis.lottery`: ``admissions lottery``;
- :mod:`admissions.analysis.executors`: in-process, local process pool or Dask cluster;
- :mod:`admissions.analysis.choice_model`: the rank-ordered (exploded) logit, its likelihood,
  gradient, fit and draws (numpy and scipy only);
- :mod:`admissions.analysis.demand`: ``admissions demand``: the model fitted to a round, its fit on
  held-out students, MODEL_DIR written and read;
- :mod:`admissions.analysis.forecast`: ``admissions whatif --model``: scenarios with added and
  closed offers and cohorts, drawn from the model, many seeded draws, flows and costs;
- :mod:`admissions.analysis.plan`: ``admissions plan``: seats in whole classes by a mixed-integer
  programme, verified and repaired by the real matching.

These modules compute; the tables and pages they write are built beside the other reports:
:mod:`admissions.reports.whatif`, :mod:`admissions.reports.forecast`, :mod:`admissions.reports.lottery`,
:mod:`admissions.reports.plan` (the CSV tables) and :mod:`admissions.reports.analysis_pages` (whatif.html,
sweep.html, plan.html).

From Python (docs/planning.md has a worked example)::

    from admissions.round import prepare_round
    from admissions.analysis.demand import estimate, run_demand, load_model
    from admissions.analysis.forecast import run_forecast
    from admissions.analysis.plan import run_plan

    r = prepare_round("data/samples/skane-2000")
    result = estimate(r, holdout=0.2, seed=0)   # DemandResult: model, parameters, fit, demand_fit
    result.parameters                            # parameter, estimate, std_error (a DataFrame)
"""
