"""The tables of ``admissions lottery``: lottery_students.csv and lottery_programmes.csv.

Built from the counts of :func:`admissions.analysis.lottery.run_lottery_draws`: each student's
probability of each placement, each offer's spread of cut-offs over the draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from admissions.reports.programmes import with_offer_location

if TYPE_CHECKING:
    from admissions.analysis.lottery import LotteryResult

STUDENT_COLUMNS = ("student_id", "programme_id", "choice_rank", "probability")
PROGRAMME_COLUMNS = (
    "programme_id", "seats", "cutoff_min", "cutoff_p05", "cutoff_median", "cutoff_p95", "cutoff_max",
    "admitted_min", "admitted_max", "oversubscribed_share", "uncertain_students",
)


def students_table(result: LotteryResult) -> pd.DataFrame:
    """Per student and placement with a non-zero probability, in the order of students.csv.

    Columns: student_id, programme_id and choice_rank (empty when unplaced), probability (share
    of the draws). A student's probabilities sum to 1.
    """
    enc = result.round.encoded
    k = enc.choices.shape[1]
    student, column = np.nonzero(result.counts)
    placed = column < k
    programme = np.full(len(student), "", dtype=object)
    programme[placed] = enc.programme_ids[enc.choices[student[placed], column[placed]]]
    rank = pd.array(column + 1, dtype="Int64")
    rank[~placed] = pd.NA
    return pd.DataFrame({
        "student_id": enc.student_ids[student],
        "programme_id": programme,
        "choice_rank": rank,
        "probability": result.counts[student, column] / result.draws,
    })


def programmes_table(result: LotteryResult) -> pd.DataFrame:
    """Per offer: the spread of the cut-off over the draws (columns: PROGRAMME_COLUMNS).

    Cut-off quantiles are over the draws in which the offer is oversubscribed (numpy's linear
    interpolation), empty when it never is; ``oversubscribed_share`` is the share of draws with a
    cut-off; ``uncertain_students``: applicants whose placement at the offer is neither certain
    nor impossible (0 < probability < 1).
    """
    enc = result.round.encoded
    k = enc.choices.shape[1]
    cutoff = result.cutoff
    has = ~np.isnan(cutoff)
    ever = has.any(axis=0)
    stats = np.full((5, enc.n_programmes), np.nan)
    if ever.any():
        stats[:, ever] = np.nanquantile(cutoff[:, ever], [0.0, 0.05, 0.5, 0.95, 1.0], axis=0)
    counts = result.counts[:, :k]
    student, column = np.nonzero((counts > 0) & (counts < result.draws))
    uncertain = np.bincount(enc.choices[student, column], minlength=enc.n_programmes)

    def cut(values: np.ndarray) -> pd.array:
        out = pd.array(np.round(values, 4), dtype="Float64")
        out[np.isnan(values)] = pd.NA
        return out

    return with_offer_location(pd.DataFrame({
        "programme_id": enc.programme_ids,
        "seats": enc.seats,
        "cutoff_min": cut(stats[0]),
        "cutoff_p05": cut(stats[1]),
        "cutoff_median": cut(stats[2]),
        "cutoff_p95": cut(stats[3]),
        "cutoff_max": cut(stats[4]),
        "admitted_min": result.admitted.min(axis=0),
        "admitted_max": result.admitted.max(axis=0),
        "oversubscribed_share": np.round(has.mean(axis=0), 4),
        "uncertain_students": uncertain.astype(np.int64),
    }), result.round.data)
