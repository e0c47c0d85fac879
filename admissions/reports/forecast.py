"""The tables of ``admissions whatif --model``: expected values and 90 % intervals over the draws.

scenarios.csv, programme_changes.csv, flows.csv, municipalities.csv, schools.csv and
closed_offers.csv, built from the draws of :func:`admissions.analysis.forecast.forecast`. No
student ids: counts per scenario, offer, school and municipality.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from admissions.analysis.scenarios import BASELINE

if TYPE_CHECKING:
    from admissions.analysis.forecast import Draw, Forecast

#: Quantiles of the 90 % interval.
LOW, HIGH = 0.05, 0.95


def _interval(*names: str) -> tuple[str, ...]:
    """Each expected value's column and its 90 % interval's (``students``, ``students_low``, ``students_high``)."""
    return tuple(column for name in names for column in (name, f"{name}_low", f"{name}_high"))


#: closed_offers.csv's destination of the applicants who end up without a place.
UNPLACED = "unplaced"
#: The columns of scenarios.csv, programme_changes.csv, municipalities.csv and closed_offers.csv.
SCENARIO_COLUMNS = ("scenario", "changes", "draws", "seats", "added_seats",
                    *_interval("students", "placed", "unplaced", "eligible_first_hand_unplaced", "vacant_seats"),
                    "placed_first_choice", "first_choice_share")
CHANGE_COLUMNS = ("scenario", "programme_id", "added", "seats_before", "seats_after", "applicants_before",
                  *_interval("applicants"), "first_choices_before", *_interval("first_choices"), "admitted_before",
                  "admitted_after", "admitted_low", "admitted_high", "vacant_before", "vacant_after", "cutoff_before",
                  "cutoff_after", "cutoff_low", "cutoff_high", "cutoff_share_of_draws")
MUNICIPALITY_COLUMNS = ("scenario", "municipality", "cohort_factor", "students_before", *_interval("students"),
                        "unplaced_before", *_interval("unplaced"), "pays_sek_before", *_interval("pays_sek"),
                        "receives_sek_before", *_interval("receives_sek"), "students_without_price_before",
                        "students_without_price")
CLOSED_COLUMNS = ("scenario", "closed_programme_id", "destination", *_interval("applicants"), "placed_there_before")


def _stats(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    values = np.asarray(values, dtype=np.float64)
    return (np.round(values.mean(axis=axis), 2), np.round(np.quantile(values, LOW, axis=axis), 2),
            np.round(np.quantile(values, HIGH, axis=axis), 2))


def scenarios_table(f: Forecast) -> pd.DataFrame:
    """One row per scenario, the round as it is first: expected values and 90 % intervals."""
    rows = []

    def row(name: str, changes: int, draws: list[Draw], seats: int, added_seats: int) -> dict:
        out = {"scenario": name, "changes": changes, "draws": len(draws) if name != BASELINE else 0,
               "seats": seats, "added_seats": added_seats}
        for key, values in (
            ("students", [d.n_students for d in draws]),
            ("placed", [d.placed for d in draws]),
            ("unplaced", [d.n_students - d.placed for d in draws]),
            ("eligible_first_hand_unplaced", [d.eligible_first_hand_unplaced for d in draws]),
            ("vacant_seats", [seats - d.placed for d in draws]),
        ):
            mean, low, high = _stats(values)
            out[key], out[f"{key}_low"], out[f"{key}_high"] = float(mean), float(low), float(high)
        out["placed_first_choice"] = float(np.round(np.mean([d.placed_first_choice for d in draws]), 2))
        out["first_choice_share"] = float(np.round(np.mean([d.placed_first_choice / max(d.n_students, 1)
                                                            for d in draws]), 4))
        return out

    base_seats = int(f.round.encoded.seats.sum())
    rows.append(row(BASELINE, 0, [f.baseline], base_seats, 0))
    for plan, draws in zip(f.context.plans, f.draws):
        added_seats = sum(o.seats for o in plan.added)
        rows.append(row(plan.name, plan.n_changes, draws, int(plan.seats.sum()) + added_seats, added_seats))
    return pd.DataFrame(rows, columns=list(SCENARIO_COLUMNS))


def programme_changes_table(f: Forecast) -> pd.DataFrame:
    """Per scenario, every offer (the added ones last): demand, admitted and cut-off, before and expected."""
    enc = f.round.encoded
    base = f.baseline
    frames = []
    for plan, draws in zip(f.context.plans, f.draws):
        p_all = enc.n_programmes + len(plan.added)
        pad = len(plan.added)

        def before(values: np.ndarray, fill: float = 0) -> np.ndarray:
            return np.concatenate([values.astype(np.float64), np.full(pad, fill)])

        apps, apps_low, apps_high = _stats([d.applicants for d in draws])
        first, first_low, first_high = _stats([d.first_choices for d in draws])
        adm, adm_low, adm_high = _stats([d.admitted for d in draws])
        cut = np.array([d.cutoff for d in draws])
        has_cut = ~np.isnan(cut)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # offers without a cut-off in any draw: NaN
            cut_mean = np.nanmean(cut, axis=0)
            cut_low = np.nanquantile(cut, LOW, axis=0)
            cut_high = np.nanquantile(cut, HIGH, axis=0)
        seats_after = np.concatenate([plan.seats, [o.seats for o in plan.added]]).astype(np.int64)
        frames.append(pd.DataFrame({
            "scenario": plan.name,
            "programme_id": np.concatenate([enc.programme_ids.astype(str), [o.programme_id for o in plan.added]]),
            "added": np.arange(p_all) >= enc.n_programmes,
            "seats_before": before(enc.seats).astype(np.int64),
            "seats_after": seats_after,
            "applicants_before": before(base.applicants).astype(np.int64),
            "applicants": apps, "applicants_low": apps_low, "applicants_high": apps_high,
            "first_choices_before": before(base.first_choices).astype(np.int64),
            "first_choices": first, "first_choices_low": first_low, "first_choices_high": first_high,
            "admitted_before": before(base.admitted).astype(np.int64),
            "admitted_after": adm, "admitted_low": adm_low, "admitted_high": adm_high,
            "vacant_before": (before(enc.seats) - before(base.admitted)).astype(np.int64),
            "vacant_after": np.round(seats_after - adm, 2),
            "cutoff_before": _nullable(before(base.cutoff, np.nan)),
            "cutoff_after": _nullable(np.round(cut_mean, 2)),
            "cutoff_low": _nullable(np.round(cut_low, 2)),
            "cutoff_high": _nullable(np.round(cut_high, 2)),
            "cutoff_share_of_draws": np.round(has_cut.mean(axis=0), 2),
        }, columns=list(CHANGE_COLUMNS)))
    return pd.concat(frames, ignore_index=True)


def _nullable(values: np.ndarray) -> pd.array:
    column = pd.array(np.round(np.asarray(values, dtype=np.float64), 4), dtype="Float64")
    column[np.isnan(np.asarray(values, dtype=np.float64))] = pd.NA
    return column


def flows_table(f: Forecast) -> pd.DataFrame:
    """Per scenario and (home, host) pair: placed students and the yearly cost the home pays, before and expected."""
    labels = f.round.encoded.municipalities.astype(str)
    m = len(labels)
    frames = []
    for plan, draws in zip(f.context.plans, f.draws):
        students, s_low, s_high = _stats([d.flows.reshape(-1) for d in draws])
        cost, c_low, c_high = _stats([d.costs.reshape(-1) for d in draws])
        unpriced, _, _ = _stats([d.unpriced.reshape(-1) for d in draws])
        before = f.baseline.flows.reshape(-1)
        keep = np.flatnonzero((students > 0) | (before > 0))
        frames.append(pd.DataFrame({
            "scenario": plan.name,
            "home_municipality": labels[keep // m],
            "host_municipality": labels[keep % m],
            "students_before": before[keep].astype(np.int64),
            "students": students[keep], "students_low": s_low[keep], "students_high": s_high[keep],
            "cost_sek_before": np.rint(f.baseline.costs.reshape(-1)[keep]).astype(np.int64),
            "cost_sek": np.rint(cost[keep]).astype(np.int64),
            "cost_sek_low": np.rint(c_low[keep]).astype(np.int64),
            "cost_sek_high": np.rint(c_high[keep]).astype(np.int64),
            "students_without_price_before": f.baseline.unpriced.reshape(-1)[keep].astype(np.int64),
            "students_without_price": unpriced[keep],
        }).sort_values(["home_municipality", "host_municipality"], kind="stable"))
    return pd.concat(frames, ignore_index=True)


def municipalities_table(f: Forecast) -> pd.DataFrame:
    """Per scenario and municipality: students, unplaced, and what it pays (as home) and receives (as host) a year."""
    labels = f.round.encoded.municipalities.astype(str)
    base = f.baseline
    frames = []
    for plan, draws in zip(f.context.plans, f.draws):
        students, st_low, st_high = _stats([d.students_by_home for d in draws])
        unplaced, u_low, u_high = _stats([d.unplaced_by_home for d in draws])
        pays, p_low, p_high = _stats([d.costs.sum(axis=1) for d in draws])
        receives, r_low, r_high = _stats([d.costs.sum(axis=0) for d in draws])
        unpriced, _, _ = _stats([d.unpriced.sum(axis=1) for d in draws])
        frames.append(pd.DataFrame({
            "scenario": plan.name,
            "municipality": labels,
            "cohort_factor": np.round(plan.factor, 4),
            "students_before": base.students_by_home.astype(np.int64),
            "students": students, "students_low": st_low, "students_high": st_high,
            "unplaced_before": base.unplaced_by_home.astype(np.int64),
            "unplaced": unplaced, "unplaced_low": u_low, "unplaced_high": u_high,
            "pays_sek_before": np.rint(base.costs.sum(axis=1)).astype(np.int64),
            "pays_sek": np.rint(pays).astype(np.int64), "pays_sek_low": np.rint(p_low).astype(np.int64),
            "pays_sek_high": np.rint(p_high).astype(np.int64),
            "receives_sek_before": np.rint(base.costs.sum(axis=0)).astype(np.int64),
            "receives_sek": np.rint(receives).astype(np.int64), "receives_sek_low": np.rint(r_low).astype(np.int64),
            "receives_sek_high": np.rint(r_high).astype(np.int64),
            "students_without_price_before": base.unpriced.sum(axis=1).astype(np.int64),
            "students_without_price": unpriced,
        }, columns=list(MUNICIPALITY_COLUMNS)))
    return pd.concat(frames, ignore_index=True)


def schools_table(f: Forecast, changes: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and school: seats against first-choice demand and applicants, before and expected."""
    programmes = f.round.data.programmes
    school_of = dict(zip(programmes["programme_id"].astype(str), programmes["school"].astype(str)))
    municipality_of = dict(zip(programmes["programme_id"].astype(str), programmes["municipality"].astype(str)))
    for plan in f.context.plans:
        for o in plan.added:
            school_of[o.programme_id] = o.school
            municipality_of[o.programme_id] = o.municipality
    table = changes.assign(school=changes["programme_id"].map(school_of),
                           municipality=changes["programme_id"].map(municipality_of))
    columns = ["seats_before", "seats_after", "first_choices_before", "first_choices", "applicants_before",
               "applicants", "admitted_before", "admitted_after"]
    grouped = table.groupby(["scenario", "school", "municipality"], sort=False)[columns].sum().reset_index()
    grouped[columns] = grouped[columns].round(2)
    with np.errstate(all="ignore"):
        ratio = grouped["first_choices"] / grouped["seats_after"].where(grouped["seats_after"] > 0)
    grouped["first_choices_per_seat"] = _nullable(np.round(ratio.to_numpy(dtype=np.float64, na_value=np.nan), 2))
    return grouped


def closed_offers_table(f: Forecast) -> pd.DataFrame:
    """Per scenario and closed offer: where the round's students who applied to it (and who were placed there) end up."""
    enc = f.round.encoded
    rows = []
    for plan, draws in zip(f.context.plans, f.draws):
        ids = np.concatenate([enc.programme_ids.astype(str), [o.programme_id for o in plan.added], [UNPLACED]])
        for j in plan.closed:
            applied, a_low, a_high = _stats([d.closed_destinations[int(j)][0] for d in draws])
            displaced, _, _ = _stats([d.closed_destinations[int(j)][1] for d in draws])
            for dest in np.flatnonzero((applied > 0) | (displaced > 0)):
                rows.append({"scenario": plan.name, "closed_programme_id": str(enc.programme_ids[j]),
                             "destination": str(ids[dest]), "applicants": float(applied[dest]),
                             "applicants_low": float(a_low[dest]), "applicants_high": float(a_high[dest]),
                             "placed_there_before": float(displaced[dest])})
    table = pd.DataFrame(rows, columns=list(CLOSED_COLUMNS))
    return table.sort_values(["scenario", "closed_programme_id", "applicants"], ascending=[True, True, False],
                             kind="stable").reset_index(drop=True) if len(table) else table
