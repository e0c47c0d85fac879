"""Validation helpers for the public entry points: each checks one thing and raises InvalidArgument.

Messages follow the scikit-learn style "``name == value, must be rule``". Only the first problem is
reported: these are programming errors of the caller (the io layer has already collected the
problems of the input files), so one clear message is enough.
"""

from __future__ import annotations

import numpy as np

from admissions.errors import InvalidArgument

#: Above this many columns duplicates are found by sorting each row instead of comparing column pairs.
_PAIRWISE_MAX_COLUMNS = 16


def as_array(name: str, value: object, ndim: int, kinds: str, kind_rule: str) -> np.ndarray:
    """``value`` as an ndarray of ``ndim`` dimensions whose dtype kind is one of ``kinds`` (no copy)."""
    array = np.asarray(value)
    if array.ndim != ndim:
        raise InvalidArgument(f"{name}.ndim == {array.ndim}, must be {ndim}")
    if array.dtype.kind not in kinds:
        raise InvalidArgument(f"{name}.dtype == {array.dtype}, must be {kind_rule}")
    return array


def check_choices(choices: object) -> np.ndarray:
    """(n, k) integer choices: -1 only as padding at the end of a row, no programme twice in a row.

    The upper bound (a programme index below ``len(seats)``) is checked by :func:`check_choice_range`.
    """
    choices = as_array("choices", choices, 2, "iu", "an integer dtype")
    if choices.size == 0:
        return choices
    if choices.dtype.kind == "i" and choices.min() < -1:
        i, j = np.argwhere(choices < -1)[0]
        raise InvalidArgument(
            f"choices[{i}, {j}] == {choices[i, j]}, must be -1 (padding) or a programme index >= 0"
        )
    # Column-major copy: every check below is then on contiguous columns, much faster than on rows;
    # in the narrowest signed integers that hold every programme index (fewer bytes to compare).
    column = np.empty(choices.shape[::-1], dtype=_narrow_signed(int(choices.max())))
    column[...] = choices.T
    present = column >= 0
    # A choice after padding: padding must be the suffix of each row.
    gap = ~present[:-1] & present[1:]
    if gap.any():
        i, j = np.argwhere(gap.T)[0]
        raise InvalidArgument(
            f"choices[{i}, {j}] == -1 comes before a choice in row {i}, must be padding at the end of the row"
        )
    _check_no_repeat(choices, column, present)
    return choices


def _narrow_signed(largest: int) -> type:
    """The narrowest of int16, int32 and int64 that holds -1 .. ``largest`` (uint64 above int64)."""
    for dtype in (np.int16, np.int32, np.int64):
        if largest <= np.iinfo(dtype).max:
            return dtype
    return np.uint64


def _check_no_repeat(choices: np.ndarray, column: np.ndarray, present: np.ndarray) -> None:
    k = choices.shape[1]
    if k <= _PAIRWISE_MAX_COLUMNS:
        # k (k - 1) / 2 comparisons of contiguous columns beat sorting short rows. Two paddings
        # compare equal, so only a present later column counts.
        has = np.zeros(choices.shape[0], dtype=bool)
        same, equal = np.empty_like(has), np.empty_like(has)
        for later in range(1, k):
            np.equal(column[0], column[later], out=same)
            for earlier in range(1, later):
                same |= np.equal(column[earlier], column[later], out=equal)
            same &= present[later]
            has |= same
    else:
        ordered = np.sort(choices, axis=1)
        has = ((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any(axis=1)
    if not has.any():
        return
    i = int(np.flatnonzero(has)[0])
    row = choices[i].tolist()
    seen: set[int] = set()
    for j, p in enumerate(row):
        if p >= 0 and p in seen:
            raise InvalidArgument(f"choices[{{student[0]}}, {j}] == {{programme[0]}} appears twice in row "
                                  "{student[0]}, must appear at most once", students=(i,), programmes=(p,))
        seen.add(p)


def check_priority(priority: object, choices: np.ndarray, finite: bool = True) -> np.ndarray:
    """(n, k) real priority of the same shape as choices, a finite number at every choice.

    ``finite`` False leaves the last rule to the caller (the matching core tests it where it reads
    the priorities at the choices anyway, and calls this to name the first that breaks it).
    """
    priority = as_array("priority", priority, 2, "fiu", "a real number dtype")
    if priority.shape != choices.shape:
        raise InvalidArgument(f"priority.shape == {priority.shape}, must equal choices.shape == {choices.shape}")
    if finite and priority.dtype.kind == "f":
        bad = ~np.isfinite(priority) & (choices >= 0)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise InvalidArgument(f"priority[{{student[0]}}, {j}] == {priority[i, j]}, must be a finite number at a "
                                  "choice", students=(i,))
    return priority


def check_seats(seats: object) -> np.ndarray:
    """(n_programmes,) integer seats >= 0."""
    seats = as_array("seats", seats, 1, "iu", "an integer dtype")
    if seats.dtype.kind == "i" and seats.size:
        low = seats < 0
        if low.any():
            p = int(np.flatnonzero(low)[0])
            raise InvalidArgument(f"seats[{{programme[0]}}] == {seats[p]}, must be >= 0", programmes=(p,))
    return seats


def check_choice_range(choices: np.ndarray, n_programmes: int) -> None:
    """Every choice is a programme index below ``n_programmes`` (the length of seats)."""
    if choices.size == 0 or choices.max() < n_programmes:
        return
    high = choices >= n_programmes
    if high.any():
        i, j = np.argwhere(high)[0]
        raise InvalidArgument(
            f"choices[{i}, {j}] == {choices[i, j]}, must be < len(seats) == {n_programmes} (a programme index)"
        )
