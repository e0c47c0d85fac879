"""One exception class per kind of failure. The CLI maps each to a message and an exit code."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from admissions.io.problems import Problem


class Blank(str):
    """An argument of a :class:`Step` that the reader chooses (the reason to void a run): shown as
    its placeholder, ``TEXT``."""

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Step:
    """A next step a library message tells its reader to take: a library function and its arguments.

    The message holds ``str(step)``, the call (``void_run(run_id=3, season='S', reason=TEXT,
    with_later=True)``); the CLI says the same step as the command that runs that function
    (``admissions void 3 --season S --reason TEXT --with-later``:
    :func:`admissions.cli._output.with_commands`). Steps are named in the order of the function's
    parameters; an argument left out is not shown.
    """

    function: str
    arguments: tuple[tuple[str, object], ...] = ()

    @classmethod
    def call(cls, function: str, **arguments: object) -> Step:
        return cls(function, tuple((name, str(value) if hasattr(value, "__fspath__") else value)
                                   for name, value in arguments.items()))

    def __str__(self) -> str:
        return f"{self.function}({', '.join(f'{name}={value!r}' for name, value in self.arguments)})"


class AdmissionsError(Exception):
    """Base class of every error the library raises on purpose.

    The library's messages name the parameters of its functions (``base == 4 is not ...``,
    ``use force to write into it``), never a command's options. ``parameters`` lists the words of
    the message that are such parameters, so that the CLI can name them as its options
    (``--base``, ``--force``: :func:`admissions.cli._output.error_line`). ``steps`` are the
    :class:`Step` calls the message names, which the CLI names as its commands.
    """

    def __init__(self, *args: object, parameters: Sequence[str] = (), steps: Sequence[Step] = ()):
        #: The parameter names the message mentions, each as a whole word.
        self.parameters = tuple(parameters)
        #: The library calls the message names as next steps (``str(step)`` is in the message).
        self.steps = tuple(steps)
        super().__init__(*args)


class InvalidInput(AdmissionsError):
    """The input folder breaks the data contract; carries every problem found (and the steps their
    rules name, as :class:`AdmissionsError`)."""

    def __init__(self, problems: list[Problem], steps: Sequence[Step] = ()):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the input", steps=steps)


class InvalidArgument(AdmissionsError):
    """A library function was called with an argument that breaks its rule.

    The matching core knows students and programmes only as array indices. A message about
    particular ones is a template with ``{student[i]}`` and ``{programme[i]}`` fields and the
    indices in ``students`` and ``programmes``; it reads with the indices until the layer that
    knows the ids names them (:meth:`naming`, through
    :func:`admissions.io.encode.ids_in_errors`), so that a user reads ids, never indices.
    """

    def __init__(self, message: str, *, students: Sequence[int] = (), programmes: Sequence[int] = (),
                 parameter: str | None = None, parameters: Sequence[str] = (), steps: Sequence[Step] = ()):
        #: The parameter the message starts with ("draws == 0, ..."), when it is about one.
        self.parameter = parameter
        self.template = message
        self.students = tuple(int(s) for s in students)
        self.programmes = tuple(int(p) for p in programmes)
        if self.students or self.programmes:
            message = message.format(student=self.students, programme=self.programmes)
        super().__init__(message, parameters=parameters, steps=steps)

    def naming(self, student_ids: Sequence[object], programme_ids: Sequence[object]) -> InvalidArgument:
        """The same error with every student and programme named by its id (itself when it names none)."""
        if not (self.students or self.programmes):
            return self
        return InvalidArgument(self.template.format(student=[str(student_ids[s]) for s in self.students],
                                                    programme=[str(programme_ids[p]) for p in self.programmes]),
                               parameter=self.parameter, parameters=self.parameters, steps=self.steps)


class ConfigError(AdmissionsError):
    """A setting in admissions.toml or on the command line is not allowed."""


class OutputError(AdmissionsError):
    """An output could not be written where it was asked for."""
