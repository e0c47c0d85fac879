"""Student-level outputs: placements.csv (one row per student) and applications.csv (one row per application)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from admissions.matching import reserve_positions
from admissions.round import RoundResult
from admissions.rules.guarantee import BELOW_HELD, DECLINED, WITHDRAWN
from admissions.rules.quotas import ORDINARY

OUTCOMES = ("admitted", "reserve", "not_reached", "ineligible", "not_considered", "declined", "withdrawn", "given_up")


def placements_table(r: RoundResult) -> pd.DataFrame:
    """One row per student, in the order of students.csv.

    Columns: student_id, programme_id and choice_rank (empty when unplaced), lottery (the tie-break
    number used: given in the input or drawn from the seed).
    """
    enc = r.encoded
    assignment = r.offer_assignment
    placed = assignment >= 0
    choice_rank = pd.array(np.where(placed, r.placed_column + 1, 0), dtype="Int64")
    choice_rank[~placed] = pd.NA
    return pd.DataFrame(
        {
            "student_id": text_column(enc.student_ids),
            "programme_id": text_column(np.append(enc.programme_ids, ""), np.where(placed, assignment, len(enc.programme_ids))),
            "choice_rank": choice_rank,
            "lottery": r.lottery,
        }
    )


def application_outcomes(r: RoundResult) -> tuple[np.ndarray, np.ndarray]:
    """Outcome code and reserve position of every entry of ``encoded.choices``.

    Returns ``outcome`` (n, k) int8 indexing OUTCOMES (-1 at padding) and ``reserve_position``
    (n, k) int64 (1 = first in line, 0 when not a reserve).
    """
    enc, sel = r.encoded, r.selection
    present = enc.choices >= 0
    column = np.arange(enc.choices.shape[1])[None, :]
    placed_column = r.placed_column[:, None]
    unplaced = placed_column < 0
    outcome = np.full(enc.choices.shape, -1, dtype=np.int8)
    outcome[present & ~sel.eligible] = OUTCOMES.index("ineligible")
    above = sel.eligible & (unplaced | (column < placed_column))
    outcome[above] = OUTCOMES.index("reserve")
    outcome[sel.eligible & ~unplaced & (column > placed_column)] = OUTCOMES.index("not_reached")
    outcome[sel.eligible & (column == placed_column)] = OUTCOMES.index("admitted")
    if sel.excluded is not None:
        outcome[sel.excluded == WITHDRAWN] = OUTCOMES.index("withdrawn")
        # Only the choice the student declined is "declined"; the lower ones went with it.
        declined = sel.excluded == DECLINED
        first = declined & (np.cumsum(declined, axis=1) == 1)
        outcome[declined] = OUTCOMES.index("given_up")
        outcome[first] = OUTCOMES.index("declined")
        outcome[sel.excluded == BELOW_HELD] = OUTCOMES.index("not_reached")

    # The reserve queue of an offer is that of its ordinary quota (merit value plus test points).
    market = r.market
    market_position = reserve_positions(market.choices, r.priority, r.sub_result, prepared=r.prepared)
    ordinary = (market.choices >= 0) & (market.quota[np.maximum(market.choices, 0)] == ORDINARY)
    reserve_position = np.zeros(enc.choices.shape, dtype=np.int64)
    rows, cols = np.nonzero(ordinary)
    reserve_position[rows, market.column[rows, cols]] = market_position[rows, cols]
    return outcome, reserve_position


@dataclass(frozen=True)
class ApplicationColumns:
    """Every application of applications.csv as arrays, before any formatting (N rows, in its order).

    What applications.csv formats (``applications_table``) and what the season records
    (admissions.season.rounds) are both made from these arrays, so the season never parses text.
    """

    student_id: np.ndarray  # (N,) object
    choice_rank: np.ndarray  # (N,) int64
    programme_id: np.ndarray  # (N,) object
    considered: np.ndarray  # (N,) bool: False beyond max_choices (never encoded)
    eligible: np.ndarray  # (N,) bool
    ineligible_reason: np.ndarray  # (N,) object, "" when eligible
    tier: np.ndarray  # (N,) int64, 0 when none
    score: np.ndarray  # (N,) float64, NaN when none
    outcome: np.ndarray  # (N,) int8 index into OUTCOMES
    reserve_position: np.ndarray  # (N,) int64, 1 = first in line, 0 when not a reserve


def application_columns(r: RoundResult, outcomes: tuple[np.ndarray, np.ndarray] | None = None,
                        ids: bool = True) -> ApplicationColumns:
    """Every application's eligibility, tier, score, outcome and reserve position, in the order of applications.csv.

    ``outcomes``: the result of :func:`application_outcomes` when already computed. ``ids`` False
    leaves ``student_id`` and ``programme_id`` empty (applications.csv takes them from the input's
    Arrow columns, without a Python string per row).
    """
    enc, sel = r.encoded, r.selection
    apps = r.data.applications
    n_rows = len(apps)
    outcome, reserve_position = application_outcomes(r) if outcomes is None else outcomes
    rows, cols = np.nonzero(enc.choices >= 0)
    at = enc.application_row[rows, cols]

    # Applications beyond max_choices were never encoded: they keep these defaults.
    eligible = np.zeros(n_rows, dtype=bool)
    reason = np.full(n_rows, "", dtype=object)
    tier = np.zeros(n_rows, dtype=np.int64)
    score = np.full(n_rows, np.nan)
    outcome_code = np.full(n_rows, OUTCOMES.index("not_considered"), dtype=np.int8)
    position = np.zeros(n_rows, dtype=np.int64)
    eligible[at] = sel.eligible[rows, cols]
    reason[at] = sel.ineligible_reason[rows, cols]
    tier[at] = sel.tier[rows, cols]
    score[at] = sel.score[rows, cols]
    outcome_code[at] = outcome[rows, cols]
    position[at] = reserve_position[rows, cols]
    considered = outcome_code != OUTCOMES.index("not_considered")
    reason[~considered] = "beyond max_choices"
    return ApplicationColumns(
        student_id=apps["student_id"].to_numpy(dtype=object) if ids else np.empty(0, dtype=object),
        choice_rank=apps["choice_rank"].to_numpy(dtype=np.int64),
        programme_id=apps["programme_id"].to_numpy(dtype=object) if ids else np.empty(0, dtype=object),
        considered=considered,
        eligible=eligible,
        ineligible_reason=reason,
        tier=tier,
        score=score,
        outcome=outcome_code,
        reserve_position=position,
    )


def applications_table(r: RoundResult, outcomes: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """One row per application, in the order of applications.csv.

    Columns: student_id, choice_rank, programme_id, eligible, ineligible_reason (empty when
    eligible), tier, score, outcome (admitted, reserve, not_reached, ineligible, not_considered) and
    reserve_position (1 = first in line; empty unless a reserve). ``outcomes``: the result of
    :func:`application_outcomes` when already computed.
    """
    a = application_columns(r, outcomes, ids=False)
    apps = r.data.applications
    tier_column = pd.array(a.tier, dtype="Int64")
    tier_column[a.tier == 0] = pd.NA
    position_column = pd.array(a.reserve_position, dtype="Int64")
    position_column[a.reserve_position == 0] = pd.NA
    return pd.DataFrame(
        {
            "student_id": text_column(apps["student_id"]),
            "choice_rank": a.choice_rank,
            "programme_id": text_column(apps["programme_id"]),
            "eligible": text_column(["false", "true", ""], np.where(a.considered, a.eligible.astype(np.int64), 2)),
            "ineligible_reason": text_column(a.ineligible_reason),
            "tier": tier_column,
            "score": a.score,
            "outcome": text_column(OUTCOMES, a.outcome),
            "reserve_position": position_column,
        }
    )


def text_column(values: object, codes: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
    """A text column as pandas' ``str`` (Arrow-backed) array, made without a Python string per row.

    ``values`` a sequence of str (or a text Series, taken as it is); with ``codes``, the column is
    ``values[codes]``, made by Arrow's take. The same column as a DataFrame makes of an object array
    of the strings, several times faster at millions of rows.
    """
    text = pa.array(values, pa.string(), from_pandas=True)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if codes is not None:
        text = text.take(pa.array(np.asarray(codes, dtype=np.int64)))
    return pd.array(text, dtype=TEXT)


#: pandas' text dtype, as a DataFrame infers it from str values.
TEXT = pd.StringDtype(na_value=np.nan)
