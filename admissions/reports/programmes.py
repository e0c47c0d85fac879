"""programmes.csv: the per-offer statistics the region publishes after each round.

One row per offer (utbildning), in the order of programmes.csv. The figures are counted from the
round's applications, as applications.csv reports them:

- ``first_choice_applicants``: students whose first choice the offer is (eligible or not);
- ``applicants`` / ``eligible_applicants``: applications considered (within max_choices) / eligible;
- ``admitted``, ``reserves`` (eligible applicants left as reserves), ``vacant_seats`` = seats - admitted;
- ``cutoff_merit`` / ``cutoff_tier`` (antagningspoäng): the score (merit value plus test points) and
  tier of the lowest-ranked student admitted in the ordinary quota, i.e. the worst tier among them
  and the lowest score within it. Empty when the offer is not oversubscribed (no reserve); in a
  reserve round only the students admitted in the round count (holders keep their seats above
  every applicant), so it is empty where the seats are all held;
- ``test_cutoff_points``: the same for the aptitude-test quota, in test points (empty without one);
- ``median_admitted_merit``: median score of the admitted students that have a merit value;
- ``applicants_per_seat``, ``first_choice_per_seat``: rounded to 2 decimals, empty without seats;
- ``school_unit_code``, ``latitude``, ``longitude``: as programmes.csv gives them, when it does.

No student-level data: this table is published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from admissions.io.contract import OFFER_LOCATION_COLUMNS
from admissions.reports.placements import OUTCOMES, application_outcomes
from admissions.rules.quotas import ORDINARY, TEST

if TYPE_CHECKING:
    from admissions.round import RoundResult

PROGRAMME_COLUMNS = (
    "programme_id", "school", "municipality", "programme_code", "orientation", "seats",
    "first_choice_applicants", "applicants", "eligible_applicants", "admitted", "reserves",
    "vacant_seats", "cutoff_merit", "cutoff_tier", "test_cutoff_points", "median_admitted_merit",
    "applicants_per_seat", "first_choice_per_seat",
)


def per_seat(count: np.ndarray, seats: np.ndarray) -> pd.array:
    """count / seats rounded to 2 decimals; missing where there are no seats."""
    ratio = np.round(count / np.where(seats > 0, seats, 1), 2)
    out = pd.array(ratio, dtype="Float64")
    out[seats <= 0] = pd.NA
    return out


def _last_admitted(offer: np.ndarray, tier: np.ndarray, key: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """(p,) worst tier and, within it, lowest key among the given admitted students; NaN / 0 where none."""
    worst_tier = np.zeros(p, dtype=np.int64)
    lowest = np.full(p, np.nan)
    if len(offer):
        order = np.lexsort((key, -tier, offer))  # by offer, worst tier first, then lowest key
        first = np.ones(len(order), dtype=bool)
        first[1:] = offer[order][1:] != offer[order][:-1]
        at = order[first]
        worst_tier[offer[at]] = tier[at]
        lowest[offer[at]] = key[at]
    return worst_tier, lowest


def _median_by(group: np.ndarray, value: np.ndarray, p: int) -> np.ndarray:
    """(p,) median of value per group (NaN where a group has none)."""
    medians = np.full(p, np.nan)
    if len(group):
        frame = pd.DataFrame({"g": group, "v": value})
        m = frame.groupby("g", sort=False)["v"].median()
        medians[m.index.to_numpy(dtype=np.int64)] = m.to_numpy(dtype=np.float64)
    return medians


def programmes_table(r: RoundResult, outcome: np.ndarray | None = None) -> pd.DataFrame:
    """One row per offer with the published figures (columns: PROGRAMME_COLUMNS).

    ``outcome``: the (n, k) outcome codes of :func:`application_outcomes` when already computed.
    """
    enc, sel = r.encoded, r.selection
    p = enc.n_programmes
    if outcome is None:
        outcome, _ = application_outcomes(r)
    choices = enc.choices
    present = choices >= 0

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(choices[mask & present], minlength=p).astype(np.int64)

    first_choice = np.bincount(choices[:, 0][choices[:, 0] >= 0], minlength=p).astype(np.int64) \
        if choices.shape[1] else np.zeros(p, dtype=np.int64)
    applicants = count(present)
    eligible = count(sel.eligible)
    reserves = count(outcome == OUTCOMES.index("reserve"))
    admitted = r.offer_admitted
    seats = enc.seats

    # Who was admitted, in which quota, with which tier and score.
    students = np.flatnonzero(r.sub_assignment >= 0)
    sub = r.sub_assignment[students]
    column = r.placed_column[students]
    offer = r.market.parent[sub]
    quota = r.market.quota[sub]
    tier = sel.tier[students, column]
    score = sel.score[students, column]
    ordinary = quota == ORDINARY
    if sel.held is not None:
        # A reserve round's cut-off is that of the students admitted in the round: a holder's old
        # score is never published as the lowest admitted while reserves with higher scores wait.
        ordinary &= ~sel.held[students, column]
    cutoff_tier, cutoff = _last_admitted(offer[ordinary], tier[ordinary], score[ordinary], p)
    in_test = quota == TEST
    points = np.nan_to_num(enc.test_points[students, column], nan=0.0)
    _, test_cutoff = _last_admitted(offer[in_test], tier[in_test], points[in_test], p)
    has_merit = ~np.isnan(sel.merit[students])
    median = _median_by(offer[has_merit], score[has_merit], p)

    # "Not oversubscribed" = no eligible applicant of the offer ended as a reserve: no cut-off.
    oversubscribed = reserves > 0
    cutoff_tier_column = pd.array(cutoff_tier, dtype="Int64")
    cutoff_column = pd.array(np.round(cutoff, 4), dtype="Float64")
    cutoff_column[~oversubscribed | np.isnan(cutoff)] = pd.NA
    cutoff_tier_column[~oversubscribed | np.isnan(cutoff)] = pd.NA
    test_column = pd.array(np.round(test_cutoff, 4), dtype="Float64")
    test_column[~oversubscribed | np.isnan(test_cutoff)] = pd.NA
    median_column = pd.array(np.round(median, 4), dtype="Float64")
    median_column[np.isnan(median)] = pd.NA

    programmes = r.data.programmes
    table = pd.DataFrame(
        {
            "programme_id": enc.programme_ids,
            "school": programmes["school"].to_numpy(dtype=object),
            "municipality": programmes["municipality"].to_numpy(dtype=object),
            "programme_code": programmes["programme_code"].to_numpy(dtype=object),
            "orientation": programmes["orientation"].fillna("").to_numpy(dtype=object),
            "seats": seats,
            "first_choice_applicants": first_choice,
            "applicants": applicants,
            "eligible_applicants": eligible,
            "admitted": admitted,
            "reserves": reserves,
            "vacant_seats": seats - admitted,
            "cutoff_merit": cutoff_column,
            "cutoff_tier": cutoff_tier_column,
            "test_cutoff_points": test_column,
            "median_admitted_merit": median_column,
            "applicants_per_seat": per_seat(applicants, seats),
            "first_choice_per_seat": per_seat(first_choice, seats),
        },
        columns=list(PROGRAMME_COLUMNS),
    )
    return with_offer_location(table, r.data)


def with_offer_location(table: pd.DataFrame, data) -> pd.DataFrame:
    """``table`` (one row per offer, in programmes.csv order) with the input's optional
    ``school_unit_code``, ``latitude`` and ``longitude`` appended, when programmes.csv gives them."""
    given = data.given_columns.get("programmes", frozenset())
    extra = [c for c in OFFER_LOCATION_COLUMNS if c in given]
    if not extra:
        return table
    return table.assign(**{c: data.programmes[c].to_numpy() for c in extra})
