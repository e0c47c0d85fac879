"""`admissions validate`: check every file of a round's input folder against the data contract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._options import FolderArgument, ForceFileOption, check_force_has_file
from admissions.cli._output import error_line, fail, print_problems
from admissions.cli._summary import counted
from admissions.errors import AdmissionsError, InvalidInput
from admissions.io.problems import Problem, problems_frame
from admissions.io.round_input import RoundInput


def validate(
    folder: FolderArgument,
    problems_csv: Annotated[Path | None, typer.Option("--problems-csv", help="Also write the problems as a table (file, row, column, value, rule, severity) to this CSV file.")] = None,
    force: ForceFileOption = False,
) -> None:
    """Check every file of a round's input folder and report every problem at once.

    Each problem names the file, the row (as a spreadsheet shows it), the column, the value and
    the rule broken. Exit status 0 when the input is valid (warnings are printed but allowed),
    1 when it is not or when FOLDER does not exist. An existing --problems-csv file is replaced
    only with --force.

    Example: admissions validate data/samples/skane-2000 --problems-csv problems.csv
    """
    from admissions.io.atomic import check_output_file
    from admissions.io.validate import load_round

    check_force_has_file(force, problems_csv, "--problems-csv")
    if not folder.is_dir():
        fail(f"input folder {folder} does not exist or is not a folder")
    if problems_csv is not None:
        check_output_file(problems_csv, (folder,), force)  # never over a file of the input folder
    try:
        data = load_round(folder)
    except InvalidInput as exc:
        _write_problems(exc.problems, problems_csv, folder, force)
        print_problems(exc.problems, folder)
        raise typer.Exit(1) from None
    except AdmissionsError as exc:
        fail(error_line(exc, validate))
    from admissions.rules.warnings import input_warnings

    warnings = list(data.warnings) + input_warnings(data)
    _write_problems(warnings, problems_csv, folder, force)
    if warnings:
        print_problems(warnings, folder)
    typer.echo(summary_line(data))


def summary_line(data: RoundInput) -> str:
    """'valid: 2,000 students, 9,431 applications, 180 programmes, 41 municipalities, 32,000 grades'; a count
    of one in the singular."""
    grades = "no grades file" if data.grades is None else counted(len(data.grades), "grade")
    return (f"valid: {counted(len(data.students), 'student')}, {counted(len(data.applications), 'application')}, "
            f"{counted(len(data.programmes), 'programme')}, "
            f"{counted(len(data.municipalities), 'municipality', 'municipalities')}, {grades}")


def _write_problems(problems: list[Problem], path: Path | None, folder: Path, force: bool) -> None:
    if path is None:
        return
    from admissions.io.atomic import output_file
    from admissions.io.write import write_csv

    try:
        with output_file(path, reads=(folder,), force=force) as temporary:
            write_csv(problems_frame(problems), temporary)
    except AdmissionsError as exc:
        fail(error_line(exc, validate))
