"""The data contract: the files of a round's input folder and their columns.

This module is the single source of truth for file names, column names, types and value rules. The
validator, the generator and the documentation all read it. Extra columns in an input file are kept
and ignored.

Besides each cell's kind and bounds (:class:`ColumnSpec`), a file declares the rules over more than
one cell (:class:`FileSpec.checks`): references to other files, rules across columns and across
rows. Each has a stable id, ``file.column.what`` (``applications.student_id.ref``), which every
problem it finds carries (:attr:`admissions.io.problems.Problem.check`);
:mod:`admissions.io.validate` runs the declarations, one vectorised executor per kind of check.
The ids end in ``.ref`` (the value is in another file), ``.referenced`` (another file uses the
value), ``.unique``, ``.consecutive``, ``.sum``, ``.requires``, ``.pattern``, ``.together``,
``.known`` (in a vocabulary table) and ``.key`` (the file's unique key, :attr:`FileSpec.key`).

The rules of one column and of the file's form have ids too, derived from the declarations:
``file.column.RULE`` for each rule of :data:`COLUMN_RULES` that the column's spec implies
(``students.merit_value.range``) and ``file.RULE`` for :data:`FILE_RULES` (``grades.format``);
:func:`rule_ids` lists them for a file.

A file may be given as ``NAME.csv``, ``NAME.xlsx`` or ``NAME.parquet``; exactly one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

from admissions.arguments import SEED_LIMIT  # noqa: F401  (the CLI and admissions.toml read it here)

ColumnKind = Literal["text", "int", "number", "bool", "choice", "grade"]

GRADE_POINTS: dict[str, float] = {"A": 20.0, "B": 17.5, "C": 15.0, "D": 12.5, "E": 10.0, "F": 0.0}
MAX_MERIT = 340.0
#: The largest whole number a count may be (seats in programmes.csv, scenarios.csv, sweep's --seats):
#: numbers are read as float64, exact up to here; beyond it a cell would lose digits.
MAX_WHOLE_NUMBER = 2**53 - 1
FILE_SUFFIXES = (".csv", ".xlsx", ".parquet")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input file.

    ``required``: the column must be present. ``nullable``: a cell may be empty. ``default``: the
    value used for every row when an optional column is absent (None: absent means missing).
    ``minimum``/``maximum`` bound numbers; ``choices`` lists the allowed values of a choice column.
    """

    name: str
    kind: ColumnKind
    required: bool = True
    nullable: bool = False
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Check:
    """A rule over more than one cell, declared on the file whose cells break it.

    ``id`` is stable (problems, the problem table and the docs name it); ``column`` is the column a
    problem is reported in; ``rule`` is the rule in words, as the problem states it (``{target}``
    and similar fields are filled in by the validator with the file names as they are in the folder).
    """

    id: str
    column: str
    rule: str
    severity: Severity = "error"
    #: The rule in the line counting the problems past the cap, when ``rule`` differs per row.
    summary: str = ""


@dataclass(frozen=True, kw_only=True)
class Reference(Check):
    """Every value of ``key`` (default ``column``) is a ``target_column`` of file ``target``.

    ``where``: only rows where this column is filled in; ``target_where``: only target rows where
    this bool column is true (values that are not in the target at all are another check's).
    """

    target: str
    target_column: str
    key: str | None = None
    where: str | None = None
    target_where: str | None = None


@dataclass(frozen=True, kw_only=True)
class Referenced(Check):
    """Every value of ``column`` is used by ``by_column`` of file ``by`` (a student with applications)."""

    by: str
    by_column: str


@dataclass(frozen=True, kw_only=True)
class Unique(Check):
    """No two rows with a value in ``column`` hold the same value (within the same ``group`` when given).

    ``where``: only rows where this bool column is true. ``rule`` may use ``{first_row}``, ``{owner}``
    (the group's value), ``{value}`` and ``{first[c]}`` / ``{at[c]}`` (cell c of the first row and of
    this row, spaces trimmed).
    """

    group: str | None = None
    where: str | None = None


@dataclass(frozen=True, kw_only=True)
class Consecutive(Check):
    """The numbers in ``column`` run 1, 2, 3, ... within each ``group`` (a repeated number is a key problem)."""

    group: str


@dataclass(frozen=True, kw_only=True)
class SumAtMost(Check):
    """``parts`` summed (an empty cell counts 0) are at most ``column``."""

    parts: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Requires(Check):
    """A value of ``column`` above 0 needs bool column ``flag`` true on the same row."""

    flag: str


@dataclass(frozen=True, kw_only=True)
class Pattern(Check):
    """Every non-empty value of ``column`` matches the regular expression ``pattern`` in full (spaces trimmed)."""

    pattern: str


@dataclass(frozen=True, kw_only=True)
class Together(Check):
    """``columns`` are all filled in on a row or all empty (``column`` is the first of them)."""

    columns: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Known(Check):
    """Every value of ``column`` is in the vocabulary table ``vocabulary`` (the validator knows each table)."""

    vocabulary: Literal["subjects", "programme_types"]


@dataclass(frozen=True, kw_only=True)
class NeededUnless(Check):
    """An empty ``column`` needs a row of ``file`` for the same ``key`` (or ``unless`` filled in)."""

    file: str
    key: str
    unless: str | None = None
    #: The rule when there is no such file at all.
    absent_rule: str = ""


@dataclass(frozen=True)
class FileSpec:
    """One input file: its name without suffix, whether it must exist, its columns, unique key and checks.

    ``checks`` are run in the order declared, after every cell and unique key is checked; a check
    reads only cells that passed their own column's rules.
    """

    name: str
    columns: tuple[ColumnSpec, ...]
    required: bool = True
    key: tuple[str, ...] = ()
    description: str = ""
    checks: tuple[Check, ...] = ()

    @property
    def key_check(self) -> str:
        """The id of the unique-key check: ``students.key``."""
        return f"{self.name}.key"

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


#: The rules of one column, each problem of which carries the id ``file.column.RULE``
#: (:func:`column_check`); the rule in words, as the README lists them.
COLUMN_RULES: dict[str, str] = {
    "required": "the column is in the file (a required column)",
    "empty": "the cell is not empty (a column that may not be empty and has no default)",
    "type": "the cell holds a value of the column's kind: a whole number, a number, true or false, one of "
            "its choices, a grade A-F",
    "range": "the number is within the column's bounds",
    "invisible": "a text cell holds no invisible or formatting character",
    "decimal": "one decimal mark in a CSV file, and no number whose reading depends on the locale",
    "pattern": "school_unit_code: eight digits",
}
#: The rules of a whole file, each problem of which carries the id ``file.RULE`` (:func:`file_check`).
FILE_RULES: dict[str, str] = {
    "file": "the file is there (when it is required), once: as .csv, .xlsx or .parquet",
    "format": "the file can be read: size, encoding, CSV, workbook or Parquet structure, header, rows",
    "rows": "the file has data rows (programmes, students, municipalities)",
}


def column_check(file: str, column: str, rule: str) -> str:
    """The id of ``rule`` (a key of COLUMN_RULES) of ``column`` of ``file``: ``students.merit_value.range``."""
    if rule not in COLUMN_RULES:
        raise KeyError(rule)
    return f"{file}.{column}.{rule}"


def file_check(file: str, rule: str) -> str:
    """The id of ``rule`` (a key of FILE_RULES) of ``file``: ``grades.format``."""
    if rule not in FILE_RULES:
        raise KeyError(rule)
    return f"{file}.{rule}"


def column_rules(column: ColumnSpec) -> tuple[str, ...]:
    """The rules of COLUMN_RULES that ``column``'s spec implies."""
    rules = ["required"] if column.required else []
    if not column.nullable and (column.required or column.default is None):
        rules.append("empty")
    if column.kind == "text":
        rules.append("invisible")
    else:
        rules.append("type")
    if column.minimum is not None or column.maximum is not None:
        rules.append("range")
    if column.kind == "number":
        rules.append("decimal")
    if column.name == "school_unit_code":
        rules.append("pattern")
    return tuple(rules)


#: Application groups: a late choice is tried after every on-time applicant at its offer.
APPLICATION_GROUPS = ("on_time", "late")

PROGRAMMES = FileSpec(
    name="programmes",
    key=("programme_id",),
    description="One row per programme offered at a school: the unit that has seats (utbildning).",
    columns=(
        ColumnSpec("programme_id", "text", description="Unique id of the offer."),
        ColumnSpec("school", "text"),
        ColumnSpec("municipality", "text", description="Host municipality; listed in municipalities."),
        ColumnSpec("programme_code", "text", description="NA, SA, EK, ES, TE, HU, BA, ..., IMV, IMY."),
        ColumnSpec("orientation", "text", nullable=True, description="Inriktning; may be empty."),
        ColumnSpec("seats", "int", minimum=0),
        ColumnSpec("principal", "choice", choices=("municipal", "independent")),
        ColumnSpec("national_recruitment", "bool", description="Riksrekryterande."),
        ColumnSpec("test", "bool", required=False, default=False,
                   description="The offer has an aptitude test (färdighetsprov)."),
        ColumnSpec("test_seats", "int", required=False, default=0, minimum=0,
                   description="Seats filled by test points alone."),
        ColumnSpec("free_quota_seats", "int", required=False, default=0, minimum=0,
                   description="Seats of the free quota (fri kvot)."),
        ColumnSpec("school_unit_code", "text", required=False, nullable=True,
                   description="Skolverket's school unit code (skolenhetskod), 8 digits, kept as text."),
        ColumnSpec("latitude", "number", required=False, nullable=True, minimum=-90, maximum=90,
                   description="Position of the school unit, WGS 84 degrees."),
        ColumnSpec("longitude", "number", required=False, nullable=True, minimum=-180, maximum=180,
                   description="Position of the school unit, WGS 84 degrees."),
    ),
    checks=(
        Reference(id="programmes.municipality.ref", column="municipality", target="municipalities",
                  target_column="municipality", rule="municipality not found in {target}"),
        Requires(id="programmes.test_seats.requires", column="test_seats", flag="test",
                 rule="test_seats needs an aptitude test: set test = true for this programme, or test_seats = 0"),
        SumAtMost(id="programmes.seats.sum", column="seats", parts=("test_seats", "free_quota_seats"),
                  rule="seats must be at least {parts}"),
        Known(id="programmes.programme_code.known", column="programme_code", vocabulary="programme_types",
              rule="unknown programme code"),
    ),
)

#: The students.csv columns of a letter's address: all given or none.
ADDRESS_COLUMNS = ("address", "postal_code", "city")
#: A Swedish postal code: five digits, optionally with a space after the third.
POSTAL_CODE_PATTERN = r"[1-9][0-9]{2} ?[0-9]{2}"

#: Optional programmes.csv columns that locate an offer; every output that lists offers carries
#: them through when the input gives them.
OFFER_LOCATION_COLUMNS = ("school_unit_code", "latitude", "longitude")

STUDENTS = FileSpec(
    name="students",
    key=("student_id",),
    description="One row per applicant.",
    columns=(
        ColumnSpec("student_id", "text"),
        ColumnSpec("home_municipality", "text", description="Listed in municipalities."),
        ColumnSpec("merit_value", "number", nullable=True, minimum=0, maximum=MAX_MERIT,
                   description="Meritvärde 0-340; may be empty when grades are given or free_quota_rank is."),
        ColumnSpec("lottery", "number", required=False,
                   description="Random tie-break, a higher number wins; drawn from the seed when the "
                               "column is absent."),
        ColumnSpec("application_group", "choice", required=False, default="on_time",
                   choices=APPLICATION_GROUPS,
                   description="late: after every on-time applicant; the default for every choice of the "
                               "student (applications.csv may set it per choice)."),
        ColumnSpec("free_quota_rank", "int", required=False, nullable=True, minimum=1,
                   description="Rank within the free quota set by the school owner; 1 is first."),
        ColumnSpec("latitude", "number", required=False, nullable=True, minimum=-90, maximum=90,
                   description="Where the student lives (WGS 84 degrees), for the demand model's "
                               "distances; the home municipality's centre when empty."),
        ColumnSpec("longitude", "number", required=False, nullable=True, minimum=-180, maximum=180,
                   description="Where the student lives (WGS 84 degrees); with latitude."),
        # For the lists and letters only (admissions.reports.lists, .letters); never in aggregate outputs.
        ColumnSpec("name", "text", required=False, nullable=True,
                   description="Name, shown in the school's lists and on the letter."),
        ColumnSpec("address", "text", required=False, nullable=True, description="Street address for the letter."),
        ColumnSpec("postal_code", "text", required=False, nullable=True,
                   description="Swedish postal code, 5 digits (NNN NN or NNNNN), given with address and city."),
        ColumnSpec("city", "text", required=False, nullable=True, description="Postal town (postort)."),
    ),
    checks=(
        Reference(id="students.home_municipality.ref", column="home_municipality", target="municipalities",
                  target_column="municipality", rule="home_municipality not found in {target}"),
        NeededUnless(id="students.merit_value.grades", column="merit_value", file="grades", key="student_id",
                     unless="free_quota_rank",
                     rule="merit_value is empty and {file} has no grades for this student",
                     absent_rule="merit_value is empty and there is no grades file"),
        Unique(id="students.lottery.unique", column="lottery",
               rule="lottery must be unique (a tie could not be decided); same as row {first_row}",
               summary="lottery must be unique"),
        Pattern(id="students.postal_code.pattern", column="postal_code", pattern=POSTAL_CODE_PATTERN,
                rule="postal_code must be a Swedish postal code of five digits (NNN NN or NNNNN)"),
        Together(id="students.address.together", column="address", columns=ADDRESS_COLUMNS,
                 rule="{column} is empty but the row gives part of an address: give {columns} together or "
                      "none of them"),
        Referenced(id="students.student_id.referenced", column="student_id", by="applications",
                   by_column="student_id", severity="warning",
                   rule="student has no applications in {by}; they cannot be placed"),
    ),
)

APPLICATIONS = FileSpec(
    name="applications",
    key=("student_id", "choice_rank"),
    description="One row per choice of a student.",
    columns=(
        ColumnSpec("student_id", "text"),
        ColumnSpec("choice_rank", "int", minimum=1, description="1 = first choice; consecutive."),
        ColumnSpec("programme_id", "text"),
        ColumnSpec("test_points", "number", required=False, nullable=True, minimum=0,
                   description="Aptitude test points for this choice."),
        ColumnSpec("eligible", "bool", required=False, nullable=True,
                   description="Overrides the computed eligibility (English exemption, foreign grades)."),
        ColumnSpec("application_group", "choice", required=False, nullable=True, choices=APPLICATION_GROUPS,
                   description="This choice's group: late when it was added or moved up after the deadline "
                               "(tried after every on-time applicant at the offer); empty: the student's "
                               "application_group in students.csv."),
    ),
    checks=(
        Reference(id="applications.student_id.ref", column="student_id", target="students",
                  target_column="student_id", rule="student_id not found in {target}"),
        Reference(id="applications.programme_id.ref", column="programme_id", target="programmes",
                  target_column="programme_id", rule="programme_id not found in {target}"),
        Consecutive(id="applications.choice_rank.consecutive", column="choice_rank", group="student_id",
                    rule="choice_rank must be consecutive from 1 for each student"),
        Unique(id="applications.programme_id.unique", column="programme_id", group="student_id",
               rule="programme {value} appears twice for student {owner} (choice_rank {first[choice_rank]} and "
                    "{at[choice_rank]}; first in row {first_row})",
               summary="a programme appears twice for one student"),
        Reference(id="applications.test_points.ref", column="test_points", key="programme_id", where="test_points",
                  target="programmes", target_column="programme_id", target_where="test", severity="warning",
                  rule="programme {value} has no aptitude test ({target} does not set test = true for it); "
                       "these test points are ignored",
                  summary="test points at a programme without an aptitude test are ignored"),
    ),
)

MUNICIPALITIES = FileSpec(
    name="municipalities",
    key=("municipality",),
    description="Every municipality named in programmes or students.",
    columns=(
        ColumnSpec("municipality", "text"),
        ColumnSpec("in_area", "bool", description="Member of the admission area."),
        ColumnSpec("population", "int", nullable=True, minimum=0),
    ),
)

GRADES = FileSpec(
    name="grades",
    required=False,
    key=("student_id", "subject"),
    description="Year-9 grades, one row per student and subject.",
    columns=(
        ColumnSpec("student_id", "text"),
        ColumnSpec("subject", "text", description="SV, SVA, EN, MA, ..., language codes FRA, SPA, TYS, or the "
                   "long Swedish name; admissions/data/subjects.toml lists them."),
        ColumnSpec("grade", "grade"),
        ColumnSpec("language_choice", "bool", required=False, default=False,
                   description="The modern language taken as språkval (counts as a 17th grade)."),
    ),
    checks=(
        Reference(id="grades.student_id.ref", column="student_id", target="students",
                  target_column="student_id", rule="student_id not found in {target}"),
        Known(id="grades.subject.known", column="subject", vocabulary="subjects", rule="unknown subject"),
        Unique(id="grades.language_choice.unique", column="language_choice", group="student_id",
               where="language_choice",
               rule="more than one language_choice for student {owner}; first in row {first_row}",
               summary="more than one language_choice for one student"),
    ),
)

PRICES = FileSpec(
    name="prices",
    required=False,
    key=("programme_code",),
    description="Inter-municipal price per student and year (riksprislista); the shipped list when absent.",
    columns=(
        ColumnSpec("programme_code", "text"),
        ColumnSpec("price_sek", "int", minimum=0, description="Whole SEK per student and year."),
        ColumnSpec("source", "text", required=False, nullable=True, description="Where the price comes from (not used)."),
    ),
)

ANSWERS = FileSpec(
    name="answers",
    required=False,
    key=("student_id",),
    description="Students' answers to their placement, for a reserve round.",
    columns=(
        ColumnSpec("student_id", "text"),
        ColumnSpec("answer", "choice", choices=("accept", "decline", "withdraw")),
    ),
)

ADMISSION_OFFICES = FileSpec(
    name="admission_offices",
    required=False,
    key=("municipality",),
    description="The admission office (antagningskansli) of each municipality, for the office summaries of "
                "the lists; the shipped list (admissions/data/admission_offices.csv, Skolverket's register) "
                "when absent.",
    columns=(
        ColumnSpec("admission_office", "text", description="The office's name, as the summaries are titled."),
        ColumnSpec("municipality", "text", description="A municipality the office serves; listed in municipalities."),
    ),
    checks=(
        Reference(id="admission_offices.municipality.ref", column="municipality", target="municipalities",
                  target_column="municipality", rule="municipality not found in {target}"),
    ),
)

#: The files of a round, in the order they are read and reported.
ROUND_FILES: tuple[FileSpec, ...] = (PROGRAMMES, STUDENTS, APPLICATIONS, MUNICIPALITIES, GRADES, PRICES,
                                     ADMISSION_OFFICES)


def check_ids(files: tuple[FileSpec, ...] = ROUND_FILES) -> tuple[str, ...]:
    """Every check id of ``files``: each file's key check (when it has a key) and its declared checks."""
    return tuple(
        check_id
        for spec in files
        for check_id in ((spec.key_check,) if spec.key else ()) + tuple(c.id for c in spec.checks)
    )


def rule_ids(spec: FileSpec) -> tuple[str, ...]:
    """Every id a problem of ``spec``'s file can carry: its file rules, each column's rules and its checks."""
    return (tuple(file_check(spec.name, rule) for rule in FILE_RULES)
            + tuple(column_check(spec.name, c.name, rule) for c in spec.columns for rule in column_rules(c))
            + check_ids((spec,)))

def _subject_table() -> tuple[str, dict[str, str]]:
    """The shipped subject table (admissions/data/subjects.toml): its version and code -> Swedish name."""
    import tomllib
    from importlib import resources

    table = tomllib.loads(resources.files("admissions").joinpath("data", "subjects.toml").read_text(encoding="utf-8"))
    return str(table["version"]), dict(table["subjects"])


#: The subject vocabulary of grades.csv, a versioned data table: code -> long Swedish name.
SUBJECTS_VERSION, SUBJECTS = _subject_table()
#: Long Swedish subject names accepted in grades.subject besides the codes (compared case-insensitively).
SUBJECT_NAMES: dict[str, str] = {name.lower(): code for code, name in SUBJECTS.items()}


def subject_code(subject: str) -> str:
    """The code of a subject given as a code (any case) or by its long Swedish name (unknown ones upper-cased)."""
    text = subject.strip()
    return SUBJECT_NAMES.get(text.lower(), text.upper())


#: Optional settings file in the input folder.
CONFIG_FILE = "admissions.toml"
#: Optional programme-type table in the input folder (admissions.io.programme_types).
TABLE_FILE = "programme_types.toml"

#: Every file name the reader of an input folder (admissions.io.validate.load_round) takes from it,
#: lower case (round files are found without case: readers.find_file; a file system that compares
#: names without case finds the settings so too), and what it takes each as: every round file as
#: .csv, .xlsx or .parquet, admissions.toml, programme_types.toml. No output is written as one of them.
INPUT_FILE_NAMES: dict[str, str] = {
    **{spec.name + suffix: f"the {spec.name} file" for spec in ROUND_FILES for suffix in FILE_SUFFIXES},
    CONFIG_FILE: f"the settings ({CONFIG_FILE})", TABLE_FILE: f"the programme-type table ({TABLE_FILE})",
}

TRUE_WORDS = frozenset({"true", "1", "yes", "ja", "sant", "t", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "nej", "falskt", "f", "n"})
