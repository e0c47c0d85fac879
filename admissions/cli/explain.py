"""`admissions explain`: each choice of one student, its outcome and figures, from a match's output folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._options import KeyFileOption, PseudonymiseOption
from admissions.cli._output import fail
from admissions.errors import AdmissionsError


def explain(
    folder: Annotated[Path, typer.Argument(help="OUTPUT folder of `admissions match` (holds placements.csv, applications.csv, programmes.csv); not the input folder.")],
    student_id: Annotated[str, typer.Argument(help="The student's id as in students.csv.")],
    pseudonymise: PseudonymiseOption = False,
    pseudonym_key_file: KeyFileOption = None,
) -> None:
    """Explain one student's result: for each choice, the outcome, their score and tier there, the cut-off and their reserve position.

    DIR is the output folder of an earlier `admissions match` (placements.csv, applications.csv
    and programmes.csv are read from it; nothing is matched again). Prints plain sentences an
    admissions officer can read out. Exit status 1 when the student is not in the round or DIR is
    not a match output. With --pseudonymise (DIR written by `match --pseudonymise` with the same
    key) STUDENT_ID is the real id, looked up and shown by its pseudonym.

    Example: admissions explain results S000123
    """
    from admissions.reports.explain import explain_text

    from admissions.io.safety import pseudonymiser

    try:
        chosen = pseudonymiser(pseudonymise, pseudonym_key_file)
        text = explain_text(folder, chosen.pseudonym(student_id) if chosen else student_id)
    except AdmissionsError as exc:
        fail(str(exc))
    typer.echo(text, nl=False)
