"""The vectorised matching core: student-proposing deferred acceptance on arrays.

The design, in the cut-off view of stable matchings (Azevedo and Leshno 2016): every application
gets, once, a *key*: its position in one flat array where each programme's applications lie
together, best first (``offset[p] + rank within p``). A programme's cut-off is then a key
threshold ``thr[p]``: an application clears it when ``key < thr[p]``. Each programme keeps a flag
per key saying whether that application is held, so finding the ``seats``-th best holder is a
cumulative count over the flags, never a sort.

Rounds (simultaneous proposals, as in Gale and Shapley's own description):

1. Every active student proposes to their next choice whose current cut-off they clear (cut-offs
   only rise, so a choice skipped once would be rejected later anyway).
2. Each programme that now holds more than its seats counts its flags up to its threshold; the
   applications past the ``seats``-th holder are rejected, and the threshold drops to just past it.
3. Rejected students are the active students of the next round; the loop ends when nobody is
   rejected.

Only programmes that overflow are touched in a round and only the part of their key range above
the cut-off is scanned, so late rounds (a few rejection chains) cost little. The result is the
student-optimal stable matching: deferred acceptance does not depend on the order of proposals
(McVitie and Wilson 1971), and skipping a choice whose cut-off the student cannot clear is the
same as proposing and being rejected at once.

The ranks (the keys) depend on ``choices`` and ``priority`` only, so :func:`prepare` computes them
once and :meth:`PreparedMarket.match` re-runs the rounds for any ``seats`` (what-ifs, reserve
rounds, quota re-runs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from admissions.errors import InvalidArgument
from admissions.matching._validate import check_choice_range, check_choices, check_priority, check_seats

#: numpy's stable sort is a radix sort for 16-bit integers: programme ids are sorted that way when they fit.
_RADIX_MAX_PROGRAMMES = 1 << 16


@dataclass(frozen=True)
class MatchResult:
    """The outcome of a matching.

    Attributes
    ----------
    assignment : (n_students,) int64
        Programme index each student is placed at, -1 when unplaced.
    choice_index : (n_students,) int64
        Column of ``choices`` holding the choice each student got, -1 when unplaced.
    admitted : (n_programmes,) int64
        Students admitted per programme.
    cutoff : (n_programmes,) float64
        Lowest admitted priority per programme (antagningspoäng in priority units), NaN when nobody
        was admitted.
    """

    assignment: np.ndarray
    choice_index: np.ndarray
    admitted: np.ndarray
    cutoff: np.ndarray


@dataclass(frozen=True, eq=False)
class PreparedMarket:
    """The seat-independent part of a matching: every application's rank within its programme.

    Build it with :func:`prepare`; :meth:`match` runs deferred acceptance for any ``seats``. Reusing
    one PreparedMarket for many ``seats`` (what-ifs, reserve rounds, quota re-runs) saves the
    validation and the ranking, which are most of a single run's cost when priorities are not
    already ranks.

    Applications are the entries of ``choices`` that are not padding, in row-major order (``A`` of
    them); student ``s`` owns applications ``start[s]:start[s + 1]``, in column order.
    """

    n_students: int
    n_columns: int
    n_programmes_min: int  # 1 + the largest programme index chosen
    start: np.ndarray  # (n_students + 1,) int64 first application of each student
    app_programme: np.ndarray  # (A,) int64
    app_key: np.ndarray  # (A,) int64 position in the programme-major, best-first order
    key_student: np.ndarray  # (A,) int64 student of the application at each key
    key_priority: np.ndarray  # (A,) float64 priority of the application at each key
    offset: np.ndarray  # (n_programmes_min + 1,) int64 first key of each programme

    def match(self, seats: object) -> MatchResult:
        """Student-proposing deferred acceptance with these seats.

        Parameters
        ----------
        seats : (n_programmes,) int array
            Seats per programme, >= 0; ``n_programmes`` must exceed every chosen programme index.

        Returns
        -------
        MatchResult
        """
        seats = check_seats(seats)
        if len(seats) < self.n_programmes_min:
            raise InvalidArgument(
                f"len(seats) == {len(seats)}, must be > {self.n_programmes_min - 1} (the largest programme chosen)"
            )
        return _match(self, seats.astype(np.int64))


def prepare(choices: object, priority: object) -> PreparedMarket:
    """Validate choices and priority and rank every application within its programme.

    Parameters
    ----------
    choices : (n_students, k) int array
        Programme index per choice, in the student's order, padded with -1 at the end of the row.
    priority : (n_students, k) real array
        The student's priority at each choice, higher is better, unique within each programme.
        Ignored at padding.

    Returns
    -------
    PreparedMarket

    Notes
    -----
    When ``priority`` already is the rank form that :func:`admissions.matching.build_priority`
    returns (at each programme, the integers 0 .. m-1 for its m applications) the keys follow in
    O(A); otherwise two sorts are needed (a float argsort and a stable programme sort).
    """
    choices = check_choices(choices)
    return _prepare(choices, check_priority(priority, choices))


def _prepare(choices: np.ndarray, priority: np.ndarray) -> PreparedMarket:
    """:func:`prepare` on validated arrays."""
    n_students, n_columns = choices.shape
    present = choices >= 0
    n_choices = present.sum(axis=1, dtype=np.int64)
    start = np.zeros(n_students + 1, dtype=np.int64)
    np.cumsum(n_choices, out=start[1:])
    app_programme = choices[present].astype(np.int64)
    app_priority = priority[present].astype(np.float64)
    n_programmes_min = int(app_programme.max(initial=-1)) + 1
    n_apps = len(app_programme)
    counts = np.bincount(app_programme, minlength=n_programmes_min)
    offset = np.zeros(n_programmes_min + 1, dtype=np.int64)
    np.cumsum(counts, out=offset[1:])

    app_key = _keys_from_ranks(app_programme, app_priority, counts, offset)
    if app_key is None:
        app_key = _keys_by_sorting(app_programme, app_priority, start, n_programmes_min)
    key_student = np.empty(n_apps, dtype=np.int64)
    key_student[app_key] = np.repeat(np.arange(n_students, dtype=np.int64), n_choices)
    key_priority = np.empty(n_apps, dtype=np.float64)
    key_priority[app_key] = app_priority
    return PreparedMarket(
        n_students=n_students,
        n_columns=n_columns,
        n_programmes_min=n_programmes_min,
        start=start,
        app_programme=app_programme,
        app_key=app_key,
        key_student=key_student,
        key_priority=key_priority,
        offset=offset,
    )


def deferred_acceptance(choices: object, priority: object, seats: object) -> MatchResult:
    """The student-optimal stable matching (student-proposing deferred acceptance), vectorised.

    Parameters
    ----------
    choices : (n_students, k) int array
        Programme index per choice, in the student's order, padded with -1 at the end of the row;
        no programme twice in a row.
    priority : (n_students, k) real array
        The student's priority at each choice, higher is better, unique within each programme
        (:func:`admissions.matching.build_priority` guarantees it). Ignored at padding.
    seats : (n_programmes,) int array
        Seats per programme, >= 0.

    Returns
    -------
    MatchResult
        ``assignment`` and ``choice_index`` per student, ``admitted`` and ``cutoff`` per programme.

    Raises
    ------
    InvalidArgument
        When an input breaks its rule; the inputs are never modified.

    Notes
    -----
    Equivalent to ``prepare(choices, priority).match(seats)``; keep the :class:`PreparedMarket`
    to re-match the same applications with other seats. The algorithm is described in the module
    docstring of ``admissions.matching.core``.
    """
    seats = check_seats(seats)
    choices = check_choices(choices)
    check_choice_range(choices, len(seats))
    priority = check_priority(priority, choices)
    return _match(_prepare(choices, priority), seats.astype(np.int64))


def _keys_from_ranks(
    app_programme: np.ndarray, app_priority: np.ndarray, counts: np.ndarray, offset: np.ndarray
) -> np.ndarray | None:
    """(A,) keys when every programme's priorities are exactly 0 .. m-1 (the rank form), else None."""
    if len(app_priority) == 0:
        return np.zeros(0, dtype=np.int64)
    size = counts[app_programme]
    if not ((app_priority >= 0).all() and (app_priority < size).all()):
        return None
    rank = app_priority.astype(np.int64)
    if not (rank == app_priority).all():
        return None
    key = offset[:-1][app_programme] + (size - 1 - rank)
    seen = np.zeros(len(key), dtype=bool)
    seen[key] = True
    # A keys landing on A slots: all slots hit exactly when no two applications share a rank.
    return key if seen.all() else None


def _keys_by_sorting(
    app_programme: np.ndarray, app_priority: np.ndarray, start: np.ndarray, n_programmes: int
) -> np.ndarray:
    """(A,) keys by sorting: best priority first, then (stably) by programme. Raises on a tie."""
    # Ties across programmes may come out in any order here: the stable programme sort below
    # separates them, and within a programme priorities are unique.
    order = np.argsort(-app_priority)
    by_programme = app_programme[order]
    if n_programmes <= _RADIX_MAX_PROGRAMMES:
        by_programme = by_programme.astype(np.uint16)
    order = order[np.argsort(by_programme, kind="stable")]
    sorted_priority = app_priority[order]
    sorted_programme = app_programme[order]
    tie = (sorted_priority[1:] == sorted_priority[:-1]) & (sorted_programme[1:] == sorted_programme[:-1])
    if tie.any():
        at = int(np.flatnonzero(tie)[0])
        first, second = sorted(int(a) for a in order[at : at + 2])
        s1, s2 = (int(np.searchsorted(start, a, side="right")) - 1 for a in (first, second))
        j1, j2 = first - int(start[s1]), second - int(start[s2])
        raise InvalidArgument(
            f"priority[{s2}, {j2}] == {app_priority[second]} ties with priority[{s1}, {j1}] at programme "
            f"{int(sorted_programme[at])}, must be unique within each programme"
        )
    key = np.empty(len(order), dtype=np.int64)
    key[order] = np.arange(len(order), dtype=np.int64)
    return key


def _match(market: PreparedMarket, seats: np.ndarray) -> MatchResult:
    """Deferred acceptance rounds on a prepared market (seats validated, int64)."""
    n_students = market.n_students
    n_programmes = len(seats)
    start, app_programme, app_key = market.start, market.app_programme, market.app_key
    n_apps = len(app_key)
    offset = np.empty(n_programmes + 1, dtype=np.int64)
    offset[: len(market.offset)] = market.offset
    offset[len(market.offset) :] = n_apps
    lo = offset[:-1]
    # Nobody clears the threshold of a programme without seats, so nobody ever proposes there.
    thr = np.where(seats > 0, offset[1:], lo)
    held = np.zeros(n_apps, dtype=bool)
    count = np.zeros(n_programmes, dtype=np.int64)
    column = np.full(n_students, -1, dtype=np.int64)
    n_choices = np.diff(start)

    active = np.flatnonzero(n_choices > 0)
    next_column = np.zeros(len(active), dtype=np.int64)
    while len(active):
        proposer, at = _next_cleared(active, next_column, start, n_choices, app_programme, app_key, thr)
        if len(proposer) == 0:
            break
        column[proposer] = at - start[proposer]
        held[app_key[at]] = True
        count += np.bincount(app_programme[at], minlength=n_programmes)
        over = np.flatnonzero(count > seats)
        if len(over) == 0:
            break
        rejected, new_thr = _reject(over, lo[over], thr[over], seats[over], held)
        held[rejected] = False
        count[over] = seats[over]
        thr[over] = new_thr
        active = market.key_student[rejected]
        next_column = column[active] + 1
        column[active] = -1

    placed = column >= 0
    assignment = np.full(n_students, -1, dtype=np.int64)
    assignment[placed] = app_programme[start[:-1][placed] + column[placed]]
    return MatchResult(
        assignment=assignment,
        choice_index=column,
        admitted=count,
        cutoff=_cutoffs(held, offset, market.key_priority),
    )


def _next_cleared(
    student: np.ndarray,
    column: np.ndarray,
    start: np.ndarray,
    n_choices: np.ndarray,
    app_programme: np.ndarray,
    app_key: np.ndarray,
    thr: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For each student, the first application from ``column`` on whose cut-off they clear.

    Returns the students who have one and that application's index; the others have run out of
    choices and stay unplaced.
    """
    found_student, found_app = [], []
    while len(student):
        more = column < n_choices[student]
        if not more.all():
            student, column = student[more], column[more]
        app = start[student] + column
        clears = app_key[app] < thr[app_programme[app]]
        found_student.append(student[clears])
        found_app.append(app[clears])
        student, column = student[~clears], column[~clears] + 1
    if len(found_student) == 1:
        return found_student[0], found_app[0]
    return np.concatenate(found_student), np.concatenate(found_app)


def _reject(
    programme: np.ndarray, lo: np.ndarray, hi: np.ndarray, seats: np.ndarray, held: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rejections at over-full programmes, and their new thresholds.

    Every holder of programme ``p`` has a key in ``[lo, hi)``; counting the held flags over that
    range finds the ``seats``-th best holder without sorting. Returns the rejected keys and, per
    programme, the key just past its ``seats``-th holder (seats >= 1 here: a programme without
    seats is never proposed to).
    """
    length = hi - lo
    total = int(length.sum())
    first = np.cumsum(length) - length
    # Keys of all segments laid end to end: steps of 1 inside a segment, a jump at each start.
    step = np.ones(total, dtype=np.int64)
    step[first[1:]] = lo[1:] - hi[:-1] + 1
    step[0] = lo[0]
    key = np.cumsum(step)
    flag = held[key]
    running = np.cumsum(flag, dtype=np.int64)
    before = np.concatenate(([0], running))[first]
    # Rank among holders within the segment, minus the seats: > 0 means rejected, == 0 is the last kept.
    excess = running - np.repeat(before + seats, length)
    rejected = key[flag & (excess > 0)]
    new_thr = key[flag & (excess == 0)] + 1
    return rejected, new_thr


def _cutoffs(held: np.ndarray, offset: np.ndarray, key_priority: np.ndarray) -> np.ndarray:
    """(n_programmes,) priority of the last held key of each programme, NaN where none is held."""
    cutoff = np.full(len(offset) - 1, np.nan)
    held_key = np.flatnonzero(held)
    if len(held_key) == 0:
        return cutoff
    programme = np.searchsorted(offset, held_key, side="right") - 1
    last = np.flatnonzero(np.append(programme[1:] != programme[:-1], True))
    cutoff[programme[last]] = key_priority[held_key[last]]
    return cutoff
