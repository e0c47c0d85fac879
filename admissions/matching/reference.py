"""The textbook deferred acceptance in plain Python: the oracle of the tests, the baseline of the benchmarks."""

from __future__ import annotations

import heapq
import itertools

import numpy as np

from admissions.matching._validate import check_choice_range, check_choices, check_priority, check_seats
from admissions.matching.core import MatchResult


def reference_deferred_acceptance(choices: object, priority: object, seats: object) -> MatchResult:
    """Student-proposing deferred acceptance with capacities, one proposal at a time, in pure Python.

    The algorithm of Gale and Shapley (1962, "College admissions and the stability of marriage",
    American Mathematical Monthly 69), in the sequential form of McVitie and Wilson (1971), as
    stated for the college admissions problem by Roth and Sotomayor (1990, "Two-sided matching",
    ch. 5):

    1. Every student is free and has not proposed to anyone; every programme holds nobody.
    2. Take any free student who still has a choice they have not proposed to (here: the free
       students on a stack, last in, first out). They propose to the best such choice.
    3. The programme holds the proposal if it has a free seat. Otherwise it compares the proposer
       with the lowest-priority student it holds: it keeps the better of the two and rejects the
       other, who becomes free again.
    4. Repeat 2-3 until no free student has a choice left. Every held proposal becomes an
       admission; students never held are unplaced.

    The result does not depend on the order of the proposals in step 2, and it is the
    student-optimal stable matching: each student gets the best programme they get in any stable
    matching (Gale and Shapley 1962, theorem 2; Roth and Sotomayor 1990, theorem 5.16).

    Each programme keeps its holders in a min-heap on priority, so step 3 costs O(log seats).

    Parameters
    ----------
    choices : (n_students, k) int array
        Programme index per choice, padded with -1 at the end of the row.
    priority : (n_students, k) real array
        Priority at each choice, higher is better, unique within each programme.
    seats : (n_programmes,) int array
        Seats per programme, >= 0.

    Returns
    -------
    MatchResult
    """
    seats_array = check_seats(seats)
    choices_array = check_choices(choices)
    check_choice_range(choices_array, len(seats_array))
    priority_array = check_priority(priority, choices_array)

    # Each student's list is the run first[s] .. first[s] + n_choices[s] of the flat lists (padding
    # is the end of a row), which spares Python objects for the padding.
    present = choices_array >= 0
    n_choices = present.sum(axis=1).tolist()
    first = list(itertools.accumulate(n_choices, initial=0))
    prefs = choices_array[present].tolist()
    prio = priority_array[present].astype(np.float64).tolist()
    capacity = seats_array.tolist()
    n_students, n_programmes = len(n_choices), len(capacity)

    held: list[list[tuple[float, int, int]]] = [[] for _ in range(n_programmes)]  # (priority, student, column)
    next_column = [0] * n_students
    free = [s for s in range(n_students) if n_choices[s]]
    while free:
        student = free.pop()
        column = next_column[student]
        if column == n_choices[student]:
            continue
        next_column[student] = column + 1
        programme = prefs[first[student] + column]
        entry = (prio[first[student] + column], student, column)
        holders = held[programme]
        if len(holders) < capacity[programme]:
            heapq.heappush(holders, entry)
        elif holders and holders[0][0] < entry[0]:
            free.append(heapq.heapreplace(holders, entry)[1])
        else:
            free.append(student)

    assignment = np.full(n_students, -1, dtype=np.int64)
    choice_index = np.full(n_students, -1, dtype=np.int64)
    admitted = np.zeros(n_programmes, dtype=np.int64)
    cutoff = np.full(n_programmes, np.nan)
    for programme, holders in enumerate(held):
        admitted[programme] = len(holders)
        if holders:
            cutoff[programme] = holders[0][0]
        for _, student, column in holders:
            assignment[student] = programme
            choice_index[student] = column
    return MatchResult(assignment=assignment, choice_index=choice_index, admitted=admitted, cutoff=cutoff)
