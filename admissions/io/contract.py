"""The data contract: the files of a round's input folder and their columns.

This module is the single source of truth for file names, column names, types and value rules. The
validator, the generator and the documentation all read it. Extra columns in an input file are kept
and ignored.

A file may be given as ``NAME.csv``, ``NAME.xlsx`` or ``NAME.parquet``; exactly one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: Seeds are 0 <= seed < SEED_LIMIT everywhere: command-line options, admissions.toml and the
#: season database's INTEGER column (SQLite integers are signed 64-bit).
SEED_LIMIT = 2**63

ColumnKind = Literal["text", "int", "number", "bool", "choice", "grade"]

GRADE_POINTS: dict[str, float] = {"A": 20.0, "B": 17.5, "C": 15.0, "D": 12.5, "E": 10.0, "F": 0.0}
MAX_MERIT = 340.0
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


@dataclass(frozen=True)
class FileSpec:
    """One input file: its name without suffix, whether it must exist, its columns and unique key."""

    name: str
    columns: tuple[ColumnSpec, ...]
    required: bool = True
    key: tuple[str, ...] = ()
    description: str = ""

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


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
)

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
)

#: The students.csv columns of a letter's address: all given or none.
ADDRESS_COLUMNS = ("address", "postal_code", "city")
#: A Swedish postal code: five digits, optionally with a space after the third.
POSTAL_CODE_PATTERN = r"[1-9][0-9]{2} ?[0-9]{2}"

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

#: The files of a round, in the order they are read and reported.
ROUND_FILES: tuple[FileSpec, ...] = (PROGRAMMES, STUDENTS, APPLICATIONS, MUNICIPALITIES, GRADES, PRICES)

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

TRUE_WORDS = frozenset({"true", "1", "yes", "ja", "sant", "t", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "nej", "falskt", "f", "n"})
