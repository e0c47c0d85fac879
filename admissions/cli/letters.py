"""`admissions letters`: one decision letter per student, and the letters merged per home municipality."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._summary import counted
from admissions.cli._options import AllowVoidOption, InputOption, LanguageOption, ReadSeasonOption, RunFolderArgument, RunOption, SharedOutputOption, WorkersOption
from admissions.cli._documents import write_documents


def letters(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the letters to; replaced whole when all succeeded.")],
    folder: RunFolderArgument = None,
    inputs: InputOption = None,
    language: LanguageOption = None,
    shared_output: SharedOutputOption = False,
    season: ReadSeasonOption = None,
    run_id: RunOption = None,
    allow_void: AllowVoidOption = False,
    workers: WorkersOption = None,
) -> None:
    """Write a decision letter (antagningsbesked) for every student of a run, as PDF.

    OUT/students/ID.pdf for every student and OUT/municipalities/MUNICIPALITY.pdf with the letters
    of every student living there, one after the other, for printing. A letter gives the result
    (admitted to X; reserve number N; not admitted and why), each choice with the score, tier and
    cut-off that decided it, the answer-by date (answer_by in admissions.toml) and where the rules
    are: only what `admissions explain` shows for the student. With --input, the name and address
    (students.csv name, address, postal_code, city) head the letter and letters are merged by home
    municipality. Files are readable by you only unless --shared-output. The letters are laid out
    by --workers processes; their bytes do not depend on how many.

    With --season S [--run N] the run recorded in the season is read instead of FOLDER; a void
    run is refused unless --allow-void (then every document is marked VOID RUN / OGILTIG KÖRNING).

    Example: admissions letters results --input data/samples/skane-2000 --out letters
    """
    counts = write_documents("letters", folder, out, inputs, language, shared_output, season, run_id,
                             allow_void, workers)
    typer.echo(f"Wrote {counted(counts['letters'], 'letter')} ({counted(counts['municipalities'], 'municipality file')}) "
               f"to {out}")
