"""`admissions lists`: admitted and reserve lists per school and summaries per admission office."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._summary import counted
from admissions.cli._options import AllowVoidOption, InputOption, LanguageOption, ReadSeasonOption, RunFolderArgument, RunOption, SharedOutputOption
from admissions.cli._documents import write_documents


def lists(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the lists to; replaced whole when all succeeded.")],
    folder: RunFolderArgument = None,
    inputs: InputOption = None,
    language: LanguageOption = None,
    shared_output: SharedOutputOption = False,
    season: ReadSeasonOption = None,
    run_id: RunOption = None,
    allow_void: AllowVoidOption = False,
) -> None:
    """Write every school's admitted and reserve lists and every admission office's summary.

    For each school OUT/schools/MUNICIPALITY-SCHOOL.xlsx and .pdf: the admitted list and the
    reserve list of each of its offers (in reserve order), with student id and, with --input, name
    and home municipality, and the school's statistics. For each admission office (Malmö, Lund,
    Helsingborg, Trelleborg, Kristianstad, Karlshamn; those of the input folder's own
    admission_offices.csv with --input when it has one) OUT/offices/OFFICE.xlsx and .pdf: its
    schools and offers. Every file names the round, run, date and seed. The school lists are personal data:
    files are readable by you only unless --shared-output.

    With --season S [--run N] the run recorded in the season is read instead of FOLDER; a void
    run is refused unless --allow-void (then every document is marked VOID RUN / OGILTIG KÖRNING).

    Example: admissions lists results --input data/samples/skane-2000 --out lists
    """
    counts = write_documents("lists", folder, out, inputs, language, shared_output, season, run_id,
                             allow_void)
    typer.echo(f"Wrote lists for {counted(counts['schools'], 'school')} and "
               f"{counted(counts['offices'], 'admission office')} to {out}")
