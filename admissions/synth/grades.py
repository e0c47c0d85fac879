"""Year-9 grades from a latent ability, and the ability distribution that matches a school's figures.

One latent ability per student; each of the 16 subjects' grade is the ability plus subject noise,
cut into F..A, so weak students get F grades. About 8 % (more among the weak) take Swedish as a
second language (SVA) instead of SV, about 75 % (more among the strong) a modern language as
språkval (FRA, SPA, TYS), and about 8 % (more among the weak: newly arrived students) have no grade
in 2-8 subjects other than SV/SVA, EN and MA. The merit value (meritvärde) is computed from these grades exactly as
the contract says, so grades and merit value always agree.

:func:`school_ability` finds, per compulsory school, the normal distribution of ability whose
expected merit value and share eligible for a vocational programme are the school's published
year-9 figures (a grid search over mean and spread, using the expected merit value and eligibility
at each ability computed once by a fixed-seed simulation of this grade model).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa

from admissions.io.contract import GRADE_POINTS
from admissions.io.programme_types import load_programme_types
from admissions.rules.eligibility import KEY_SUBJECTS, VOCATIONAL, Passes, meets, requirement_of

SUBJECTS = ("SV", "EN", "MA", "BI", "FY", "KE", "TK", "GE", "HI", "RE", "SH", "BL", "HKK", "IDH", "MU", "SL")
#: Mean shift of each subject's latent grade: practical subjects are graded higher, sciences lower.
SUBJECT_SHIFT = np.array(
    [0.05, 0.15, -0.15, 0.0, -0.1, -0.1, 0.05, 0.0, 0.0, 0.05, 0.0, 0.2, 0.3, 0.3, 0.2, 0.3]
)
ABILITY_LOADING = 0.72
#: Cuts of the latent grade (standard normal) between F|E|D|C|B|A.
GRADE_CUTS = np.array([-1.5, -0.65, -0.1, 0.55, 1.15])
GRADE_LETTERS = np.array(["F", "E", "D", "C", "B", "A"])
GRADE_VALUES = np.array([GRADE_POINTS[g] for g in GRADE_LETTERS])
LANGUAGES = ("SPA", "TYS", "FRA")
LANGUAGE_SHARE = np.array([0.45, 0.30, 0.25])
SVA_SHARE = 0.08
#: Share of students (twice as many among the weak, fewer among the strong) without a grade in
#: MISSING_SUBJECTS (low, high) of the subjects other than SV/SVA, EN and MA: newly arrived
#: students, whose merit value is the sum of the grades they have. They make the low merit values
#: of students eligible for a vocational programme as common as the published cut-offs show.
MISSING_SHARE = 0.08
MISSING_SUBJECTS = (2, 8)
NO_GRADE = -1
#: Share of the students not eligible for a vocational programme at the end of year 9 who become
#: eligible before the final admission: the summer school (lovskola) the municipality must offer
#: them, and, standing in for them, students of an introductory programme who become eligible and
#: apply again. They pass (E) the failed subjects they lack and no more. Many lacked only one of
#: SV, EN and MA, so their merit values spread widely (seed 0 of the default area: 5th, 25th and
#: 50th percentile 82.5, 122.5 and 157.5); those who lacked several are the weakest eligible
#: applicants (80 for 8 passes at E: the published lowest admitted value of 37 of the default area's
#: offers is below 90). Chosen, with PREPARATORY_SHARE, among seven fitted variants (0.35, 0.42 and
#: 0.5) judged over seeds 0-9 (docs/real-region.md): at 0.35 the vocational offers' lowest admitted
#: values came out too high, at 0.5 every code's average admitted value too low.
SUMMER_SCHOOL_SHARE = 0.42
#: Share of the summer school's students who pass every failed subject a preparatory programme
#: without named subjects needs (ES in the programme-type table: nine further passes, not five),
#: where they lack any and have that many subjects graded. They stand in for the students of the
#: introductory programmes' preparatory education (preparandutbildning) who become eligible for a
#: preparatory programme; those who lacked many subjects have merit values of 120-140, as 11 of
#: the default area's 22 ES offers with a published lowest admitted value admitted (127.5-140,
#: beside averages of 214-238). Chosen as SUMMER_SCHOOL_SHARE is.
PREPARATORY_SHARE = 0.6

#: Grid of the ability distribution searched per school: mean and standard deviation.
_MEANS = np.arange(-3.5, 2.5001, 0.02)
_SPREADS = np.arange(0.3, 1.8001, 0.05)
_ABILITY = np.linspace(-6.0, 6.0, 241)
#: Default spread where a school publishes no share eligible.
DEFAULT_SPREAD = 0.95


def draw_grades(ability: np.ndarray, rng: np.random.Generator):
    """Grades of 16 subjects and the språkval language, as indices 0..5 into F..A.

    Parameters
    ----------
    ability : (n,) float array
    rng : numpy.random.Generator

    Returns
    -------
    grade : (n, 16) int64
        NO_GRADE (-1) where the student has no grade in the subject.
    sva : (n,) bool
        SVA instead of SV.
    language : (n,) int64
        Index into LANGUAGES, -1 without a språkval language.
    language_grade : (n,) int64
        -1 without a language.
    """
    n = len(ability)
    noise = np.sqrt(1 - ABILITY_LOADING**2)
    latent = ABILITY_LOADING * ability[:, None] + noise * rng.standard_normal((n, len(SUBJECTS))) + SUBJECT_SHIFT
    sva = rng.random(n) < SVA_SHARE * 2 / (1 + np.exp(ability))
    latent[:, 0] -= 0.3 * sva
    grade = np.searchsorted(GRADE_CUTS, latent)
    takes_language = rng.random(n) < 1 / (1 + np.exp(-(1.35 + 1.0 * ability)))
    language = np.where(takes_language, rng.choice(len(LANGUAGES), size=n, p=LANGUAGE_SHARE), -1)
    language_latent = ABILITY_LOADING * ability + noise * rng.standard_normal(n) + 0.1
    language_grade = np.where(takes_language, np.searchsorted(GRADE_CUTS, language_latent), -1)
    # Newly arrived students lack grades in a few subjects other than SV/SVA, EN, MA (-1: no grade).
    missing = rng.random(n) < MISSING_SHARE * 2 / (1 + np.exp(ability))
    count = rng.integers(MISSING_SUBJECTS[0], MISSING_SUBJECTS[1] + 1, n)
    rank = np.argsort(np.argsort(rng.random((n, len(SUBJECTS) - 3)), axis=1), axis=1)
    grade[:, 3:][missing[:, None] & (rank < count[:, None])] = NO_GRADE
    return grade, sva, language, language_grade


def preparatory_requirement():
    """The requirement PREPARATORY_SHARE of the summer school's students reach: the shipped
    programme-type table's ES (a preparatory programme without named subjects)."""
    return requirement_of(load_programme_types().types["ES"])


def summer_school(grade: np.ndarray, sva: np.ndarray, language_grade: np.ndarray, rng: np.random.Generator,
                  share: float = SUMMER_SCHOOL_SHARE,
                  preparatory: float = PREPARATORY_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """Grades after the summer school: ``share`` of the students with grades who are not eligible
    for a vocational programme (and can be: enough subjects graded) pass the subjects they lack.

    Each student's failed SV/SVA, EN and MA become E, and as many failed other subjects (in a random
    order) as the five further passes need; for a share ``preparatory`` of them, as many as the nine
    further passes of a preparatory programme need, where they have that many subjects graded.
    Draws ``rng.random`` for every student, then a random order of the other subjects for every
    student, then ``rng.random`` for every student (who aims at a preparatory programme).

    Returns
    -------
    grade : (n, 16) int64
        The grades after the summer school (``grade`` is not modified).
    passed : (n,) bool
        The students who became eligible for a vocational programme.
    """
    n = len(grade)
    chosen = rng.random(n) < share
    key = rng.random((n, len(SUBJECTS) - 3))
    passes = passes_of(grade, sva, language_grade)
    others = grade[:, 3:]
    failed = others == 0
    passed_others = (others > 0).sum(axis=1) + (language_grade > 0)
    need = np.maximum(0, VOCATIONAL.others - passed_others)
    chosen &= passes.has_grades & ~vocational_eligible(passes) & (failed.sum(axis=1) >= need)
    need_preparatory = np.maximum(0, preparatory_requirement().others - passed_others)
    aims_higher = (rng.random(n) < preparatory) & (failed.sum(axis=1) >= need_preparatory)
    need = np.where(aims_higher, need_preparatory, need)
    rank = np.argsort(np.argsort(np.where(failed, key, 2.0), axis=1), axis=1)
    out = grade.copy()
    out[:, :3] = np.where(chosen[:, None] & (grade[:, :3] == 0), 1, grade[:, :3])
    out[:, 3:] = np.where(chosen[:, None] & failed & (rank < need[:, None]), 1, others)
    return out, chosen


def merit_of(grade: np.ndarray, language: np.ndarray, language_grade: np.ndarray) -> np.ndarray:
    """(n,) merit value: the subjects graded (at most 16) plus the språkval language as a 17th."""
    points = np.where(grade >= 0, GRADE_VALUES[np.maximum(grade, 0)], 0.0).sum(axis=1)
    return points + np.where(language >= 0, GRADE_VALUES[np.maximum(language_grade, 0)], 0.0)


def passes_of(grade: np.ndarray, sva: np.ndarray, language_grade: np.ndarray) -> Passes:
    """The pass matrix of generated students, as :func:`admissions.rules.eligibility.grade_passes`
    builds it from grades.csv, so the generator and the selection rules judge eligibility alike.

    Parameters
    ----------
    grade : (n, 16) int64, indices into F..A in SUBJECTS order, NO_GRADE where none.
    sva : (n,) bool, Swedish as a second language instead of SV.
    language_grade : (n,) int64, the språkval language's grade, -1 without one.
    """
    passed = grade > 0
    key = np.zeros((len(grade), len(KEY_SUBJECTS)), dtype=bool)
    for s, code in enumerate(SUBJECTS):
        if code in KEY_SUBJECTS:
            key[:, KEY_SUBJECTS.index(code)] = passed[:, s]
    key[:, KEY_SUBJECTS.index("SVA")] = passed[:, 0] & sva
    key[:, KEY_SUBJECTS.index("SV")] &= ~sva
    n_passed = passed.sum(axis=1).astype(np.int64) + (language_grade > 0)
    return Passes(key=key, n_passed=n_passed, has_grades=(grade >= 0).any(axis=1))


def vocational_eligible(passes: Passes) -> np.ndarray:
    """(n,) bool: eligible for a vocational programme (the rule IMY and IMA are defined against)."""
    return meets(passes, VOCATIONAL)[0]


@cache
def _per_ability() -> tuple[np.ndarray, np.ndarray]:
    """(a,) expected merit value and share eligible for a vocational programme at each ability of _ABILITY."""
    rng = np.random.default_rng(20250701)
    draws = 1500
    ability = np.repeat(_ABILITY, draws)
    grade, sva, language, language_grade = draw_grades(ability, rng)
    merit = merit_of(grade, language, language_grade).reshape(len(_ABILITY), draws).mean(axis=1)
    eligible = vocational_eligible(passes_of(grade, sva, language_grade)).reshape(len(_ABILITY), draws).mean(axis=1)
    return merit, eligible


def school_ability(mean_merit: np.ndarray, share_eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of ability per school that reproduce its published year-9 figures.

    Parameters
    ----------
    mean_merit : (s,) float
        The school's average merit value (0-340).
    share_eligible : (s,) float
        Share eligible for a vocational programme, 0-1; NaN where not published (the spread is
        then DEFAULT_SPREAD and only the mean is fitted).

    Returns
    -------
    mean, spread : (s,) float
    """
    merit_at, eligible_at = _per_ability()
    z = (_ABILITY[None, None, :] - _MEANS[:, None, None]) / _SPREADS[None, :, None]
    weight = np.exp(-0.5 * z**2)
    weight /= weight.sum(axis=2, keepdims=True)
    merit = weight @ merit_at  # (means, spreads)
    eligible = weight @ eligible_at
    mean_out = np.empty(len(mean_merit))
    spread_out = np.empty(len(mean_merit))
    default = int(np.argmin(np.abs(_SPREADS - DEFAULT_SPREAD)))
    for s, (target, share) in enumerate(zip(mean_merit, share_eligible)):
        if np.isnan(share):
            i = int(np.argmin(np.abs(merit[:, default] - target)))
            mean_out[s], spread_out[s] = _MEANS[i], _SPREADS[default]
            continue
        loss = ((merit - target) / 5.0) ** 2 + ((eligible - share) / 0.02) ** 2
        i, j = np.unravel_index(int(np.argmin(loss)), loss.shape)
        mean_out[s], spread_out[s] = _MEANS[i], _SPREADS[j]
    return mean_out, spread_out


def grades_frame(student_id: np.ndarray | pa.Array, grade, sva, language, language_grade) -> pd.DataFrame:
    """grades.csv: per student the 16 subjects in SUBJECTS order, then the språkval language.

    The text columns are taken from their few values (ids, subject codes, letters) as Arrow
    arrays, not built as 1.9 million Python strings in the whole country.
    """
    n, k = grade.shape
    # A student's row of k subjects and the language: the cells with a grade, in that order.
    present = np.column_stack((grade >= 0, language >= 0)).ravel()
    cell = np.flatnonzero(present)
    student, slot = np.divmod(cell, k + 1)
    is_language = slot == k
    subject_slot = np.minimum(slot, k - 1)
    # Subject codes: SUBJECTS, then SVA, then LANGUAGES.
    subject = np.where(is_language, k + 1 + language[student], subject_slot)
    subject[(subject_slot == 0) & ~is_language & sva[student]] = k
    letter = np.where(is_language, language_grade[student], grade[student, subject_slot])
    return pd.DataFrame({
        "student_id": text_column(pa.array(student_id, type=pa.large_string()).take(student)),
        "subject": text_column(pa.array(SUBJECTS + ("SVA",) + LANGUAGES, type=pa.large_string()).take(subject)),
        "grade": text_column(pa.array(GRADE_LETTERS, type=pa.large_string()).take(letter)),
        "language_choice": is_language,
    })


def text_column(values: pa.Array) -> pd.api.extensions.ExtensionArray:
    """pandas' default text column (what a column of Python strings becomes) over Arrow ``values``."""
    return pd.array(values, dtype=pd.StringDtype(na_value=np.nan))
