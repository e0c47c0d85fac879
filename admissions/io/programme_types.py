"""The programme-type table: which programme code is vocational or preparatory and what it requires.

The table ships with the package (``admissions/data/programme_types.toml``, with a version); an
input folder may carry its own ``programme_types.toml``, which then replaces it.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from admissions.errors import ConfigError
from admissions.io.problems import Problem

ProgrammeKind = Literal["vocational", "preparatory", "imv", "not_vocational", "open"]
TABLE_FILE = "programme_types.toml"


class ProgrammeType(BaseModel):
    """One programme code and its eligibility requirement."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: ProgrammeKind
    others: int = Field(default=0, ge=0, description="Passes needed besides Swedish/SvA, English, mathematics.")
    required: tuple[str, ...] = ()
    valid_from: int | None = None
    valid_until: int | None = None
    replaced_by: str | None = None


class ProgrammeTypes(BaseModel):
    """The whole table, with its version and where it was read from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    types: dict[str, ProgrammeType]
    source: str = "admissions (shipped)"


def load_programme_types(folder: Path | None = None) -> ProgrammeTypes:
    """The input folder's programme_types.toml when it has one, else the shipped table."""
    local = None if folder is None else Path(folder) / TABLE_FILE
    if local is not None and local.is_file():
        text, source = local.read_text(encoding="utf-8"), str(local.name)
    else:
        text = resources.files("admissions").joinpath("data", TABLE_FILE).read_text(encoding="utf-8")
        source = "admissions (shipped)"
    try:
        table = ProgrammeTypes.model_validate({**tomllib.loads(text), "source": source})
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ConfigError(f"{source}: not a valid programme-type table: {exc}") from exc
    return table


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
