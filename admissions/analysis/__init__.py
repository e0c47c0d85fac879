"""Analyses that re-match one prepared round many times (what-ifs, seat sweeps and lottery draws),
and the demand model that planning builds on.

- :mod:`admissions.analysis.scenarios`: scenarios.csv, validated into new seats per offer;
- :mod:`admissions.analysis.market`: the prepared round shared by every task and one re-match;
- :mod:`admissions.analysis.whatif`: ``admissions whatif`` and ``admissions sweep``;
- :mod:`admissions.analysis.lottery`: ``admissions lottery``;
- :mod:`admissions.analysis.executors`: in-process, local process pool or Dask cluster;
- :mod:`admissions.analysis.pages`: whatif.html and sweep.html;
- :mod:`admissions.analysis.choice_model`: the rank-ordered (exploded) logit, its likelihood,
  gradient, fit and draws (numpy and scipy only);
- :mod:`admissions.analysis.demand`: ``admissions demand``: the model fitted to a round, its fit on
  held-out students, MODEL_DIR written and read.
"""
