"""Merit value from grades: the 16 best plus the språkval language as a 17th, hand-computed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def plain_merit(rows: list[tuple[int, float, bool]], n_students: int) -> list[float]:
    """The rule written out: per student the 16 best ordinary grades plus the språkval grade."""
    merit = []
    for s in range(n_students):
        ordinary = sorted((p for st, p, lang in rows if st == s and not lang), reverse=True)
        language = sum(p for st, p, lang in rows if st == s and lang)
        merit.append(sum(ordinary[:16]) + language)
    return merit


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 4), st.sampled_from(sorted(GRADE_POINTS.values())), st.booleans()),
        max_size=80,
    ),
    odd_points=st.booleans(),
)
def test_merit_equals_the_rule_written_out(rows, odd_points):
    # At most one språkval per student, as the validator guarantees.
    seen, cleaned = set(), []
    for student, points, language in rows:
        if language and student in seen:
            language = False
        if language:
            seen.add(student)
        cleaned.append((student, points + (0.25 if odd_points and not language else 0.0), language))
    student = np.array([r[0] for r in cleaned], dtype=np.int64)
    points = np.array([r[1] for r in cleaned], dtype=float)
    language = np.array([r[2] for r in cleaned], dtype=bool)
    merit, n_grades = merit_from_grades(student, points, language, 5)
    np.testing.assert_allclose(merit, plain_merit(cleaned, 5), rtol=0, atol=1e-9)
    assert n_grades.tolist() == [sum(1 for r in cleaned if r[0] == s) for s in range(5)]
