"""Settings of a round: ``admissions.toml`` in the input folder, overridden by command-line options."""

from __future__ import annotations

import tomllib
from pathlib import Path
import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from admissions.errors import ConfigError
from admissions.io.contract import CONFIG_FILE

TieBreakKey = Literal["choice_rank", "grade_value", "n_grades", "lottery"]
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

    tie_break: tuple[TieBreakKey, ...] = ("lottery",)
    max_choices: int | None = Field(default=None, ge=1)
    seed: int = Field(default=0, ge=0)
    #: What a holder's silence means in a reserve round: keep the seat (and stay a reserve on higher
    #: choices), or "accept" as in Stockholm (recorded as an acceptance of the held seat).
    no_answer: Literal["keep", "accept"] = "keep"
    language: Language = "sv"
    answer_by: dt.date | None = None


def load_config(folder: Path, **overrides: object) -> RoundConfig:
    """Read ``admissions.toml`` from the folder (when there is one) and apply the overrides.

    Overrides whose value is None are ignored, so command-line options that were not given leave the
    file's settings alone.
    """
    settings: dict[str, object] = {}
    path = Path(folder) / CONFIG_FILE
    if path.is_file():
        try:
            settings.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not a valid TOML file: {exc}") from exc
    settings.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return RoundConfig.model_validate(settings)
    except ValidationError as exc:
        messages = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            messages.append(f"{name} == {error.get('input')!r}, {error['msg'].lower()}")
        source = path.name if path.is_file() else "the options"
        raise ConfigError(f"{source}: " + "; ".join(messages)) from exc
