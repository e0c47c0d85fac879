"""`admissions generate`: write a synthetic admission round for Skåne and western Blekinge."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._options import SharedOutputOption, output_options
from admissions.cli._output import fail
from admissions.errors import AdmissionsError
from admissions.io.contract import SEED_LIMIT
from admissions.synth.generate import DEFAULT_N_STUDENTS, DEFAULT_SEED


def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write; must be empty unless --force.")],
    students: Annotated[int, typer.Option("--students", min=1, help="Number of applicants.")] = DEFAULT_N_STUDENTS,
    seed: Annotated[int, typer.Option("--seed", min=0, max=SEED_LIMIT - 1, help="Seed of the random generator; the same seed and size give the same files.")] = DEFAULT_SEED,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that is not empty, replacing files of the same name.")] = False,
    shared_output: SharedOutputOption = False,
) -> None:
    """Write a synthetic round in the data contract: programmes, students, applications, municipalities, grades.

    The 37 municipalities of the area and a few neighbours with their real populations, schools and
    offers of the region, students with correlated year-9 grades and merit values, and 1-8 choices
    each, biased toward nearby schools. Seats follow first-choice demand: popular offers in Malmö,
    Lund and Helsingborg are oversubscribed, others have vacant seats.

    Example: admissions generate --out data/samples/skane-2000 --students 2000 --seed 1
    """
    from admissions.synth.generate import write_region

    try:
        with output_options(False, None, shared_output):
            counts = write_region(out, students, seed, force=force)
    except AdmissionsError as exc:
        fail(str(exc))
    typer.echo(
        f"Wrote {counts['students']:,} students, {counts['programmes']:,} programmes at "
        f"{counts['schools']:,} schools, {counts['seats']:,} seats to {out}: programmes.csv, "
        "students.csv, applications.csv, municipalities.csv, grades.csv"
    )
