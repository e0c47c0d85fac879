"""One exception class per kind of failure. The CLI maps each to a message and an exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from admissions.io.problems import Problem


class AdmissionsError(Exception):
    """Base class of every error the library raises on purpose."""


class InvalidInput(AdmissionsError):
    """The input folder breaks the data contract; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the input")


class InvalidArgument(AdmissionsError):
    """A library function was called with an argument that breaks its rule."""


class ConfigError(AdmissionsError):
    """A setting in admissions.toml or on the command line is not allowed."""


class OutputError(AdmissionsError):
    """An output could not be written where it was asked for."""
