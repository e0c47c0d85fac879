"""Merit value from grades: the 16 best plus the språkval language as a 17th, hand-computed."""

import numpy as np
import pytest

from admissions.io.contract import GRADE_POINTS
from admissions.rules.merit import merit_from_grades


def merit_of(grades: list[str], language: str | None = None) -> tuple[float, int]:
    points = [GRADE_POINTS[g] for g in grades]
    flags = [False] * len(grades)
    if language is not None:
        points.append(GRADE_POINTS[language])
        flags.append(True)
    student = np.zeros(len(points), dtype=np.int64)
    merit, n_grades = merit_from_grades(student, np.array(points, dtype=float), np.array(flags, dtype=bool), 1)
    return float(merit[0]), int(n_grades[0])


def test_exactly_sixteen_grades_all_count():
    # 4 A, 4 B, 4 C, 4 E = 80 + 70 + 60 + 40
    assert merit_of(["A"] * 4 + ["B"] * 4 + ["C"] * 4 + ["E"] * 4) == (250.0, 16)


def test_seventeenth_ordinary_grade_drops_the_lowest():
    # 16 C and one F: the F is not among the 16 best.
    assert merit_of(["C"] * 16 + ["F"]) == (240.0, 17)
    # 16 E and one A: the A replaces an E.
    assert merit_of(["E"] * 16 + ["A"]) == (15 * 10.0 + 20.0, 17)


def test_language_choice_counts_as_a_seventeenth():
    assert merit_of(["A"] * 16, language="A") == (340.0, 17)
    assert merit_of(["B"] * 16, language="D") == (16 * 17.5 + 12.5, 17)


def test_language_choice_graded_f_adds_nothing():
    assert merit_of(["C"] * 16, language="F") == (240.0, 17)


def test_language_choice_is_not_among_the_sixteen():
    # 15 grades: the language grade is added as the 17th, not used to fill the 16th place.
    assert merit_of(["D"] * 15, language="A") == (15 * 12.5 + 20.0, 16)


def test_fewer_than_sixteen_grades_sum_those_there_are():
    assert merit_of(["A", "B", "E"]) == (47.5, 3)


def test_several_students_and_one_without_grades():
    student = np.array([2, 0, 2, 0], dtype=np.int64)
    points = np.array([10.0, 20.0, 15.0, 17.5])
    flags = np.array([False, False, True, False])
    merit, n_grades = merit_from_grades(student, points, flags, 3)
    np.testing.assert_array_equal(merit, [37.5, 0.0, 25.0])
    np.testing.assert_array_equal(n_grades, [2, 0, 2])


@pytest.mark.parametrize("n", [0, 1, 16, 17, 30])
def test_all_a_is_capped_at_sixteen(n):
    assert merit_of(["A"] * n)[0] == 20.0 * min(n, 16)
