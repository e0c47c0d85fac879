"""The priority matrix: how each programme orders its applicants (urval), as numbers the core compares.

At each programme applications are ordered by tier (1 = first-hand before 2 = second-hand, lower
is better), then score (merit value plus the programme's test points, higher is better), then the
keys of the tie-break chain in order. The chain is configurable because practice varies by region
(Halland: choice rank, grade value, number of grades, lottery; Sjuhärad: lottery only).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np

from admissions.errors import InvalidArgument
from admissions.matching._validate import as_array, check_choices

TieBreakKey = Literal["choice_rank", "grade_value", "n_grades", "lottery"]
TIE_BREAK_KEYS: tuple[str, ...] = get_args(TieBreakKey)


def build_priority(
    choices: object,
    tier: object,
    score: object,
    *,
    tie_break: Sequence[str] = ("lottery",),
    lottery: object = None,
    grade_value: object = None,
    n_grades: object = None,
    choice_rank: object = None,
) -> np.ndarray:
    """The priority of every application at its programme: higher is better, unique per programme.

    Parameters
    ----------
    choices : (n_students, k) int array
        Programme index per choice, padded with -1 at the end of the row.
    tier : (n_students, k) int array
        Priority tier per application, lower is better (1 = first-hand, 2 = second-hand).
    score : (n_students, k) real array
        Merit value plus the programme's test points, higher is better.
    tie_break : sequence of {"choice_rank", "grade_value", "n_grades", "lottery"}
        Keys that order applications with equal tier and score, in order; each at most once.
    lottery : (n_students,) real array, optional
        Higher wins; unique when the chain ends with it (see :mod:`admissions.matching.lottery`). Required when "lottery" is in the chain.
    grade_value : (n_students,) real array, optional
        Merit value without test points, higher wins. Required for "grade_value".
    n_grades : (n_students,) int array, optional
        Number of grades, more wins. Required for "n_grades".
    choice_rank : (n_students, k) int array, optional
        Rank of each choice on the student's own list, lower wins ("a higher-ranked choice
        wins"). Defaults to the column index; give it when choices were filtered or split so that
        columns no longer are the student's ranks.

    Returns
    -------
    (n_students, k) float64
        At each programme with m applications, the integers 0 .. m-1 as floats, m-1 for the
        applicant it ranks first; -inf at padding. Entries at padding of tier, score and
        choice_rank are ignored.

    Raises
    ------
    InvalidArgument
        When an argument breaks its rule, or when two applications at one programme are still
        equal after the whole chain (the message names the programme and both students).
    """
    choices = check_choices(choices)
    shape = choices.shape
    tier = _matrix("tier", tier, shape, "iu", "an integer dtype")
    score = _matrix("score", score, shape, "fiu", "a real number dtype")
    chain = _check_chain(tie_break)
    student_keys = {"lottery": lottery, "grade_value": grade_value, "n_grades": n_grades}

    present = choices >= 0
    student = np.repeat(np.arange(shape[0], dtype=np.int64), present.sum(axis=1))
    programme = choices[present].astype(np.int64)
    app_score = score[present].astype(np.float64)
    if not np.isfinite(app_score).all():
        i, j = np.argwhere(present & ~np.isfinite(score))[0]
        raise InvalidArgument(f"score[{i}, {j}] == {score[i, j]}, must be a finite number at a choice")

    # Most significant first; every key is oriented so that ascending = better.
    keys: list[np.ndarray] = [programme, tier[present], -app_score]
    for name in chain:
        if name == "choice_rank":
            rank = (
                np.broadcast_to(np.arange(shape[1]), shape)
                if choice_rank is None
                else _matrix("choice_rank", choice_rank, shape, "iu", "an integer dtype")
            )
            keys.append(rank[present])
        else:
            values = _student_key(name, student_keys[name], shape[0])
            keys.append(-values[student])
    order = np.lexsort(keys[::-1])  # lexsort sorts by its last key first
    _check_no_tie(order, keys, programme, student, chain)

    n_apps = len(order)
    counts = np.bincount(programme, minlength=int(programme.max(initial=-1)) + 1)
    first = np.concatenate(([0], np.cumsum(counts)))[programme[order]]
    position = np.arange(n_apps, dtype=np.int64) - first
    app_priority = np.empty(n_apps, dtype=np.float64)
    app_priority[order] = counts[programme[order]] - 1 - position
    priority = np.full(shape, -np.inf)
    priority[present] = app_priority
    return priority


def _matrix(name: str, value: object, shape: tuple[int, int], kinds: str, rule: str) -> np.ndarray:
    array = as_array(name, value, 2, kinds, rule)
    if array.shape != shape:
        raise InvalidArgument(f"{name}.shape == {array.shape}, must equal choices.shape == {shape}")
    return array


def _check_chain(tie_break: object) -> tuple[str, ...]:
    if isinstance(tie_break, str) or not isinstance(tie_break, Sequence):
        raise InvalidArgument(f"tie_break == {tie_break!r}, must be a sequence of keys from {TIE_BREAK_KEYS}")
    chain = tuple(tie_break)
    for i, name in enumerate(chain):
        if name not in TIE_BREAK_KEYS:
            raise InvalidArgument(f"tie_break[{i}] == {name!r}, must be one of {TIE_BREAK_KEYS}")
        if name in chain[:i]:
            raise InvalidArgument(f"tie_break[{i}] == {name!r} repeats an earlier key, must appear at most once")
    return chain


def _student_key(name: str, value: object, n_students: int) -> np.ndarray:
    if value is None:
        raise InvalidArgument(f"{name} == None, must be given when tie_break contains {name!r}")
    kinds, rule = ("iu", "an integer dtype") if name == "n_grades" else ("fiu", "a real number dtype")
    array = as_array(name, value, 1, kinds, rule)
    if array.shape != (n_students,):
        raise InvalidArgument(f"{name}.shape == {array.shape}, must be ({n_students},) (one per student)")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        s = int(np.flatnonzero(~np.isfinite(array))[0])
        raise InvalidArgument(f"{name}[{s}] == {array[s]}, must be a finite number")
    return array


def _check_no_tie(
    order: np.ndarray, keys: list[np.ndarray], programme: np.ndarray, student: np.ndarray, chain: tuple[str, ...]
) -> None:
    """Raise when two neighbours in the sorted order are equal on every key (programme included)."""
    if len(order) < 2:
        return
    tie = np.ones(len(order) - 1, dtype=bool)
    for key in keys:
        ordered = key[order]
        tie &= ordered[1:] == ordered[:-1]
    if tie.any():
        at = int(np.flatnonzero(tie)[0])
        s1, s2 = sorted(int(student[a]) for a in order[at : at + 2])
        raise InvalidArgument(
            f"tie_break == {chain!r} leaves students {s1} and {s2} tied at programme {int(programme[order[at]])}, "
            "must order every programme's applicants (end the chain with 'lottery', whose numbers are unique)"
        )
