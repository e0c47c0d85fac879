"""`admissions round`: run one round of the admission year and record it in the season."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._options import (
    FolderArgument,
    KeyFileOption,
    LanguageOption,
    MaxChoicesOption,
    PseudonymiseOption,
    QuietOption,
    RoundSeedOption,
    SeasonOption,
    SharedOutputOption,
    TieBreakOption,
    output_options,
    parse_tie_break,
)
from admissions.cli._output import failures_reported, print_problems, step_command
from admissions.cli._summary import print_summary, progress_printer
from admissions.errors import Blank, Step
from admissions.season.kinds import ROUND_KINDS, RUN_KINDS

#: The CLI's choices: the kinds of admissions.season.kinds.
RoundKind = Enum("RoundKind", {name: name for name in RUN_KINDS}, type=str)


def round_(
    kind: Annotated[RoundKind, typer.Argument(help=", ".join(RUN_KINDS) + " (see docs/season.md).")],
    folder: FolderArgument,
    season: SeasonOption,
    answers: Annotated[Path | None, typer.Option("--answers", help="answers.csv (student_id, answer: accept, decline, withdraw); " + " and ".join(k for k, p in ROUND_KINDS.items() if p.accepts_answers) + " rounds only.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the files of `admissions match` to this folder (they are recorded in the season either way: `admissions export`).")] = None,
    base: Annotated[int | None, typer.Option("--base", help="The run a reserve or trial round starts from, stated to be sure: refused unless it is the newest valid final or reserve run.")] = None,
    seed: RoundSeedOption = None,
    tie_break: TieBreakOption = None,
    max_choices: MaxChoicesOption = None,
    language: LanguageOption = None,
    quiet: QuietOption = False,
    pseudonymise: PseudonymiseOption = False,
    pseudonym_key_file: KeyFileOption = None,
    shared_output: SharedOutputOption = False,
) -> None:
    """Run a preliminary, final, reserve, trial or simulation round and record it in the season database.

    The season moves preliminary (any number) -> final -> reserve (any number); a trial is exactly
    the next reserve round, recorded but never a base; a simulation runs any time. A reserve
    round starts from the newest valid final or reserve round: every student keeps their seat
    or moves up their own list; declined and withdrawn seats (--answers) are freed and go to the
    best-placed reserves, in chains, within the one round. Every run is recorded with its inputs'
    sha256, seed, settings, placements and reserve positions (see `admissions history`). The
    season database keeps the real student ids (it is the officers' own record); --pseudonymise
    applies to the files written to OUT.

    Example: admissions round final data/samples/skane-2000 --season season-2027 --out final
    """
    from admissions.season.rounds import run_round

    with failures_reported(folder, answers), output_options(pseudonymise, pseudonym_key_file, shared_output):
        r, record = run_round(kind.value, folder, season, answers=answers, out=out, base=base, seed=seed,
                              tie_break=parse_tie_break(tie_break), max_choices=max_choices,
                              progress=None if quiet else progress_printer(), language=language)
    if not quiet:
        if r.warnings:
            print_problems(list(r.warnings), folder)
        typer.echo(f"{kind.value.capitalize()} round recorded as run {record['run_id']} in {season}")
        if out is None:
            # A line of its own, never wrapped by the table: a command to copy into a shell.
            export = Step.call("export_run", season=season, run_id=record["run_id"], out=Blank("OUT"))
            typer.echo(f"No --out: {step_command(export)} writes its files")
        print_summary(record, out if out is not None else f"Run {record['run_id']}")
