"""`admissions generate`: write a generated admission round of a real admission area."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._summary import counted
from admissions.cli._options import SharedOutputOption, output_options
from admissions.cli._output import error_line, fail
from admissions.errors import AdmissionsError
from admissions.io.contract import SEED_LIMIT
from admissions.synth.area import DEFAULT_AREA
from admissions.synth.generate import DEFAULT_SEED


def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write; must be empty unless --force.")],
    students: Annotated[int | None, typer.Option(
        "--students", min=1,
        help="Number of applicants [default: the area's year-9 cohort from its compulsory schools' pupils].")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, max=SEED_LIMIT - 1, help="Seed of the random generator; the same area, size and seed give the same files.")] = DEFAULT_SEED,
    area: Annotated[str, typer.Option(
        "--area",
        help="The admission area: 'default' (Skåne and western Blekinge, 37 municipalities), 'sweden' "
             "(every school unit of the country as one market) or municipalities separated by commas.")] = DEFAULT_AREA,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that is not empty, replacing files of the same name.")] = False,
    shared_output: SharedOutputOption = False,
) -> None:
    """Write a generated round of a real admission area in the data contract: programmes, students, applications, municipalities, grades.

    The area's real upper-secondary school units and programmes from Skolverket's register (2025),
    seats from each programme's students, students at the area's real compulsory schools with grades
    matching each school's published year-9 merit value and share eligible, and 1-8 choices each
    from a random-utility model calibrated to the published 2025 admission figures.

    Example: admissions generate --out skane-2000 --students 2000 --seed 1 (the files of the committed
    sample data/samples/skane-2000)
    """
    from admissions.synth.generate import write_region

    try:
        with output_options(False, None, shared_output):
            counts = write_region(out, students, seed, force=force, area=area)
    except AdmissionsError as exc:
        fail(error_line(exc, generate))
    typer.echo(
        f"Wrote {counted(counts['students'], 'student')}, {counted(counts['programmes'], 'programme')} at "
        f"{counted(counts['schools'], 'school unit')}, {counted(counts['seats'], 'seat')} to {out}: programmes.csv, "
        "students.csv, applications.csv, municipalities.csv, grades.csv"
    )
