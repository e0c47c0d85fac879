"""The table of ``admissions plan``: plan.csv, one row per offer that gets classes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from admissions.reports.flows import round_prices

if TYPE_CHECKING:
    from admissions.analysis.plan import Plan
    from admissions.round import RoundResult

PLAN_COLUMNS = ("programme_id", "school", "programme_code", "seats_before", "seats_after", "classes_added",
                "cost_sek", "admitted_before", "admitted_after")


def plan_table(r: RoundResult, plan: Plan, class_size: int) -> pd.DataFrame:
    """plan.csv: one row per offer that gets classes."""
    enc = r.encoded
    price_of = round_prices(r).price_of
    rows = np.flatnonzero(plan.classes > 0)
    codes = enc.programme_code.astype(str)
    return pd.DataFrame({
        "programme_id": enc.programme_ids.astype(str)[rows],
        "school": r.data.programmes["school"].astype(str).to_numpy()[rows],
        "programme_code": codes[rows],
        "seats_before": enc.seats[rows].astype(np.int64),
        "seats_after": plan.after.seats[rows].astype(np.int64),
        "classes_added": plan.classes[rows].astype(np.int64),
        "cost_sek": np.array([round(class_size * k * price_of[c]) for k, c in zip(plan.classes[rows], codes[rows])],
                             dtype=np.int64),
        "admitted_before": plan.before.admitted[rows].astype(np.int64),
        "admitted_after": plan.after.admitted[rows].astype(np.int64),
    }, columns=list(PLAN_COLUMNS))
