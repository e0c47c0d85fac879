"""`admissions statistics`: the region's published statistics per offer, from a season."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from admissions.cli._summary import counted
from admissions.cli._options import LanguageOption, SharedOutputOption
from admissions.cli._output import failures_reported
from admissions.io.policy import output_policy


def statistics(
    season: Annotated[Path, typer.Option("--season", envvar="ADMISSIONS_SEASON", help="Season folder (its database is season.sqlite there) or the .sqlite file itself.")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the statistics to; replaced whole when all succeeded.")],
    language: LanguageOption = None,
    shared_output: SharedOutputOption = False,
) -> None:
    """Write the statistics the region publishes: one row per offer for the preliminary, final and latest reserve round.

    Seats, first-choice applicants, and for each round the admitted, the reserves and the lowest
    and average merit value of the admitted (merit values, never test points), or a code where no
    cut-off applies: IA no one admitted, FP admitted by aptitude test points, AB all eligible
    applicants admitted. Cells describing fewer than 5 students show ".." (as Skolverket does).
    OUT/statistics.csv has the contract's English column names (for programs);
    OUT/statistics.xlsx and OUT/statistics.html are in the document language and state the runs,
    the codes and the rule; OUT/statistics-notes.json states them for programs. Private files
    unless --shared-output.

    Example: admissions statistics --season season-2027 --out statistics
    """
    from admissions.reports.statistics import run_statistics

    with failures_reported(season), output_policy(None, shared_output):
        record = run_statistics(season, out, language)
    runs = ", ".join(f"{kind} {run}" for kind, run in record["runs"].items() if run is not None)
    typer.echo(f"Wrote statistics for {counted(record['counts']['offers'], 'offer')} ({runs}) to {out}")
