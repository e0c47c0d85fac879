"""The priority matrix: how each programme orders its applicants (urval), as numbers the core compares.

At each programme applications are ordered by tier (1 = first-hand before 2 = second-hand, lower
is better), then score (merit value plus the programme's test points, higher is better), then the
keys of the tie-break chain in order. The chain is configurable because practice varies by region
(Halland: choice rank, grade value, number of grades, lottery; Sjuhärad: lottery only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from admissions.errors import InvalidArgument
from admissions.matching._validate import as_array, check_choices
from admissions.matching.lottery import lottery_places


@dataclass(frozen=True, eq=False)
class TieBreakSources:
    """What a round's tie-break keys are built from (n students, k columns of the market)."""

    student_ids: np.ndarray  # (n,) str
    lottery: np.ndarray  # (n,) float64 lottery numbers, higher wins (admissions.matching.lottery)
    merit: np.ndarray  # (n,) float64 merit value, NaN when the student has none (free quota)
    n_grades: np.ndarray  # (n,) int64
    choice_rank: np.ndarray  # (n, k) int64 column of each choice in the student's own list
    id_rank: np.ndarray | None = None  # (n,) int64 admissions.matching.lottery.id_ranks, when ordered many times


@dataclass(frozen=True)
class TieBreak:
    """One key of the tie-break chain: what it is per, which way it wins and how its array is built."""

    per: Literal["student", "application"]
    higher_wins: bool
    build: Callable[[TieBreakSources], np.ndarray]
    rule: str


#: The one table of tie-break keys: build_priority (every round) and the lottery draws
#: (admissions.analysis.lottery) both build and orient every key from it, so a key known to one is
#: known to the other, with the same array.
TIE_BREAK: dict[str, TieBreak] = {
    "choice_rank": TieBreak("application", False, lambda s: s.choice_rank,
                            "rank of the choice on the student's own list, a higher-ranked choice wins"),
    "grade_value": TieBreak("student", True, lambda s: np.nan_to_num(s.merit, nan=0.0),
                            "merit value without test points, higher wins; none (free quota) counts as 0"),
    "n_grades": TieBreak("student", True, lambda s: s.n_grades, "number of grades, more wins"),
    # The only place a lottery number becomes what the priority compares (a unique place).
    "lottery": TieBreak("student", True, lambda s: lottery_places(s.lottery, s.student_ids, s.id_rank),
                        "the lottery: a higher number wins, equal numbers by the smaller id"),
}
TIE_BREAK_KEYS: tuple[str, ...] = tuple(TIE_BREAK)
TieBreakKey = Literal[TIE_BREAK_KEYS]  # type: ignore[valid-type]


def tie_break_arrays(sources: TieBreakSources, chain: Sequence[str]) -> dict[str, np.ndarray]:
    """The array of every key of ``chain``, built as the table says (build_priority's keyword arguments)."""
    return {name: TIE_BREAK[name].build(sources) for name in chain}


def tie_break_order_keys(arrays: dict[str, np.ndarray], chain: Sequence[str], present: np.ndarray,
                         student: np.ndarray) -> list[np.ndarray]:
    """Per key of ``chain``, its value at every application (A,), oriented so that ascending = better.

    ``present`` (n, k) bool marks the applications (row-major) and ``student`` (A,) their students.
    """
    keys = []
    for name in chain:
        key, values = TIE_BREAK[name], np.asarray(arrays[name])
        at = values[present] if key.per == "application" else values[student]
        keys.append(-at.astype(np.float64) if key.higher_wins else at)
    return keys


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
    **keys: object,
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
    **keys : array, optional
        The array of any other key of :data:`TIE_BREAK`, by its name: (n_students,) for a key per
        student, (n_students, k) for one per application. A key added to the table needs no new
        parameter here (:func:`tie_break_arrays` builds every key's array from the round).

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
    unknown = sorted(set(keys) - set(TIE_BREAK))
    if unknown:
        raise InvalidArgument(f"{unknown[0]}: not a tie-break key, must be one of {tuple(TIE_BREAK)}")
    given = {"lottery": lottery, "grade_value": grade_value, "n_grades": n_grades, "choice_rank": choice_rank, **keys}

    present = choices >= 0
    student = np.repeat(np.arange(shape[0], dtype=np.int64), present.sum(axis=1))
    programme = choices[present].astype(np.int64)
    app_score = score[present].astype(np.float64)
    if not np.isfinite(app_score).all():
        i, j = np.argwhere(present & ~np.isfinite(score))[0]
        raise InvalidArgument(f"score[{{student[0]}}, {j}] == {score[i, j]}, must be a finite number at a choice",
                              students=(i,))

    # Most significant first; every key is oriented so that ascending = better (TIE_BREAK says how).
    arrays = {}
    for name in chain:
        if TIE_BREAK[name].per == "application":
            if name == "choice_rank" and choice_rank is None:
                arrays[name] = np.broadcast_to(np.arange(shape[1]), shape)
            elif given.get(name) is None:
                raise InvalidArgument(f"{name} == None, must be given when tie_break contains {name!r}")
            else:
                kinds, rule = ("iu", "an integer dtype") if name == "choice_rank" else ("fiu", "a real number dtype")
                arrays[name] = _matrix(name, given[name], shape, kinds, rule)
        else:
            arrays[name] = _student_key(name, given.get(name), shape[0])
    keys: list[np.ndarray] = [programme, tier[present], -app_score]
    keys += tie_break_order_keys(arrays, chain, present, student)
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
        raise InvalidArgument(f"tie_break == {tie_break!r}, must be a sequence of keys from {tuple(TIE_BREAK)}")
    chain = tuple(tie_break)
    for i, name in enumerate(chain):
        if name not in TIE_BREAK:
            raise InvalidArgument(f"tie_break[{i}] == {name!r}, must be one of {tuple(TIE_BREAK)}")
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
        raise InvalidArgument(f"{name}[{{student[0]}}] == {array[s]}, must be a finite number", students=(s,))
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
            f"tie_break == {chain!r} leaves students {{student[0]}} and {{student[1]}} tied at programme "
            "{programme[0]}, must order every programme's applicants (end the chain with 'lottery', whose "
            "numbers are unique)",
            students=(s1, s2), programmes=(int(programme[order[at]]),),
        )
