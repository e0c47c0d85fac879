"""`admissions void`: mark a run of the season void, with the reason."""

from __future__ import annotations

from typing import Annotated

import typer

from admissions.cli._options import SeasonOption
from admissions.cli._output import failures_reported


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
