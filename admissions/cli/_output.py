"""What the commands print when something is wrong: the problem report and one-line errors, on stderr."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, TextIO

import typer
from rich.console import Console

from admissions.errors import AdmissionsError, InvalidInput
from admissions.io.problems import Problem


def problems_header(problems: Sequence[Problem], folder: Path | str) -> str:
    """'3 problems in DIR (2 errors, 1 warning)'."""
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    counts = []
    if errors:
        counts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        counts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    noun = "problem" if len(problems) == 1 else "problems"
    return f"{len(problems)} {noun} in {folder} ({', '.join(counts) or 'none'})"


def print_problems(problems: Sequence[Problem], folder: Path | str, out: Console | TextIO | None = None) -> None:
    """Print the problem report on stderr: a header line, then one line per problem.

    Each line is the problem's severity and :meth:`Problem.describe`, e.g.
    ``error: applications.csv, row 7, column programme_id: value 'P9': programme_id not found in
    programmes.csv``. ``out`` is a rich Console or a text stream (default: stderr at call time).
    """
    lines = [problems_header(problems, folder)]
    lines += [f"{p.severity}: {p.describe()}" for p in problems]
    if isinstance(out, Console):
        for line in lines:
            # Cell values may hold [brackets]: never read them as rich markup.
            out.print(line, markup=False, highlight=False, soft_wrap=True)
        return
    stream = out if out is not None else sys.stderr
    stream.write("\n".join(lines) + "\n")
    stream.flush()


def fail(message: str) -> NoReturn:
    """Print 'Error: message' on stderr and exit with status 1."""
    sys.stderr.write(f"Error: {message}\n")
    sys.stderr.flush()
    raise typer.Exit(1)


@contextmanager
def failures_reported(folder: Path, other: Path | None = None) -> Iterator[None]:
    """Turn the library's errors into what a command prints, with exit status 1.

    Invalid input: the problem report, headed by ``other`` (e.g. scenarios.csv) when every problem
    is in that file, else by ``folder``. Any other AdmissionsError: one "Error: ..." line.
    """
    try:
        yield
    except InvalidInput as exc:
        where = other if other is not None and all(p.file == other.name for p in exc.problems) else folder
        print_problems(exc.problems, where)
        raise typer.Exit(1) from None
    except AdmissionsError as exc:
        fail(str(exc))
