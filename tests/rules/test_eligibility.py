"""Eligibility per programme type, hand-checked on small grade sheets."""

import numpy as np
import pytest

from admissions.io.contract import GRADE_POINTS
from admissions.rules.eligibility import Requirement, application_eligibility, grade_passes, meets

VOCATIONAL = Requirement("vocational", others=5)
SOCIAL = Requirement("preparatory", others=9, required=("GE", "HI", "RE", "SH"))
SCIENCE = Requirement("preparatory", others=9, required=("BI", "FY", "KE"))
AESTHETIC = Requirement("preparatory", others=9)
IMV = Requirement("imv")
IMY = Requirement("not_vocational")
ALL16 = ["SV", "EN", "MA", "BI", "FY", "KE", "TK", "GE", "HI", "RE", "SH", "BL", "HKK", "IDH", "MU", "SL"]


def passes_of(*sheets: dict[str, str]):
    students, subjects, points = [], [], []
    for s, sheet in enumerate(sheets):
        for subject, grade in sheet.items():
            students.append(s)
            subjects.append(subject)
            points.append(GRADE_POINTS[grade])
    labels, codes = np.unique(np.array(subjects, dtype=object), return_inverse=True) if subjects else (
        np.empty(0, dtype=object), np.empty(0, dtype=np.int64))
    return grade_passes(np.array(students, dtype=np.int64), codes.astype(np.int64), labels,
                        np.array(points, dtype=float), len(sheets))


def sheet(fails=(), grade="C", **extra):
    result = {subject: ("F" if subject in fails else grade) for subject in ALL16}
    result.update(extra)
    return result


def check(requirement, *sheets):
    ok, reason = meets(passes_of(*sheets), requirement)
    return ok.tolist(), reason.tolist()


def test_all_passed_is_eligible_everywhere_but_imy():
    s = sheet()
    for requirement in (VOCATIONAL, SOCIAL, SCIENCE, AESTHETIC, IMV):
        assert check(requirement, s) == ([True], [""])
    assert check(IMY, s) == ([False], ["eligible for vocational programmes, which this programme is not for"])


def test_eligible_for_vocational_but_not_preparatory():
    # SV, EN, MA and 7 others passed: 10 passes, 8 needed for vocational, 12 for preparatory.
    s = sheet(fails=("BL", "HKK", "IDH", "MU", "SL", "TK"))
    assert check(VOCATIONAL, s) == ([True], [""])
    assert check(AESTHETIC, s) == ([False], ["7 other passed subjects, needs 9"])
    assert check(SCIENCE, s) == ([False], ["7 other passed subjects, needs 9"])
    assert check(IMY, s)[0] == [False]


def test_science_needs_physics_even_with_twelve_passes():
    s = sheet(fails=("FY",))
    assert check(AESTHETIC, s) == ([True], [""])
    assert check(SOCIAL, s) == ([True], [""])
    assert check(SCIENCE, s) == ([False], ["no pass in physics (FY)"])


def test_social_needs_civics_history_religion_geography():
    s = sheet(fails=("SH", "RE"))
    assert check(SOCIAL, s) == ([False], ["no pass in religion (RE); no pass in civics (SH)"])


def test_swedish_as_a_second_language_replaces_swedish():
    s = sheet()
    del s["SV"]
    s["SVA"] = "D"
    assert check(SCIENCE, s) == ([True], [""])


def test_no_mathematics_fails_vocational_and_allows_imv_with_four_others():
    s = sheet(fails=("MA",))
    assert check(VOCATIONAL, s) == ([False], ["no pass in mathematics (MA)"])
    assert check(IMV, s) == ([True], [""])
    assert check(IMY, s) == ([True], [""])


def test_imv_with_three_others_needs_english_and_mathematics():
    s = {"SV": "E", "EN": "E", "MA": "E", "BI": "E", "FY": "E", "KE": "E", "TK": "F"}
    assert check(IMV, s) == ([True], [""])
    s2 = {"SV": "E", "EN": "E", "MA": "F", "BI": "E", "FY": "E", "KE": "E"}
    assert check(IMV, s2)[0] == [False]
    s3 = {"SV": "F", "EN": "A", "MA": "A", "BI": "A", "FY": "A", "KE": "A", "GE": "A"}
    assert check(IMV, s3)[0] == [False]


def test_language_choice_counts_as_a_pass():
    s = sheet(fails=("BL", "HKK", "IDH", "MU", "SL"))  # 13 others, 5 failed: 8 passed
    assert check(AESTHETIC, s)[0] == [False]
    s["SPA"] = "E"
    assert check(AESTHETIC, s) == ([True], [""])


def test_student_without_grades_is_eligible():
    assert check(SCIENCE, {}) == ([True], [""])
    assert check(IMY, {}) == ([True], [""])


def test_application_eligibility_with_tests_and_overrides():
    passes = passes_of(sheet(), sheet(fails=("FY",)))
    requirements = [AESTHETIC, SCIENCE]
    programme_requirement = np.array([0, 1, 0])  # 0: ES with test, 1: NA, 2: ES without test
    has_test = np.array([True, False, False])
    choices = np.array([[0, 1, 2], [1, 0, -1]])
    test_points = np.array([[np.nan, np.nan, np.nan], [np.nan, 0.0, np.nan]])
    override = np.array([[-1, -1, 0], [1, -1, -1]], dtype=np.int8)
    eligible, reason = application_eligibility(passes, requirements, programme_requirement, choices,
                                               has_test, test_points, override)
    assert eligible.tolist() == [[False, True, False], [True, False, False]]
    assert reason.tolist() == [
        ["no aptitude test result", "", "not eligible by decision (eligible column)"],
        ["", "aptitude test failed (0 points)", ""],
    ]


@pytest.mark.parametrize("n_others, vocational, preparatory", [(4, False, False), (5, True, False),
                                                               (8, True, False), (9, True, True)])
def test_pass_counts_at_the_edges(n_others, vocational, preparatory):
    others = ["BL", "HKK", "IDH", "MU", "SL", "TK", "BI", "FY", "KE"][:n_others]
    s = {"SV": "E", "EN": "E", "MA": "E", **{o: "E" for o in others}}
    assert check(VOCATIONAL, s)[0] == [vocational]
    assert check(AESTHETIC, s)[0] == [preparatory]


@pytest.mark.parametrize("n_others, reason", [
    (0, "0 other passed subjects, needs 5"),
    (1, "1 other passed subject, needs 5"),  # was "1 other passed subjects"
    (2, "2 other passed subjects, needs 5"),
])
def test_the_count_of_other_passes_takes_its_number(n_others, reason):
    s = {"SV": "E", "EN": "E", "MA": "E", **{o: "E" for o in ["BL", "HKK"][:n_others]}}
    assert check(VOCATIONAL, s) == ([False], [reason])


@pytest.mark.parametrize("text", [
    "1 other passed subject, needs 5",
    "1 other passed subjects, needs 5",  # as runs before the singular wrote it
])
def test_a_count_of_one_reads_back_in_either_wording(text):
    from admissions.reports.language import texts
    from admissions.reports.letters import reason_text
    from admissions.rules.eligibility import parse_reasons

    assert parse_reasons(f"no pass in English (EN); {text}") == [
        ("no_pass", {"subject": "English", "codes": "EN"}), ("others", {"have": "1", "need": "5"})]
    assert reason_text(text, texts("sv")) == "godkänt i 1 annat ämne, kravet är 5"
    assert reason_text(text, texts("en")) == "passes in 1 other subject, 5 needed"
