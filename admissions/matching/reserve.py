"""Reserve positions (reservplacering): each student's place in line at the choices they rank above their placement."""

from __future__ import annotations

import numpy as np

from admissions.errors import InvalidArgument
from admissions.matching.core import PreparedMarket, prepare


def reserve_positions(choices: object, priority: object, result: object,
                      prepared: PreparedMarket | None = None) -> np.ndarray:
    """The 1-based position of every reserve application in its programme's reserve queue.

    A student is a reserve at every choice ranked above the one they got (at all their choices
    when unplaced). Each programme's reserve queue holds those applications ordered by priority,
    best first; a freed seat goes to position 1.

    Parameters
    ----------
    choices : (n_students, k) int array
        Programme index per choice, padded with -1 at the end of the row.
    priority : (n_students, k) real array
        Priority at each choice, higher is better, unique within each programme.
    result : MatchResult
        The matching; only ``result.choice_index`` (n_students,) is read.
    prepared : PreparedMarket, optional
        ``prepare(choices, priority)`` when the caller has it already (the market is not ranked again).

    Returns
    -------
    (n_students, k) int64
        Position in line (1 = first) at reserve applications, 0 elsewhere (padding, the admitted
        choice and the choices below it).
    """
    market = prepare(choices, priority) if prepared is None else prepared
    n_students, k = market.n_students, market.n_columns
    key, chosen = market.key[:, :k], market.programme[:, :k]
    got = np.asarray(getattr(result, "choice_index", None) if result is not None else None)
    if got.shape != (n_students,) or got.dtype.kind not in "iu":
        raise InvalidArgument(
            f"result.choice_index.shape == {got.shape}, "
            f"must be ({n_students},) integers (a MatchResult for these choices)"
        )
    bad = (got < -1) | (got >= k)
    if bad.any():
        s = int(np.flatnonzero(bad)[0])
        raise InvalidArgument(f"result.choice_index[{{student[0]}}] == {got[s]}, must be -1 or a column index < {k}",
                              students=(s,))
    n_apps = market.n_apps
    if n_apps == 0:  # no applications (or none eligible): nobody is a reserve anywhere
        return np.zeros((n_students, k), dtype=np.int64)
    above = (chosen >= 0) & ((got[:, None] < 0) | (np.arange(k)[None, :] < got[:, None]))
    # Keys run best first within each programme, so a running count of reserves over the keys,
    # restarted at each programme's first key, is the position in line.
    is_reserve = np.zeros(n_apps + 1, dtype=np.int64)
    is_reserve[key[above]] = 1
    running = np.cumsum(is_reserve[:n_apps])
    before = np.concatenate(([0], running))[market.offset[:-1]]
    programme = np.where(above, chosen, 0)
    position = np.where(above, running[np.where(above, key, 0)] - before[programme], 0)
    return position.astype(np.int64)
