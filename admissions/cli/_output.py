"""What the commands print when something is wrong: the problem report and one-line errors, on stderr."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
import shlex
import sqlite3
import sys
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, TextIO

import typer
from rich.console import Console
from typer.models import ArgumentInfo, OptionInfo

from admissions.errors import AdmissionsError, InvalidArgument, InvalidInput, Step
from admissions.io.problems import Problem
from admissions.wording import counted


def terminal_safe(text: str) -> str:
    """``text`` with every control and formatting character escaped (``\\x1b``, ``\\u202e``), line breaks too.

    Text from input files (cell values, column and file names) reaches the terminal only through
    this: an escape sequence in a Parquet column name must not retitle or clear the terminal, and
    a right-to-left override must not reorder what follows it.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def problems_header(problems: Sequence[Problem], folder: Path | str) -> str:
    """'3 problems in DIR (2 errors, 1 warning)': every problem found, those a line '... and N more'
    counts too (it said '102 problems' for 19,628 duplicated rows, 100 listed)."""
    errors = sum(p.count for p in problems if p.severity == "error")
    total = sum(p.count for p in problems)
    warnings = total - errors
    counts = []
    if errors:
        counts.append(counted(errors, "error"))
    if warnings:
        counts.append(counted(warnings, "warning"))
    return f"{counted(total, 'problem')} in {folder} ({', '.join(counts) or 'none'})"


def print_problems(problems: Sequence[Problem], folder: Path | str, out: Console | TextIO | None = None) -> None:
    """Print the problem report on stderr: a header line, then one line per problem.

    Each line is the problem's severity and :meth:`Problem.describe`, e.g.
    ``error: applications.csv, row 7, column programme_id: value 'P9': programme_id not found in
    programmes.csv``. ``out`` is a rich Console or a text stream (default: stderr at call time).
    """
    lines = [terminal_safe(problems_header(problems, folder))]
    lines += [terminal_safe(f"{p.severity}: {p.describe()}") for p in problems]
    if isinstance(out, Console):
        for line in lines:
            # Cell values may hold [brackets]: never read them as rich markup.
            out.print(line, markup=False, highlight=False, soft_wrap=True)
        return
    stream = out if out is not None else sys.stderr
    stream.write("\n".join(lines) + "\n")
    stream.flush()


#: How the library names a parameter in a message: ``class_size == 0, must be ...``.
_PARAMETER = re.compile(r"^([a-z_][a-z0-9_]*) ==")


def option_name(hint: object) -> str | None:
    """The option's name (``--class-size``) of an ``Annotated[..., typer.Option(...)]`` hint, None for any other."""
    for info in getattr(hint, "__metadata__", ()):
        if not isinstance(info, OptionInfo):
            continue
        # In Annotated[..., typer.Option("--name", "-n")] the first name sits where a default would.
        decls = [d for d in (info.default, *info.param_decls) if isinstance(d, str) and d.startswith("-")]
        if decls:
            return next((d for d in decls if d.startswith("--")), decls[0])
    return None


def argument_name(hint: object) -> str | None:
    """The name a command's help gives an ``Annotated[..., typer.Argument(...)]`` parameter: its
    metavar (``RUN``). None for any other hint, for an argument without a metavar (the help names it
    by the parameter, as the message does) and for one whose metavar is not one name (hidden, or
    ``[DIR] STUDENT_ID``)."""
    for info in getattr(hint, "__metadata__", ()):
        if isinstance(info, ArgumentInfo):
            name = info.metavar
            return name if name is not None and re.fullmatch(r"[A-Z][A-Z0-9_]*", name) else None
    return None


def parameter_names(command: Callable) -> dict[str, str]:
    """Each parameter of a command function -> the name the user gives it by: an option's name
    (``--class-size``), an argument's name in the help (``RUN``: :func:`argument_name`).

    An option declared without a name is named as typer names it, from the parameter (``seed``:
    ``--seed``, ``pseudonym_key_file``: ``--pseudonym-key-file``).
    """
    names = {}
    for name, hint in typing.get_type_hints(command, include_extras=True).items():
        option = option_name(hint)
        if option is None and any(isinstance(info, OptionInfo) for info in getattr(hint, "__metadata__", ())):
            option = "--" + name.replace("_", "-")
        if option is None:
            option = argument_name(hint)
        if option is not None:
            names[name] = option
    return names


#: The command that runs each library function a message names as a next step (:class:`Step`).
STEP_COMMANDS = {"void_run": "void", "history": "history", "run_demand": "demand", "run_match": "match",
                 "run_round": "round", "export_run": "export"}


#: Characters a POSIX shell reads as something other than part of a word.
_SHELL_SPECIAL = re.compile(r"[\s'\"\\$`!*?\[\]{}()<>|&;~#]")


def shell_word(text: str) -> str:
    """``text`` as one word of a command line to copy into a shell: as it is when the shell reads it
    so (``season-2027``, ``säsong``), else quoted (``'säsong 2027'``, ``'O'\"'\"'Brien'``)."""
    return text if text and not _SHELL_SPECIAL.search(text) else shlex.quote(text)


def step_command(step: Step) -> str:
    """The command line that takes ``step``: ``admissions void 3 --season S --reason TEXT --with-later``.

    Its arguments in the order of the command's parameters: an argument as its value, an option as
    its name and value (a flag alone when true), each from the command's own declaration.
    """
    from admissions.cli import app  # the commands import this module

    name = STEP_COMMANDS[step.function]
    command = next(c.callback for c in app.registered_commands if c.name == name)
    hints = typing.get_type_hints(command, include_extras=True)
    given = dict(step.arguments)
    words = ["admissions", name]
    for parameter in inspect.signature(command).parameters:
        if parameter not in given or given[parameter] in (None, False):
            continue
        option = option_name(hints[parameter])
        value = given[parameter]
        word = shell_word(str(value))
        words += [word] if option is None else [option] if value is True else [option, word]
    return " ".join(words)


def with_commands(message: str, steps: Iterable[Step]) -> str:
    """``message`` with each step it names (``void_run(...)``) said as the command that takes it."""
    for step in steps:
        message = message.replace(str(step), step_command(step))
    return message


def problems_as_said(exc: InvalidInput) -> list[Problem]:
    """The problems of ``exc`` with the steps their rules name said as commands."""
    if not exc.steps:
        return exc.problems
    return [dataclasses.replace(p, rule=with_commands(p.rule, exc.steps)) for p in exc.problems]


def error_line(exc: AdmissionsError, command: Callable, given: dict | None = None) -> str:
    """The message of a library error as a command says it: the parameters it names (``exc.parameters``,
    fields of its template; for an InvalidArgument also the one its message starts with,
    :func:`with_option_names`) named as the command's options and arguments (:func:`parameter_names`),
    and the steps it names (``exc.steps``) as commands.

    The parameters are named first and the values and steps filled in after: a value the user gave
    (a file named ``force``, a season folder ``run_b``) is never renamed."""
    message = exc.template if exc.parameters or exc.values else str(exc)
    if isinstance(exc, InvalidArgument):
        message = with_option_names(message, command, given)  # a literal start: "class_size == 0"
    if exc.parameters or exc.values:
        return exc.said(parameter_names(command), step_command, template=message)
    return with_commands(message, exc.steps)


def with_option_names(message: str, command: Callable, given: dict | None = None) -> str:
    """``message`` with the parameter it starts with named as ``command``'s option or argument
    (:func:`parameter_names`).

    The library names parameters (``class_size == 0, must be a whole number >= 1``); a command
    names its options (``--class-size == 0, ...``). Only a parameter of the command whose value
    in ``given`` (the call's arguments; None: every option) is not None is renamed: a setting
    left out on the command line came from admissions.toml, and the message keeps its name.
    """
    match = _PARAMETER.match(message)
    if match is None or (given is not None and given.get(match.group(1)) is None):
        return message
    option = parameter_names(command).get(match.group(1))
    return message if option is None else option + message[match.end(1):]


#: Exit status of a command given wrong arguments or options (as click's own usage errors).
USAGE_STATUS = 2
#: Exit status after Ctrl-C, as a shell reports a command stopped by SIGINT (128 + 2).
INTERRUPTED_STATUS = 130


def fail(message: str, status: int = 1) -> NoReturn:
    """Print 'Error: message' on stderr and exit with ``status`` (1; USAGE_STATUS for wrong arguments)."""
    sys.stderr.write(f"Error: {terminal_safe(message)}\n")
    sys.stderr.flush()
    raise typer.Exit(status)


@contextmanager
def failures_reported(folder: Path, *others: Path | None) -> Iterator[None]:
    """Turn the library's errors into what a command prints, with exit status 1.

    Invalid input: the problem report, headed by the one of ``others`` (a file given beside the
    input folder: scenarios.csv, cohorts.csv, answers.csv, max-seats; or a folder such as the
    demand model's, whose problems name its files by their path) that every problem is in, else by
    ``folder``. Any other AdmissionsError passes on to :func:`one_line_errors` (one "Error: ..."
    line naming the command's options).
    """
    try:
        yield
    except InvalidInput as exc:
        files = {p.file for p in exc.problems}

        def holds(other: Path) -> bool:
            return files == {other.name} or all(Path(file).parent == other for file in files)

        where = next((other for other in others if other is not None and holds(Path(other))), folder)
        print_problems(problems_as_said(exc), where)
        raise typer.Exit(1) from None


def os_error_line(exc: OSError) -> str:
    """One line for an operating-system error: the path and what went wrong (full disk, read-only, permission)."""
    where = exc.filename if exc.filename is not None else "a file"
    what = exc.strerror or str(exc) or type(exc).__name__
    return f"{where}: {what}"


def sqlite_error_line(exc: sqlite3.Error, season: object | None) -> str:
    """One line for an SQLite error of the season database (locked too long, full disk, read-only)."""
    where = f"{season}: " if season is not None else ""
    text = str(exc)
    if "locked" in text or "busy" in text:
        text += " (another command held the season database too long; run this again when it has finished)"
    elif "readonly" in text:
        text += (" (the season's file or folder cannot be written here: a read-only copy, mount or share; "
                 "history, explain, export, lists and statistics can still read it)")
    return f"{where}season database: {text}"


def one_line_errors(command: Callable) -> Callable:
    """Wrap a command so that every failure ends in one line on stderr and exit status 1, never a traceback.

    Every command is registered through this (admissions.cli): invalid input prints the problem
    report; any other AdmissionsError (the parameters the library's message names, named as the
    command's options: :func:`error_line`), every OSError (full disk, read-only file system, permission
    denied) and every SQLite error (database locked too long, disk full) prints one
    "Error: ..." line; Ctrl-C prints one line saying what it left (:func:`interrupted_line`), exit
    status 130. Exits the command chose (typer.Exit) pass through.
    """

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InvalidInput as exc:
            folder = kwargs.get("folder") or "the input"
            print_problems(problems_as_said(exc), folder)
            raise typer.Exit(1) from None
        except AdmissionsError as exc:
            fail(error_line(exc, command, kwargs))
        except OSError as exc:
            fail(os_error_line(exc))
        except sqlite3.Error as exc:
            fail(sqlite_error_line(exc, kwargs.get("season")))
        except MemoryError:
            fail("not enough memory for this input")
        except KeyboardInterrupt:
            records = command.__module__.rpartition(".")[2] in RECORDING_COMMANDS
            fail(interrupted_line(kwargs.get("season") if records else None), INTERRUPTED_STATUS)

    return run


#: The commands that record runs in their season (each in its module admissions.cli.NAME); the other
#: commands given --season only read it (history, explain, export, answers, lists, letters, statistics, diff).
RECORDING_COMMANDS = ("round", "void")


def interrupted_line(season: object | None) -> str:
    """What Ctrl-C left: every output is replaced and every run recorded whole or not at all, so
    nothing is half-written; a command recording in ``season`` (:data:`RECORDING_COMMANDS`; None for
    the others) says where to see what the season holds."""
    line = "interrupted (Ctrl-C); no file was left half-written"
    if season is None:
        return line
    return (f"{line} and no run half-recorded: {step_command(Step.call('history', season=season))} "
            "shows what the season holds")
