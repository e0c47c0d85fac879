"""Eligibility (behörighet) per application, from grades, the programme-type table and aptitude tests.

Requirements (Skollagen 16 ch., docs/domain.md):
- vocational: a pass (E or better) in Swedish or Swedish as a second language, English and
  mathematics, plus 5 other passes (8 in all);
- preparatory: the same three plus 9 other passes (12 in all), among them every subject the
  programme type requires (EK, HU, SA: GE, HI, RE, SH; NA, TE: BI, FY, KE);
- IMV: Swedish/SvA, English and mathematics plus 3 other passes, or Swedish/SvA, English or
  mathematics plus 4 other passes;
- IMY, IMA: not eligible for a vocational programme; IMS: no grade requirement.
The modern language taken as språkval counts as a pass like any subject. A student with no grades
at all is eligible (grades decided by hand). At an offer with an aptitude test, a missing or zero
test result makes the application ineligible. The ``eligible`` column of applications.csv overrides
all of this, both ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from admissions.io.programme_types import ProgrammeType, ProgrammeTypes

PASS_POINTS = 10.0  # grade E
#: Subjects the requirements name; the columns of the pass matrix.
KEY_SUBJECTS = ("SV", "SVA", "EN", "MA", "BI", "FY", "KE", "GE", "HI", "RE", "SH")
SUBJECT_NAMES = {
    "SV": "Swedish",
    "SVA": "Swedish as a second language",
    "EN": "English",
    "MA": "mathematics",
    "BI": "biology",
    "FY": "physics",
    "KE": "chemistry",
    "GE": "geography",
    "HI": "history",
    "RE": "religion",
    "SH": "civics",
}

#: Why an application is not eligible, declared once: code -> the text applications.csv writes
#: (its ``{fields}`` filled in; more than one reason joined by REASON_SEPARATOR). A document says
#: each in its language from the message catalogue, ``reason.CODE`` with the same fields
#: (admissions.reports.letters), reading the codes back from the text with :func:`parse_reasons`.
REASONS: dict[str, str] = {
    "no_pass": "no pass in {subject} ({codes})",
    "others": "{have} other passed subjects, needs {need}",
    "imv": "needs Swedish/SvA, English and mathematics and 3 other passes, "
           "or Swedish/SvA, English or mathematics and 4 other passes",
    "not_vocational": "eligible for vocational programmes, which this programme is not for",
    "no_test": "no aptitude test result",
    "test_failed": "aptitude test failed (0 points)",
    "decision": "not eligible by decision (eligible column)",
}
#: The singular twin of a reason about a count (its ``{have}``), written when the count is 1:
#: "1 other passed subject, needs 5". Runs of earlier versions wrote the plural for 1 as well
#: ("1 other passed subjects, needs 5"); :func:`parse_reasons` reads both.
REASONS_ONE: dict[str, str] = {
    "others": "{have} other passed subject, needs {need}",
}
REASON_SEPARATOR = "; "


def reason_text(code: str, **fields: object) -> str:
    """The reason ``code`` as applications.csv writes it: ``no pass in English (EN)``; a count of one
    in the singular (REASONS_ONE)."""
    template = REASONS_ONE.get(code) if str(fields.get("have")) == "1" else None
    return (template or REASONS[code]).format(**fields)


def _no_pass(code: str) -> str:
    return reason_text("no_pass", subject=SUBJECT_NAMES.get(code, code), codes=code)


def _reason_pattern(template: str) -> re.Pattern:
    fields = re.split(r"\{(\w+)\}", template)  # text, field, text, field, ..., text
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(fields)))


_REASON_PATTERNS = [(code, _reason_pattern(template))
                    for templates in (REASONS, REASONS_ONE) for code, template in templates.items()]


def parse_reasons(text: str) -> list[tuple[str | None, dict[str, str] | str]]:
    """The reasons of an applications.csv ``ineligible_reason`` cell: (code, fields) each, or
    (None, the part as written) for a part no declared reason reads (a run of another version)."""
    parsed: list[tuple[str | None, dict[str, str] | str]] = []
    for part in filter(None, (p.strip() for p in text.split(REASON_SEPARATOR.strip()))):
        for code, pattern in _REASON_PATTERNS:
            if (match := pattern.fullmatch(part)) is not None:
                parsed.append((code, match.groupdict()))
                break
        else:
            parsed.append((None, part))
    return parsed


_COL = {code: i for i, code in enumerate(KEY_SUBJECTS)}


@dataclass(frozen=True)
class Requirement:
    """What one programme type requires: its kind, passes besides SV/SVA, EN, MA, and named subjects."""

    kind: str  # vocational, preparatory, imv, not_vocational, open
    others: int = 0
    required: tuple[str, ...] = ()


#: The requirement of a vocational programme (skollagen 16 ch. 30 §: Swedish or Swedish as a second
#: language, English, mathematics and five more passes), against which IMY and IMA are defined
#: (eligible only when not eligible for a vocational programme, kind ``not_vocational``).
VOCATIONAL = Requirement("vocational", others=5)


@dataclass(frozen=True)
class Passes:
    """Which students passed what (n students)."""

    key: np.ndarray  # (n, len(KEY_SUBJECTS)) bool
    n_passed: np.ndarray  # (n,) int64, every subject with E or better, språkval included
    has_grades: np.ndarray  # (n,) bool

    @property
    def swedish(self) -> np.ndarray:
        return self.key[:, _COL["SV"]] | self.key[:, _COL["SVA"]]

    def subject(self, code: str) -> np.ndarray:
        return self.key[:, _COL[code]]

    @property
    def others(self) -> np.ndarray:
        """Passes besides Swedish/SvA, English and mathematics."""
        k = self.key
        core = k[:, _COL["SV"]].astype(np.int64) + k[:, _COL["SVA"]] + k[:, _COL["EN"]] + k[:, _COL["MA"]]
        return self.n_passed - core


def grade_passes(grade_student: np.ndarray, grade_subject: np.ndarray, subjects: np.ndarray,
                 grade_points: np.ndarray, n_students: int) -> Passes:
    """The pass matrix of every student from the grade rows.

    ``grade_subject`` (g,) int64 indexes ``subjects`` (s,), the canonical subject codes.
    """
    passed = grade_points >= PASS_POINTS
    key = np.zeros((n_students, len(KEY_SUBJECTS)), dtype=bool)
    # Column of each subject in the pass matrix, -1 for subjects no requirement names.
    subject_column = np.array([_COL.get(code, -1) for code in subjects], dtype=np.int64)
    column = subject_column[grade_subject] if len(grade_subject) else np.empty(0, dtype=np.int64)
    rows = passed & (column >= 0)
    key[grade_student[rows], column[rows]] = True
    n_passed = np.bincount(grade_student[passed], minlength=n_students).astype(np.int64)
    has_grades = np.bincount(grade_student, minlength=n_students) > 0
    return Passes(key=key, n_passed=n_passed, has_grades=has_grades)


def meets(passes: Passes, requirement: Requirement) -> tuple[np.ndarray, np.ndarray]:
    """Whether each student meets the requirement, and why not.

    Returns ``ok`` (n,) bool and ``reason`` (n,) object: "" where ok, else the unmet parts joined by
    "; ". Students without grades meet every requirement.
    """
    ok, codes, texts = _meets(passes, requirement)
    return ok, np.array([""] + texts, dtype=object)[codes]


def _meets(passes: Passes, requirement: Requirement) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """:func:`meets` with the reasons as codes: ``ok`` (n,) bool, (n,) int64 0 where ok, else 1 + the
    index of the student's reason in the list of distinct reasons returned."""
    n = len(passes.n_passed)
    swedish, english, maths = passes.swedish, passes.subject("EN"), passes.subject("MA")
    others = passes.others
    kind = requirement.kind
    failures: list[tuple[np.ndarray, str | None]] = []  # (failing students, fixed text or None)
    if kind in ("vocational", "preparatory"):
        failures.append((~swedish, reason_text("no_pass", subject="Swedish or Swedish as a second language",
                                               codes="SV/SVA")))
        failures.append((~english, _no_pass("EN")))
        failures.append((~maths, _no_pass("MA")))
        failures.append((others < requirement.others, None))
        for code in requirement.required:
            failures.append((~passes.subject(code), _no_pass(code)))
        ok = ~np.any([f for f, _ in failures], axis=0) if failures else np.ones(n, bool)
    elif kind == "imv":
        ok = swedish & ((english & maths & (others >= 3)) | ((english | maths) & (others >= 4)))
        failures.append((~ok, reason_text("imv")))
    elif kind == "not_vocational":
        vocational, _, _ = _meets(passes, VOCATIONAL)
        ok = ~vocational
        failures.append((vocational, reason_text("not_vocational")))
    elif kind == "open":
        ok = np.ones(n, dtype=bool)
    else:  # the table's loader allows only the kinds above
        raise ValueError(f"kind == {kind!r}, must be one of vocational, preparatory, imv, not_vocational, open")

    ok = ok | ~passes.has_grades
    return ok, *_reasons(~ok, failures, others, requirement.others)


def _reasons(failing: np.ndarray, failures: list[tuple[np.ndarray, str | None]], others: np.ndarray,
             needed: int) -> tuple[np.ndarray, list[str]]:
    """The reason of every failing student, built once per distinct pattern of unmet parts: (n,) int64
    codes (0 where not failing, else 1 + the index of the text) and the texts."""
    reason = np.zeros(len(failing), dtype=np.int64)
    students = np.flatnonzero(failing)
    if len(students) == 0:
        return reason, []
    # One bit per unmet part, plus the count of other passes where that part is about the count.
    bits = np.zeros(len(students), dtype=np.int64)
    count = np.zeros(len(students), dtype=np.int64)
    for bit, (unmet, text) in enumerate(failures):
        hit = unmet[students]
        bits |= hit.astype(np.int64) << bit
        if text is None:
            count = np.where(hit, others[students], count)
    # One integer key per (unmet parts, count) pair: a 1-d unique is far cheaper than a row-wise one.
    keys, inverse = np.unique(bits * 1_000_000 + count, return_inverse=True)
    texts = np.empty(len(keys), dtype=object)
    for p, (pattern, n_others) in enumerate(zip(keys // 1_000_000, keys % 1_000_000)):
        parts = [
            text if text is not None else reason_text("others", have=n_others, need=needed)
            for bit, (_, text) in enumerate(failures)
            if pattern >> bit & 1
        ]
        texts[p] = REASON_SEPARATOR.join(parts)
    reason[students] = 1 + inverse.ravel()
    return reason, list(texts)


def application_eligibility(
    passes: Passes,
    requirements: list[Requirement],
    programme_requirement: np.ndarray,
    choices: np.ndarray,
    has_test: np.ndarray,
    test_points: np.ndarray,
    override: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Eligibility of every application.

    Parameters
    ----------
    passes : Passes for n students.
    requirements : the distinct requirements; ``programme_requirement`` (p,) int64 indexes them.
    choices : (n, k) int64 programme index, -1 padding.
    has_test : (p,) bool, the offer has an aptitude test.
    test_points : (n, k) float64, NaN where not given.
    override : (n, k) int8, -1 none, 0 not eligible, 1 eligible.

    Returns
    -------
    eligible : (n, k) bool, False at padding.
    reason : (n, k) object, "" where eligible.
    """
    n, k = choices.shape
    present = choices >= 0
    ok = np.zeros((n, len(requirements)), dtype=bool)
    # Reasons as codes into one list of texts (0: ""): integers are gathered, and the (n, k) object
    # array is made by one take at the end.
    why = np.zeros((n, len(requirements)), dtype=np.int64)
    texts = [""]
    for r, requirement in enumerate(requirements):
        ok[:, r], codes, more = _meets(passes, requirement)
        why[:, r] = np.where(codes > 0, codes + (len(texts) - 1), 0)
        texts += more

    programme = np.maximum(choices, 0)
    cell = np.arange(n)[:, None] * len(requirements) + programme_requirement[programme]
    eligible = ok.ravel()[cell] & present
    reason = np.array(texts, dtype=object)[np.where(present, why.ravel()[cell], 0)]

    tested = present & has_test[programme]
    missing = tested & np.isnan(test_points)
    failed = tested & (test_points <= 0)
    for mask, text in ((missing, reason_text("no_test")), (failed, reason_text("test_failed"))):
        eligible &= ~mask
        reason[mask] = np.where(reason[mask] == "", text, reason[mask] + REASON_SEPARATOR + text)

    decided_yes = present & (override == 1)
    decided_no = present & (override == 0)
    eligible = (eligible | decided_yes) & ~decided_no
    reason[decided_yes] = ""
    reason[decided_no] = reason_text("decision")
    return eligible, reason


def requirement_of(programme_type: ProgrammeType) -> Requirement:
    """The eligibility requirement of one row of the programme-type table."""
    return Requirement(programme_type.kind, programme_type.others, tuple(programme_type.required))


def programme_requirements(types: ProgrammeTypes, codes: np.ndarray) -> tuple[list[Requirement], np.ndarray]:
    """The distinct eligibility requirements of the offers and, per offer, the index of its own.

    ``codes`` (p,) the programme code of each offer, every one in ``types``; returns the
    requirements and (p,) int64 the index of each offer's requirement among them.
    """
    requirements: list[Requirement] = []
    index: dict[Requirement, int] = {}
    programme_requirement = np.empty(len(codes), dtype=np.int64)
    for p, code in enumerate(codes):
        requirement = requirement_of(types.types[code])
        if requirement not in index:
            index[requirement] = len(requirements)
            requirements.append(requirement)
        programme_requirement[p] = index[requirement]
    return requirements, programme_requirement
