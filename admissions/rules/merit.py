"""Merit value (meritvärde) from year-9 grades.

The sum of the 16 best grades, plus the modern language taken as språkval (language choice) as a
17th; with fewer than 16 other grades, the sum of those there are. Points: A=20, B=17.5, C=15,
D=12.5, E=10, F=0; at most 320 without the language choice and 340 with it.
"""

from __future__ import annotations

import numpy as np

N_BEST_GRADES = 16


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
    ordinary = ~grade_language_choice
    students = grade_student[ordinary]
    points = grade_points[ordinary]
    # Best grades first within each student; position within the student's block by cumulative count.
    order = np.lexsort((-points, students))
    students, points = students[order], points[order]
    starts = np.searchsorted(students, students, side="left")
    position = np.arange(len(students)) - starts
    best = position < N_BEST_GRADES
    merit = np.bincount(students[best], weights=points[best], minlength=n_students)
    merit += np.bincount(
        grade_student[grade_language_choice],
        weights=grade_points[grade_language_choice],
        minlength=n_students,
    )
    n_grades = np.bincount(grade_student, minlength=n_students).astype(np.int64)
    return merit.astype(np.float64), n_grades
