"""One exception class per kind of failure. The CLI maps each to a message and an exit code."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from admissions.wording import counted

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


def literal(text: str) -> str:
    """``text`` as a part of an error's template that is shown as it is (its braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


class AdmissionsError(Exception):
    """Base class of every error the library raises on purpose.

    The library's messages name the parameters of its functions (``base == 4 is not ...``,
    ``use force to write into it``), never a command's options; a command names its options
    (``--base``, ``--force``). A message that names a parameter is a template: each parameter of
    ``parameters`` is a ``{name}`` field of it, and every value it shows (a path, a run, a reason, a
    :class:`Step`) is a field filled from ``values``, so that naming the parameters never touches
    what the user gave (a file named ``force``). ``str(exc)`` names each parameter by itself and
    each step as its call; :meth:`said` names them as a command does
    (:func:`admissions.cli._output.error_line`). A message without ``parameters`` or ``values`` is
    plain text, braces and all.

    ``steps`` are the :class:`Step` calls the message names (each step among ``values`` is one),
    which the CLI says as its commands.
    """

    def __init__(self, *args: object, parameters: Sequence[str] = (), steps: Sequence[Step] = (),
                 values: Mapping[str, object] | None = None):
        #: The parameters the message names, each a ``{name}`` field of :attr:`template`.
        self.parameters = tuple(parameters)
        #: The values the template shows, by field name.
        self.values = dict(values or {})
        clash = set(self.parameters) & set(self.values)
        if clash:
            raise ValueError(f"a field is both a parameter and a value: {sorted(clash)}")
        #: The library calls the message names as next steps (shown in the message).
        self.steps = tuple(steps) + tuple(v for v in self.values.values() if isinstance(v, Step) and v not in steps)
        #: The message with its fields unfilled (the message itself when it has none).
        self.template = str(args[0]) if args else ""
        if args and (self.parameters or self.values):
            args = (self.said(), *args[1:])
        super().__init__(*args)

    def said(self, names: Mapping[str, str] | None = None, step: Callable[[Step], str] = str,
             template: str | None = None) -> str:
        """The message with each parameter named as ``names`` has it (default: by itself) and each
        step of ``values`` said by ``step`` (default: as its call); ``template`` in place of the
        error's own (the same with its literal start renamed)."""
        template = self.template if template is None else template
        if not (self.parameters or self.values):
            return template
        names = names or {}
        fields = {p: names.get(p, p) for p in self.parameters}
        fields.update({k: step(v) if isinstance(v, Step) else v for k, v in self.values.items()})
        return template.format(**fields)


class InvalidInput(AdmissionsError):
    """The input folder breaks the data contract; carries every problem found (and the steps their
    rules name, as :class:`AdmissionsError`)."""

    def __init__(self, problems: list[Problem], steps: Sequence[Step] = ()):
        self.problems = list(problems)
        # Every problem found, those a line '... and N more rows' stands for too (Problem.count), as the
        # report's first line counts them: '19,626 problems in the input' (was '102 problem(s)').
        super().__init__(f"{counted(sum(p.count for p in self.problems), 'problem')} in the input", steps=steps)


class InvalidArgument(AdmissionsError):
    """A library function was called with an argument that breaks its rule.

    The matching core knows students and programmes only as array indices. A message about
    particular ones is a template with ``{student[i]}`` and ``{programme[i]}`` fields and the
    indices in ``students`` and ``programmes``; it reads with the indices until the layer that
    knows the ids names them (:meth:`naming`, through
    :func:`admissions.io.encode.ids_in_errors`), so that a user reads ids, never indices.
    """

    def __init__(self, message: str, *, students: Sequence[int] = (), programmes: Sequence[int] = (),
                 parameter: str | None = None, parameters: Sequence[str] = (), steps: Sequence[Step] = (),
                 values: Mapping[str, object] | None = None):
        #: The parameter the message starts with ("draws == 0, ..."), when it is about one.
        self.parameter = parameter
        self.students = tuple(int(s) for s in students)
        self.programmes = tuple(int(p) for p in programmes)
        values = dict(values or {})
        if self.students or self.programmes:
            values.update(student=self.students, programme=self.programmes)
        super().__init__(message, parameters=parameters, steps=steps, values=values)

    def naming(self, student_ids: Sequence[object], programme_ids: Sequence[object]) -> InvalidArgument:
        """The same error with every student and programme named by its id (itself when it names none)."""
        if not (self.students or self.programmes):
            return self
        values = {**self.values, "student": [str(student_ids[s]) for s in self.students],
                  "programme": [str(programme_ids[p]) for p in self.programmes]}
        return InvalidArgument(self.template, parameter=self.parameter, parameters=self.parameters,
                               steps=self.steps, values=values)


class ConfigError(AdmissionsError):
    """A setting in admissions.toml or on the command line is not allowed."""


class OutputError(AdmissionsError):
    """An output could not be written where it was asked for."""
