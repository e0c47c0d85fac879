"""`admissions export`: write a recorded run's output folder back, byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._options import SeasonOption
from admissions.cli._output import failures_reported


def export(
    # --season before RUN: a message names this command as its help and the README write it
    # (admissions export --season S 3 --out OUT: step_command follows this order).
    season: SeasonOption,
    run_id: Annotated[int, typer.Argument(metavar="RUN", help="The run whose output folder to write.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder; replaced whole.")],
) -> None:
    """Write the output folder of a recorded run, byte for byte as written when it ran.

    A void run is written too, as recorded (its files are the record of what it gave); the line
    printed says that it is void, since when and why.

    Example: admissions export --season season-2027 3 --out out/reserve-1
    """
    from admissions.season.rounds import export_run

    with failures_reported(season):
        run, names = export_run(season, run_id, out)
    # The files are the record, byte for byte as written: a void run is exported as it was, and said so here.
    state = run.void_note
    typer.echo(f"Run {run_id}{state} written to {out}: {', '.join(names)}")
