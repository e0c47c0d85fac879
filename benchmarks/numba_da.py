"""A compiled heap-based deferred acceptance (numba): the practical speed limit on this hardware.

Benchmark extra only (``pip install admissions[bench]``); nothing in the package imports it. It is
the reference algorithm (one proposal at a time, each programme's holders in a min-heap on
priority) compiled to machine code, reading the same arrays as the core and returning the same
assignment. Compile time is excluded from the benchmarks by :func:`warm_up`.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _da(choices, priority, seats):  # pragma: no cover - compiled
    n_students, k = choices.shape
    n_programmes = seats.shape[0]
    start = np.zeros(n_programmes + 1, dtype=np.int64)
    for p in range(n_programmes):
        start[p + 1] = start[p] + seats[p]
    heap_priority = np.empty(start[n_programmes], dtype=np.float64)
    heap_student = np.empty(start[n_programmes], dtype=np.int64)
    size = np.zeros(n_programmes, dtype=np.int64)
    next_column = np.zeros(n_students, dtype=np.int64)
    column_of = np.full(n_students, -1, dtype=np.int64)
    stack = np.empty(n_students, dtype=np.int64)
    top = 0
    for s in range(n_students - 1, -1, -1):
        stack[top] = s
        top += 1
    while top > 0:
        top -= 1
        s = stack[top]
        while True:
            j = next_column[s]
            if j >= k:
                break
            p = choices[s, j]
            if p < 0:
                break
            next_column[s] = j + 1
            pr = priority[s, j]
            base = start[p]
            m = size[p]
            if m < seats[p]:
                # Push and sift up.
                i = m
                size[p] = m + 1
                while i > 0:
                    parent = (i - 1) >> 1
                    if heap_priority[base + parent] <= pr:
                        break
                    heap_priority[base + i] = heap_priority[base + parent]
                    heap_student[base + i] = heap_student[base + parent]
                    i = parent
                heap_priority[base + i] = pr
                heap_student[base + i] = s
                column_of[s] = j
                break
            if m == 0 or heap_priority[base] >= pr:
                continue  # rejected: propose to the next choice
            # Replace the lowest-priority holder and sift down; the holder becomes free.
            out = heap_student[base]
            column_of[out] = -1
            i = 0
            while True:
                child = 2 * i + 1
                if child >= m:
                    break
                if child + 1 < m and heap_priority[base + child + 1] < heap_priority[base + child]:
                    child += 1
                if heap_priority[base + child] >= pr:
                    break
                heap_priority[base + i] = heap_priority[base + child]
                heap_student[base + i] = heap_student[base + child]
                i = child
            heap_priority[base + i] = pr
            heap_student[base + i] = s
            column_of[s] = j
            stack[top] = out
            top += 1
            break
    assignment = np.full(n_students, -1, dtype=np.int64)
    for s in range(n_students):
        if column_of[s] >= 0:
            assignment[s] = choices[s, column_of[s]]
    return assignment, column_of


def numba_deferred_acceptance(
    choices: np.ndarray, priority: np.ndarray, seats: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Student-optimal deferred acceptance, compiled; returns (assignment, choice_index), both (n,) int64.

    Trusts its inputs (validated arrays as the core takes them).
    """
    return _da(
        np.ascontiguousarray(choices, dtype=np.int64),
        np.ascontiguousarray(priority, dtype=np.float64),
        np.ascontiguousarray(seats, dtype=np.int64),
    )


def warm_up() -> None:
    """Compile (or load from cache) before timing."""
    numba_deferred_acceptance(np.array([[0, -1]]), np.array([[1.0, -np.inf]]), np.array([1]))
