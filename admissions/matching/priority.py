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
    # A key per student is ranked among the students, then spread to their applications.
    per_student = [None, None, None] + [student if TIE_BREAK[name].per == "student" else None for name in chain]
    compact = [None, None, None] + [_oriented(name, arrays[name]) if TIE_BREAK[name].per == "student" else None
                                    for name in chain]
    order, maybe_tied = sorted_order(keys, compact, per_student)
    if maybe_tied:
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


def _oriented(name: str, values: np.ndarray) -> np.ndarray:
    """A per-student key's values oriented as :func:`tie_break_order_keys` orients them (ascending = better)."""
    values = np.asarray(values)
    return -values.astype(np.float64) if TIE_BREAK[name].higher_wins else values


def sorted_order(keys: list[np.ndarray], compact: list[np.ndarray | None] | None = None,
                 spread: list[np.ndarray | None] | None = None) -> tuple[np.ndarray, bool]:
    """``np.lexsort(keys[::-1])`` (the first key most significant, stable), and whether two neighbours may tie.

    Each key is replaced by its rank among its distinct values (a key given in ``compact`` is ranked
    there and spread to the rows by the index in ``spread``: a key per student, ranked once per
    student). When the ranks' bits and the row's index fit in 63 bits, the order is one sort of
    packed integers (ranks high, row index low: unique, so the stable order of lexsort); when the
    ranks alone fit, a stable argsort of them; else lexsort itself. Equal values get equal ranks
    exactly when lexsort holds them equal (0.0 and -0.0; NaN and NaN). The flag is False when no
    two neighbours have equal ranks (then no two rows are equal on every key).
    """
    n = len(keys[0])
    index_bits = max((n - 1).bit_length(), 1)
    ranks: list[tuple[np.ndarray, int]] = []
    bits = 0
    for j, key in enumerate(keys):
        source = compact[j] if compact is not None and compact[j] is not None else key
        rank, count = _dense_rank(source)
        width = (count - 1).bit_length() if count > 1 else 0
        bits += width
        if bits > 63:
            return np.lexsort(keys[::-1]), True  # lexsort sorts by its last key first
        ranks.append((rank if source is key else rank[spread[j]], width))
    packed = np.zeros(n, dtype=np.int64)
    for rank, width in ranks:
        packed <<= width
        packed |= rank
    if bits + index_bits > 63:
        order = np.argsort(packed, kind="stable")
        high = packed[order]
        return order, bool(n > 1 and (high[1:] == high[:-1]).any())
    packed <<= index_bits
    packed |= np.arange(n, dtype=np.int64)
    packed.sort()
    high = packed >> index_bits
    maybe_tied = bool(n > 1 and (high[1:] == high[:-1]).any())
    packed &= (1 << index_bits) - 1
    return packed, maybe_tied


def _dense_rank(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value's rank among the distinct values (0 = smallest; equal as sorting holds them equal), and their count."""
    values = np.asarray(values)
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64), 0
    if values.dtype.kind in "iu":
        low, high = int(values.min()), int(values.max())
        if high - low <= 4 * len(values):  # a table of the range: programme indices, tiers, choice ranks
            seen = np.zeros(high - low + 1, dtype=bool)
            seen[values - low] = True
            table = np.cumsum(seen) - 1
            return table[values - low].astype(np.int64), int(table[-1]) + 1
    if values.dtype.kind == "f" and len(values) >= 1024:
        # Scores are merit values (steps of 2.5) plus whole test points: four times each is a whole
        # number, ranked by the table above instead of a stable argsort of floats.
        quarters = values * 4.0  # exact: a power of two
        if np.abs(quarters).max() < 2.0 ** 52 and np.array_equal(np.rint(quarters), quarters):
            return _dense_rank(quarters.astype(np.int64))
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.empty(len(values), dtype=bool)
    new[0] = True
    # NaN == NaN is False, but sorting holds NaNs equal: they stay one value.
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    if values.dtype.kind == "f":
        new[1:] &= ~(np.isnan(ordered[1:]) & np.isnan(ordered[:-1]))
    dense = np.cumsum(new) - 1
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = dense
    return rank, int(dense[-1]) + 1


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
