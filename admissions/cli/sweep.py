"""`admissions sweep`: cut-off, vacant seats and unplaced students as the seats of one offer vary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from admissions.cli._options import FolderArgument, LanguageOption, QuietOption, SchedulerOption, SeedOption, SharedOutputOption, WorkersOption, output_options
from admissions.cli._output import failures_reported
from admissions.cli._summary import data_console, task_bar


def sweep(
    folder: FolderArgument,
    programme_id: Annotated[str, typer.Option("--programme", help="programme_id of the offer whose seats vary.")],
    seats: Annotated[str, typer.Option("--seats", help="Seat values START:STOP:STEP (STOP included when reached), START:STOP or N.")],
    out: Annotated[Path | None, typer.Option("--out", help="Output folder for sweep.csv, sweep.html (the charts) and run.json; replaced whole when the run succeeds [default: only print the table].")] = None,
    seed: SeedOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    quiet: QuietOption = False,
    language: LanguageOption = None,
    shared_output: SharedOutputOption = False,
) -> None:
    """Re-match the round for each number of seats of one offer, everything else as it is.

    Prints one row per seat value: the offer's admitted, vacant seats and cut-off (merit value plus
    test points of the lowest admitted; empty when every applicant who wants the offer gets it)
    and the unplaced students of the region. With --out, also writes OUT/sweep.csv (those columns
    and the region's placed, placed on first choice, vacant seats and students with a better or
    worse choice than today; baseline marks today's seats), OUT/sweep.html (the charts, in the
    document language) and OUT/run.json. The input is loaded and ranked once; the matchings run in parallel as for whatif.

    Example: admissions sweep data/samples/skane-2000 --programme 12926770-NA --seats 0:40:4 --out sweep
    """
    from admissions.analysis.whatif import parse_seat_range, run_sweep

    with failures_reported(folder):
        values = parse_seat_range(seats)
        with output_options(False, None, shared_output), task_bar(quiet, "seat values") as (steps, tasks):
            table, _ = run_sweep(folder, programme_id, values, out, seed=seed, workers=workers, scheduler=scheduler,
                                 progress=steps, task_progress=tasks, language=language)
    if not quiet:
        where = f" written to {out}" if out is not None else " (add --out OUT for sweep.csv and the charts)"
        summary = Table(title=f"Sweep of {programme_id}{where}", title_justify="left")
        for name in ("seats", "admitted", "vacant", "cut-off", "unplaced in region"):
            summary.add_column(name, justify="right")
        for row in table.itertuples(index=False):
            cut = "" if pd.isna(row.cutoff) else f"{row.cutoff:g}"
            summary.add_row(f"{row.seats:,}", f"{row.admitted:,}", f"{row.vacant_seats:,}", cut, f"{row.unplaced:,}")
        data_console().print(summary)
