"""The programme-type table: which programme code is vocational or preparatory and what it requires.

The table ships with the package (``admissions/data/programme_types.toml``, with a version); an
input folder may carry its own ``programme_types.toml``, which then replaces it.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from admissions.errors import ConfigError
from admissions.io.contract import TABLE_FILE
from admissions.io.problems import Problem
from admissions.io.settings_errors import settings_messages
from admissions.io.readers import decode_text

ProgrammeKind = Literal["vocational", "preparatory", "imv", "not_vocational", "open"]


class ProgrammeType(BaseModel):
    """One programme code and its eligibility requirement."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: ProgrammeKind
    # Numbers are strict, as in admissions.toml (admissions.io.settings_errors): ``others = true``
    # or ``others = "5"`` is a problem, never read as 1 or 5.
    others: int = Field(default=0, ge=0, strict=True,
                        description="Passes needed besides Swedish/SvA, English, mathematics.")
    required: tuple[str, ...] = ()
    valid_from: int | None = Field(default=None, strict=True)
    valid_until: int | None = Field(default=None, strict=True)
    replaced_by: str | None = None


class ProgrammeTypes(BaseModel):
    """The whole table, with its version and where it was read from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    types: dict[str, ProgrammeType]
    source: str = "admissions (shipped)"


def load_programme_types(folder: Path | None = None) -> ProgrammeTypes:
    """The input folder's programme_types.toml when it has one, else the shipped table.

    Raises ConfigError naming the first problem of the table (see :func:`read_programme_types`).
    """
    table, problems = read_programme_types(folder)
    if table is None:
        raise ConfigError(problems[0].describe())
    return table


def read_programme_types(folder: Path | None = None) -> tuple[ProgrammeTypes | None, list[Problem]]:
    """The programme-type table of a folder (its own file, else the shipped one) and the problems in it.

    The folder's own file may be UTF-8 (with or without BOM) or Windows-1252, as every text input
    (admissions.io.readers.decode_text). Returns None and the problems when it is not a valid table.
    """
    local = None if folder is None else Path(folder) / TABLE_FILE
    try:
        if local is not None and local.is_file():
            text, _, problem = decode_text(local.read_bytes(), local.name)
            if problem is not None:
                return None, [problem]
            parsed, source = tomllib.loads(text), local.name
        else:
            parsed, source = _shipped_toml(), "admissions (shipped)"
        # A new model each call (the parsed TOML is only read): callers may not share one table.
        table = ProgrammeTypes.model_validate({**parsed, "source": source})
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(TABLE_FILE, None, None, None, f"not a valid programme-type table: {exc}")]
    except ValidationError as exc:
        return None, [Problem(TABLE_FILE, None, None, None, f"not a valid programme-type table: {message}")
                      for message in settings_messages(exc)]
    return table, []


@lru_cache(maxsize=1)
def _shipped_toml() -> dict:
    """The shipped table's TOML, parsed once per process (1.4 ms a parse; package data does not change)."""
    return tomllib.loads(resources.files("admissions").joinpath("data", TABLE_FILE).read_text(encoding="utf-8"))


def check_programme_codes(codes: list[str], table: ProgrammeTypes, file: str) -> list[Problem]:
    """A problem for every row of programmes whose programme_code is not in the table.

    ``codes`` are in file order; rows are numbered as a spreadsheet shows them (header = 1).
    """
    known = ", ".join(sorted(table.types))
    return [
        Problem(file, index + 2, "programme_code", code,
                f"unknown programme code; the programme-type table {table.version} knows {known}")
        for index, code in enumerate(codes)
        if code not in table.types
    ]
