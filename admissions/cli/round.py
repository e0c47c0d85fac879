"""`admissions round`: run one round of the admission year and record it in the season."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._options import FolderArgument, MaxChoicesOption, QuietOption, RoundSeedOption, SeasonOption, TieBreakOption
from admissions.cli._options import (
    KeyFileOption,
    PseudonymiseOption,
    SharedOutputOption,
    output_options,
    parse_tie_break,
)
from admissions.cli._output import fail, failures_reported, print_problems
from admissions.cli._summary import print_summary, progress_printer
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

    with failures_reported(folder), output_options(pseudonymise, pseudonym_key_file, shared_output):
        r, record = run_round(kind.value, folder, season, answers=answers, out=out, base=base, seed=seed,
                              tie_break=parse_tie_break(tie_break), max_choices=max_choices,
                              progress=None if quiet else progress_printer())
    if not quiet:
        if r.warnings:
            print_problems(list(r.warnings), folder)
        typer.echo(f"{kind.value.capitalize()} round recorded as run {record['run_id']} in {season}")
        print_summary(record, out if out is not None else f"Recorded as run {record['run_id']} in {season} "
                      f"(no --out; `admissions export --season {season} {record['run_id']} --out OUT` writes its files)")


def void(
    run_id: Annotated[int, typer.Argument(metavar="RUN", help="The run to void (see admissions history).")],
    season: SeasonOption,
    reason: Annotated[str, typer.Option("--reason", help="Why it is voided; kept in the history.")],
    with_later: Annotated[bool, typer.Option("--with-later", help="Also void every valid run based on it, transitively.")] = False,
) -> None:
    """Mark a run void: kept in the history with the time and the reason, never a base, its answers no longer count.

    Refused while a valid run is based on it, unless --with-later voids the chain. After voiding,
    the season behaves as if the void runs had never happened.

    Example: admissions void 4 --season season-2027 --reason "wrong answers file"
    """
    from admissions.season.rounds import void_run

    with failures_reported(season):
        voided = void_run(season, run_id, reason, with_later=with_later)
    typer.echo(f"Voided run{'s' if len(voided) > 1 else ''} {', '.join(map(str, voided))} in {season}: {reason}")


def export(
    run_id: Annotated[int, typer.Argument(metavar="RUN", help="The run whose output folder to write.")],
    season: SeasonOption,
    out: Annotated[Path, typer.Option("--out", help="Output folder; replaced whole.")],
) -> None:
    """Write the output folder of a recorded run, byte for byte as written when it ran.

    Example: admissions export --season season-2027 3 --out out/reserve-1
    """
    from admissions.season.rounds import export_run

    with failures_reported(season):
        names = export_run(season, run_id, out)
    typer.echo(f"Run {run_id} written to {out}: {', '.join(names)}")


def answers(
    season: SeasonOption,
    out: Annotated[Path, typer.Option("--out", help="answers.csv to write.")],
    accept: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of holders who accept.")] = 0.3,
    decline: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of holders who decline.")] = 0.05,
    withdraw: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of holders who withdraw.")] = 0.01,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the draw.")] = 0,
) -> None:
    """Write synthetic answers (student_id, answer) for the holders of the next reserve round's base: for trying a season.

    Each holder of the newest valid final or reserve run accepts, declines or withdraws with the
    given shares; the rest do not answer. Real answers come from the students.

    Example: admissions answers --season season-2027 --out answers-1.csv --seed 1
    """
    from admissions.io.atomic import output_file
    from admissions.io.write import write_csv
    from admissions.season.rounds import base_holders
    from admissions.synth.answers import draw_answers

    if accept + decline + withdraw > 1:
        fail(f"--accept + --decline + --withdraw == {accept + decline + withdraw:g}, must be at most 1")
    with failures_reported(season):
        base, holders = base_holders(season)
        frame = draw_answers(holders, accept=accept, decline=decline, withdraw=withdraw, seed=seed)
        with output_file(out) as temporary:
            write_csv(frame, temporary)
    counts = frame["answer"].value_counts()
    typer.echo(f"{len(frame)} answers for the {len(holders)} holders of run {base} written to {out}: "
               + ", ".join(f"{counts.get(a, 0)} {a}" for a in ("accept", "decline", "withdraw")))
