"""The tables of ``admissions whatif`` and ``admissions sweep``: scenarios.csv, programme_changes.csv, sweep.csv.

Built from what :func:`admissions.analysis.whatif.analyse` computed (one outcome per scenario or
seat value); no student ids, only counts per scenario and figures per offer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from admissions.analysis.scenarios import BASELINE, Scenario
from admissions.analysis.market import Outcome

if TYPE_CHECKING:
    from admissions.analysis.whatif import Analysis

SCENARIO_COLUMNS = (
    "scenario", "changes", "students", "seats", "added_seats", "placed", "placed_first_choice",
    "first_choice_share", "unplaced", "vacant_seats", "better", "worse", "same", "cutoffs_moved",
)
CHANGE_COLUMNS = (
    "scenario", "programme_id", "added", "seats_before", "seats_after", "admitted_before", "admitted_after",
    "vacant_before", "vacant_after", "cutoff_before", "cutoff_after", "cutoff_change",
    "cutoff_tier_before", "cutoff_tier_after",
)
SWEEP_COLUMNS = (
    "programme_id", "seats", "admitted", "vacant_seats", "cutoff", "placed", "placed_first_choice", "unplaced",
    "total_vacant_seats", "better", "worse", "baseline", "cutoff_tier",
)


def _cutoff_column(values: np.ndarray) -> pd.array:
    column = pd.array(np.round(values, 4), dtype="Float64")
    column[np.isnan(values)] = pd.NA
    return column


def _tier_column(values: np.ndarray) -> pd.array:
    """Tiers (float64, NaN where there is no cut-off) as nullable integers."""
    return pd.array(values, dtype="Float64").astype("Int64")


def _summary_row(name: str, outcome: Outcome, baseline: Outcome, n_changes: int, added_seats: int) -> dict:
    seats = int(outcome.seats.sum()) + added_seats
    moved = ~((outcome.cutoff == baseline.cutoff) | (np.isnan(outcome.cutoff) & np.isnan(baseline.cutoff)))
    n = outcome.n_students
    return {
        "scenario": name,
        "changes": n_changes,
        "students": n,
        "seats": seats,
        "added_seats": added_seats,
        "placed": outcome.placed,
        "placed_first_choice": outcome.placed_first_choice,
        "first_choice_share": round(outcome.placed_first_choice / n, 4) if n else 0.0,
        "unplaced": outcome.unplaced,
        "vacant_seats": seats - outcome.placed,
        "better": outcome.better,
        "worse": outcome.worse,
        "same": outcome.same,
        "cutoffs_moved": int(moved.sum()),
    }


def scenarios_table(analysis: Analysis, scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per scenario, the baseline first (columns: SCENARIO_COLUMNS).

    ``vacant_seats`` = ``seats`` - ``placed``, where ``seats`` includes the seats of added offers
    (``added_seats``), which nobody applied to and so stay vacant.
    """
    rows = [_summary_row(BASELINE, analysis.baseline, analysis.baseline, 0, 0)]
    rows += [_summary_row(s.name, o, analysis.baseline, s.n_changes, s.added_seats)
             for s, o in zip(scenarios, analysis.outcomes)]
    return pd.DataFrame(rows, columns=list(SCENARIO_COLUMNS))


def programme_changes_table(analysis: Analysis, scenarios: list[Scenario]) -> pd.DataFrame:
    """Per scenario, one row per offer whose seats, admitted or cut-off differ from the baseline.

    Offers in the order of programmes.csv, then the scenario's added offers (``added`` true: no
    applicants, so admitted 0 and every seat vacant). ``cutoff_change`` = after - before, empty
    unless the offer has a cut-off in both.
    """
    ids = analysis.round.encoded.programme_ids
    base = analysis.baseline
    frames = []
    for scenario, outcome in zip(scenarios, analysis.outcomes):
        same_cut = (outcome.cutoff == base.cutoff) | (np.isnan(outcome.cutoff) & np.isnan(base.cutoff))
        changed = np.flatnonzero((outcome.seats != base.seats) | (outcome.admitted != base.admitted) | ~same_cut)
        n_added = len(scenario.added)
        added_seats = np.fromiter(scenario.added.values(), dtype=np.int64, count=n_added)
        nan = np.full(n_added, np.nan)
        zero = np.zeros(n_added, dtype=np.int64)
        before, after = np.append(base.cutoff[changed], nan), np.append(outcome.cutoff[changed], nan)
        seats_before = np.append(base.seats[changed], zero)
        seats_after = np.append(outcome.seats[changed], added_seats)
        admitted_before = np.append(base.admitted[changed], zero)
        admitted_after = np.append(outcome.admitted[changed], zero)
        frames.append(pd.DataFrame({
            "scenario": scenario.name,
            "programme_id": np.append(ids[changed].astype(object), np.array(list(scenario.added), dtype=object)),
            "added": np.append(np.zeros(len(changed), dtype=bool), np.ones(n_added, dtype=bool)),
            "seats_before": seats_before,
            "seats_after": seats_after,
            "admitted_before": admitted_before,
            "admitted_after": admitted_after,
            "vacant_before": seats_before - admitted_before,
            "vacant_after": seats_after - admitted_after,
            "cutoff_before": _cutoff_column(before),
            "cutoff_after": _cutoff_column(after),
            "cutoff_change": _cutoff_column(after - before),
            "cutoff_tier_before": _tier_column(np.append(base.cutoff_tier[changed], nan)),
            "cutoff_tier_after": _tier_column(np.append(outcome.cutoff_tier[changed], nan)),
        }))
    if not frames:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    table["added"] = np.where(table["added"].to_numpy(dtype=bool), "true", "false")
    return table[list(CHANGE_COLUMNS)]


def sweep_table(analysis: Analysis, p: int, values: list[int]) -> pd.DataFrame:
    """One row per seat value of offer ``p`` (columns: SWEEP_COLUMNS)."""
    r = analysis.round
    base_seats = int(r.encoded.seats[p])
    rows = []
    for value, o in zip(values, analysis.outcomes):
        rows.append({
            "programme_id": str(r.encoded.programme_ids[p]),
            "seats": value,
            "admitted": int(o.admitted[p]),
            "vacant_seats": value - int(o.admitted[p]),
            "cutoff": o.cutoff[p],
            "placed": o.placed,
            "placed_first_choice": o.placed_first_choice,
            "unplaced": o.unplaced,
            "total_vacant_seats": int(o.seats.sum()) - o.placed,
            "better": o.better,
            "worse": o.worse,
            "baseline": "true" if value == base_seats else "false",
            "cutoff_tier": o.cutoff_tier[p],
        })
    table = pd.DataFrame(rows, columns=list(SWEEP_COLUMNS))
    table["cutoff"] = _cutoff_column(table["cutoff"].to_numpy(dtype=np.float64))
    table["cutoff_tier"] = _tier_column(table["cutoff_tier"].to_numpy(dtype=np.float64))
    return table
