"""`admissions round`: run one round of the admission year and record it in the season."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._options import (
    KeyFileOption,
    PseudonymiseOption,
    SharedOutputOption,
    output_options,
    parse_tie_break,
)
from admissions.cli._output import failures_reported, print_problems
from admissions.cli._summary import print_summary, progress_printer

SEASON_HELP = "Season folder (its database is season.sqlite there) or the .sqlite file itself."


class RoundKind(str, Enum):
    preliminary = "preliminary"
    final = "final"
    reserve = "reserve"
    simulation = "simulation"


def round_(
    kind: Annotated[RoundKind, typer.Argument(help="preliminary, final, reserve or simulation.")],
    folder: Annotated[Path, typer.Argument(help="Input folder of the round.")],
    season: Annotated[Path, typer.Option("--season", envvar="ADMISSIONS_SEASON", help=SEASON_HELP)],
    answers: Annotated[Path | None, typer.Option("--answers", help="answers.csv (student_id, answer: accept, decline, withdraw); reserve rounds only.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the files of `admissions match` to this folder.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the lottery when the input has none [default: 0].")] = None,
    tie_break: Annotated[str | None, typer.Option("--tie-break", help="Tie-break chain, comma-separated.")] = None,
    max_choices: Annotated[int | None, typer.Option("--max-choices", help="Consider only each student's first N choices.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    pseudonymise: PseudonymiseOption = False,
    pseudonym_key_file: KeyFileOption = None,
    shared_output: SharedOutputOption = False,
) -> None:
    """Run a preliminary, final, reserve or simulation round and record it in the season database.

    A reserve round starts from the newest final or reserve round: every student keeps their seat
    or moves up their own list; declined and withdrawn seats (--answers) are freed and go to the
    best-placed reserves, in chains, within the one round. Every run is recorded with its inputs'
    sha256, seed, settings, placements and reserve positions (see `admissions history`). The
    season database keeps the real student ids (it is the officers' own record); --pseudonymise
    applies to the files written to OUT.

    Example: admissions round final data/samples/skane-2000 --season season-2027 --out final
    """
    from admissions.season.rounds import run_round

    with failures_reported(folder), output_options(pseudonymise, pseudonym_key_file, shared_output):
        r, record = run_round(kind.value, folder, season, answers=answers, out=out, seed=seed,
                              tie_break=parse_tie_break(tie_break), max_choices=max_choices,
                              progress=None if quiet else progress_printer())
    if not quiet:
        if r.warnings:
            print_problems(list(r.warnings), folder)
        typer.echo(f"Recorded {kind.value} round as run {record['run_id']} in {season}")
        print_summary(record, out if out is not None else season)
