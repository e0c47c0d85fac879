"""Skolverket's public school register, shipped as package data and read like any other input.

Two files under ``admissions/data/register/`` (source, retrieval date and licence in the README
there): every programme at every upper-secondary school unit in Sweden with its coordinates,
principal, students and the lowest and average merit value admitted in 2025, and every compulsory
school with a year-9 result (pupils, average merit value, share eligible for a vocational
programme). :func:`load_register` validates both against :data:`UPPER_SECONDARY` and
:data:`COMPULSORY` with the same checks as a round's files (cells, unique key, 8-digit school unit
codes) and raises :class:`~admissions.errors.InvalidInput` with every problem at once.
A folder of the same two files (next year's register) can be given instead of the shipped one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from admissions.errors import InvalidInput
from admissions.io.contract import MAX_MERIT, ColumnSpec, FileSpec
from admissions.io.problems import Problem

#: Principal (huvudman) kinds of the register: municipal, independent (fristående), a federation of
#: municipalities (kommunalförbund) or a region. The round contract knows municipal and independent;
#: federation and region are public principals and are written as municipal.
REGISTER_PRINCIPALS = ("municipal", "independent", "federation", "region")

_LOCATION = (
    ColumnSpec("school_unit_code", "text", description="Skolenhetskod, 8 digits, kept as text."),
    ColumnSpec("school", "text"),
    ColumnSpec("municipality", "text"),
    ColumnSpec("locality", "text", nullable=True),
    ColumnSpec("principal", "choice", choices=REGISTER_PRINCIPALS),
    ColumnSpec("latitude", "number", nullable=True, minimum=-90, maximum=90, description="WGS 84."),
    ColumnSpec("longitude", "number", nullable=True, minimum=-180, maximum=180, description="WGS 84."),
)

UPPER_SECONDARY = FileSpec(
    name="upper_secondary_programmes",
    key=("school_unit_code", "programme_code"),
    description="Every programme at every upper-secondary school unit, with the 2025 admission figures.",
    columns=(
        *_LOCATION,
        ColumnSpec("programme_code", "text"),
        ColumnSpec("students", "int", nullable=True, minimum=0,
                   description="Students on the programme, all three years, rounded to tens."),
        ColumnSpec("admission_points_min", "number", nullable=True, minimum=0, maximum=MAX_MERIT,
                   description="Lowest merit value admitted (without aptitude-test points)."),
        ColumnSpec("admission_points_avg", "number", nullable=True, minimum=0, maximum=MAX_MERIT,
                   description="Average merit value of those admitted."),
        ColumnSpec("admission_year", "int", nullable=True, minimum=2000, maximum=2100),
    ),
)

COMPULSORY = FileSpec(
    name="compulsory_schools_year9",
    key=("school_unit_code",),
    description="Every compulsory school with a year-9 result.",
    columns=(
        *_LOCATION,
        ColumnSpec("pupils", "int", nullable=True, minimum=0, description="Pupils in the whole school."),
        ColumnSpec("merit_value_year9", "number", nullable=True, minimum=0, maximum=MAX_MERIT),
        ColumnSpec("share_eligible_vocational_pct", "number", nullable=True, minimum=0, maximum=100),
    ),
)

REGISTER_FILES = (UPPER_SECONDARY, COMPULSORY)


@dataclass(frozen=True)
class Register:
    """The two register tables as typed frames (columns of :data:`UPPER_SECONDARY` / :data:`COMPULSORY`).

    ``programmes``: (r, ...) one row per programme at a school unit; ``compulsory``: (c, ...) one
    row per compulsory school. Numbers are float (NaN where empty), ``school_unit_code`` text.
    ``source``: where the files were read from.
    """

    programmes: pd.DataFrame
    compulsory: pd.DataFrame
    source: str


def load_register(folder: Path | None = None) -> Register:
    """Read and validate the register (the shipped one when ``folder`` is None).

    Raises
    ------
    InvalidInput
        Every problem of both files: cells, duplicate keys, school unit codes that are not 8 digits.
    """
    from admissions.io.validate import load_table

    if folder is None:
        shipped = _shipped_register()
        # Each call gets its own frames: the cached ones are never handed out.
        return Register(shipped.programmes.copy(), shipped.compulsory.copy(), shipped.source)
    return _load(Path(folder), str(folder), load_table)


@lru_cache(maxsize=1)
def _shipped_register() -> Register:
    """The shipped register, read and checked once per process (55 ms; package data does not change)."""
    from admissions.io.validate import load_table

    with resources.as_file(resources.files("admissions").joinpath("data", "register")) as shipped:
        return _load(Path(shipped), "admissions (shipped): Skolverket 2025", load_table)


def _load(folder: Path, source: str, load_table) -> Register:
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for spec in REGISTER_FILES:
        path = folder / f"{spec.name}.csv"
        try:
            frame = load_table(path, spec)
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        frames[spec.name] = frame
    if problems:
        raise InvalidInput(problems)
    return Register(frames[UPPER_SECONDARY.name], frames[COMPULSORY.name], source)
