"""Merit value (meritvärde) from year-9 grades.

The sum of the 16 best grades, plus the modern language taken as språkval (language choice) as a
17th; with fewer than 16 other grades, the sum of those there are. Points: A=20, B=17.5, C=15,
D=12.5, E=10, F=0; at most 320 without the language choice and 340 with it.
"""

from __future__ import annotations

import numpy as np

N_BEST_GRADES = 16
#: Points of the grades A, B, C, D, E, F, best first.
GRADE_LEVELS = np.array([20.0, 17.5, 15.0, 12.5, 10.0, 0.0])


def merit_from_grades(
    grade_student: np.ndarray,
    grade_points: np.ndarray,
    grade_language_choice: np.ndarray,
    n_students: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Merit value and number of grades of every student.

    Parameters
    ----------
    grade_student : (g,) int64
        Student index of each grade row.
    grade_points : (g,) float64
        Points of each grade.
    grade_language_choice : (g,) bool
        Whether the row is the modern language taken as språkval (at most one per student).
    n_students : int

    Returns
    -------
    merit : (n_students,) float64
        0 for a student without grades.
    n_grades : (n_students,) int64
        Grade rows per student, the language choice included.
    """
    level = _grade_levels(grade_points)
    if level is None:
        return _merit_by_distinct_points(grade_student, grade_points, grade_language_choice, n_students)
    # Grades take six values: count each student's grades per value, best value first (the language
    # choice in a seventh column of its own), and take the 16 best from the counts, in
    # O(grades + students) instead of sorting every grade.
    levels = len(GRADE_LEVELS)
    level[grade_language_choice] = levels
    counts = np.bincount(grade_student * (levels + 1) + level, minlength=n_students * (levels + 1))
    counts = counts.reshape(n_students, levels + 1)
    n_grades = counts.sum(axis=1).astype(np.int64)
    counts = counts[:, :levels]
    before = np.cumsum(counts, axis=1) - counts  # grades of better values
    taken = np.minimum(counts, np.maximum(N_BEST_GRADES - before, 0))
    merit = taken @ GRADE_LEVELS
    language = np.flatnonzero(grade_language_choice)
    merit += np.bincount(grade_student[language], weights=grade_points[language], minlength=n_students)
    return merit.astype(np.float64), n_grades


#: Level (index in GRADE_LEVELS) of twice a grade's points, -1 for a value that is not a grade's.
_LEVEL_OF_TWICE = np.full(int(2 * GRADE_LEVELS.max()) + 1, -1, dtype=np.int64)
_LEVEL_OF_TWICE[(2 * GRADE_LEVELS).astype(np.int64)] = np.arange(len(GRADE_LEVELS))


def _grade_levels(points: np.ndarray) -> np.ndarray | None:
    """(g,) int64 each grade's level in GRADE_LEVELS (by a table: twice the points is a whole
    number), None when some points are not a grade's."""
    twice = points * 2.0
    whole = np.clip(np.nan_to_num(twice, nan=-1.0), 0, len(_LEVEL_OF_TWICE) - 1).astype(np.int64)
    level = _LEVEL_OF_TWICE[whole]
    if (level < 0).any() or not np.array_equal(whole, twice):
        return None
    return level


def _merit_by_distinct_points(
    grade_student: np.ndarray, grade_points: np.ndarray, grade_language_choice: np.ndarray, n_students: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`merit_from_grades` where some points are not a grade's: the levels are the distinct points."""
    ordinary = ~grade_language_choice
    students = grade_student[ordinary]
    points = grade_points[ordinary]
    values = np.unique(points)[::-1]
    level = np.searchsorted(-values, -points)
    counts = np.bincount(students * len(values) + level, minlength=n_students * len(values))
    counts = counts.reshape(n_students, len(values))
    before = np.cumsum(counts, axis=1) - counts  # grades of better values
    taken = np.minimum(counts, np.maximum(N_BEST_GRADES - before, 0))
    merit = taken @ values
    merit += np.bincount(
        grade_student[grade_language_choice],
        weights=grade_points[grade_language_choice],
        minlength=n_students,
    )
    n_grades = np.bincount(grade_student, minlength=n_students).astype(np.int64)
    return merit.astype(np.float64), n_grades
