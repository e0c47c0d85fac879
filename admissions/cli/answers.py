"""`admissions answers`: synthetic answers of the holders, for trying a season."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._options import ForceFileOption, SeasonOption
from admissions.cli._output import fail, failures_reported
from admissions.cli._summary import counted
from admissions.io.contract import SEED_LIMIT


def answers(
    season: SeasonOption,
    out: Annotated[Path, typer.Option("--out", help="answers.csv to write.")],
    accept: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of holders who accept.")] = 0.3,
    decline: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of holders who decline.")] = 0.05,
    withdraw: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of holders who withdraw.")] = 0.01,
    seed: Annotated[int, typer.Option(min=0, max=SEED_LIMIT - 1, help="Seed of the draw.")] = 0,
    force: ForceFileOption = False,
) -> None:
    """Write synthetic answers (student_id, answer) for the holders of the next reserve round's base: for trying a season.

    Each holder of the newest valid final or reserve run accepts, declines or withdraws with the
    given shares; the rest do not answer. Real answers come from the students. An existing file
    is replaced only with --force.

    Example: admissions answers --season season-2027 --out answers-1.csv --seed 1
    """
    from admissions.io.atomic import check_output_file, output_file
    from admissions.io.write import write_csv
    from admissions.season.rounds import base_holders
    from admissions.season.store import season_path
    from admissions.synth.answers import draw_answers

    if accept + decline + withdraw > 1:
        fail(f"--accept + --decline + --withdraw == {accept + decline + withdraw:g}, must be at most 1")
    reads = (season_path(season),)  # never over the season database
    check_output_file(out, reads, force)
    with failures_reported(season):
        base, holders = base_holders(season)
        frame = draw_answers(holders, accept=accept, decline=decline, withdraw=withdraw, seed=seed)
        with output_file(out, reads=reads, force=force) as temporary:
            write_csv(frame, temporary)
    counts = frame["answer"].value_counts()
    typer.echo(f"{counted(len(frame), 'answer')} for the {counted(len(holders), 'holder')} of run {base} written to {out}: "
               + ", ".join(f"{counts.get(a, 0):,} {a}" for a in ("accept", "decline", "withdraw")))
