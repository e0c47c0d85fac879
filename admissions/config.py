"""Settings of a round: ``admissions.toml`` in the input folder, overridden by command-line options."""

from __future__ import annotations

import tomllib
from pathlib import Path
import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from admissions.errors import ConfigError, literal
from admissions.io.contract import CONFIG_FILE, SEED_LIMIT
from admissions.io.problems import Problem
from admissions.io.settings_errors import settings_messages
from admissions.io.readers import decode_text
from admissions.matching.priority import TieBreakKey  # the keys of the one tie-break table

#: Languages of the documents people read (admissions.reports.language); the first is the default.
Language = Literal["sv", "en"]


class RoundConfig(BaseModel):
    """How a round is run.

    ``tie_break`` is the chain of keys that order applicants with the same tier and score at an
    offer, in order (the default: lottery only). ``max_choices`` limits how many of each student's
    choices are considered (None: all). ``seed`` draws the lottery when the input has none.
    ``language`` is the language of the documents people read (lists, letters; ``sv`` or ``en``);
    ``answer_by`` is the date by which a student answers the offer, printed in the letters.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Numbers and dates are strict (admissions.io.settings_errors): ``seed = true``, ``seed = "7"``,
    # ``seed = 7.0``, ``answer_by = "2027-07-01"`` are problems, never read as another value.
    tie_break: tuple[TieBreakKey, ...] = ("lottery",)
    max_choices: int | None = Field(default=None, ge=1, strict=True)
    seed: int = Field(default=0, ge=0, lt=SEED_LIMIT, strict=True)
    #: What a holder's silence means in a reserve round: keep the seat (and stay a reserve on higher
    #: choices), or "accept" as in Stockholm (recorded as an acceptance of the held seat).
    no_answer: Literal["keep", "accept"] = "keep"
    language: Language = "sv"
    answer_by: dt.date | None = Field(default=None, strict=True)


def read_settings(folder: Path) -> tuple[dict, list[Problem]]:
    """The settings of the folder's ``admissions.toml`` (empty when it has none) and every problem in it.

    The file may be UTF-8 (with or without BOM) or Windows-1252, as every text input
    (admissions.io.readers.decode_text). A file that is not TOML, or a setting that is unknown or
    out of range, is a problem; the settings are then empty.
    """
    path = Path(folder) / CONFIG_FILE
    if not path.is_file():
        return {}, []
    text, _, problem = decode_text(path.read_bytes(), path.name)
    if problem is not None:
        return {}, [problem]
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return {}, [Problem(path.name, None, None, None, f"not a valid TOML file: {exc}")]
    try:
        RoundConfig.model_validate(settings)
    except ValidationError as exc:
        return {}, [Problem(path.name, None, None, None, message) for message in settings_messages(exc)]
    return settings, []


def load_config(folder: Path, **overrides: object) -> RoundConfig:
    """Read ``admissions.toml`` from the folder (when there is one) and apply the overrides.

    Overrides whose value is None are ignored, so command-line options that were not given leave the
    file's settings alone. A problem in the file raises ConfigError naming it (load_round reports
    it with every other problem of the folder); a wrong override raises ConfigError too.
    """
    settings, problems = read_settings(folder)
    if problems:
        raise ConfigError(problems[0].describe())
    given = {key: value for key, value in overrides.items() if value is not None}
    settings.update(given)
    try:
        return RoundConfig.model_validate(settings)
    except ValidationError as exc:
        # The file's settings are valid (above): the fault is in the overrides, named as the
        # parameters they are (a command names them as its options: --max-choices == 0, ...).
        # Only each message's first word is the parameter: what follows it (the value given) stays as it is.
        parts = []
        for message in settings_messages(exc, whole=True):
            name = message.split(" ", 1)[0]
            parts.append("{" + name + "}" + literal(message[len(name):]) if name in given else literal(message))
        raise ConfigError("; ".join(parts), parameters=tuple(given)) from exc
