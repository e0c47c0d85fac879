"""`admissions explain`: each choice of one student, its outcome and figures, from a match's output folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._options import KeyFileOption, PseudonymiseOption, ReadSeasonOption, RunOption
from admissions.cli._output import USAGE_STATUS, error_line, fail, terminal_safe
from admissions.errors import AdmissionsError


def explain(
    folder_or_student: Annotated[str, typer.Argument(metavar="[DIR] STUDENT_ID", help="OUTPUT folder of `admissions match` (holds placements.csv, applications.csv, programmes.csv; not the input folder), then the student's id; with --season only the student's id.")],
    student_id: Annotated[str | None, typer.Argument(metavar="", help="")] = None,
    season: ReadSeasonOption = None,
    run_id: RunOption = None,
    pseudonymise: PseudonymiseOption = False,
    pseudonym_key_file: KeyFileOption = None,
) -> None:
    """Explain one student's result: for each choice, the outcome, their score and tier there, the cut-off and their reserve position.

    DIR is the output folder of an earlier `admissions match` or `round` (placements.csv,
    applications.csv and programmes.csv are read from it; nothing is matched again). With
    --season S [--run N] the files of that run recorded in the season are read instead, so no
    output folder is needed. Prints plain sentences an admissions officer can read out. Exit
    status 1 when the student is not in the round or DIR is not a match output. With
    --pseudonymise (DIR written by `match --pseudonymise` with the same key) STUDENT_ID is the
    real id, looked up and shown by its pseudonym; with --season it is looked up in the season (which
    keeps the real ids) and shown by its pseudonym.

    Example: admissions explain results S000123; admissions explain --season season-2027 S000123
    """
    import tempfile

    from admissions.io.pseudonyms import pseudonymiser
    from admissions.queries.explain import explain_text

    if season is None:
        if student_id is None:
            fail("give DIR and STUDENT_ID, or --season S STUDENT_ID", USAGE_STATUS)  # wrong arguments: 2
        folder, student = Path(folder_or_student), student_id
    else:
        if student_id is not None:
            fail(f"with --season give only STUDENT_ID, not {folder_or_student!r} and {student_id!r}", USAGE_STATUS)
        folder, student = None, folder_or_student
    try:
        chosen = pseudonymiser(pseudonymise, pseudonym_key_file)
        if folder is not None:
            # A pseudonymised DIR holds the pseudonyms: the real id is looked up by its own.
            text = explain_text(folder, chosen.pseudonym(student) if chosen else student)
        else:
            from admissions.season.rounds import held_seat, recorded_run_files

            # The season keeps the real ids: the student is looked up by the id given, and shown
            # by its pseudonym with --pseudonymise; a student not in the run is named by the run.
            with tempfile.TemporaryDirectory(prefix=".admissions-explain-") as temporary:
                row = recorded_run_files(season, run_id, Path(temporary))
                held = held_seat(season, row.run_id, student)
                # A void run is explained too (what it gave), never as if its result held.
                void = row.void_note
                text = f"Run {row.run_id} of {season}{void}\n" + explain_text(
                    Path(temporary), student, held, source=f"run {row.run_id} of {season}",
                    shown_as=chosen.pseudonym(student) if chosen else None)
    except AdmissionsError as exc:
        fail(error_line(exc, explain))
    # Ids and names come from input files: never raw control characters on the terminal.
    typer.echo("\n".join(terminal_safe(line) for line in text.split("\n")), nl=False)
