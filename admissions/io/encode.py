"""String ids become integer codes: the validated frames of a round turned into numpy arrays.

This is the io boundary of STYLE.md: everything after it (rules, matching) sees only arrays, and
the labels go back on at the report boundary through ``student_ids``, ``programme_ids`` and
``municipalities``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np

from admissions.errors import InvalidArgument
from admissions.io.contract import GRADE_POINTS, subject_code
from admissions.io.labels import factorize, index_of, labels_array
from admissions.io.round_input import RoundInput


@dataclass(frozen=True)
class EncodedRound:
    """A round as arrays. n = students, k = choice columns, p = programmes, m = municipalities,
    g = grade rows.

    Students and programmes keep the order of their files. Choice column j holds choice_rank j + 1.
    """

    student_ids: np.ndarray  # (n,) str labels
    programme_ids: np.ndarray  # (p,) str labels
    municipalities: np.ndarray  # (m,) str labels
    choices: np.ndarray  # (n, k) int64 programme index, -1 padding
    application_row: np.ndarray  # (n, k) int64 row of applications.csv (0-based), -1 padding
    test_points: np.ndarray  # (n, k) float64, NaN where not given
    eligible_override: np.ndarray  # (n, k) int8: -1 not given, 0 not eligible, 1 eligible
    merit_given: np.ndarray  # (n,) float64 merit_value, NaN where empty
    lottery_given: np.ndarray | None  # (n,) float64, None when the input has no lottery column
    home: np.ndarray  # (n,) int64 municipality index
    late: np.ndarray  # (n, k) bool: the choice's application_group is "late" (applications.csv, else students.csv)
    free_quota_rank: np.ndarray  # (n,) float64, NaN where empty
    seats: np.ndarray  # (p,) int64
    host: np.ndarray  # (p,) int64 municipality index
    programme_code: np.ndarray  # (p,) str
    independent: np.ndarray  # (p,) bool: principal == "independent"
    national_recruitment: np.ndarray  # (p,) bool
    has_test: np.ndarray  # (p,) bool
    test_seats: np.ndarray  # (p,) int64
    free_quota_seats: np.ndarray  # (p,) int64
    in_area: np.ndarray  # (m,) bool
    grade_student: np.ndarray  # (g,) int64 student index of each grade row
    subjects: np.ndarray  # (s,) str canonical subject codes (long Swedish names mapped to codes)
    grade_subject: np.ndarray  # (g,) int64 index into subjects
    grade_points: np.ndarray  # (g,) float64 points of each grade (A=20 ... F=0)
    grade_language_choice: np.ndarray  # (g,) bool: the modern language taken as språkval
    n_dropped_choices: int = 0  # applications beyond max_choices, not considered

    def without_grade_rows(self) -> EncodedRound:
        """The same round without its grade rows (``grade_*`` empty), once the merit values are computed."""
        return replace(self, grade_student=np.empty(0, dtype=np.int64), grade_subject=np.empty(0, dtype=np.int64),
                       grade_points=np.empty(0, dtype=np.float64), grade_language_choice=np.empty(0, dtype=bool))

    @property
    def n_students(self) -> int:
        return len(self.student_ids)

    @property
    def n_programmes(self) -> int:
        return len(self.programme_ids)


@contextmanager
def ids_in_errors(encoded: EncodedRound, offer_of: np.ndarray | None = None) -> Iterator[None]:
    """Name students and offers by their ids in an InvalidArgument raised inside the block.

    The core's messages name array indices (admissions.errors.InvalidArgument); inside this block
    a student index is a row of ``encoded`` and a programme index an offer of it, or, with
    ``offer_of`` (a market's ``parent``: (q,) offer of each quota), a quota of that offer.
    """
    try:
        yield
    except InvalidArgument as exc:
        if not (exc.students or exc.programmes):
            raise
        offers = encoded.programme_ids if offer_of is None else encoded.programme_ids[offer_of]
        raise exc.naming(encoded.student_ids, offers) from None


def encode_round(data: RoundInput, max_choices: int | None = None) -> EncodedRound:
    """Turn a validated round into arrays.

    ``max_choices`` keeps only the first that many choices of each student (None: all of them).
    The input must have passed validation: ids are known and choice ranks consecutive from 1.
    """
    students, programmes, applications = data.students, data.programmes, data.applications
    municipalities = data.municipalities
    student_ids = students["student_id"]
    programme_ids = programmes["programme_id"]
    municipality_names = municipalities["municipality"]

    n = len(students)
    app_student = _rows_of(data, "applications", "student_id", "students", student_ids)
    app_programme = _rows_of(data, "applications", "programme_id", "programmes", programme_ids)
    app_column = applications["choice_rank"].to_numpy(dtype=np.int64) - 1
    keep = np.ones(len(applications), dtype=bool)
    if max_choices is not None:
        keep = app_column < max_choices
    n_dropped = int((~keep).sum())
    k = int(app_column[keep].max()) + 1 if keep.any() else 1

    choices = np.full((n, k), -1, dtype=np.int64)
    application_row = np.full((n, k), -1, dtype=np.int64)
    test_points = np.full((n, k), np.nan, dtype=np.float64)
    eligible_override = np.full((n, k), -1, dtype=np.int8)
    rows = np.flatnonzero(keep)
    # Each application's cell of the (n, k) arrays as one flat index, computed once for all of them.
    cell = app_student[keep] * k + app_column[keep]
    choices.ravel()[cell] = app_programme[keep]
    application_row.ravel()[cell] = rows
    test_points.ravel()[cell] = applications["test_points"].to_numpy(dtype=np.float64, na_value=np.nan)[keep]
    override = applications["eligible"].astype("boolean")
    override_codes = np.where(override.isna().to_numpy(), -1, override.fillna(False).to_numpy(dtype=bool))
    eligible_override.ravel()[cell] = override_codes[keep].astype(np.int8)
    # Lateness per choice: applications.csv's application_group where given, else the student's
    # (compared by Arrow, not as millions of Python strings).
    late = np.repeat((students["application_group"] == "late").to_numpy(dtype=bool)[:, None], k, axis=1)
    group = applications["application_group"]
    is_late = (group == "late").to_numpy(dtype=bool)[keep]
    given = is_late | (group == "on_time").to_numpy(dtype=bool)[keep]
    late.ravel()[cell[given]] = is_late[given]

    lottery_given = None
    if data.has_column("students", "lottery"):
        lottery_given = students["lottery"].to_numpy(dtype=np.float64)

    if data.grades is not None and len(data.grades):
        grades = data.grades
        grade_student = _rows_of(data, "grades", "student_id", "students", student_ids)
        # Few distinct subjects: map each distinct spelling to its code once, then index.
        given_codes, given = _codes_of(data, "grades", "subject")
        subjects, canonical = np.unique(np.array([subject_code(g) for g in given], dtype=object),
                                        return_inverse=True)
        grade_subject = canonical.astype(np.int64)[given_codes]
        grade_codes, grade_letters = _codes_of(data, "grades", "grade")
        grade_points = np.array([GRADE_POINTS[g] for g in grade_letters], dtype=np.float64)[grade_codes]
        grade_language_choice = grades["language_choice"].to_numpy(dtype=bool)
    else:
        grade_student = np.empty(0, dtype=np.int64)
        grade_subject = np.empty(0, dtype=np.int64)
        subjects = np.empty(0, dtype=object)
        grade_points = np.empty(0, dtype=np.float64)
        grade_language_choice = np.empty(0, dtype=bool)

    # An offer has a test only where programmes.csv says so (no test column: no offer has one); test
    # points given elsewhere are ignored (the validator warns about each).
    has_test = programmes["test"].to_numpy(dtype=bool)

    return EncodedRound(
        student_ids=labels_array(student_ids),
        programme_ids=labels_array(programme_ids),
        municipalities=labels_array(municipality_names),
        choices=choices,
        application_row=application_row,
        test_points=test_points,
        eligible_override=eligible_override,
        merit_given=students["merit_value"].to_numpy(dtype=np.float64, na_value=np.nan),
        lottery_given=lottery_given,
        home=_rows_of(data, "students", "home_municipality", "municipalities", municipality_names),
        late=late,
        free_quota_rank=students["free_quota_rank"].to_numpy(dtype=np.float64, na_value=np.nan),
        seats=programmes["seats"].to_numpy(dtype=np.int64),
        host=_rows_of(data, "programmes", "municipality", "municipalities", municipality_names),
        programme_code=labels_array(programmes["programme_code"]),
        independent=(programmes["principal"] == "independent").to_numpy(dtype=bool),
        national_recruitment=programmes["national_recruitment"].to_numpy(dtype=bool),
        has_test=has_test,
        test_seats=programmes["test_seats"].to_numpy(dtype=np.int64),
        free_quota_seats=programmes["free_quota_seats"].to_numpy(dtype=np.int64),
        in_area=municipalities["in_area"].to_numpy(dtype=bool),
        grade_student=grade_student,
        subjects=subjects,
        grade_subject=grade_subject,
        grade_points=grade_points,
        grade_language_choice=grade_language_choice,
        n_dropped_choices=n_dropped,
    )


def _rows_of(data: RoundInput, file: str, column: str, target: str, labels) -> np.ndarray:
    """(rows,) int64 row of ``target`` (whose key column is ``labels``) holding each cell of ``column``:
    as the validator found it (``data.rows_of``), else looked up."""
    rows = data.rows_of.get((file, column, target))
    return rows if rows is not None else index_of(getattr(data, file)[column], labels)


def _codes_of(data: RoundInput, file: str, column: str) -> tuple[np.ndarray, np.ndarray | list]:
    """Integer codes of a column and its labels: as the validator made them (``data.codes_of``), else factorized."""
    coded = data.codes_of.get((file, column))
    return coded if coded is not None else factorize(getattr(data, file)[column])
